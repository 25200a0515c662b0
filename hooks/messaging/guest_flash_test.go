package messaging_test

import (
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	"crisisroom/testkit"
)

// A guest whose invitation lets them write in a channel still sends no Blitz: the wrong
// person (the guest) is refused, the same guest's plain message and a staff member's
// Blitz go through.
func TestGuestSendsNoBlitz(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	guest := s.Demo.Users["gast.gutachter"]
	cm, err := s.App.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": flood, "u": guest.Id})
	if err != nil {
		t.Fatalf("the demo guest's channel membership: %v", err)
	}
	cm.Set("role", "member") // an invitation "lesen und schreiben"
	if err := s.App.Save(cm); err != nil {
		t.Fatal(err)
	}
	post := func(user, prio string) int {
		return s.As(t, user).Do(t, http.MethodPost, "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users[user].Id, "body": "Hinweis des Gutachters", "priority": prio}).Status
	}
	if code := post("gast.gutachter", "flash"); code != http.StatusForbidden {
		t.Errorf("a guest's Blitz: HTTP %d, want 403", code)
	}
	if code := post("gast.gutachter", "normal"); code != http.StatusOK {
		t.Errorf("a guest's plain message where invited to write: HTTP %d, want 200", code)
	}
	if code := post("jwagner", "flash"); code != http.StatusOK {
		t.Errorf("a staff member's Blitz: HTTP %d, want 200", code)
	}
}
