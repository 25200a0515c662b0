package staffroom_test

import (
	"testing"

	"crisisroom/testkit"
)

// The roster's presence through the route: a person with an open connection and two tabs,
// one in use and one hidden, is "online" whichever tab spoke last; with both hidden,
// "away"; a word of use brings them back.
func TestRosterPresenceWithTwoTabs(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	sse := testkit.OpenSSE(t, s.URL)
	if code, body := sse.Subscribe(t, s.Token(t, "tkeller"), "notices/*"); code/100 != 2 {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	tk := s.As(t, "tkeller")
	presenceOf := func() string {
		var orgs []struct {
			People []struct {
				Username string `json:"username"`
				Presence string `json:"presence"`
			} `json:"people"`
		}
		r := tk.Do(t, "GET", "/api/crisisroom/roster", nil)
		if r.Status != 200 {
			t.Fatalf("roster: %s", r)
		}
		r.Decode(t, &orgs)
		for _, o := range orgs {
			for _, p := range o.People {
				if p.Username == "tkeller" {
					return p.Presence
				}
			}
		}
		return "missing"
	}
	say := func(state, tab string) {
		if r := tk.Do(t, "POST", "/api/crisisroom/presence", map[string]any{"state": state, "tab": tab}); r.Status != 204 {
			t.Fatalf("presence %s %s: %s", state, tab, r)
		}
	}
	say("online", "tab-a")
	say("away", "tab-b")
	if p := presenceOf(); p != "online" {
		t.Fatalf("a hidden second tab made the person %q while the first is in use", p)
	}
	say("away", "tab-a")
	if p := presenceOf(); p != "away" {
		t.Fatalf("both tabs hidden: %q", p)
	}
	say("online", "tab-b")
	if p := presenceOf(); p != "online" {
		t.Fatalf("used again: %q", p)
	}
	if r := tk.Do(t, "POST", "/api/crisisroom/presence", map[string]any{"state": "online", "tab": string(make([]byte, 65))}); r.Status != 400 {
		t.Errorf("a tab id of 65 bytes: %s", r)
	}
}
