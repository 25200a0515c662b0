package hooks_test

import (
	"net/http"
	"testing"
	"time"

	"crisisroom/testkit"

	"github.com/pocketbase/dbx"
)

// The stock broadcast of messages is skipped only while nobody follows the collection
// through PocketBase's own topics: every spelling of such a topic still gets its events,
// also after the last such subscriber left and a new one came.
func TestStockMessagesTopicsStillDelivered(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	jwagner := mxAs(s, t, "jwagner")
	author := s.Demo.Users["jwagner"].Id
	coll, err := s.App.FindCollectionByNameOrId("messages")
	if err != nil {
		t.Fatal(err)
	}

	// a room client on its channel topic only: the stock broadcast may be skipped
	room := openSSE(t, s.URL)
	if status, body := room.subscribe(t, s.Token(t, "sbraun"), "channels/"+flood); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": author, "body": "ohne Stock-Abonnenten"})
	room.until(t, isMessage("ohne Stock-Abonnenten"))

	for i, topic := range []string{"messages/*", coll.Id + "/*", coll.Id, "messages?options=%7B%7D"} {
		c := openSSE(t, s.URL)
		if status, body := c.subscribe(t, s.Token(t, "sbraun"), topic); status != http.StatusNoContent {
			t.Fatalf("subscribe %s: %d %s", topic, status, body)
		}
		body := "Stock " + topic
		created := jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": author, "body": body})
		if ev, _ := c.until(t, func(ev sseEvent) bool { return mxStr(ev.Data, "record", "body") == body }); mxStr(ev.Data, "action") != "create" {
			t.Fatalf("%s: %s", topic, ev.Raw)
		}
		room.until(t, isMessage(body))

		// one record's topic, by name: gets the update
		if i == 0 {
			if status, b := c.subscribe(t, s.Token(t, "sbraun"), "messages/"+mxStr(created, "id")); status != http.StatusNoContent {
				t.Fatalf("subscribe to one message: %d %s", status, b)
			}
			jwagner.obj(t, 200, "PATCH", "/api/collections/messages/records/"+mxStr(created, "id"), map[string]any{"body": body + " (geändert)"})
			if ev, _ := c.until(t, func(ev sseEvent) bool { return mxStr(ev.Data, "record", "body") == body+" (geändert)" }); mxStr(ev.Data, "action") != "update" {
				t.Fatalf("update on messages/<id>: %s", ev.Raw)
			}
		}
		// leaving again: the next subscriber must still be served
		if status, b := c.subscribe(t, s.Token(t, "sbraun"), "channels/"+flood); status != http.StatusNoContent {
			t.Fatalf("resubscribe: %d %s", status, b)
		}
	}
}

// The live event counts the recipients of a new message in SQL; the history counts them
// from the member list. Both must say the same.
func TestLiveReceiptCountMatchesHistory(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	sbraun := mxAs(s, t, "sbraun")
	c := openSSE(t, s.URL)
	if status, body := c.subscribe(t, s.Token(t, "sbraun"), "channels/"+flood); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	body := "Zählung der Empfänger"
	created := mxAs(s, t, "jwagner").obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body})
	ev, _ := c.until(t, isMessage(body))
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
	members, err := s.App.CountRecords("channel_members", dbx.HashExp{"channel": flood}, dbx.NewExp("(expires = '' OR expires > {:now})", dbx.Params{"now": now}))
	if err != nil {
		t.Fatal(err)
	}
	live := ev.Data["record"].(map[string]any)
	if mxNum(live, "receipts", "total") != int(members)-1 || mxNum(live, "receipts", "read") != 0 {
		t.Fatalf("live receipts %s, %d members", ev.Raw, members)
	}
	for _, m := range mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages", nil)) {
		if mxStr(m, "id") != mxStr(created, "id") {
			continue
		}
		if mxNum(m, "receipts", "total") != mxNum(live, "receipts", "total") || mxNum(m, "receipts", "read") != mxNum(live, "receipts", "read") {
			t.Fatalf("history receipts %v, live %v", m["receipts"], live["receipts"])
		}
		return
	}
	t.Fatal("message not in the history")
}
