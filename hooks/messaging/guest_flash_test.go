package messaging_test

import (
	"net/http"
	"net/url"
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

// A guest's message carries the inviting organisation (the host): readers in the channel,
// in the list and in the realtime event, see the author marked as a guest, so that an
// external expert's words are not taken for the staff's; a staff member is not marked.
func TestGuestMessagesMarkTheirAuthor(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	guest := s.Demo.Users["gast.gutachter"]
	cm, err := s.App.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": flood, "u": guest.Id})
	if err != nil {
		t.Fatalf("the demo guest's channel membership: %v", err)
	}
	cm.Set("role", "member")
	if err := s.App.Save(cm); err != nil {
		t.Fatal(err)
	}
	sse := testkit.OpenSSE(t, s.URL)
	if status, body := sse.Subscribe(t, s.Token(t, "tkeller"), "channels/"+flood); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	for _, u := range []string{"gast.gutachter", "jwagner"} {
		if r := s.As(t, u).Do(t, http.MethodPost, "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users[u].Id, "body": "Wort von " + u}); r.Status != http.StatusOK {
			t.Fatalf("%s posts: %d %s", u, r.Status, r.Body)
		}
	}
	var list struct {
		Items []map[string]any `json:"items"`
	}
	s.As(t, "tkeller").Do(t, http.MethodGet, "/api/crisisroom/channels/"+flood+"/messages", nil).Decode(t, &list)
	seen := guestMarks(list.Items)
	if !seen["gast.gutachter"] || seen["jwagner"] {
		t.Errorf("guest marks in the list: %v, want gast.gutachter only", seen)
	}
	// PocketBase's own API (expand=author), the search and a message's context too.
	var stock struct {
		Items []map[string]any `json:"items"`
	}
	s.As(t, "tkeller").Do(t, http.MethodGet, "/api/collections/messages/records?expand=author&filter="+url.QueryEscape("channel='"+flood+"'"), nil).Decode(t, &stock)
	seenStock := guestMarks(stock.Items)
	if !seenStock["gast.gutachter"] || seenStock["jwagner"] {
		t.Errorf("guest marks with expand=author: %v, want gast.gutachter only", seenStock)
	}
	var hits struct {
		Items []struct {
			Id     string         `json:"id"`
			Author map[string]any `json:"author"`
		} `json:"items"`
	}
	s.As(t, "tkeller").Do(t, http.MethodGet, "/api/crisisroom/search?q=Wort", nil).Decode(t, &hits)
	marked := map[string]bool{}
	var guestMsg string
	for _, h := range hits.Items {
		name, _ := h.Author["username"].(string)
		g, _ := h.Author["guest"].(bool)
		marked[name] = g
		if name == "gast.gutachter" {
			guestMsg = h.Id
		}
	}
	if !marked["gast.gutachter"] || marked["jwagner"] || guestMsg == "" {
		t.Errorf("guest marks in the search: %v", marked)
	}
	var ctx struct {
		Items []map[string]any `json:"items"`
	}
	s.As(t, "tkeller").Do(t, http.MethodGet, "/api/crisisroom/messages/"+guestMsg+"/context", nil).Decode(t, &ctx)
	found := false
	for _, it := range ctx.Items {
		if it["id"] == guestMsg {
			a, _ := it["author"].(map[string]any)
			found, _ = a["guest"].(bool)
		}
	}
	if !found {
		t.Errorf("the guest's message in its context is not marked: %v", ctx.Items)
	}
	for range 2 {
		ev := sse.Next(t)
		rec, _ := ev.Data["record"].(map[string]any)
		name, g := guestMark(rec)
		if g != (name == "gast.gutachter") {
			t.Errorf("realtime event of %s: guest %v", name, g)
		}
	}
}

// guestMarks maps each author name among the records to whether it carries the guest mark.
func guestMarks(recs []map[string]any) map[string]bool {
	seen := map[string]bool{}
	for _, rec := range recs {
		if name, g := guestMark(rec); name != "" {
			seen[name] = g
		}
	}
	return seen
}

// guestMark is the username of a record's expanded author and whether it carries the guest mark.
func guestMark(rec map[string]any) (string, bool) {
	ex, _ := rec["expand"].(map[string]any)
	a, _ := ex["author"].(map[string]any)
	g, _ := a["guest"].(bool)
	name, _ := a["username"].(string)
	return name, g
}
