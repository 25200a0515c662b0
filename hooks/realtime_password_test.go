package hooks_test

import (
	"net/http"
	"testing"
	"time"

	"crisisroom/testkit"
)

// A password change renews the person's token key: every realtime connection of the
// person ends at once, also one subscribed only to crisisroom/me with a token of before
// (it heard the person's new channels and memberships after the change). A browser with
// the new token subscribes again and hears them; one with the old token is refused.
func TestPasswordChangeEndsRealtimeConnections(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	lneumann := mxAs(s, t, "lneumann")
	old := openSSE(t, s.URL)
	if st, body := old.subscribe(t, lneumann.token, "crisisroom/me"); st != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", st, body)
	}
	lneumann.obj(t, 200, "PATCH", "/api/collections/users/records/"+s.Demo.Users["lneumann"].Id, map[string]any{
		"oldPassword": "krisenstab2026", "password": "neues-Passwort-2026", "passwordConfirm": "neues-Passwort-2026"})
	select {
	case <-old.Closed():
	case ev := <-old.Events():
		t.Fatalf("the old connection heard %s %s after the password change", ev.Name, ev.Raw)
	case <-time.After(10 * time.Second):
		t.Fatal("the old connection stayed open after the password change")
	}
	again := openSSE(t, s.URL)
	if st, _ := again.subscribe(t, lneumann.token, "crisisroom/me"); st == http.StatusNoContent {
		t.Fatal("the token of before the password change subscribed again")
	}
	fresh := openSSE(t, s.URL)
	if st, body := fresh.subscribe(t, s.Token(t, "lneumann"), "crisisroom/me"); st != http.StatusNoContent {
		t.Fatalf("the new token: %d %s", st, body)
	}
}
