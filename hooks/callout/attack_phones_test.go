package callout_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hardware/smsgateway"
	"crisisroom/hooks/callout"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// Wrong admins against a person's mobile number: it receives the Blitz messages of all
// the person's channels and answers call-outs in their name, so it is set by the person,
// or by someone who is an admin in every organisation the person belongs to.

func TestAdminOfOneOrganisationDoesNotSetAnotherOrganisationsPersonsNumber(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	app, d := s.App, s.Demo
	lfischer := d.Users["lfischer"].Id // KLM member
	// He also joins the police (a member invitation of POL, redeemed).
	polRow, err := tenancy.NewMembership(app, lfischer, d.Orgs["POL"].Id, "member", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	before := callout.PhoneOf(app, lfischer).GetString("number")
	const attacker = "+491709999901"
	dev, _ := app.FindFirstRecordByData("devices", "username", smsgateway.DemoUsername)
	devTok, _ := dev.NewAuthToken()
	wrong := map[string]testkit.Client{"nobody": s.As(t, ""), "device": {Base: s.URL, Token: devTok}}
	for _, u := range []string{"tkeller", "sroth", "abecker", "jwagner", "sbraun", "lneumann", "kvogel", "gast.gutachter"} {
		wrong[u] = s.As(t, u)
	}
	path := "/api/crisisroom/phones/" + lfischer
	for name, c := range wrong {
		for _, body := range []map[string]any{{"number": attacker, "blitz_sms": true}, {"number": before, "blitz_sms": true}, {"number": "", "blitz_sms": false}} {
			r := c.Do(t, "PUT", path, body)
			if r.Status/100 == 2 {
				t.Errorf("%s changed the number of a person of POL and KLM: %s", name, r)
			}
		}
	}
	// The admin of one of his organisations is told who sets it, in German and English.
	for _, u := range []string{"tkeller", "sroth"} {
		r := s.As(t, u).Do(t, "PUT", path, map[string]any{"number": attacker, "blitz_sms": true})
		if r.Status != 403 || !strings.Contains(string(r.Body), "callout.phone_belongs_elsewhere") ||
			!strings.Contains(string(r.Body), "jeder ihrer Organisationen") || !strings.Contains(string(r.Body), "every organisation") {
			t.Errorf("%s: want 403 callout.phone_belongs_elsewhere, got %s", u, r)
		}
		if g := s.As(t, u).Do(t, "GET", path, nil); g.Status != 200 || g.JSON(t)["editable"] != false {
			t.Errorf("%s sees the number of his member as editable: %s", u, g)
		}
	}
	p := callout.PhoneOf(app, lfischer)
	if p.GetString("number") != before || p.GetBool("blitz_sms") {
		t.Fatalf("after the refusals: number %q, blitz_sms %v", p.GetString("number"), p.GetBool("blitz_sms"))
	}
	// Reading: the admins of an organisation he belongs to and the host's operators see it;
	// the admin and members of an organisation he does not belong to do not.
	for _, u := range []string{"sbraun", "mschneider", "kvogel", "lneumann", "phoffmann", "gast.gutachter"} {
		if r := s.As(t, u).Do(t, "GET", path, nil); r.Status != 403 || strings.Contains(string(r.Body), before) {
			t.Errorf("%s reads the number of another organisation's person: %s", u, r)
		}
	}
	// The collection itself is closed to all of them (superusers only).
	for name, c := range wrong {
		for _, try := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/collections/user_phones/records/" + p.Id, nil},
			{"PATCH", "/api/collections/user_phones/records/" + p.Id, map[string]any{"number": attacker, "blitz_sms": true}},
			{"POST", "/api/collections/user_phones/records", map[string]any{"user": lfischer, "number": attacker, "blitz_sms": true}},
			{"DELETE", "/api/collections/user_phones/records/" + p.Id, nil},
		} {
			if r := c.Do(t, try.method, try.path, try.body); r.Status/100 == 2 || strings.Contains(string(r.Body), before) {
				t.Errorf("%s %s %s: %s", name, try.method, try.path, r)
			}
		}
	}
	if p := callout.PhoneOf(app, lfischer); p == nil || p.GetString("number") != before || p.GetBool("blitz_sms") {
		t.Fatalf("the collection let the number change: %v", p)
	}
	// He sets his own.
	if r := s.As(t, "lfischer").Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": "+4915100000010", "blitz_sms": true}); r.Status != 200 {
		t.Fatalf("his own number: %s", r)
	}
	// A membership in a suspended organisation still counts: it comes back with its channels.
	if err := app.Delete(polRow); err != nil {
		t.Fatal(err)
	}
	thw, err := tenancy.NewOrganisation(app, "Technisches Hilfswerk", "THW", "ngo", "#003399")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tenancy.NewMembership(app, lfischer, thw.Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	thw.Set("status", "suspended")
	if err := app.Save(thw); err != nil {
		t.Fatal(err)
	}
	if r := s.As(t, "sroth").Do(t, "PUT", path, map[string]any{"number": attacker, "blitz_sms": true}); r.Status != 403 {
		t.Errorf("KLM's admin set the number of a person also in a suspended organisation: %s", r)
	}
	// Once KLM is all he belongs to, KLM's admin manages it (and no one else's admin).
	if _, err := app.DB().NewQuery("DELETE FROM memberships WHERE user = {:u} AND organisation = {:o}").Bind(dbx.Params{"u": lfischer, "o": thw.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if r := s.As(t, "sroth").Do(t, "PUT", path, map[string]any{"number": "+4915100000011", "blitz_sms": false}); r.Status != 200 {
		t.Errorf("KLM's admin for a KLM-only member: %s", r)
	}
	if r := s.As(t, "tkeller").Do(t, "PUT", path, map[string]any{"number": attacker}); r.Status != 403 {
		t.Errorf("POL's admin for a KLM-only member: %s", r)
	}

	// The host's admin gets no exception for the number of a host member who also belongs
	// to the police (she still may sign him out: that rule is the room's own).
	phoffmann := d.Users["phoffmann"].Id
	if _, err := tenancy.NewMembership(app, phoffmann, d.Orgs["POL"].Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	if r := s.As(t, "abecker").Do(t, "PUT", "/api/crisisroom/phones/"+phoffmann, map[string]any{"number": attacker, "blitz_sms": true}); r.Status != 403 ||
		!strings.Contains(string(r.Body), "callout.phone_belongs_elsewhere") {
		t.Errorf("the host's admin set the number of a host member who is also in POL: %s", r)
	}
	if r := s.As(t, "abecker").Do(t, "POST", "/api/crisisroom/users/"+phoffmann+"/signout", nil); r.Status != 200 {
		t.Errorf("the host's admin may still sign a host member out: %s", r)
	}
}

// An SMS answer names its person by the number it comes from. After an admin points a
// person's number at another phone, that phone answers only what was sent to it: not
// the call-out the person was alerted for, not a Blitz sent to their own phone; the
// person's own number, entered by themself, answers as before.
func TestNumberChangedByAnAdminAnswersOnlyWhatWentToIt(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	sim := fastSMS(t, s)
	app := s.App
	lneumann := s.Demo.Users["lneumann"].Id // POL only: tkeller is an admin of all her organisations
	own := callout.PhoneOf(app, lneumann).GetString("number")
	r := s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Lage", "users": []string{lneumann}})
	if r.Status != 200 {
		t.Fatal(r)
	}
	id := r.JSON(t)["id"].(string)
	testkit.Eventually(t, 60*time.Second, "the call-out SMS to her own number", func() bool {
		n, _ := app.CountRecords("sms_messages", dbx.HashExp{"direction": "out", "person": lneumann, "ref": id, "number": own})
		return n == 1
	})
	blitz := sendBlitzSMS(t, s, "lneumann")
	const other = "+4915100000099"
	if r := s.As(t, "tkeller").Do(t, "PUT", "/api/crisisroom/phones/"+lneumann, map[string]any{"number": other, "blitz_sms": true}); r.Status != 200 {
		t.Fatalf("her admin: %s", r)
	}
	sim.Receive(other, "1 5")
	sim.Receive(other, "OK")
	testkit.Eventually(t, 60*time.Second, "2 SMS received", func() bool {
		n, _ := app.CountRecords("sms_messages", dbx.HashExp{"direction": "in", "number": other})
		return n == 2
	})
	time.Sleep(300 * time.Millisecond) // handlers run after the record is stored
	rr, _ := app.FindFirstRecordByFilter("callout_recipients", "callout = {:c} && user = {:u}", dbx.Params{"c": id, "u": lneumann})
	if rr == nil || rr.GetString("answer") != "" {
		t.Fatalf("a number her admin entered after the call-out answered it for her: %v", rr)
	}
	rec, _ := app.FindFirstRecordByFilter("receipts", "message = {:m} && user = {:u}", dbx.Params{"m": blitz, "u": lneumann})
	if rec == nil || rec.GetString("acked_at") != "" {
		t.Fatal("a number her admin entered acknowledged a Blitz sent to her own phone")
	}
	// She enters a number herself: it answers for her.
	const hers = "+4915100000098"
	if r := s.As(t, "lneumann").Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": hers}); r.Status != 200 {
		t.Fatal(r)
	}
	sim.Receive(hers, "1 20")
	sim.Receive(hers, "OK")
	testkit.Eventually(t, 60*time.Second, "her answer and her acknowledgement", func() bool {
		rr, _ := app.FindFirstRecordByFilter("callout_recipients", "callout = {:c} && user = {:u}", dbx.Params{"c": id, "u": lneumann})
		rec, _ := app.FindFirstRecordByFilter("receipts", "message = {:m} && user = {:u}", dbx.Params{"m": blitz, "u": lneumann})
		return rr != nil && rr.GetString("answer") == "coming" && rr.GetInt("eta_minutes") == 20 && rec != nil && rec.GetString("acked_at") != ""
	})
}

// F1: an SMS nobody took as an answer is posted into the SMS device's channel, which
// other organisations and guests read: a known sender by name and organisation, never
// by number (that stays in the SMS log); an unknown number as the number, marked.
func TestSMSInTheChannelNamesTheSenderNotTheNumber(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	fastSMS(t, s)
	app := s.App
	dev, err := app.FindFirstRecordByData("devices", "username", smsgateway.DemoUsername)
	if err != nil {
		t.Fatal(err)
	}
	ch := dev.GetString("channel")
	lneumann := s.Demo.Users["lneumann"].Id
	hers := callout.PhoneOf(app, lneumann).GetString("number")
	shared := "+4915100000097"
	for _, u := range []string{"kvogel", "sroth"} { // two people entered the same duty phone
		p := callout.PhoneOf(app, s.Demo.Users[u].Id)
		p.Set("number", shared)
		if err := app.Save(p); err != nil {
			t.Fatal(err)
		}
	}
	const unknown = "+4915100000096"
	op := s.As(t, "jwagner")
	for from, text := range map[string]string{hers: "Hallo privat ATKSMS2", unknown: "Wasser steigt ATKSMS3", shared: "Dienst-Handy ATKSMS4"} {
		if r := op.Do(t, "POST", "/api/crisisroom/sms/"+dev.Id+"/test-receive", map[string]any{"from": from, "text": text}); r.Status != 202 {
			t.Fatalf("test-receive: %s", r)
		}
	}
	bodies := map[string]string{}
	testkit.Eventually(t, 60*time.Second, "3 SMS posted to the channel", func() bool {
		ms, _ := app.FindRecordsByFilter("messages", "channel = {:c} && source = 'sms'", "", 0, 0, dbx.Params{"c": ch})
		for _, m := range ms {
			for _, w := range []string{"ATKSMS2", "ATKSMS3", "ATKSMS4"} {
				if strings.Contains(m.GetString("body"), w) {
					bodies[w] = m.GetString("body")
				}
			}
		}
		return len(bodies) == 3
	})
	if b := bodies["ATKSMS2"]; b != "SMS von Laura Neumann (POL): Hallo privat ATKSMS2" {
		t.Errorf("a known sender: %q", b)
	}
	if b := bodies["ATKSMS3"]; !strings.Contains(b, unknown) || !strings.Contains(b, "unbekannte Nummer") {
		t.Errorf("an unknown number: %q", b)
	}
	if b := bodies["ATKSMS4"]; strings.Contains(b, strings.TrimPrefix(shared, "+")) {
		t.Errorf("a duty phone two people entered is shown: %q", b)
	}
	// Readers of the channel from other organisations and the guest: no number of a person.
	for _, u := range []string{"gast.gutachter", "kvogel", "lfischer", "sbraun"} {
		r := s.As(t, u).Do(t, "GET", "/api/crisisroom/channels/"+ch+"/messages?limit=20", nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), "ATKSMS2") {
			t.Fatalf("%s reads the channel: %s", u, r)
		}
		for _, n := range []string{hers, shared} {
			if strings.Contains(string(r.Body), strings.TrimPrefix(n, "+")) {
				t.Errorf("%s reads the number %s in the channel", u, n)
			}
		}
	}
	// The SMS log keeps the number, for those the numbers rule allows.
	in, err := app.FindFirstRecordByFilter("sms_messages", "direction = 'in' && person = {:p}", dbx.Params{"p": lneumann})
	if err != nil || in.GetString("number") != hers {
		t.Errorf("the SMS log: %v %v", in, err)
	}
}
