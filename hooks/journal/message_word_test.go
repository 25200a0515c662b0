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

// The ETB prints German local time, not the box's zone: 12:00 UTC in winter is 13:00.
func TestETBTimesInGermanTime(t *testing.T) {
	t.Setenv("TZ", "UTC")
	if got := localTime("2026-11-30 12:00:00.000Z"); got != "30.11.2026 13:00:00" {
		t.Errorf("localTime = %q, want 30.11.2026 13:00:00", got)
	}
	if got := localTime("2026-07-01 12:00:00.000Z"); got != "01.07.2026 14:00:00" {
		t.Errorf("summer: localTime = %q, want 01.07.2026 14:00:00", got)
	}
}
