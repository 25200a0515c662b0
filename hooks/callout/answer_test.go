package callout

import "testing"

func TestParseAnswer(t *testing.T) {
	for text, want := range map[string]struct {
		answer string
		eta    int
		ok     bool
	}{
		"1 20": {"coming", 20, true}, "1": {"coming", 0, true}, " 1,15 ": {"coming", 15, true}, "1 20 min": {"coming", 20, true},
		"1-5": {"coming", 5, true}, "2": {"declined", 0, true}, "2.": {"", 0, false}, "120": {"", 0, false}, "2 20": {"", 0, false},
		"OK": {"", 0, false}, "1 99999": {"", 0, false}, "ja": {"", 0, false}, "": {"", 0, false}, "3": {"", 0, false},
	} {
		a, e, ok := ParseAnswer(text)
		if a != want.answer || e != want.eta || ok != want.ok {
			t.Errorf("%q: got %q %d %v, want %+v", text, a, e, ok, want)
		}
	}
}

// FuzzParseAnswer: any SMS text gives an answer or none, never a panic, and minutes
// stay within a day.
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{"1 20", "2", "OK", "1,5 Minuten", "１ ２０", "1 \u00a0 20", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, eta, ok := ParseAnswer(s)
		if ok && (a != "coming" && a != "declined" || eta < 0 || eta > 24*60) {
			t.Fatalf("%q → %q %d", s, a, eta)
		}
	})
}
