package hooks_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/testkit"
)

// Realtime through real SSE connections: who may subscribe, what arrives, and that a
// removed member stops receiving at once.
func TestMessagingRealtime(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	ksIntern := s.Demo.Channels["KS intern"].Id
	power := s.Demo.Channels["Stromausfall Süd"].Id
	jwagner := mxAs(s, t, "jwagner")

	t.Run("a non-member cannot subscribe to a channel", func(t *testing.T) {
		c := openSSE(t, s.URL)
		status, body := c.subscribe(t, s.Token(t, "lneumann"), "channels/"+flood, "channels/"+ksIntern)
		if status != http.StatusForbidden || !strings.Contains(body, ksIntern) {
			t.Fatalf("POL member subscribing to KS intern: %d %s", status, body)
		}
		if status, _ := c.subscribe(t, "", "channels/"+flood); status != http.StatusForbidden {
			t.Fatalf("anonymous subscribe to a channel: %d", status)
		}
		if status, _ := c.subscribe(t, "", "crisisroom/me"); status != http.StatusForbidden {
			t.Fatalf("anonymous subscribe to crisisroom/me: %d", status)
		}
		// refused means nothing was subscribed: a member's later message does not arrive
		if cl, err := s.App.SubscriptionsBroker().ClientById(c.id); err != nil || len(cl.Subscriptions()) != 0 {
			t.Fatalf("a refused subscribe left subscriptions: %v", cl.Subscriptions())
		}
		// the guest is a member of the flood channel only
		g := openSSE(t, s.URL)
		if status, body := g.subscribe(t, s.Token(t, "gast.gutachter"), "channels/"+power); status != http.StatusForbidden {
			t.Fatalf("guest subscribing to a channel outside the invitation: %d %s", status, body)
		}
		if status, body := g.subscribe(t, s.Token(t, "gast.gutachter"), "channels/"+flood); status != http.StatusNoContent {
			t.Fatalf("guest subscribing to the invited channel: %d %s", status, body)
		}
	})

	t.Run("a member gets a new message live in the contract shape", func(t *testing.T) {
		c := openSSE(t, s.URL)
		if status, body := c.subscribe(t, s.Token(t, "sbraun"), "channels/"+flood, "crisisroom/me"); status != http.StatusNoContent {
			t.Fatalf("subscribe: %d %s", status, body)
		}
		body := "Pegel 9,10 m, Deich 3 hält."
		created := jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body, "client_key": "live-1"})
		ev, _ := c.until(t, isMessage(body))
		if ev.Name != "channels/"+flood {
			t.Fatalf("event name %q", ev.Name)
		}
		rec, _ := ev.Data["record"].(map[string]any)
		if mxStr(ev.Data, "action") != "create" || mxStr(rec, "id") != mxStr(created, "id") {
			t.Fatalf("event %s", ev.Raw)
		}
		if mxStr(rec, "expand", "author", "username") != "jwagner" || mxStr(rec, "expand", "author", "name") != "Jonas Wagner" {
			t.Fatalf("author not expanded: %s", ev.Raw)
		}
		if mxStr(rec, "org", "short") != "KS" || mxStr(rec, "org", "color") == "" {
			t.Fatalf("author's organisation missing: %s", ev.Raw)
		}
		if mxStr(rec, "priority") != "normal" || mxStr(rec, "source") != "web" {
			t.Fatalf("defaults not applied: %s", ev.Raw)
		}
		if mxNum(rec, "receipts", "total") < 10 {
			t.Fatalf("receipt summary missing: %s", ev.Raw)
		}
	})

	t.Run("a removed member stops getting events at once", func(t *testing.T) {
		kvogel := s.Demo.Users["kvogel"].Id
		c := openSSE(t, s.URL)
		if status, body := c.subscribe(t, s.Token(t, "kvogel"), "channels/"+flood, "channels/"+power, "crisisroom/me"); status != http.StatusNoContent {
			t.Fatalf("subscribe: %d %s", status, body)
		}
		sbraun := mxAs(s, t, "sbraun")
		cm, err := s.App.FindFirstRecordByFilter("channel_members", fmt.Sprintf("channel = '%s' && user = '%s'", flood, kvogel))
		if err != nil {
			t.Fatal(err)
		}
		sbraun.obj(t, 204, "DELETE", "/api/collections/channel_members/records/"+cm.Id, nil)
		c.until(t, func(ev sseEvent) bool {
			return ev.Name == "crisisroom/me" && mxStr(ev.Data, "action") == "channel_removed" && mxStr(ev.Data, "record", "channel") == flood
		})
		if cl, _ := s.App.SubscriptionsBroker().ClientById(c.id); cl == nil || cl.HasSubscription("channels/"+flood) || !cl.HasSubscription("channels/"+power) {
			t.Fatalf("subscriptions after removal: %v", cl.Subscriptions())
		}

		// A member still there sees the next message; the removed one must not, before
		// the next event of their own that is queued after it.
		other := openSSE(t, s.URL)
		other.subscribe(t, s.Token(t, "sbraun"), "channels/"+flood)
		secret := "Nur noch für Mitglieder: Evakuierungsroute B."
		jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": secret})
		other.until(t, isMessage(secret))
		pm, err := s.App.FindFirstRecordByFilter("channel_members", fmt.Sprintf("channel = '%s' && user = '%s'", power, kvogel))
		if err != nil {
			t.Fatal(err)
		}
		sbraun.obj(t, 200, "PATCH", "/api/collections/channel_members/records/"+pm.Id, map[string]any{"role": "readonly"})
		_, before := c.until(t, func(ev sseEvent) bool {
			return ev.Name == "crisisroom/me" && mxStr(ev.Data, "action") == "membership_changed"
		})
		for _, ev := range before {
			if strings.Contains(ev.Raw, "Evakuierungsroute B") {
				t.Fatalf("the removed member still got: %s", ev.Raw)
			}
		}
		// and a new subscribe to the channel is refused now
		if status, _ := c.subscribe(t, s.Token(t, "kvogel"), "channels/"+flood); status != http.StatusForbidden {
			t.Fatalf("re-subscribe after removal: %d", status)
		}
	})

	t.Run("leaving the organisation or running out ends the subscription", func(t *testing.T) {
		polIntern := s.Demo.Channels["POL intern"].Id
		c := openSSE(t, s.URL)
		if status, body := c.subscribe(t, s.Token(t, "lneumann"), "channels/"+polIntern, "crisisroom/me"); status != http.StatusNoContent {
			t.Fatalf("subscribe: %d %s", status, body)
		}
		m, err := s.App.FindFirstRecordByFilter("memberships", fmt.Sprintf("user = '%s' && organisation = '%s'", s.Demo.Users["lneumann"].Id, s.Demo.Orgs["POL"].Id))
		if err != nil {
			t.Fatal(err)
		}
		mxAs(s, t, "tkeller").obj(t, 204, "DELETE", "/api/collections/memberships/records/"+m.Id, nil)
		// the shared channel goes too: the police were her only way into it
		removed := map[string]bool{}
		c.until(t, func(ev sseEvent) bool {
			if mxStr(ev.Data, "action") == "channel_removed" {
				removed[mxStr(ev.Data, "record", "channel")] = true
			}
			return removed[polIntern] && removed[flood]
		})
		if cl, _ := s.App.SubscriptionsBroker().ClientById(c.id); cl == nil || cl.HasSubscription("channels/"+polIntern) {
			t.Fatal("still subscribed to POL intern after leaving the police")
		}

		g := openSSE(t, s.URL)
		if status, body := g.subscribe(t, s.Token(t, "gast.gutachter"), "channels/"+flood, "crisisroom/me"); status != http.StatusNoContent {
			t.Fatalf("guest subscribe: %d %s", status, body)
		}
		cm, err := s.App.FindFirstRecordByFilter("channel_members", fmt.Sprintf("channel = '%s' && user = '%s'", flood, s.Demo.Users["gast.gutachter"].Id))
		if err != nil {
			t.Fatal(err)
		}
		cm.Set("expires", time.Now().Add(-time.Minute))
		if err := s.App.Save(cm); err != nil {
			t.Fatal(err)
		}
		g.until(t, func(ev sseEvent) bool { return mxStr(ev.Data, "action") == "membership_changed" })
		if cl, _ := s.App.SubscriptionsBroker().ClientById(g.id); cl == nil || cl.HasSubscription("channels/"+flood) {
			t.Fatal("an expired guest is still subscribed")
		}
	})

	t.Run("the stock messages subscription stays rule-checked", func(t *testing.T) {
		c := openSSE(t, s.URL)
		if status, body := c.subscribe(t, s.Token(t, "tkeller"), "messages"); status != http.StatusNoContent {
			t.Fatalf("subscribe: %d %s", status, body)
		}
		ks := mxAs(s, t, "abecker")
		ks.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": ksIntern, "author": s.Demo.Users["abecker"].Id, "body": "KS intern: Personalplanung"})
		open := "Für alle im Hochwasserkanal"
		jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": open})
		ev, before := c.until(t, func(ev sseEvent) bool { return mxStr(ev.Data, "record", "body") == open })
		if ev.Name != "messages" {
			t.Fatalf("stock event name %q", ev.Name)
		}
		for _, b := range before {
			if strings.Contains(b.Raw, "Personalplanung") {
				t.Fatalf("stock path leaked an org channel message: %s", b.Raw)
			}
		}
	})

	t.Run("every subscriber sees a channel's messages in the order they were stored", func(t *testing.T) {
		a, b := openSSE(t, s.URL), openSSE(t, s.URL)
		a.subscribe(t, s.Token(t, "sbraun"), "channels/"+power)
		b.subscribe(t, s.Token(t, "mschneider"), "channels/"+power)
		writers := map[string]mxClient{"jwagner": jwagner, "mschulz": mxAs(s, t, "mschulz"), "sroth": mxAs(s, t, "sroth"), "mschneider": mxAs(s, t, "mschneider")}
		const each = 10
		var wg sync.WaitGroup
		for name, c := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					c.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{
						"channel": power, "author": s.Demo.Users[name].Id, "body": fmt.Sprintf("order %s %d", name, i)})
				}
			}()
		}
		wg.Wait()
		total := len(writers) * each
		read := func(c *sseConn) []string {
			var ids []string
			for len(ids) < total {
				ev := c.next(t)
				if strings.HasPrefix(mxStr(ev.Data, "record", "body"), "order ") {
					ids = append(ids, mxStr(ev.Data, "record", "id"))
				}
			}
			return ids
		}
		gotA, gotB := read(a), read(b)
		hist := mxAs(s, t, "sbraun").obj(t, 200, "GET", "/api/crisisroom/channels/"+power+"/messages?limit=200", nil)
		var stored []string
		for _, m := range mxItems(hist) {
			if strings.HasPrefix(mxStr(m, "body"), "order ") {
				stored = append(stored, mxStr(m, "id"))
			}
		}
		if strings.Join(gotA, ",") != strings.Join(stored, ",") || strings.Join(gotB, ",") != strings.Join(stored, ",") {
			t.Fatalf("orders differ:\nA      %v\nB      %v\nstored %v", gotA, gotB, stored)
		}
	})

	t.Run("messages saved from Go and channel changes arrive too", func(t *testing.T) {
		c := openSSE(t, s.URL)
		c.subscribe(t, s.Token(t, "jwagner"), "channels/"+power)
		devColl, _ := s.App.FindCollectionByNameOrId("devices")
		dev := core.NewRecord(devColl)
		dev.Set("username", "fax-sued")
		dev.Set("name", "Fax Umspannwerk Süd")
		dev.Set("organisation", s.Demo.Orgs["SW"].Id)
		dev.Set("kind", "fax")
		dev.SetPassword("geraet-passwort-1")
		if err := s.App.Save(dev); err != nil {
			t.Fatal(err)
		}
		msgColl, _ := s.App.FindCollectionByNameOrId("messages")
		m := core.NewRecord(msgColl)
		m.Set("channel", power)
		m.Set("device", dev.Id)
		m.Set("body", "Fax eingegangen: Lagebericht Netz")
		m.Set("source", "fax")
		if err := s.App.Save(m); err != nil {
			t.Fatal(err)
		}
		ev, _ := c.until(t, isMessage("Fax eingegangen: Lagebericht Netz"))
		rec, _ := ev.Data["record"].(map[string]any)
		if mxStr(rec, "device_name") != "Fax Umspannwerk Süd" || mxStr(rec, "org", "short") != "SW" || mxStr(rec, "priority") != "normal" {
			t.Fatalf("device message event: %s", ev.Raw)
		}

		// written and changed again inside one transaction: both events, then the next
		err := s.App.RunInTransaction(func(tx core.App) error {
			m := core.NewRecord(msgColl)
			m.Set("channel", power)
			m.Set("device", dev.Id)
			m.Set("body", "Fax Seite 1")
			if err := tx.Save(m); err != nil {
				return err
			}
			m.Set("body", "Fax Seite 1 und 2")
			return tx.Save(m)
		})
		if err != nil {
			t.Fatal(err)
		}
		jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": power, "author": s.Demo.Users["jwagner"].Id, "body": "nach dem Fax"})
		var seen []string
		for len(seen) < 3 {
			ev := c.next(t)
			if b := mxStr(ev.Data, "record", "body"); strings.Contains(b, "Fax Seite") || b == "nach dem Fax" {
				seen = append(seen, mxStr(ev.Data, "action")+":"+b)
			}
		}
		if strings.Join(seen, "|") != "create:Fax Seite 1 und 2|update:Fax Seite 1 und 2|create:nach dem Fax" {
			t.Fatalf("events of a twice-written message: %v", seen)
		}

		ch, _ := s.App.FindRecordById("channels", power)
		mxAs(s, t, "mschulz").obj(t, 200, "PATCH", "/api/collections/channels/records/"+power, map[string]any{"topic": ch.GetString("topic") + " (Stand 10:00)"})
		ev, _ = c.until(t, func(ev sseEvent) bool { return mxStr(ev.Data, "collection") == "channels" })
		if mxStr(ev.Data, "action") != "update" || !strings.Contains(mxStr(ev.Data, "record", "topic"), "Stand 10:00") {
			t.Fatalf("channel change event: %s", ev.Raw)
		}
	})
}
