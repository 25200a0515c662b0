package demo_test

import (
	"strings"
	"testing"

	"crisisroom/hooks/demo"
	"crisisroom/testkit"
)

// The demo's greeting names every person from the data, grouped by organisation: the
// city administration's people too, and phoffmann with his staff functions (Fernmelder).
func TestDemoLoginLinesFromTheData(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	text := strings.Join(demo.DemoLoginLines(s.App), "\n")
	for _, want := range []string{"Krisenstab Stadt (KS)", "Stadtverwaltung (SV)", "sv.otto", "sv.yilmaz", "gast.gutachter", "kvogel"} {
		if !strings.Contains(text, want) {
			t.Errorf("the greeting lacks %q:\n%s", want, text)
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "phoffmann") && !strings.Contains(l, "Fernmelder") {
			t.Errorf("phoffmann without his function Fernmelder: %q", l)
		}
	}
	// The functions as the app shows them beside the name: the codes of the staff
	// functions held, then the membership's function.
	for user, want := range map[string]string{"tkeller": "VB-POL · Verbindungsbeamter", "abecker": "Leiterin Stab", "sroth": "Ärztliche Leitung", "mschneider": "Netzleitstelle"} {
		for _, l := range strings.Split(text, "\n") {
			if strings.Contains(l, " "+user+" ") && !strings.HasSuffix(l, want) {
				t.Errorf("%s: %q, the app shows %q", user, l, want)
			}
		}
	}
	if strings.Index(text, "Krisenstab Stadt") > strings.Index(text, "Stadtverwaltung") {
		t.Error("the host organisation is not first")
	}
}
