package hooks_test

import (
	"net/http"
	"testing"
	"time"

	"crisisroom/testkit"
)

// A password change renews the person's token key: a realtime connection subscribed to
// crisisroom/me with a token of before hears nothing more of the person (it heard their
// new channels and memberships), and that token cannot subscribe again. The same
// connection subscribed again with the new token (the tab that changed the password)
// hears them, as does a new one.
func TestPasswordChangeSilencesOldRealtimeConnections(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	lneumann := mxAs(s, t, "lneumann")
	old := openSSE(t, s.URL)
	if st, body := old.subscribe(t, lneumann.token, "crisisroom/me"); st != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", st, body)
	}
	same := openSSE(t, s.URL) // the tab that changes the password
	if st, body := same.subscribe(t, lneumann.token, "crisisroom/me"); st != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", st, body)
	}
	lneumann.obj(t, 200, "PATCH", "/api/collections/users/records/"+s.Demo.Users["lneumann"].Id, map[string]any{
		"oldPassword": "krisenstab2026", "password": "neues-Passwort-2026", "passwordConfirm": "neues-Passwort-2026"})
	if st, _ := old.subscribe(t, lneumann.token, "crisisroom/me"); st == http.StatusNoContent {
		t.Fatal("the token of before the password change subscribed again")
	}
	newToken := s.Token(t, "lneumann")
	if st, body := same.subscribe(t, newToken, "crisisroom/me"); st != http.StatusNoContent {
		t.Fatalf("the same connection with the new token: %d %s", st, body)
	}
	fresh := openSSE(t, s.URL)
	if st, body := fresh.subscribe(t, newToken, "crisisroom/me"); st != http.StatusNoContent {
		t.Fatalf("a new connection with the new token: %d %s", st, body)
	}

	// Something for the person: the police admin opens a channel of the organisation.
	mxAs(s, t, "tkeller").obj(t, 200, "POST", "/api/collections/channels/records", map[string]any{
		"kind": "org", "organisation": s.Demo.Orgs["POL"].Id, "name": "Nach dem Passwortwechsel"})
	added := func(ev sseEvent) bool {
		return ev.Name == "crisisroom/me" && mxStr(ev.Data, "action") == "channel_added"
	}
	fresh.until(t, added)
	same.until(t, added)
	select {
	case ev := <-old.Events():
		t.Fatalf("the connection of the old token heard %s %s", ev.Name, ev.Raw)
	case <-time.After(time.Second): // it would have come with the others
	}
}
