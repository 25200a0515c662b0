package journal

import "testing"

// A plain message taken into the ETB is a "Nachricht", not an "einfach-Nachricht".
func TestMessageWord(t *testing.T) {
	for p, want := range map[string]string{"flash": "Blitz-Nachricht", "immediate": "Sofort-Nachricht", "normal": "Nachricht", "": "Nachricht"} {
		if got := messageWord(p); got != want {
			t.Errorf("messageWord(%q) = %q, want %q", p, got, want)
		}
	}
}
