package staffroom_test

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/staffroom"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

type hit struct {
	Id, Channel, Snippet string
}

func search(t *testing.T, c testkit.Client, q string) []hit {
	t.Helper()
	r := c.Do(t, "GET", "/api/crisisroom/search?q="+url.QueryEscape(q), nil)
	if r.Status != 200 {
		t.Fatalf("search %q: %s", q, r)
	}
	var out struct{ Items []hit }
	r.Decode(t, &out)
	return out.Items
}

func post(t *testing.T, s *testkit.Server, user, channel, body, priority string) string {
	t.Helper()
	r := s.As(t, user).Do(t, "POST", "/api/collections/messages/records", map[string]any{
		"channel": channel, "author": s.Demo.Users[user].Id, "body": body, "priority": priority})
	if r.Status != 200 {
		t.Fatalf("%s posts in %s: %s", user, channel, r)
	}
	return r.JSON(t)["id"].(string)
}

func messageId(t *testing.T, app core.App, body string) string {
	t.Helper()
	m, err := app.FindFirstRecordByFilter("messages", "body ~ {:b}", dbx.Params{"b": body})
	if err != nil {
		t.Fatalf("no message %q: %v", body, err)
	}
	return m.Id
}

func status(t *testing.T, c testkit.Client, method, path string, body any, want int) testkit.Reply {
	t.Helper()
	r := c.Do(t, method, path, body)
	if r.Status != want {
		t.Fatalf("%s %s: want %d, got %s", method, path, want, r)
	}
	return r
}

