package sms

import "strings"

// The GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1): the character at each
// septet value 0x00–0x7F. 0x1B is the escape to the extension table.
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Ext is the default alphabet extension table (TS 23.038 §6.2.1.1): the septet
// after an escape and the character it stands for.
var gsm7Ext = map[byte]rune{0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\', 0x3C: '[', 0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€'}

var (
	gsm7Of    = map[rune]byte{}
	gsm7ExtOf = map[rune]byte{}
	gsm7Runes []rune
)

func init() {
	gsm7Runes = []rune(gsm7Basic)
	if len(gsm7Runes) != 128 {
		panic("sms: the GSM 7-bit table must have 128 entries")
	}
	for i, r := range gsm7Runes {
		if i != 0x1B {
			gsm7Of[r] = byte(i)
		}
	}
	for s, r := range gsm7Ext {
		gsm7ExtOf[r] = s
	}
}

// gsm7Septets turns text into septets of the default alphabet (characters of the
// extension table take two: escape and value); ok is false when a character is in
// neither table, and the text must go as UCS-2.
func gsm7Septets(text string) (septets []byte, ok bool) {
	for _, r := range text {
		if s, found := gsm7Of[r]; found {
			septets = append(septets, s)
			continue
		}
		if s, found := gsm7ExtOf[r]; found {
			septets = append(septets, 0x1B, s)
			continue
		}
		return nil, false
	}
	return septets, true
}

// gsm7Text turns septets back into text; an escape before a value the extension
// table lacks stands for the basic character (TS 23.038: "space" is the fallback
// for an unknown escape, but the basic character keeps more of the meaning).
func gsm7Text(septets []byte) string {
	var b strings.Builder
	for i := 0; i < len(septets); i++ {
		s := septets[i] & 0x7F
		if s == 0x1B && i+1 < len(septets) {
			i++
			if r, ok := gsm7Ext[septets[i]&0x7F]; ok {
				b.WriteRune(r)
			} else {
				b.WriteRune(gsm7Runes[septets[i]&0x7F])
			}
			continue
		}
		if s == 0x1B {
			b.WriteByte(' ')
			continue
		}
		b.WriteRune(gsm7Runes[s])
	}
	return b.String()
}

// packSeptets packs septets LSB first into octets (TS 23.038 §6.1.2.1.1), starting
// after fill bits of padding (0–6) so that septets after a user data header begin
// on a septet boundary.
func packSeptets(septets []byte, fill int) []byte {
	bits := fill + 7*len(septets)
	out := make([]byte, (bits+7)/8)
	pos := fill
	for _, s := range septets {
		v := uint16(s&0x7F) << (pos % 8)
		out[pos/8] |= byte(v)
		if pos%8 > 1 {
			out[pos/8+1] |= byte(v >> 8)
		}
		pos += 7
	}
	return out
}

// unpackSeptets reads n septets after fill bits; it returns fewer when data ends.
func unpackSeptets(data []byte, fill, n int) []byte {
	out := make([]byte, 0, n)
	for i := range n {
		pos := fill + 7*i
		if (pos+6)/8 >= len(data) {
			break
		}
		v := uint16(data[pos/8])
		if pos/8+1 < len(data) {
			v |= uint16(data[pos/8+1]) << 8
		}
		out = append(out, byte(v>>(pos%8))&0x7F)
	}
	return out
}
