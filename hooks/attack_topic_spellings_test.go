package hooks_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"crisisroom/testkit"
)

// One connection naming the same channel a thousand times (channels/<id>?options=… with
// another value each time) got every message a thousand times: a member's tab became a
// thousandfold copy of the channel on the room's network; a guest naming messages/* a
// thousand times on each of 8 connections made every message's save run 16,000 rule
// queries (9.6 s a message, in every channel). A subscribe request may spell any topic at
// most four times; more is refused (400
// messaging.topic_spelled_too_often) and nothing of it is subscribed. Four spellings still
// work (PocketBase's SDK may append options), and each gets the message once.
func TestAttackTopicSpelledManyTimes(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	token := s.Token(t, "kvogel")
	names := func(topic string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf(`%s?options={"query":{"n":"%d"}}`, topic, i))
		}
		return out
	}
	for _, topic := range []string{"channels/" + flood, "crisisroom/me", "messages/*", "messages"} {
		for _, n := range []int{5, 1000} {
			c := openSSE(t, s.URL)
			status, body := c.subscribe(t, token, names(topic, n)...)
			if status != 400 || !strings.Contains(body, "messaging.topic_spelled_too_often") {
				t.Fatalf("%s spelled %d times: %d %s", topic, n, status, body)
			}
			if cl, err := s.App.SubscriptionsBroker().ClientById(c.id); err != nil || len(cl.Subscriptions()) != 0 {
				t.Fatalf("a refused subscribe left %d subscriptions", len(cl.Subscriptions()))
			}
		}
	}
	c := openSSE(t, s.URL)
	if status, body := c.subscribe(t, token, names("channels/"+flood, 4)...); status != 204 {
		t.Fatalf("four spellings: %d %s", status, body)
	}
	body := "Viermal abonniert"
	mxAs(s, t, "jwagner").obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{
		"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body})
	got := 0
	deadline := time.After(3 * time.Second)
	for got < 5 {
		select {
		case ev := <-c.Events():
			if isMessage(body)(ev) {
				got++
			}
		case <-deadline:
			if got != 4 {
				t.Fatalf("four spellings got the message %d times, want 4", got)
			}
			return
		}
	}
	t.Fatalf("four spellings got the message %d times", got)
}
