package sms

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
)

// Data coding schemes (TS 23.038 §4) the driver writes.
const (
	dcsGSM7 = 0x00
	dcsUCS2 = 0x08
)

// Limits of one SMS (TS 23.040 §9.2.3.24): 140 octets of user data, which hold 160
// septets or 70 UCS-2 units; a concatenation header (6 octets) leaves 153 / 67.
const (
	maxSeptets       = 160
	maxSeptetsConcat = 153
	maxUCS2          = 70
	maxUCS2Concat    = 67
	// MaxParts bounds a long text: 10 parts are about 1 500 characters, more than an
	// alarm needs and little enough that a typo cannot cost a hundred messages.
	MaxParts = 10
)

// ErrTooLong is returned for a text that needs more than MaxParts messages.
var ErrTooLong = errors.New("text too long for an SMS (more than 10 parts)")

// SubmitPDU is one SMS-SUBMIT ready for AT+CMGS: Hex is the PDU including a zero
// length service centre address (the SIM's own is used), TPDULen the octets after
// it (the number AT+CMGS wants).
type SubmitPDU struct {
	Hex     string
	TPDULen int
}

// EncodeSubmit builds the SMS-SUBMIT PDUs (TS 23.040 §9.2.2.2) that carry text to
// number (E.164, "+4917..."): GSM 7-bit when every character is in the default
// alphabet or its extension table (German umlauts and ß are; € takes two septets),
// otherwise UCS-2; a text longer than one SMS is split into parts with a
// concatenation header (8-bit reference ref, TS 23.040 §9.2.3.24.1), never inside
// an escape sequence or a surrogate pair. statusReport asks the network for a
// delivery report. Validity is 24 hours: an alarm older than that is stale.
func EncodeSubmit(number, text string, ref byte, statusReport bool) ([]SubmitPDU, error) {
	addr, err := encodeAddress(number)
	if err != nil {
		return nil, err
	}
	if text == "" {
		return nil, errors.New("empty text")
	}
	var parts [][]byte // user data of each part, without header
	var units []int    // UDL contribution of each part (septets or octets)
	dcs := byte(dcsGSM7)
	if septets, ok := gsm7Septets(text); ok {
		if len(septets) <= maxSeptets {
			parts, units = [][]byte{septets}, []int{len(septets)}
		} else {
			for len(septets) > 0 {
				n := min(maxSeptetsConcat, len(septets))
				if septets[n-1] == 0x1B { // an escape and its value stay together
					n--
				}
				parts, units = append(parts, septets[:n]), append(units, n)
				septets = septets[n:]
			}
		}
	} else {
		dcs = dcsUCS2
		u := utf16.Encode([]rune(text))
		limit := maxUCS2
		if len(u) > maxUCS2 {
			limit = maxUCS2Concat
		}
		for len(u) > 0 {
			n := min(limit, len(u))
			if n < len(u) && utf16.IsSurrogate(rune(u[n-1])) && u[n-1] < 0xDC00 {
				n--
			}
			b := make([]byte, 0, 2*n)
			for _, c := range u[:n] {
				b = append(b, byte(c>>8), byte(c))
			}
			parts, units = append(parts, b), append(units, 2*n)
			u = u[n:]
		}
	}
	if len(parts) > MaxParts {
		return nil, ErrTooLong
	}
	out := make([]SubmitPDU, 0, len(parts))
	for i, p := range parts {
		first := byte(0x11) // SMS-SUBMIT, relative validity period
		if statusReport {
			first |= 0x20
		}
		var udh []byte
		if len(parts) > 1 {
			first |= 0x40
			udh = []byte{0x05, 0x00, 0x03, ref, byte(len(parts)), byte(i + 1)}
		}
		t := []byte{first, 0x00} // TP-MR 0: the modem sets it
		t = append(t, addr...)
		t = append(t, 0x00, dcs, 0xA7) // PID, DCS, VP 24 h
		var ud []byte
		udl := units[i]
		if dcs == dcsGSM7 {
			fill := 0
			if udh != nil {
				fill = (7 - (len(udh)*8)%7) % 7
				udl += (len(udh)*8 + fill) / 7
			}
			// The septets begin after the header's octets and the fill bits.
			ud = append(append([]byte(nil), udh...), packSeptets(p, fill)...)
		} else {
			udl += len(udh)
			ud = append(append([]byte(nil), udh...), p...)
		}
		t = append(t, byte(udl))
		t = append(t, ud...)
		out = append(out, SubmitPDU{Hex: strings.ToUpper("00" + hex.EncodeToString(t)), TPDULen: len(t)})
	}
	return out, nil
}

