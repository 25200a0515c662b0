package sms

// An independent reference decoder for SMS-SUBMIT PDUs, written from the tables of
// 3GPP TS 23.038 §6.2.1 (default alphabet and extension) and the layout of TS 23.040
// §9.2.2.2, to check the encoder without trusting its own inverse. It shares no code
// or table with the package: the alphabet is listed by code point, the septets are
// unpacked bit by bit.

import (
	"encoding/hex"

	"sort"
	"strings"
	"testing"
	"unicode/utf16"
)

// refAlphabet is TS 23.038 table 6.2.1, row by row (0x00–0x7F), as code points.
var refAlphabet = [128]rune{
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3, 0x0398, 0x039E, 0xFFFF, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, 0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, 0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
}

// refExtension is TS 23.038 table 6.2.1.1 (after escape 0x1B).
func refExtension(s byte) (rune, bool) {
	switch s {
	case 0x0A:
		return 0x000C, true
	case 0x14:
		return 0x005E, true
	case 0x28:
		return 0x007B, true
	case 0x29:
		return 0x007D, true
	case 0x2F:
		return 0x005C, true
	case 0x3C:
		return 0x005B, true
	case 0x3D:
		return 0x007E, true
	case 0x3E:
		return 0x005D, true
	case 0x40:
		return 0x007C, true
	case 0x65:
		return 0x20AC, true
	}
	return 0, false
}

type refPart struct {
	to                string
	ref, total, seq   int
	text              string
	srr               bool
	dcs, udl, octetsN int
}

// refDecodeSubmit reads one SMS-SUBMIT (with SCA) field by field.
func refDecodeSubmit(t *testing.T, h string) refPart {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatalf("not hex: %v", err)
	}
	i := 0
	next := func() int {
		if i >= len(b) {
			t.Fatalf("PDU %s ends at octet %d", h, i)
		}
		i++
		return int(b[i-1])
	}
	i += next() // SCA
	first := next()
	if first&0x03 != 1 {
		t.Fatalf("TP-MTI %d, want SMS-SUBMIT", first&3)
	}
	var p refPart
	p.srr = first&0x20 != 0
	next() // TP-MR
	digits, toa := next(), next()
	var num strings.Builder
	if toa == 0x91 {
		num.WriteByte('+')
	}
	for k := 0; k < digits; k++ {
		o := b[i+k/2]
		if k%2 == 0 {
			num.WriteByte('0' + o&0x0F)
		} else {
			num.WriteByte('0' + o>>4)
		}
	}
	i += (digits + 1) / 2
	p.to = num.String()
	next() // PID
	p.dcs = next()
	switch (first >> 3) & 3 { // TP-VPF
	case 2:
		next()
	case 1, 3:
		i += 7
	}
	p.udl = next()
	ud := b[i:]
	p.octetsN = len(b) - 1 - int(b[0])
	udhOctets := 0
	p.total, p.seq = 1, 1
	if first&0x40 != 0 {
		udhOctets = int(ud[0]) + 1
		for k := 1; k < udhOctets; {
			iei, l := ud[k], int(ud[k+1])
			if iei == 0 {
				p.ref, p.total, p.seq = int(ud[k+2]), int(ud[k+3]), int(ud[k+4])
			}
			k += 2 + l
		}
	}
	if p.dcs == 0x08 {
		var u []uint16
		for k := udhOctets; k+1 < p.udl; k += 2 {
			u = append(u, uint16(ud[k])<<8|uint16(ud[k+1]))
		}
		p.text = string(utf16.Decode(u))
		return p
	}
	if p.dcs != 0 {
		t.Fatalf("DCS %02X", p.dcs)
	}
	// Bit by bit: bit n of the user data is bit n%8 of octet n/8; septet k begins
	// at bit 7k. The header takes the first ceil(8*udhOctets/7) septets.
	bit := func(n int) int { return int(ud[n/8]>>(n%8)) & 1 }
	skip := (udhOctets*8 + 6) / 7
	var out []rune
	esc := false
	for k := skip; k < p.udl; k++ {
		v := 0
		for j := 0; j < 7; j++ {
			v |= bit(7*k+j) << j
		}
		switch {
		case esc:
			r, ok := refExtension(byte(v))
			if !ok {
				t.Fatalf("unknown extension septet %02X", v)
			}
			out, esc = append(out, r), false
		case v == 0x1B:
			esc = true
		default:
			out = append(out, refAlphabet[v])
		}
	}
	if esc {
		t.Fatalf("part ends inside an escape")
	}
	p.text = string(out)
	return p
}

