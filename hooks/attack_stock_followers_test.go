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
// sign-in holds one, and the room's own topics (channels/<id>) are not bounded so.
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
	// Nobody signed in follows the messages (their rule shows them nothing anyway).
	if status, body := testkit.OpenSSE(t, s.URL).Subscribe(t, "", "messages/*"); status != http.StatusForbidden || code(body) != "messaging.stock_messages_need_sign_in" {
		t.Errorf("anonymous stock subscription: %d %s", status, body)
	}
}
