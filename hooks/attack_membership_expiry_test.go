package hooks_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"

	"github.com/pocketbase/pocketbase/core"
)

// An organisation membership given an end date while its person follows a channel live:
// once that date passes, the stream carries none of the channel's messages any more,
// although the membership was still live when it was subscribed and when the date was
// set (the stream followed only a channel membership's own end date). The same for a
// channel membership's end date moved nearer, and for one moved back out: access again.
func TestAttackMembershipEndStopsTheLiveStream(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	jwagner := mxAs(s, t, "jwagner")
	post := func(body string) {
		t.Helper()
		jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body})
	}
	// silent says that c got none of the channel's messages up to marker, which witness (a
	// member all along) receives after them.
	silent := func(c, witness *sseConn, marker string) {
		t.Helper()
		witness.until(t, isMessage(marker))
		deadline := time.After(1500 * time.Millisecond)
		for {
			select {
			case ev := <-c.Events():
				if mxStr(ev.Data, "collection") == "messages" {
					t.Fatalf("after the end date the stream still carried %q", mxStr(ev.Data, "record", "body"))
				}
			case <-deadline:
				return
			}
		}
	}
	witness := openSSE(t, s.URL)
	witness.subscribe(t, s.Token(t, "abecker"), "channels/"+flood)

	for _, who := range []struct{ user, collection, filter string }{
		{"kvogel", "memberships", "user = '%s' && organisation = '" + s.Demo.Orgs["FW"].Id + "'"},
		{"lneumann", "channel_members", "user = '%s' && channel = '" + flood + "'"},
	} {
		t.Run(who.collection, func(t *testing.T) {
			c := openSSE(t, s.URL)
			if status, body := c.subscribe(t, s.Token(t, who.user), "channels/"+flood); status != 204 {
				t.Fatalf("subscribe: %d %s", status, body)
			}
			before := "Vor dem Ende " + who.user
			post(before)
			c.until(t, isMessage(before)) // live until the end date
			witness.until(t, isMessage(before))

			rec, err := s.App.FindFirstRecordByFilter(who.collection, fmt.Sprintf(who.filter, s.Demo.Users[who.user].Id))
			if err != nil {
				t.Fatal(err)
			}
			end := time.Now().Add(1500 * time.Millisecond)
			rec.Set("expires", end)
			if err := s.App.Save(rec); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Until(end) + 300*time.Millisecond)
			after := "Nach dem Ende " + who.user
			post(after)
			silent(c, witness, after)

			// The end date moved out again: the person follows the channel once more (a
			// new subscribe, as the browser does on membership_changed).
			// The minute sweep (expireGuests) may have removed the expired row meanwhile, as
			// it should: then an admin adds the person again, which must give access too.
			if _, err := s.App.FindRecordById(who.collection, rec.Id); err != nil {
				again := core.NewRecord(rec.Collection())
				for k, v := range rec.FieldsData() {
					if k != "id" && k != "created" && k != "updated" {
						again.Set(k, v)
					}
				}
				rec = again
			}
			rec.Set("expires", "")
			if err := s.App.Save(rec); err != nil {
				t.Fatal(err)
			}
			// A swept organisation membership took its shared channels' rows with it
			// (leaveOrgChannels): the admin adds the person to the channel again as well.
			tenancy.AddChannelMember(s.App, flood, s.Demo.Users[who.user].Id, "member", nil)
			c2 := openSSE(t, s.URL)
			if status, body := c2.subscribe(t, s.Token(t, who.user), "channels/"+flood); status != 204 {
				t.Fatalf("subscribe after the end date was lifted: %d %s", status, body)
			}
			again := "Wieder dabei " + who.user
			post(again)
			if ev, _ := c2.until(t, isMessage(again)); !strings.Contains(ev.Raw, again) {
				t.Fatal("no access after the end date was lifted")
			}
		})
	}
}
