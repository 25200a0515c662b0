package attack_test

import (
	"strings"
	"testing"
	"time"

	"crisisroom/testkit"
)

// Every wrong person subscribes to every realtime topic that could carry the victim's
// records; the victim then writes, edits and acknowledges. No event reaches them.
func TestRealtimeCarriesNothingToTheWrongPerson(t *testing.T) {
	w := newWorld(t)
	topics := []string{
		"channels/" + w.chPOL.Id, "channels/" + w.chSpecial.Id,
		"messages", "messages/*", "messages/" + w.msgPOL, "receipts", "receipts/*",
		"channels", "channel_members", "memberships", "faxes", "faxes/" + w.faxPOL,
		"devices", "devices/" + w.devPOL.Id, "invitations", "audit", "users/" + w.polInnen.Id,
		"crisisroom/me", "journal_entries", "journal_entries/*", "journal_entries/" + w.etbPOL, "journal_heads", "incidents",
	}
	type listener struct {
		a   actor
		sse *testkit.SSE
	}
	var ls []listener
	for _, a := range w.actors {
		c := testkit.OpenSSE(t, w.s.URL)
		c.Subscribe(t, a.client.Token, topics...) // a refusal is fine; what matters is what arrives
		ls = append(ls, listener{a, c})
	}
	own := testkit.OpenSSE(t, w.s.URL)
	if st, body := own.Subscribe(t, w.victim.Token, "channels/"+w.chPOL.Id, "channels/"+w.chSpecial.Id, "journal_entries/*"); st != 204 {
		t.Fatalf("the victim cannot subscribe to its own channels: %d %s", st, body)
	}

	const fresh = "KANARIE-LIVE-55d1"
	for _, ch := range []string{w.chPOL.Id, w.chSpecial.Id} {
		ok(t, w.victim.Do(t, "POST", "/api/collections/messages/records", map[string]any{
			"channel": ch, "author": w.s.Demo.Users["tkeller"].Id, "body": "Neu " + fresh, "priority": "flash", "ack_required": true}))
	}
	ok(t, w.victim.Do(t, "PATCH", "/api/collections/messages/records/"+w.msgPOL, map[string]any{"body": "Geändert " + fresh}))
	w.victim.Do(t, "POST", "/api/crisisroom/messages/"+w.msgSpec+"/ack", nil)

	// The victim's own connection proves the events went out; the fan-out hands every
	// subscriber its copy in the same pass, so a little more is ample for the others.
	testkit.Eventually(t, 10*time.Second, "the victim's own realtime connection got both new messages", func() bool {
		n := 0
		for _, ev := range own.All() {
			if strings.Contains(ev.Raw, fresh) {
				n++
			}
		}
		return n >= 2
	})
	// The special channel's Blitz is in the host's journal: the victim, a member of the
	// channel, hears that entry (so the journal's events did go out).
	testkit.Eventually(t, 10*time.Second, "the victim's connection got the journal entry of the new Blitz", func() bool {
		for _, ev := range own.All() {
			if ev.Name == "journal_entries/*" && strings.Contains(ev.Raw, fresh) {
				return true
			}
		}
		return false
	})
	time.Sleep(500 * time.Millisecond)
	secrets := append(w.secrets(), fresh)
	for _, l := range ls {
		for _, ev := range l.sse.All() {
			if x := leaks([]byte(ev.Raw), secrets); x != "" {
				t.Errorf("%s heard %q on %s: %s", l.a.name, x, ev.Name, ev.Raw)
			}
		}
	}
}