// The tenancy scene: POL's private channel never appears for the fire brigade, in the
// search, the context of a jump, pins, forwarding or notices.
func TestStaffroomRules(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	d := s.Demo
	polIntern, fwIntern, flood, ksIntern := d.Channels["POL intern"].Id, d.Channels["FW intern"].Id, d.Channels["Hochwasser Rhein"].Id, d.Channels["KS intern"].Id
	polMsg := messageId(t, s.App, "Kräfteplanung Nachtschicht")
	floodMsg := messageId(t, s.App, "Sandsackfüllplatz Deutz")
	tkeller, lneumann, sbraun, gast := s.As(t, "tkeller"), s.As(t, "lneumann"), s.As(t, "sbraun"), s.As(t, "gast.gutachter")

	t.Run("search lists only readable messages", func(t *testing.T) {
		if h := search(t, sbraun, "Kräfteplanung"); len(h) != 0 {
			t.Errorf("the fire brigade finds POL's private message: %+v", h)
		}
		if h := search(t, sbraun, "Nachtschicht intern"); len(h) != 0 {
			t.Errorf("the fire brigade finds POL's private message: %+v", h)
		}
		if h := search(t, gast, "Lagebesprechung"); len(h) != 0 {
			t.Errorf("the guest finds the host's internal message: %+v", h)
		}
		h := search(t, tkeller, "kräfteplanung")
		if len(h) != 1 || h[0].Id != polMsg || h[0].Channel != polIntern || !strings.Contains(h[0].Snippet, "\x02Kräfteplanung\x03") {
			t.Errorf("the police's own search: %+v", h)
		}
		if h := search(t, sbraun, "Sandsack"); len(h) != 1 || h[0].Id != floodMsg {
			t.Errorf("the shared channel's message by prefix: %+v", h)
		}
		if h := search(t, gast, "Sandsäcke Deutz"); len(h) != 0 { // all words must match
			t.Errorf("a word that is not there matched: %+v", h)
		}
		for _, q := range []string{`"`, `AND OR NOT`, `body:x* (`, `NEAR(a b)`, `*`, ``, `channel:` + polIntern} {
			search(t, sbraun, q) // 200, never a syntax error
		}
		// A message deleted later is no longer found.
		id := post(t, s, "lneumann", polIntern, "Einsatzreserve Zugführer Wache Nord", "normal")
		if h := search(t, lneumann, "Zugführer"); len(h) != 1 {
			t.Fatalf("new message not found: %+v", h)
		}
		m, _ := s.App.FindRecordById("messages", id)
		m.Set("deleted", true)
		if err := s.App.Save(m); err != nil {
			t.Fatal(err)
		}
		if h := search(t, lneumann, "Zugführer"); len(h) != 0 {
			t.Errorf("a deleted message is still found: %+v", h)
		}
	})

	t.Run("jump context", func(t *testing.T) {
		status(t, sbraun, "GET", "/api/crisisroom/messages/"+polMsg+"/context", nil, 404)
		r := status(t, lneumann, "GET", "/api/crisisroom/messages/"+polMsg+"/context", nil, 200)
		if !strings.Contains(string(r.Body), "Kräfteplanung") {
			t.Errorf("context without the message: %s", r)
		}
	})

	t.Run("pins", func(t *testing.T) {
		status(t, sbraun, "POST", "/api/crisisroom/messages/"+polMsg+"/pin", nil, 404)
		status(t, gast, "POST", "/api/crisisroom/messages/"+floodMsg+"/pin", nil, 403) // read-only row
		status(t, tkeller, "POST", "/api/crisisroom/messages/"+polMsg+"/pin", nil, 200)
		status(t, tkeller, "POST", "/api/crisisroom/messages/"+polMsg+"/pin", nil, 200) // twice: the first pin
		if n, _ := s.App.CountRecords("pins"); n != 1 {
			t.Errorf("%d pins after pinning one message twice", n)
		}
		status(t, sbraun, "GET", "/api/crisisroom/channels/"+polIntern+"/pins", nil, 403)
		status(t, sbraun, "DELETE", "/api/crisisroom/messages/"+polMsg+"/pin", nil, 404)
		if r := status(t, lneumann, "GET", "/api/crisisroom/channels/"+polIntern+"/pins", nil, 200); !strings.Contains(string(r.Body), polMsg) {
			t.Errorf("a member does not see the pin: %s", r)
		}
		if r := status(t, sbraun, "GET", "/api/collections/pins/records", nil, 200); strings.Contains(string(r.Body), polMsg) {
			t.Errorf("the stock list shows POL's pin to the fire brigade: %s", r)
		}
		if r := status(t, lneumann, "GET", "/api/collections/pins/records", nil, 200); !strings.Contains(string(r.Body), polMsg) {
			t.Errorf("the stock list hides the pin from its channel: %s", r)
		}
		status(t, lneumann, "POST", "/api/collections/pins/records", map[string]any{"channel": polIntern, "message": polMsg}, 403)
		status(t, lneumann, "DELETE", "/api/crisisroom/messages/"+polMsg+"/pin", nil, 204)
		if n, _ := s.App.CountRecords("pins"); n != 0 {
			t.Errorf("%d pins after unpinning", n)
		}
	})

	t.Run("forward", func(t *testing.T) {
		status(t, sbraun, "POST", "/api/crisisroom/messages/"+polMsg+"/forward", map[string]any{"channel": fwIntern}, 404)
		status(t, tkeller, "POST", "/api/crisisroom/messages/"+polMsg+"/forward", map[string]any{"channel": fwIntern}, 403)
		status(t, gast, "POST", "/api/crisisroom/messages/"+floodMsg+"/forward", map[string]any{"channel": flood}, 403)
		r := status(t, tkeller, "POST", "/api/crisisroom/messages/"+polMsg+"/forward", map[string]any{"channel": flood, "note": "Zur Info"}, 200)
		fwd, err := s.App.FindRecordById("messages", r.JSON(t)["id"].(string))
		if err != nil || fwd.GetString("channel") != flood || !strings.Contains(fwd.GetString("body"), "Kräfteplanung") ||
			!strings.Contains(fwd.GetString("body"), "Thomas Keller") || strings.Contains(fwd.GetString("body"), "POL intern") {
			t.Errorf("forwarded copy: %v %v", fwd, err)
		}
		if h := search(t, sbraun, "Kräfteplanung"); len(h) != 1 || h[0].Channel != flood {
			t.Errorf("the forwarded copy is found where it was forwarded to, only: %+v", h)
		}
	})

	t.Run("mentions", func(t *testing.T) {
		counts := func(c testkit.Client) map[string]int {
			var m map[string]int
			status(t, c, "GET", "/api/crisisroom/mentions", nil, 200).Decode(t, &m)
			return m
		}
		before := counts(tkeller)[flood]
		post(t, s, "jwagner", flood, "@tkeller bitte Sperrung bestätigen, @S3 zur Kenntnis, mail an x@lneumann.de", "normal")
		if n := counts(tkeller)[flood]; n != before+1 {
			t.Errorf("tkeller's mentions in the flood channel: %d, want %d", n, before+1)
		}
		if n := counts(s.As(t, "mschulz"))[flood]; n != 1 {
			t.Errorf("@S3 names mschulz (S3 Einsatz): %d mentions", n)
		}
		if n := counts(lneumann)[flood]; n != 0 {
			t.Errorf("an e-mail address mentioned lneumann: %d", n)
		}
		// A staff function of the message forms by its code: the fire brigade's liaison.
		post(t, s, "jwagner", flood, "@VB-FW bitte Pumpenzahl", "normal")
		if n := counts(sbraun)[flood]; n != 1 {
			t.Errorf("@VB-FW names sbraun (Verbindungsstelle FW): %d mentions", n)
		}
		// A person outside the channel is told nothing.
		post(t, s, "abecker", ksIntern, "@lneumann @tkeller Lage intern", "normal")
		if n, _ := s.App.CountRecords("notices", dbx.HashExp{"channel": ksIntern}); n != 0 {
			t.Errorf("%d notices for people outside KS intern", n)
		}
		if r := status(t, sbraun, "GET", "/api/collections/notices/records", nil, 200); strings.Contains(string(r.Body), s.Demo.Users["tkeller"].Id) || strings.Contains(string(r.Body), "Sperrung") {
			t.Errorf("the fire brigade reads tkeller's notices: %s", r)
		}
		if r := status(t, tkeller, "GET", "/api/collections/notices/records", nil, 200); !strings.Contains(string(r.Body), `"kind":"mention"`) {
			t.Errorf("tkeller does not see his mention: %s", r)
		}
		// Reading the channel clears the count.
		var newest []*core.Record
		_ = s.App.RecordQuery("messages").AndWhere(dbx.HashExp{"channel": flood}).OrderBy("created DESC").Limit(1).All(&newest)
		status(t, tkeller, "POST", "/api/crisisroom/channels/"+flood+"/read", map[string]any{"until": newest[0].Id}, 200)
		if n := counts(tkeller)[flood]; n != 0 {
			t.Errorf("mentions after reading: %d", n)
		}
		var people []map[string]any
		status(t, sbraun, "GET", "/api/crisisroom/channels/"+flood+"/mentionable", nil, 200).Decode(t, &people)
		if !slices.ContainsFunc(people, func(p map[string]any) bool { return p["function"] == "S2 Lage" }) {
			t.Errorf("completion without functions: %v", people)
		}
		status(t, sbraun, "GET", "/api/crisisroom/channels/"+polIntern+"/mentionable", nil, 403)
	})

	t.Run("roster", func(t *testing.T) {
		status(t, gast, "GET", "/api/crisisroom/roster", nil, 403)
		// A police member in no shared channel: only the police see him.
		u, err := tenancy.NewUser(s.App, "Otto Innendienst", "oinnen", "krisenstab2026", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tenancy.NewMembership(s.App, u.Id, d.Orgs["POL"].Id, "member", "Innendienst", nil); err != nil {
			t.Fatal(err)
		}
		roster := func(c testkit.Client) string {
			return string(status(t, c, "GET", "/api/crisisroom/roster", nil, 200).Body)
		}
		if r := roster(sbraun); strings.Contains(r, "oinnen") || !strings.Contains(r, "Verbindungsbeamter") {
			t.Errorf("the fire brigade's roster: %s", r)
		}
		var orgs []struct {
			Short  string
			People []map[string]any
		}
		status(t, sbraun, "GET", "/api/crisisroom/roster", nil, 200).Decode(t, &orgs)
		for _, o := range orgs {
			for _, p := range o.People {
				if o.Short != "FW" && p["role"] != nil {
					t.Errorf("the roster names the role of %v in %s", p["username"], o.Short)
				}
			}
		}
		if r := roster(tkeller); !strings.Contains(r, "oinnen") {
			t.Errorf("the police's roster lacks their own member: %s", r)
		}
		status(t, sbraun, "POST", "/api/crisisroom/presence", map[string]any{"state": "gone"}, 400)
		status(t, sbraun, "POST", "/api/crisisroom/presence", map[string]any{"state": "away"}, 204)
	})

	t.Run("profile", func(t *testing.T) {
		tk := d.Users["tkeller"].Id
		status(t, sbraun, "PATCH", "/api/collections/users/records/"+tk, map[string]any{"password": "gekapert-2026!", "passwordConfirm": "gekapert-2026!", "oldPassword": "krisenstab2026"}, 404)
		status(t, sbraun, "PATCH", "/api/collections/users/records/"+tk, map[string]any{"settings": map[string]any{"muted": []string{flood}}}, 404)
		status(t, tkeller, "POST", "/api/crisisroom/profile/settings", map[string]any{"settings": map[string]any{"evil": 1}}, 400)
		status(t, tkeller, "POST", "/api/crisisroom/profile/settings", map[string]any{"settings": []int{1}}, 400)
		status(t, tkeller, "POST", "/api/crisisroom/profile/settings", map[string]any{"settings": map[string]any{"sound": false, "muted": []string{flood}}}, 200)
		if u, _ := s.App.FindRecordById("users", tk); !strings.Contains(u.GetString("settings"), flood) {
			t.Errorf("settings not stored: %s", u.GetString("settings"))
		}
		// The settings are one's own: hidden from everyone else's view and filter of the
		// person (another organisation, a guest), served to the person by the route.
		if r := status(t, tkeller, "GET", "/api/crisisroom/profile/settings", nil, 200); !strings.Contains(string(r.Body), flood) {
			t.Errorf("own settings: %s", r.Body)
		}
		for _, who := range []testkit.Client{sbraun, gast, tkeller} {
			if r := who.Do(t, "GET", "/api/collections/users/records/"+tk, nil); strings.Contains(string(r.Body), flood) || strings.Contains(string(r.Body), `"settings"`) {
				t.Errorf("settings in the user record: %s", r.Body)
			}
			if r := who.Do(t, "GET", "/api/collections/users/records?filter="+url.QueryEscape("settings~'"+flood+"'"), nil); strings.Contains(string(r.Body), tk) {
				t.Errorf("settings filter finds tkeller: %s", r.Body)
			}
		}
		// Muting a channel one is not in keeps nothing.
		if r := status(t, sbraun, "POST", "/api/crisisroom/profile/settings", map[string]any{"settings": map[string]any{"muted": []string{polIntern, flood}}}, 200); strings.Contains(string(r.Body), polIntern) || !strings.Contains(string(r.Body), flood) {
			t.Errorf("sbraun mutes: %s", r.Body)
		}
		if u, _ := s.App.FindRecordById("users", d.Users["lneumann"].Id); u.GetString("settings") != "" && u.GetString("settings") != "null" {
			t.Errorf("someone else's settings changed: %s", u.GetString("settings"))
		}
		status(t, tkeller, "PATCH", "/api/collections/users/records/"+tk, map[string]any{"password": "neu-passwort-2026", "passwordConfirm": "neu-passwort-2026"}, 400) // without the old one
		status(t, tkeller, "PATCH", "/api/collections/users/records/"+tk, map[string]any{"password": "neu-passwort-2026", "passwordConfirm": "neu-passwort-2026", "oldPassword": "krisenstab2026"}, 200)
		anon := s.As(t, "")
		status(t, anon, "POST", "/api/collections/users/auth-with-password", map[string]any{"identity": "tkeller", "password": "neu-passwort-2026"}, 200)
		status(t, anon, "POST", "/api/collections/users/auth-with-password", map[string]any{"identity": "sbraun", "password": "krisenstab2026"}, 200)
	})
}

// A Blitz not acknowledged after the set time: those who have not acknowledged get a
// reminder, the sender the list of who still has not; who acknowledged is left alone.
func TestBlitzFollowUp(t *testing.T) {
	t.Setenv(staffroom.RemindAfterEnv, "2s")
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	id := post(t, s, "mschulz", flood, "BLITZ: Pegel 9,40 m, Deich 5 sichern", "flash")
	status(t, s.As(t, "sbraun"), "POST", "/api/crisisroom/messages/"+id+"/ack", nil, 200)

	// The remind button of the read-receipt dialog: the author, not someone else.
	status(t, s.As(t, "sbraun"), "POST", "/api/crisisroom/messages/"+id+"/remind", nil, 403)
	status(t, s.As(t, "lneumann"), "POST", "/api/crisisroom/messages/"+messageId(t, s.App, "Kräfteplanung")+"/remind", nil, 403)
	r := status(t, s.As(t, "mschulz"), "POST", "/api/crisisroom/messages/"+id+"/remind", nil, 200)
	if !strings.Contains(string(r.Body), "tkeller") || strings.Contains(string(r.Body), "sbraun") {
		t.Errorf("pending after sbraun acknowledged: %s", r)
	}
	status(t, s.As(t, "mschulz"), "POST", "/api/crisisroom/messages/"+id+"/remind", nil, 429)

	var pending *core.Record
	testkit.Eventually(t, 30*time.Second, "the sender's follow-up notice", func() bool {
		pending, _ = s.App.FindFirstRecordByFilter("notices", "message = {:m} && kind = 'blitz_pending'", dbx.Params{"m": id})
		return pending != nil
	})
	if pending.GetString("user") != s.Demo.Users["mschulz"].Id {
		t.Errorf("the follow-up went to %s, not the sender", pending.GetString("user"))
	}
	var data struct{ Pending []struct{ Username string } }
	_ = json.Unmarshal([]byte(pending.GetString("data")), &data)
	var names []string
	for _, p := range data.Pending {
		names = append(names, p.Username)
	}
	if !slices.Contains(names, "tkeller") || slices.Contains(names, "sbraun") || slices.Contains(names, "mschulz") {
		t.Errorf("the sender is told %v", names)
	}
	reminders, _ := s.App.FindRecordsByFilter("notices", "message = {:m} && kind = 'blitz_reminder'", "", 0, 0, dbx.Params{"m": id})
	got := map[string]int{}
	for _, n := range reminders {
		got[n.GetString("user")]++
	}
	if got[s.Demo.Users["tkeller"].Id] != 2 || got[s.Demo.Users["sbraun"].Id] != 0 {
		t.Errorf("reminders (by hand, then the follow-up): %v", got)
	}
	// Followed up once only.
	testkit.Eventually(t, 10*time.Second, "no second follow-up", func() bool {
		n, _ := s.App.CountRecords("notices", dbx.HashExp{"message": id, "kind": "blitz_pending"})
		return n == 1
	})
}

func TestMentionTokens(t *testing.T) {
	got := MentionTokensJoin("@S2 bitte, @t.keller. mail x@y.de (@Anna_B) @@ @ @LeiterinStab @s2")
	if got != "s2,t.keller,anna_b,leiterinstab" {
		t.Errorf("tokens: %s", got)
	}
}

func MentionTokensJoin(s string) string { return strings.Join(staffroom.MentionTokens(s), ",") }

func FuzzFTSQuery(f *testing.F) {
	for _, s := range []string{`"`, `a AND b`, `body:x*`, `NEAR(a b)`, `Pegel 9,40 m`, `ÄÖÜ ß`, "\x00\x02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := staffroom.FTSQuery(s)
		for _, term := range strings.Fields(q) {
			if !strings.HasPrefix(term, `"`) || !strings.HasSuffix(term, `"*`) || strings.Count(term, `"`) != 2 {
				t.Fatalf("%q gives the term %q", s, term)
			}
		}
	})
}

func FuzzMentionTokens(f *testing.F) {
	for _, s := range []string{"@S2 bitte", "x@y.de", "@@", "@VB-POL.", "@t.keller, @Ärztin", "\x00@\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := staffroom.MentionTokens(s)
		if len(toks) > 20 {
			t.Fatalf("%d tokens", len(toks))
		}
		seen := map[string]bool{}
		for _, tok := range toks {
			if tok == "" || strings.ContainsAny(tok, "@ \n") || tok != strings.ToLower(tok) || seen[tok] {
				t.Fatalf("%q gives the token %q", s, tok)
			}
			seen[tok] = true
		}
	})
}
