package hooks_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"crisisroom/testkit"
)

// One member's many connections on PocketBase's own messages topics made every send in
// the room slow (PocketBase asks each such connection's read rule with a query of its
// own, inside the create request): a person holds at most 8 of them, nobody without a
// sign-in holds one, and the room's own topics (channels/<id>) are not bounded so
// tightly; nobody signed out subscribes to anything, and a person holds at most 16
// subscribed connections.
func TestAttackStockMessagesFollowersBounded(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	tok := s.Token(t, "mschulz")
	code := func(body string) string {
		var e struct {
			Data struct {
				Code string `json:"code"`
			} `json:"data"`
		}
		_ = json.Unmarshal([]byte(body), &e)
		return e.Data.Code
	}
	var conns []*testkit.SSE
	for i := range 8 {
		c := testkit.OpenSSE(t, s.URL)
		if status, body := c.Subscribe(t, tok, "messages"); status != http.StatusNoContent {
			t.Fatalf("stock subscription %d of 8: %d %s", i+1, status, body)
		}
		conns = append(conns, c)
	}
	coll, err := s.App.FindCachedCollectionByNameOrId("messages")
	if err != nil {
		t.Fatal(err)
	}
	ninth := testkit.OpenSSE(t, s.URL)
	for _, topic := range []string{"messages", "messages/*", coll.Id + "/*"} {
		if status, body := ninth.Subscribe(t, tok, topic); status != http.StatusTooManyRequests || code(body) != "messaging.too_many_stock_followers" {
			t.Errorf("a ninth connection on %s: %d %s", topic, status, body)
		}
	}
	// The same person's channel topics are the fan-out's: not bounded by this.
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	if status, body := ninth.Subscribe(t, tok, "channels/"+flood); status != http.StatusNoContent {
		t.Errorf("channel topic on a ninth connection: %d %s", status, body)
	}
	// Another person is not counted against mschulz.
	if status, body := testkit.OpenSSE(t, s.URL).Subscribe(t, s.Token(t, "jwagner"), "messages"); status != http.StatusNoContent {
		t.Errorf("another person's stock subscription: %d %s", status, body)
	}
	// A connection that gives its stock topic up frees its place.
	if status, body := conns[0].Subscribe(t, tok, "channels/"+flood); status != http.StatusNoContent {
		t.Fatalf("re-subscribing: %d %s", status, body)
	}
	if status, body := ninth.Subscribe(t, tok, "messages"); status != http.StatusNoContent {
		t.Errorf("the place given up is not taken: %d %s", status, body)
	}
	// Nobody signed in follows the messages (their rule shows them nothing anyway), nor
	// any other collection: each subscribed connection costs a rule query per change.
	if status, body := testkit.OpenSSE(t, s.URL).Subscribe(t, "", "messages/*"); status != http.StatusForbidden || code(body) != "messaging.stock_messages_need_sign_in" {
		t.Errorf("anonymous stock subscription: %d %s", status, body)
	}
	for _, topic := range []string{"receipts", "audit/*", "journal_entries/*", "channel_members", "users/*", "citystaff/alerts"} {
		if status, body := testkit.OpenSSE(t, s.URL).Subscribe(t, "", topic); status != http.StatusForbidden || code(body) != "messaging.sign_in_to_follow" {
			t.Errorf("anonymous subscription to %s: %d %s", topic, status, body)
		}
	}
	// A person holds at most 16 subscribed connections of any topics.
	ph := s.Token(t, "phoffmann")
	for i := range 16 {
		if status, body := testkit.OpenSSE(t, s.URL).Subscribe(t, ph, "receipts"); status != http.StatusNoContent {
			t.Fatalf("subscription %d of 16: %d %s", i+1, status, body)
		}
	}
	if status, body := testkit.OpenSSE(t, s.URL).Subscribe(t, ph, "channels/"+flood); status != http.StatusTooManyRequests || code(body) != "messaging.too_many_followers" {
		t.Errorf("a 17th subscribed connection: %d %s", status, body)
	}
}
