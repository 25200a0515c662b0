package callout_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware/sms/gsmsim"
	"crisisroom/hardware/smsgateway"
	"crisisroom/hooks/callout"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// fastSMS makes the demo's SMS device quick and quiet for a test: no pretend phones
// answering by themselves, a short rate limit. It returns the simulator.
func fastSMS(t *testing.T, s *testkit.Server) *gsmsim.Sim {
	t.Helper()
	dev, err := s.App.FindFirstRecordByData("devices", "username", smsgateway.DemoUsername)
	if err != nil {
		t.Fatal(err)
	}
	gw := smsgateway.Of(s.App)
	// The new config restarts the driver with a new simulator: until then the old one (and
	// its "ready", and the new config in the record) would be seen, and a test holding the
	// old simulator hears nothing of what the new driver sends or reads (seen in CI).
	old := gw.Simulator(dev.Id)
	dev.Set("config", map[string]any{"simulator": true, "pin": "1234", "min_interval_ms": 10})
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	var sim *gsmsim.Sim
	testkit.Eventually(t, 60*time.Second, "SMS device ready", func() bool {
		sim = gw.Simulator(dev.Id)
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return sim != nil && sim != old && strings.Contains(d.GetString("sms_status"), `"ready"`) && strings.Contains(d.GetString("config"), `"min_interval_ms":10`)
	})
	return sim
}

// submitted collects what reached the simulated network: whole texts by number.
type submitted struct {
	mu    sync.Mutex
	texts map[string][]string
	parts map[string]string
}

