package sms

import "testing"

// "+49 (0)170 …" is how many Germans write a mobile number: the "(0)" is not dialled
// from abroad, so the number is the same as "+49 170 …" (and "0049 170 …").
func TestNormalizeE164TrunkPrefix(t *testing.T) {
	for _, in := range []string{"+49 (0)170 0000005", "+49(0)1700000005", "0049 170 0000005", "+49 170-000 0005"} {
		got, err := NormalizeE164(in)
		if err != nil || got != "+491700000005" {
			t.Errorf("NormalizeE164(%q) = %q, %v; want +491700000005", in, got, err)
		}
	}
	if _, err := NormalizeE164("0170 0000005"); err == nil {
		t.Error("a national number was accepted")
	}
}
