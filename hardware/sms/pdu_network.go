package sms

import (
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf16"
)

// The network's side of the PDUs: what a modem simulator (gsmsim) and the demo need
// to play a mobile network. The driver itself only decodes these.

// EncodeDeliver builds the SMS-DELIVER PDUs (with a zero length service centre
// address) by which from (E.164) sends text; long texts get concatenation headers
// with reference ref.
func EncodeDeliver(from, text string, at time.Time, ref byte) ([]string, error) {
	subs, err := EncodeSubmit(from, text, ref, false)
	if err != nil {
		return nil, err
	}
	addr, _ := encodeAddress(from)
	var out []string
	for _, s := range subs {
		b, _ := hex.DecodeString(s.Hex)
		t := b[1:] // without SCA
		// SUBMIT: first, MR, DA, PID, DCS, VP, UDL, UD → DELIVER: first, OA, PID, DCS, SCTS, UDL, UD
		first := t[0]&0x40 | 0x04 // UDHI kept, no more messages waiting, MTI 00
		rest := t[2+len(addr):]   // PID onwards
		d := []byte{0x00, first}
		d = append(d, addr...)
		d = append(d, rest[0], rest[1])
		d = append(d, encodeTimestamp(at)...)
		d = append(d, rest[3:]...) // skip VP
		out = append(out, strings.ToUpper(hex.EncodeToString(d)))
	}
	return out, nil
}

// EncodeStatusReport builds an SMS-STATUS-REPORT PDU for message reference mr.
func EncodeStatusReport(mr int, recipient string, status byte, at time.Time) (string, error) {
	addr, err := encodeAddress(recipient)
	if err != nil {
		return "", err
	}
	d := []byte{0x00, 0x06, byte(mr)}
	d = append(d, addr...)
	d = append(d, encodeTimestamp(at)...)
	d = append(d, encodeTimestamp(at)...)
	d = append(d, status)
	return strings.ToUpper(hex.EncodeToString(d)), nil
}

func encodeTimestamp(t time.Time) []byte {
	t = t.UTC()
	v := []int{t.Year() % 100, int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), 0}
	b := make([]byte, 7)
	for i, x := range v {
		b[i] = byte(x%10)<<4 | byte(x/10)
	}
	return b
}

// Submitted is an SMS-SUBMIT as the network reads it.
type Submitted struct {
	To           string
	Text         string
	Ref, Parts   int
	Part         int
	StatusReport bool
}

// DecodeSubmit reads an SMS-SUBMIT PDU as given to AT+CMGS (with a service centre
// address first). The simulator uses it to play the recipients' side; the tests check
// the encoder with a decoder of their own.
func DecodeSubmit(h string) (*Submitted, error) {
	b, err := hex.DecodeString(strings.TrimSpace(h))
	if err != nil {
		return nil, err
	}
	r := &reader{b: b}
	r.skip(int(r.byte()))
	first := r.byte()
	if r.err == nil && first&0x03 != 0x01 {
		return nil, errors.New("not an SMS-SUBMIT")
	}
	r.byte() // MR
	s := &Submitted{Ref: -1, Parts: 1, Part: 1, StatusReport: first&0x20 != 0}
	s.To = r.address()
	r.byte()
	dcs := r.byte()
	switch first >> 3 & 0x03 {
	case 0x02:
		r.skip(1)
	case 0x01, 0x03:
		r.skip(7)
	}
	udl := int(r.byte())
	ud := r.rest()
	if r.err != nil {
		return nil, r.err
	}
	// Reuse the DELIVER decoding of the user data: same layout from here.
	d := &Deliver{Ref: -1, Parts: 1, Part: 1}
	hdr := 0
	if first&0x40 != 0 {
		if len(ud) == 0 || int(ud[0])+1 > len(ud) {
			return nil, errors.New("bad user data header")
		}
		hdr = int(ud[0]) + 1
		parseConcat(ud[1:hdr], d)
	}
	if dcs&0x0C == 0x08 {
		if udl > len(ud) || udl < hdr {
			return nil, errors.New("short user data")
		}
		body := ud[hdr:udl]
		u := make([]uint16, 0, len(body)/2)
		for i := 0; i+1 < len(body); i += 2 {
			u = append(u, uint16(body[i])<<8|uint16(body[i+1]))
		}
		s.Text = string(utf16.Decode(u))
	} else {
		fill := (7 - (hdr*8)%7) % 7
		skip := 0
		if hdr > 0 {
			skip = (hdr*8 + fill) / 7
		}
		if skip > udl || udl > 160 {
			return nil, errors.New("bad user data length")
		}
		s.Text = gsm7Text(unpackSeptets(ud[hdr:], fill, udl-skip))
	}
	s.Ref, s.Parts, s.Part = d.Ref, d.Parts, d.Part
	return s, nil
}