// encodeAddress writes a TP-DA (TS 23.040 §9.1.2.5): digit count, type of address
// (0x91 international), digits as swapped semi-octets.
func encodeAddress(number string) ([]byte, error) {
	n, err := NormalizeE164(number)
	if err != nil {
		return nil, err
	}
	digits := n[1:]
	b := []byte{byte(len(digits)), 0x91}
	for i := 0; i < len(digits); i += 2 {
		lo := digits[i] - '0'
		hi := byte(0xF)
		if i+1 < len(digits) {
			hi = digits[i+1] - '0'
		}
		b = append(b, hi<<4|lo)
	}
	return b, nil
}

// NormalizeE164 checks and tidies a phone number to E.164 (ITU-T E.164: "+", country
// code, at most 15 digits). Spaces, dashes, dots, slashes and brackets are dropped;
// a leading "00" is read as "+"; a trunk prefix written "(0)" after the country code
// ("+49 (0)170 …", common in Germany) is not dialled from abroad and is dropped.
// National numbers ("0171…") are refused: the appliance cannot know the country for sure.
func NormalizeE164(number string) (string, error) {
	var b strings.Builder
	number = strings.ReplaceAll(strings.ReplaceAll(number, "( 0 )", "(0)"), "(0)", "")
	for i, r := range strings.TrimSpace(number) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" -./()", r):
		default:
			return "", fmt.Errorf("invalid character %q in phone number", r)
		}
	}
	n := b.String()
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	if !strings.HasPrefix(n, "+") {
		return "", errors.New("phone number must be international, e.g. +49 171 2345678")
	}
	if d := len(n) - 1; d < 7 || d > 15 || n[1] == '0' {
		return "", errors.New("phone number must have 7 to 15 digits after the country code's +")
	}
	return n, nil
}

// Deliver is a received SMS-DELIVER (TS 23.040 §9.2.2.1), one part of a text.
type Deliver struct {
	From     string    // E.164 ("+49…"), national digits, or an alphanumeric sender
	SentAt   time.Time // service centre time stamp
	Text     string    // this part's text
	Ref      int       // concatenation reference; -1 when the text is one SMS
	Parts    int       // 1 when the text is one SMS
	Part     int       // 1-based
	Reported bool      // a status report was asked for (TP-SRI)
}

// StatusReport is a received SMS-STATUS-REPORT (TS 23.040 §9.2.2.3).
type StatusReport struct {
	MR        int // TP-MR of the submitted message it reports on
	Recipient string
	Done      time.Time
	Status    byte // TP-ST (§9.2.3.15): 0x00–0x1F delivered, 0x20–0x3F still trying, else failed
}

// Delivered: the report says the message reached the handset.
func (r StatusReport) Delivered() bool { return r.Status < 0x20 }

// Final: the network has stopped trying (delivered or failed for good).
func (r StatusReport) Final() bool { return r.Status < 0x20 || r.Status >= 0x40 }

// DecodePDU reads a PDU as AT+CMGR shows it in PDU mode (hex, with the service centre
// address first) and returns a *Deliver or a *StatusReport. Malformed input gives an
// error, never a panic (the parser is fuzzed).
func DecodePDU(h string) (any, error) {
	b, err := hex.DecodeString(strings.TrimSpace(h))
	if err != nil {
		return nil, fmt.Errorf("PDU is not hex: %w", err)
	}
	r := &reader{b: b}
	sca := r.byte()
	r.skip(int(sca))
	first := r.byte()
	if r.err != nil {
		return nil, r.err
	}
	switch first & 0x03 {
	case 0x00:
		return decodeDeliver(r, first)
	case 0x02:
		sr := &StatusReport{MR: int(r.byte())}
		sr.Recipient = r.address()
		r.skip(7)
		sr.Done = r.timestamp()
		sr.Status = r.byte()
		if r.err != nil {
			return nil, r.err
		}
		return sr, nil
	}
	return nil, fmt.Errorf("PDU type %d is neither SMS-DELIVER nor SMS-STATUS-REPORT", first&0x03)
}

