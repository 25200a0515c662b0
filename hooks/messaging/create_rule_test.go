package messaging_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/testkit"
)

// The messages create rule lives in the create hook (migration 1796900000, the rule is
// empty so PocketBase runs no query of its own): everybody the rule refused is refused
// with the rule's answer (400 common.record_not_saved) and nothing is stored: nobody
// signed in, a person writing as another, as a device or from another source, a device's
// own token, and a superuser token of another auth collection passes as before. A
// person writing as themselves from the web is admitted, and such a successful create
// leaves no row in PocketBase's request log while a refused one does.
func TestMessagesCreateRuleInHook(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	ln := s.Demo.Users["lneumann"].Id
	tk := s.Demo.Users["tkeller"].Id

	if c, err := s.App.FindCollectionByNameOrId("messages"); err != nil || c.CreateRule == nil || *c.CreateRule != "" {
		t.Fatalf("the messages create rule should be empty (checked in the hook), is %v (%v)", c.CreateRule, err)
	}
	devices, err := s.App.FindCollectionByNameOrId("devices")
	if err != nil {
		t.Fatal(err)
	}
	dev := core.NewRecord(devices)
	dev.Set("name", "Testtafel")
	dev.SetPassword("testtafel-passwort-1")
	dev.Set("organisation", s.Demo.Orgs["POL"].Id)
	if err := s.App.SaveNoValidate(dev); err != nil {
		t.Fatal(err)
	}
	devTok, err := dev.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}

	count := func() int {
		var n int
		if err := s.App.DB().NewQuery("SELECT count(*) FROM messages").Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	// The test appliance keeps no request log; the appliance keeps PocketBase's 5 days.
	settings, err := s.App.Settings().Clone()
	if err != nil {
		t.Fatal(err)
	}
	settings.Logs.MaxDays = 5
	if err := s.App.Save(settings); err != nil {
		t.Fatal(err)
	}
	person := s.As(t, "lneumann")
	refused := []struct {
		what string
		c    testkit.Client
		body map[string]any
	}{
		{"nobody signed in", s.As(t, ""), map[string]any{"channel": flood, "author": ln, "body": "anonym"}},
		{"nobody signed in, no author", s.As(t, ""), map[string]any{"channel": flood, "body": "anonym"}},
		{"as another person", person, map[string]any{"channel": flood, "author": tk, "body": "im Namen"}},
		{"without an author", person, map[string]any{"channel": flood, "body": "ohne"}},
		{"as a device", person, map[string]any{"channel": flood, "author": ln, "body": "Gerät", "device": dev.Id}},
		{"from MQTT", person, map[string]any{"channel": flood, "author": ln, "body": "mqtt", "source": "mqtt"}},
		{"from fax", person, map[string]any{"channel": flood, "author": ln, "body": "fax", "source": "fax"}},
		{"a device's token", testkit.Client{Base: s.URL, Token: devTok}, map[string]any{"channel": flood, "author": dev.Id, "body": "Tafel"}},
		{"a device's token, as a person", testkit.Client{Base: s.URL, Token: devTok}, map[string]any{"channel": flood, "author": ln, "body": "Tafel"}},
	}
	for _, r := range refused {
		rep := r.c.Do(t, http.MethodPost, "/api/collections/messages/records", r.body)
		var got struct {
			Data struct {
				Code string `json:"code"`
			} `json:"data"`
		}
		_ = json.Unmarshal(rep.Body, &got)
		if rep.Status != http.StatusBadRequest || got.Data.Code != "common.record_not_saved" {
			t.Errorf("%s: want 400 common.record_not_saved as the rule answered, got %s", r.what, rep)
		}
	}
	if n := count(); n != before {
		t.Fatalf("%d messages were stored by refused creates", n-before)
	}

	for _, src := range []string{"", "web"} {
		body := map[string]any{"channel": flood, "author": ln, "body": "Lage am Ufer " + src, "client_key": "rule-ok-" + src}
		if src != "" {
			body["source"] = src
		}
		if rep := person.Do(t, http.MethodPost, "/api/collections/messages/records", body); rep.Status != http.StatusOK {
			t.Fatalf("a person writing as themselves from the web (source %q): %s", src, rep)
		}
	}

	// PocketBase writes its request log in batches: wait for the refusals, then the
	// successful creates of the same minutes must be missing.
	logged := func(status int) int {
		var n int
		_ = s.App.AuxDB().NewQuery(`SELECT count(*) FROM _logs WHERE json_extract(data,'$.url') = '/api/collections/messages/records' AND json_extract(data,'$.status') = {:s}`).
			Bind(dbx.Params{"s": status}).Row(&n)
		return n
	}
	testkit.Eventually(t, 15*time.Second, "the refused creates reach the request log", func() bool { return logged(400) >= len(refused) })
	if n := logged(200); n != 0 {
		t.Errorf("%d successful message creates in the request log, want none", n)
	}
	if !strings.Contains(person.Do(t, http.MethodGet, "/api/collections/messages/records?filter="+strings.ReplaceAll(`client_key="rule-ok-web"`, `"`, "%22"), nil).String(), "rule-ok-web") {
		t.Error("the admitted message cannot be read back")
	}
}
