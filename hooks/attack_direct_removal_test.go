package hooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/demo"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// A direct conversation opened through a shared channel ends with the sharing: once the
// host takes the organisation out of the channel, its person neither writes nor reads
// the conversation (REST and realtime), opens no new one, and no longer finds the other
// person in the people directory.
func TestAttackDirectEndsWithRemoval(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	org, err := tenancy.NewOrganisation(s.App, "Technisches Hilfswerk Test", "THWT", "ngo", "#1a237e")
	if err != nil {
		t.Fatal(err)
	}
	helper, err := tenancy.NewUser(s.App, "Hanna Helfer", "hhelfer", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tenancy.NewMembership(s.App, helper.Id, org.Id, "admin", "", nil); err != nil {
		t.Fatal(err)
	}
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	peer := s.Demo.Users["sbraun"].Id // FW, in the flood channel
	jwagner, thw := mxAs(s, t, "jwagner"), mxAs(s, t, "hhelfer")
	jwagner.obj(t, 200, "PATCH", "/api/collections/channels/records/"+flood, map[string]any{"organisations+": []string{org.Id}})
	thw.obj(t, 200, "POST", "/api/collections/channel_members/records", map[string]any{"channel": flood, "user": helper.Id, "role": "member", "organisation": org.Id})
	dm := mxStr(thw.obj(t, 200, "POST", "/api/crisisroom/direct", map[string]any{"user": peer}), "id")
	post := func(c mxClient, author, body string) (int, []byte) {
		st, _, raw := c.call(t, "POST", "/api/collections/messages/records", map[string]any{"channel": dm, "author": author, "body": body, "priority": "normal", "client_key": fmt.Sprintf("ck-%d", time.Now().UnixNano())})
		return st, raw
	}
	if st, raw := post(thw, helper.Id, "vor dem Entfernen"); st != 200 {
		t.Fatalf("direct message while sharing: %d %s", st, raw)
	}
	sse := openSSE(t, s.URL)
	if st, body := sse.subscribe(t, s.Token(t, "hhelfer"), "channels/"+dm); st != 204 {
		t.Fatalf("subscribe: %d %s", st, body)
	}

	jwagner.obj(t, 200, "PATCH", "/api/collections/channels/records/"+flood, map[string]any{"organisations-": []string{org.Id}})

	if st, raw := post(thw, helper.Id, "nach dem Entfernen"); st == 200 || st/100 != 4 {
		t.Errorf("removed organisation writes the direct conversation: %d %s", st, raw)
	}
	if st, raw := post(mxAs(s, t, "sbraun"), peer, "Antwort nach dem Entfernen"); st == 200 || st/100 != 4 {
		t.Errorf("the other side writes the ended conversation: %d %s", st, raw)
	}
	if st, _, raw := thw.call(t, "GET", "/api/crisisroom/channels/"+dm+"/messages", nil); st != http.StatusForbidden {
		t.Errorf("removed organisation reads the direct conversation: %d %s", st, raw)
	}
	if st, _, raw := thw.call(t, "POST", "/api/crisisroom/direct", map[string]any{"user": peer}); st != http.StatusForbidden {
		t.Errorf("direct conversation reopened without sharing: %d %s", st, raw)
	}
	if _, v, _ := thw.call(t, "GET", "/api/crisisroom/people", nil); strings.Contains(fmt.Sprint(v), "sbraun") {
		t.Errorf("directory still lists the other person: %v", v)
	}
	// Realtime: a message written into the conversation anyway (server side) reaches
	// nobody of the removed organisation.
	msgs, _ := s.App.FindCollectionByNameOrId("messages")
	m := core.NewRecord(msgs)
	m.Load(map[string]any{"channel": dm, "author": peer, "body": "geheim nach dem Entfernen", "priority": "normal", "client_key": "ck-srv-1"})
	if err := s.App.Save(m); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(2 * time.Second)
	for {
		select {
		case ev := <-sse.Events():
			if strings.Contains(ev.Raw, "geheim nach dem Entfernen") {
				t.Fatalf("realtime delivered the ended conversation: %s", ev.Raw)
			}
			continue
		case <-deadline:
		}
		break
	}
	// The minutely clean-up of ended rows leaves an ended direct conversation alone: it is
	// opened again, with its history, once its people share something again.
	for _, j := range s.App.Cron().Jobs() {
		if j.Id() == "crisisroom_expire_guests" {
			j.Run()
		}
	}
	// Sharing again opens it again.
	jwagner.obj(t, 200, "PATCH", "/api/collections/channels/records/"+flood, map[string]any{"organisations+": []string{org.Id}})
	thw.obj(t, 200, "POST", "/api/collections/channel_members/records", map[string]any{"channel": flood, "user": helper.Id, "role": "member", "organisation": org.Id})
	if got := mxStr(thw.obj(t, 200, "POST", "/api/crisisroom/direct", map[string]any{"user": peer}), "id"); got != dm {
		t.Fatalf("reopened %s, want %s", got, dm)
	}
	if st, raw := post(thw, helper.Id, "wieder verbunden"); st != 200 {
		t.Fatalf("direct message after sharing again: %d %s", st, raw)
	}
}
