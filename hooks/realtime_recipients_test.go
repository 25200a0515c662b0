package hooks_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"crisisroom/testkit"
)

// The receipt figure of a live event ("read by 0 of 12") comes from a cache of each
// channel's live members. A member who leaves, or whose row ends, is no recipient of the
// very next message; a member reading the channel (only last_read moves) changes no total.
func TestLiveReceiptTotalFollowsMembership(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	c := openSSE(t, s.URL)
	if status, body := c.subscribe(t, s.Token(t, "sbraun"), "channels/"+flood); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	jwagner := mxAs(s, t, "jwagner")
	send := func(body string) int {
		t.Helper()
		jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body})
		ev, _ := c.until(t, isMessage(body))
		return mxNum(ev.Data["record"].(map[string]any), "receipts", "total")
	}
	before := send("Zählung eins")
	// lneumann reads the channel: last_read moves, the total stays.
	mxAs(s, t, "lneumann").call(t, "POST", "/api/crisisroom/channels/"+flood+"/read", nil)
	if got := send("Zählung zwei"); got != before {
		t.Fatalf("total %d after a member read the channel, want %d", got, before)
	}
	row, err := s.App.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": flood, "u": s.Demo.Users["lneumann"].Id})
	if err != nil {
		t.Fatalf("lneumann is not in the channel: %v", err)
	}
	if err := s.App.Delete(row); err != nil {
		t.Fatal(err)
	}
	if got := send("Zählung drei"); got != before-1 {
		t.Fatalf("total %d right after a member left, want %d", got, before-1)
	}

	// The read figure: nobody has read a new message; once a member has read the channel,
	// an edit of a message before that point counts them (the cache follows last_read),
	// and the next new message again counts nobody.
	m := jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": "Gelesen vier"})
	ev, _ := c.until(t, isMessage("Gelesen vier"))
	if got := mxNum(ev.Data["record"].(map[string]any), "receipts", "read"); got != 0 {
		t.Fatalf("a new message was read by %d", got)
	}
	mxAs(s, t, "sbraun").obj(t, 200, "POST", "/api/crisisroom/channels/"+flood+"/read", map[string]any{"until": mxStr(m, "id")})
	jwagner.obj(t, 200, "PATCH", "/api/collections/messages/records/"+mxStr(m, "id"), map[string]any{"body": "Gelesen vier, berichtigt"})
	ev, _ = c.until(t, isMessage("Gelesen vier, berichtigt"))
	if got := mxNum(ev.Data["record"].(map[string]any), "receipts", "read"); got != 1 {
		t.Fatalf("the edited message read by %d after sbraun read the channel, want 1", got)
	}
	ev2 := func() map[string]any {
		jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": "Neu fünf"})
		ev, _ := c.until(t, isMessage("Neu fünf"))
		return ev.Data["record"].(map[string]any)
	}()
	if got := mxNum(ev2, "receipts", "read"); got != 0 {
		t.Fatalf("the next new message read by %d", got)
	}
}
