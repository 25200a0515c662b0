package hooks_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
	"crisisroom/migrations"
	"crisisroom/testkit"
)

// The channel check of a new message (tenancy.CanWriteIn, one prepared SQL query in the
// create hook) answers as the create rule's piece did (migrations.ChannelWriterRule): for
// every person and channel of the demo, and again after a row turns read-only, a row
// ends, a channel is archived, an organisation is suspended and an organisation leaves a
// shared channel with its rows left behind.
func TestWriterCheckAgreesWithRule(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	app := s.App
	users, err := app.FindAllRecords("users")
	if err != nil {
		t.Fatal(err)
	}
	rule := migrations.ChannelWriterRule
	compare := func(step string) {
		t.Helper()
		channels, err := app.FindAllRecords("channels")
		if err != nil {
			t.Fatal(err)
		}
		writers := 0
		for _, u := range users {
			for _, ch := range channels {
				goOK, err := tenancy.CanWriteIn(app, u.Id, ch.Id)
				if err != nil {
					t.Fatal(err)
				}
				ruleOK, err := app.CanAccessRecord(ch, &core.RequestInfo{Auth: u}, &rule)
				if err != nil {
					t.Fatal(err)
				}
				if goOK != ruleOK {
					t.Errorf("%s: %s in %q: hook %v, rule %v", step, u.GetString("username"), ch.GetString("name"), goOK, ruleOK)
				}
				if goOK {
					writers++
				}
			}
		}
		if writers == 0 {
			t.Fatalf("%s: nobody may write anywhere; the comparison proves nothing", step)
		}
	}
	compare("demo")

	flood := s.Demo.Channels["Hochwasser Rhein"]
	row := func(user string) *core.Record {
		t.Helper()
		r, err := app.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", map[string]any{"c": flood.Id, "u": s.Demo.Users[user].Id})
		if err != nil {
			t.Fatalf("%s has no row in the flood channel: %v", user, err)
		}
		return r
	}
	save := func(r *core.Record) {
		t.Helper()
		if err := app.SaveNoValidate(r); err != nil { // no hooks: rows stay as set
			t.Fatal(err)
		}
	}

	ro := row("lneumann")
	ro.Set("role", "readonly")
	save(ro)
	compare("a read-only row")
	if ok, _ := tenancy.CanWriteIn(app, s.Demo.Users["lneumann"].Id, flood.Id); ok {
		t.Error("a read-only member may write")
	}

	ended := row("kvogel")
	ended.Set("expires", time.Now().Add(-time.Minute).UTC())
	save(ended)
	compare("an ended row")

	org := s.Demo.Orgs["KLM"]
	org.Set("status", "suspended")
	save(org)
	compare("a suspended organisation")

	ch, err := app.FindRecordById("channels", flood.Id)
	if err != nil {
		t.Fatal(err)
	}
	ch.Set("organisations", []string{s.Demo.Orgs["KS"].Id, s.Demo.Orgs["POL"].Id})
	save(ch)
	compare("organisations left a shared channel, rows left behind")

	ch.Set("archived", true)
	save(ch)
	compare("an archived channel")
	if ok, _ := tenancy.CanWriteIn(app, s.Demo.Users["jwagner"].Id, flood.Id); ok {
		t.Error("someone may write in an archived channel")
	}
	if ok, _ := tenancy.CanWriteIn(app, "", flood.Id); ok {
		t.Error("an empty user may write")
	}
}
