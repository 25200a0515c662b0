package staffroom_test

import (
	"strings"
	"testing"

	"crisisroom/testkit"
)

// A mention reaches the person named live, on the notices topic, and nobody else.
func TestMentionNoticeLive(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	tk, fw := testkit.OpenSSE(t, s.URL), testkit.OpenSSE(t, s.URL)
	if code, body := tk.Subscribe(t, s.Token(t, "tkeller"), "notices/*"); code/100 != 2 {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	if code, body := fw.Subscribe(t, s.Token(t, "sbraun"), "notices/*"); code/100 != 2 {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	post(t, s, "jwagner", flood, "@tkeller Rückmeldung bitte", "normal")
	ev := tk.Next(t)
	if !strings.Contains(ev.Raw, `"kind":"mention"`) || !strings.Contains(ev.Raw, "Rückmeldung") {
		t.Errorf("tkeller's event: %s", ev.Raw)
	}
	post(t, s, "jwagner", flood, "@sbraun Pumpen?", "normal")
	ev = fw.Next(t)
	if strings.Contains(ev.Raw, "Rückmeldung") || !strings.Contains(ev.Raw, "Pumpen") {
		t.Errorf("sbraun's event: %s", ev.Raw)
	}
}