func decodeDeliver(r *reader, first byte) (*Deliver, error) {
	d := &Deliver{Ref: -1, Parts: 1, Part: 1, Reported: first&0x20 != 0}
	d.From = r.address()
	r.byte() // PID
	dcs := r.byte()
	d.SentAt = r.timestamp()
	udl := int(r.byte())
	ud := r.rest()
	if r.err != nil {
		return nil, r.err
	}
	var alphabet int // 0 GSM 7-bit, 1 8-bit data, 2 UCS-2 (TS 23.038 §4)
	switch {
	case dcs&0xC0 == 0x00, dcs&0xF0 == 0xF0:
		alphabet = int(dcs>>2) & 0x03
		if dcs&0xF0 == 0xF0 {
			alphabet = int(dcs>>2) & 0x01
		}
	case dcs&0xC0 == 0x40: // marked for automatic deletion: same coding bits
		alphabet = int(dcs>>2) & 0x03
	case dcs&0xF0 == 0xE0:
		alphabet = 2
	}
	hdrLen := 0
	if first&0x40 != 0 {
		if len(ud) < 1 || int(ud[0])+1 > len(ud) {
			return nil, errors.New("user data header longer than the user data")
		}
		hdrLen = int(ud[0]) + 1
		parseConcat(ud[1:hdrLen], d)
	}
	switch alphabet {
	case 0:
		fill := (7 - (hdrLen*8)%7) % 7
		skip := 0
		if hdrLen > 0 {
			skip = (hdrLen*8 + fill) / 7
		}
		if udl > 160 || skip > udl {
			return nil, errors.New("user data length out of range")
		}
		if (udl*7+7)/8 > len(ud) {
			return nil, errors.New("user data shorter than its length")
		}
		septets := unpackSeptets(ud[hdrLen:], fill, udl-skip)
		d.Text = gsm7Text(septets)
	case 2:
		if udl > len(ud) || udl < hdrLen {
			return nil, errors.New("user data shorter than its length")
		}
		body := ud[hdrLen:udl]
		u := make([]uint16, 0, len(body)/2)
		for i := 0; i+1 < len(body); i += 2 {
			u = append(u, uint16(body[i])<<8|uint16(body[i+1]))
		}
		d.Text = string(utf16.Decode(u))
	default:
		if udl > len(ud) || udl < hdrLen {
			return nil, errors.New("user data shorter than its length")
		}
		d.Text = strings.ToValidUTF8(string(ud[hdrLen:udl]), "?")
	}
	return d, nil
}

// parseConcat reads a concatenation element (IEI 0x00, 8-bit reference, or 0x08,
// 16-bit) from a user data header.
func parseConcat(h []byte, d *Deliver) {
	for len(h) >= 2 {
		iei, l := h[0], int(h[1])
		if 2+l > len(h) {
			return
		}
		v := h[2 : 2+l]
		switch {
		case iei == 0x00 && l == 3 && v[1] > 0 && v[2] > 0:
			d.Ref, d.Parts, d.Part = int(v[0]), int(v[1]), int(v[2])
		case iei == 0x08 && l == 4 && v[2] > 0 && v[3] > 0:
			d.Ref, d.Parts, d.Part = int(v[0])<<8|int(v[1]), int(v[2]), int(v[3])
		}
		h = h[2+l:]
	}
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.err = errors.New("PDU ends too early")
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) skip(n int) {
	if r.err != nil {
		return
	}
	if n > len(r.b) {
		r.err = errors.New("PDU ends too early")
		return
	}
	r.b = r.b[n:]
}

func (r *reader) rest() []byte {
	v := r.b
	r.b = nil
	return v
}

// address reads a TP-OA / TP-RA (TS 23.040 §9.1.2.5).
func (r *reader) address() string {
	n := int(r.byte())
	toa := r.byte()
	octets := (n + 1) / 2
	if r.err != nil || octets > len(r.b) {
		if r.err == nil {
			r.err = errors.New("PDU ends inside an address")
		}
		return ""
	}
	raw := r.b[:octets]
	r.b = r.b[octets:]
	if toa&0x70 == 0x50 { // alphanumeric, GSM 7-bit packed
		return gsm7Text(unpackSeptets(raw, 0, n*4/7))
	}
	var b strings.Builder
	if toa&0x70 == 0x10 {
		b.WriteByte('+')
	}
	for i := 0; i < n; i++ {
		d := raw[i/2]
		if i%2 == 1 {
			d >>= 4
		}
		d &= 0x0F
		if d > 9 {
			b.WriteString(string("*#abc"[min(int(d-10), 4)]))
			continue
		}
		b.WriteByte('0' + d)
	}
	return b.String()
}

// timestamp reads a TP-SCTS (TS 23.040 §9.2.3.11): swapped BCD, time zone in quarter
// hours. A nonsense date gives the zero time rather than an error.
func (r *reader) timestamp() time.Time {
	if r.err != nil {
		return time.Time{}
	}
	if len(r.b) < 7 {
		r.err = errors.New("PDU ends inside a time stamp")
		return time.Time{}
	}
	v := make([]int, 7)
	for i := range 7 {
		o := r.b[i]
		v[i] = int(o&0x0F)*10 + int(o>>4)
		if i == 6 { // bit 3 is the sign of the time zone
			v[i] = int(o&0x07)*10 + int(o>>4)
		}
	}
	tz := v[6] * 15 * 60
	if r.b[6]&0x08 != 0 {
		tz = -tz
	}
	r.b = r.b[7:]
	if v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 59 {
		return time.Time{}
	}
	return time.Date(2000+v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, time.FixedZone("", tz))
}
