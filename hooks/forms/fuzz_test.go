package forms

import (
	"strings"
	"testing"
)

// Times come from people's browsers and the briefing's results: any text gives a time
// or a clear error, never a panic.
func FuzzParseDue(f *testing.F) {
	for _, s := range []string{"", "2026-11-30T10:00:00Z", "2026-11-30T10:00:00+01:00", "2026-11-30 10:00:00.000Z", "morgen", "9999-99-99T99:99:99Z", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDue(s)
		if err == nil && strings.TrimSpace(s) != "" && d.IsZero() {
			t.Fatalf("%q gave no time and no error", s)
		}
	})
}

// Whatever people write into a form is printed: the A5 layout takes any text (long,
// odd runes, control characters) without a panic and gives a PDF.
func FuzzRenderForm(f *testing.F) {
	f.Add("Deich Abschnitt 3 gebrochen.", "Florian Köln 3", "blitz")
	f.Add(strings.Repeat("Sandsäcke an die Uferstraße. ", 300), "", "einfach")
	f.Add("\x00\x01\u202e\U0001F6A8 ẞ ‰", "☎ 0221/123", "sofort")
	f.Fuzz(func(t *testing.T, text, counterpart, prio string) {
		v := FormView{Label: "E 1", Direction: "in", Priority: prio, Text: text, Counterpart: counterpart, Subject: counterpart,
			Notes: map[string]Note{"intake": {At: "2026-11-30 10:00:00.000Z", Sign: "PH"}}, Recipients: []Recipient{{Code: "S2", Role: "info"}}}
		b, err := RenderForm(v, 2, "Krisenstab", nil)
		if err != nil || !strings.HasPrefix(string(b), "%PDF-") {
			t.Fatalf("no PDF: %v", err)
		}
	})
}