func refJoin(t *testing.T, pdus []SubmitPDU) (string, []refPart) {
	var parts []refPart
	for _, p := range pdus {
		rp := refDecodeSubmit(t, p.Hex)
		if rp.octetsN != p.TPDULen {
			t.Fatalf("TPDU length %d, encoder says %d", rp.octetsN, p.TPDULen)
		}
		if rp.octetsN > 176 {
			t.Fatalf("TPDU of %d octets is longer than any SMS", rp.octetsN)
		}
		parts = append(parts, rp)
	}
	sort.Slice(parts, func(a, b int) bool { return parts[a].seq < parts[b].seq })
	var b strings.Builder
	for k, p := range parts {
		if p.total != len(parts) || p.seq != k+1 {
			t.Fatalf("part %d says %d of %d", k+1, p.seq, p.total)
		}
		b.WriteString(p.text)
	}
	return b.String(), parts
}

func TestSubmitPDUsDecodeWithReferenceDecoder(t *testing.T) {
	long := strings.Repeat("Übung Ölsperre: Großlage, Straße gesperrt; 5 € je Stunde. ", 7)[:0]
	for len([]rune(long)) < 400 {
		long += "Übung Ölsperre: Großlage, Straße gesperrt; 5 € je Stunde. "
	}
	long = string([]rune(long)[:400])
	cases := []struct {
		name      string
		text      string
		dcs       int
		wantParts int
	}{
		{"umlauts", "Stab alarmieren: Lagebesprechung 03:30 im Rathaus. Grüße, Ärger, Öl, Übung, ß. Antwort: 1 <Minuten> = komme, 2 = komme nicht", 0, 1},
		{"euro and extension", "Kosten 1.000 € [Sandsäcke] {Lager} ~|^\\ ok", 0, 1},
		{"160 septets exactly", strings.Repeat("ä", 160), 0, 1},
		{"extension across the part border", strings.Repeat("a", 152) + "€€€" + strings.Repeat("b", 160), 0, 3},
		{"400 characters", long, 0, 3},
		{"UCS-2", "Пожар в здании 🚒 — Feuer", 8, 1},
		{"UCS-2 400 characters", strings.Repeat("Тревога 🚒 ", 40), 8, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pdus, err := EncodeSubmit("+49 171 2345678", c.text, 42, true)
			if err != nil {
				t.Fatal(err)
			}
			got, parts := refJoin(t, pdus)
			if got != c.text {
				t.Fatalf("reference decoder read\n%q\nwant\n%q", got, c.text)
			}
			if len(parts) != c.wantParts {
				t.Errorf("%d parts, want %d", len(parts), c.wantParts)
			}
			for _, p := range parts {
				if p.to != "+491712345678" || !p.srr || p.dcs != c.dcs {
					t.Errorf("part %+v: wrong number, report flag or coding", p)
				}
				if len(parts) > 1 && p.ref != 42 {
					t.Errorf("concatenation reference %d, want 42", p.ref)
				}
			}
		})
	}
}

func TestEncodeSubmitRefuses(t *testing.T) {
	for _, n := range []string{"0171 2345678", "+49", "+49 171 abc", ""} {
		if _, err := EncodeSubmit(n, "x", 1, false); err == nil {
			t.Errorf("number %q accepted", n)
		}
	}
	if _, err := EncodeSubmit("+491712345678", strings.Repeat("x", 153*10+1), 1, false); err == nil {
		t.Error("a text of 11 parts accepted")
	}
	if _, err := EncodeSubmit("+491712345678", "", 1, false); err == nil {
		t.Error("empty text accepted")
	}
}

// A deliver PDU from a real phone (TS 23.040 examples style): "Hello World!" from
// +31641600986, checked against the package's decoder.
func TestDecodeDeliverKnownPDU(t *testing.T) {
	v, err := DecodePDU("07911326040000F0040B911346610089F60000208062917314080CC8329BFD065DDF72363904")
	if err != nil {
		t.Fatal(err)
	}
	d := v.(*Deliver)
	if d.From != "+31641600986" || d.Text != "Hello World!" {
		t.Fatalf("got %+v", d)
	}
	if d.SentAt.Year() != 2002 || d.SentAt.Month() != 8 || d.SentAt.Day() != 26 {
		t.Errorf("time stamp %v", d.SentAt)
	}
}