func collect(sim *gsmsim.Sim) *submitted {
	c := &submitted{texts: map[string][]string{}, parts: map[string]string{}}
	go func() {
		for sub := range sim.Submitted() {
			c.mu.Lock()
			c.parts[sub.To] += sub.Text
			if sub.Part == sub.Parts {
				c.texts[sub.To] = append(c.texts[sub.To], c.parts[sub.To])
				c.parts[sub.To] = ""
			}
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *submitted) count() (numbers, texts int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ts := range c.texts {
		numbers++
		texts += len(ts)
	}
	return
}

func (c *submitted) to(n string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.texts[n]...)
}

func TestCalloutThirtyPeopleAppAndSMS(t *testing.T) {
	callout.ReminderTick = 100 * time.Millisecond
	defer func() { callout.ReminderTick = 10 * time.Second }()
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	sim := fastSMS(t, s)
	net := collect(sim)
	app := s.App

	// 18 more people (KS reserve and liaison officers), so 30 in all, each with a number.
	var everyone []*core.Record
	for _, u := range []string{"abecker", "jwagner", "mschulz", "phoffmann", "tkeller", "lneumann", "sbraun", "kvogel", "sroth", "lfischer", "mschneider", "jweber"} {
		everyone = append(everyone, s.Demo.Users[u])
	}
	phones, _ := app.FindCollectionByNameOrId("user_phones")
	for i := range 18 {
		org := []string{"KS", "POL", "FW", "KLM", "SW"}[i%5]
		// Names that stay distinct under the look-alike rule (digits fold like letters).
		names := []string{"Anton", "Berta", "Caesar", "Dora", "Emil", "Friedrich", "Gustav", "Heinrich", "Ida", "Julius", "Kaufmann", "Ludwig", "Martha", "Nordpol", "Quelle", "Richard", "Samuel", "Theodor"}
		u, err := tenancy.NewUser(app, "Reserve "+names[i], "reserve."+strings.ToLower(names[i]), "krisenstab2026", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tenancy.NewMembership(app, u.Id, s.Demo.Orgs[org].Id, "member", "Reserve", nil); err != nil {
			t.Fatal(err)
		}
		p := core.NewRecord(phones)
		p.Set("user", u.Id)
		p.Set("number", fmt.Sprintf("+4917100000%02d", i+1))
		if err := app.Save(p); err != nil {
			t.Fatal(err)
		}
		everyone = append(everyone, u)
	}
	numberOf := map[string]string{}
	for _, u := range everyone {
		numberOf[u.Id] = callout.PhoneOf(app, u.Id).GetString("number")
	}

	// A saved group "Stab Stufe 1" with all 30, kept by the host's admin over REST.
	ids := make([]string, len(everyone))
	for i, u := range everyone {
		ids[i] = u.Id
	}
	admin := s.As(t, "abecker")
	g := admin.Do(t, "POST", "/api/collections/callout_groups/records", map[string]any{"organisation": s.Demo.Orgs["KS"].Id, "name": "Stab Stufe 1", "users": ids})
	if g.Status != 200 {
		t.Fatalf("group: %s", g)
	}
	group := g.JSON(t)["id"].(string)

	// 10 people connected (SSE, as the web app is), following their call-out records.
	connected := everyone[:10]
	streams := map[string]*testkit.SSE{}
	for _, u := range connected {
		c := testkit.OpenSSE(t, s.URL)
		if st, body := c.Subscribe(t, s.Token(t, u.GetString("username")), "crisisroom/me", "callout_recipients"); st != 204 {
			t.Fatalf("subscribe %s: %d %s", u.GetString("username"), st, body)
		}
		streams[u.Id] = c
	}
	for _, u := range connected {
		if !callout.Connected(app, u.Id) {
			t.Fatalf("%s not seen as connected", u.GetString("username"))
		}
	}
	if callout.Connected(app, everyone[10].Id) {
		t.Fatal("a person without a connection counts as connected")
	}

	op := s.As(t, "jwagner")
	start := time.Now()
	r := op.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Lagebesprechung 03:30 im Rathaus, Großer Saal", "priority": "flash", "group": group})
	if r.Status != 200 {
		t.Fatalf("call-out: %s", r)
	}
	var ov callout.Overview
	r.Decode(t, &ov)
	if ov.Total != 30 || ov.Open != 30 {
		t.Fatalf("overview %d people, %d open", ov.Total, ov.Open)
	}

	// Each connected person hears of their own call-out record, and only of theirs
	// (unless they run the room).
	for _, u := range connected {
		c := streams[u.Id]
		testkit.Eventually(t, 60*time.Second, "banner event for "+u.GetString("username"), func() bool {
			for _, ev := range c.All() {
				if ev.Name == "callout_recipients" && strings.Contains(ev.Raw, `"user":"`+u.Id+`"`) {
					return true
				}
			}
			return false
		})
		if tenancy.IsHostOperator(app, u.Id) {
			continue // the host's admins and operators follow every call-out
		}
		for _, ev := range c.All() {
			if ev.Name == "callout_recipients" && !strings.Contains(ev.Raw, `"user":"`+u.Id+`"`) {
				t.Fatalf("%s saw another person's call-out record: %s", u.GetString("username"), ev.Raw)
			}
		}
	}
	// The 20 without a connection get one SMS each, with the expected answers in it.
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if n, _ := net.count(); n == 20 {
			break
		} else if time.Now().After(deadline) {
			// What each recipient's record says, to tell a slow modem from a wrong choice.
			recs, _ := app.FindAllRecords("callout_recipients")
			for _, rec := range recs {
				t.Logf("recipient %s: %v", rec.GetString("user"), rec.PublicExport())
			}
			t.Fatalf("after 90 s: SMS to %d numbers, want 20", n)
		}
	}
	sentAt := time.Since(start)
	for _, u := range everyone[10:] {
		got := net.to(numberOf[u.Id])
		if len(got) != 1 || !strings.Contains(got[0], "Großer Saal") || !strings.Contains(got[0], "1 <Minuten>") || !strings.Contains(got[0], "2 = ich komme nicht") {
			t.Fatalf("SMS to %s: %q", u.GetString("name"), got)
		}
	}
	for _, u := range connected {
		if got := net.to(numberOf[u.Id]); len(got) != 0 {
			t.Fatalf("connected %s got an SMS: %q", u.GetString("name"), got)
		}
	}

	// Answers both ways: 5 in the app, 12 by SMS, 1 from an unknown number.
	for i, u := range connected[:5] {
		body := map[string]any{"answer": "coming", "eta_minutes": 10 + i}
		if i >= 3 {
			body = map[string]any{"answer": "declined"}
		}
		if a := s.As(t, u.GetString("username")).Do(t, "POST", "/api/crisisroom/callouts/"+ov.ID+"/answer", body); a.Status != 200 {
			t.Fatalf("app answer: %s", a)
		}
	}
	for i, u := range everyone[10:22] {
		text := "1 " + fmt.Sprint(15+i)
		if i >= 8 {
			text = "2"
		}
		if err := sim.Receive(numberOf[u.Id], text); err != nil {
			t.Fatal(err)
		}
	}
	if err := sim.Receive("+491799999999", "1 5"); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 90*time.Second, "17 answers", func() bool {
		o := op.Do(t, "GET", "/api/crisisroom/callouts/"+ov.ID+"/overview", nil)
		o.Decode(t, &ov)
		return ov.Coming+ov.Declined == 17
	})
	if ov.Coming != 11 || ov.Declined != 6 || ov.Open != 13 || ov.Total != 30 {
		t.Fatalf("overview: %d coming, %d declined, %d open of %d", ov.Coming, ov.Declined, ov.Open, ov.Total)
	}
	via := map[string]int{}
	for _, rv := range ov.Recipients {
		via[rv.AnsweredVia]++
		if rv.Name == everyone[10].GetString("name") && (rv.Answer != "coming" || rv.ETAMinutes != 15 || rv.ArrivesAt == "") {
			t.Errorf("SMS answer \"1 15\" read as %+v", rv)
		}
	}
	if via["app"] != 5 || via["sms"] != 12 {
		t.Errorf("answered via %v", via)
	}
	testkit.Eventually(t, 60*time.Second, "unknown sender logged", func() bool {
		rec, err := app.FindFirstRecordByFilter("sms_messages", "number = '+491799999999'")
		return err == nil && rec.GetBool("unknown_sender") && rec.GetString("purpose") != "answer"
	})

	// A second SMS to the 13 without an answer, after the set time.
	if _, err := app.DB().NewQuery("UPDATE callouts SET remind_after = 1 WHERE id = {:id}").Bind(dbx.Params{"id": ov.ID}).Execute(); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 90*time.Second, "13 reminders", func() bool {
		n, _ := app.CountRecords("sms_messages", dbx.HashExp{"purpose": "reminder", "ref": ov.ID})
		return n == 13
	})
	for _, rv := range ov.Recipients {
		got := net.to(numberOf[rv.User])
		if rv.Answer == "" {
			testkit.Eventually(t, 90*time.Second, "reminder to "+rv.Name, func() bool {
				got = net.to(numberOf[rv.User])
				return len(got) > 0 && strings.HasPrefix(got[len(got)-1], "ERINNERUNG")
			})
		} else {
			for _, g := range got {
				if strings.HasPrefix(g, "ERINNERUNG") {
					t.Errorf("%s answered and still got a reminder", rv.Name)
				}
			}
		}
	}
	// Journaled: the call-out, each answer, the reminder (written after the 13 reminder
	// SMS are logged: waited for, a hang guard, not a timing).
	testkit.Eventually(t, 60*time.Second, "at least 19 journal entries for the call-out", func() bool {
		n, _ := app.CountRecords("journal_entries", dbx.HashExp{"source": "message", "source_id": ov.ID})
		return n >= 1+17+1
	})
	t.Logf("30 people: 20 SMS through the simulated modem in %v; 17 answers (5 app, 12 SMS)", sentAt.Round(time.Millisecond))
}
