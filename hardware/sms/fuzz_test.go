package sms

import (
	"strings"
	"testing"
	"time"
)

// FuzzDecodePDU: whatever a modem or a network hands over, the decoder returns a
// value or an error, never panics; a decoded SMS-DELIVER has valid UTF-8 text.
// Seed corpus: real and generated PDUs (run in the normal suite).
func FuzzDecodePDU(f *testing.F) {
	f.Add("07911326040000F0040B911346610089F60000208062917314080CC8329BFD065DDF72363904")
	for _, text := range []string{"1 20", "OK", "Grüße €", strings.Repeat("Übung ", 60), "Пожар 🚒"} {
		pdus, _ := EncodeDeliver("+491701234567", text, time.Now(), 7)
		for _, p := range pdus {
			f.Add(p)
		}
	}
	sr, _ := EncodeStatusReport(12, "+491701234567", 0, time.Now())
	f.Add(sr)
	f.Add("00")
	f.Add("0040")
	f.Add("00440B91947101325476F80000FFFFFFFFFFFFFF05FFFF")
	f.Fuzz(func(t *testing.T, h string) {
		v, err := DecodePDU(h)
		if err != nil {
			return
		}
		if d, ok := v.(*Deliver); ok && !strings.Contains(d.Text, "\uFFFD") {
			if d.Part < 1 || d.Parts < 1 {
				t.Fatalf("part %d of %d", d.Part, d.Parts)
			}
		}
		DecodeSubmit(h)
	})
}

// FuzzModemLines: the AT line parsers take any line a modem may send.
func FuzzModemLines(f *testing.F) {
	for _, s := range []string{`+CMTI: "SM",3`, "+CDS: 25", "+CSQ: 17,99", "+CREG: 0,5", "+CREG: 2,1,\"1A2B\",\"01C3\"",
		"+CMGL: 1,0,,24", "+CMS ERROR: 500", "+CME ERROR: 16", `+CMTI: "SM",`, "+CSQ: 99,99", ",,,", `"""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		ParseURC(line)
		ParseCSQ(strings.TrimPrefix(line, "+CSQ:"))
		if st := ParseCREG(strings.TrimPrefix(line, "+CREG:")); st < 0 || st > 10 {
			t.Fatalf("stat %d", st)
		}
		ParseListing([]string{line, "00"})
		e := ParseModemError("AT", line)
		ExplainCMS(e)
		// A final result code ends a command; it is never taken for an unsolicited one.
		if _, urc := ParseURC(line); urc && IsFinal(line) {
			t.Fatalf("%q is both a final result and an unsolicited result", line)
		}
	})
}
