package staffroom

import (
	"testing"
	"time"
)

// A person's presence follows all their tabs: a hidden tab does not make the tab in use
// "away"; a tab that goes quiet (idle, or closed without a word) is "away" after
// idleAfter; a word of use brings the person back at once.
func TestPresenceFollowsEveryTabAndExpires(t *testing.T) {
	clock := time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)
	p := newPresence()
	p.now = func() time.Time { return clock }
	if p.isAway("u") {
		t.Fatal("a person whose app said nothing yet is away")
	}
	p.set("u", "a", false)
	p.set("u", "b", true) // a second tab, hidden
	if p.isAway("u") {
		t.Fatal("a hidden second tab makes the tab in use away")
	}
	clock = clock.Add(4 * time.Minute)
	p.set("u", "a", false) // the tab in use says so again (once a minute while used)
	clock = clock.Add(4 * time.Minute)
	if p.isAway("u") {
		t.Fatal("away although the tab in use spoke 4 minutes ago")
	}
	clock = clock.Add(2 * time.Minute) // tab a closed or left untouched: silent for 6 minutes
	if !p.isAway("u") {
		t.Fatal("still online 6 minutes after the last word of any tab")
	}
	p.set("u", "b", false) // used again
	if p.isAway("u") {
		t.Fatal("not online again after a word of use")
	}
	p.set("u", "b", true)
	if !p.isAway("u") {
		t.Fatal("the only tab in use went hidden, the person is not away")
	}
	// Many tabs: the number kept per person stays bounded.
	for i := range 100 {
		clock = clock.Add(time.Second)
		p.set("v", string(rune('A'+i%60))+string(rune('a'+i/60)), true)
	}
	if n := len(p.tabs["v"]); n > tabsPerUser {
		t.Fatalf("%d tabs kept for one person", n)
	}
}
