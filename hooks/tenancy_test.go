package hooks_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/enrolment"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// TestTenancyRules tries the holes a tenant model typically has, each as the person who
// must not get through. The subtests share one appliance and run in order.
func TestTenancyRules(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	coll := "/api/collections/"

	t.Run("FW never sees POL's channel or its messages", func(t *testing.T) {
		for _, who := range []string{"memberB", "adminB"} {
			chans := ids(t, f.as(who).do(t, "GET", coll+"channels/records?perPage=500", nil))
			if slices.Contains(chans, f.polCh.Id) {
				t.Errorf("%s lists POL intern", who)
			}
			if !slices.Contains(chans, f.flood.Id) {
				t.Errorf("%s does not list the shared channel", who)
			}
			msgs := ids(t, f.as(who).do(t, "GET", coll+"messages/records?perPage=500&filter="+urlq("channel='"+f.polCh.Id+"'"), nil))
			if len(msgs) != 0 {
				t.Errorf("%s lists %d messages of POL intern", who, len(msgs))
			}
		}
	})

	t.Run("a guest sees only the invited channel", func(t *testing.T) {
		g := f.as("guest")
		chans := ids(t, g.do(t, "GET", coll+"channels/records?perPage=500", nil))
		if len(chans) != 1 || chans[0] != f.flood.Id {
			t.Errorf("guest lists channels %v, want only %s", chans, f.flood.Id)
		}
		var msgChannels []string
		for _, id := range ids(t, g.do(t, "GET", coll+"messages/records?perPage=500", nil)) {
			m, _ := f.app.FindRecordById("messages", id)
			msgChannels = append(msgChannels, m.GetString("channel"))
		}
		if len(msgChannels) == 0 {
			t.Error("guest sees no messages of the invited channel")
		}
		for _, c := range msgChannels {
			if c != f.flood.Id {
				t.Errorf("guest sees a message of channel %s", c)
			}
		}
		for _, c := range []string{"memberships", "devices", "invitations", "board_items", "audit", "faxes", "siren_activations"} {
			for _, id := range ids(t, g.do(t, "GET", coll+c+"/records?perPage=500", nil)) {
				if c == "memberships" {
					m, _ := f.app.FindRecordById(c, id)
					if m.GetString("user") == f.authId(t, "guest") {
						continue // their own
					}
				}
				t.Errorf("guest sees %s %s", c, id)
			}
		}
		// read-only in the channel: no posting
		r := g.do(t, "POST", coll+"messages/records", map[string]any{"channel": f.flood.Id, "author": f.authId(t, "guest"), "body": "Gutachten"})
		if r.status != 400 {
			t.Errorf("read-only guest posted: %s", r)
		}
	})

	t.Run("guest access ends the moment it expires", func(t *testing.T) {
		guestId := f.authId(t, "guest")
		m := tenancy.Membership(f.app, guestId, f.ks.Id)
		cm := tenancy.ChannelMember(f.app, f.flood.Id, guestId)
		if m == nil || cm == nil {
			t.Fatal("demo guest not set up")
		}
		past := time.Now().Add(-time.Second).UTC()
		m.Set("expires", past)
		cm.Set("expires", past)
		if err := f.app.Save(m); err != nil {
			t.Fatal(err)
		}
		if err := f.app.Save(cm); err != nil {
			t.Fatal(err)
		}
		g := f.as("guest")
		for _, c := range []string{"channels", "messages", "channel_members", "receipts", "users"} {
			list := ids(t, g.do(t, "GET", coll+c+"/records?perPage=500", nil))
			if c == "users" {
				list = slices.DeleteFunc(list, func(id string) bool { return id == guestId })
			}
			if len(list) != 0 {
				t.Errorf("expired guest still lists %d %s", len(list), c)
			}
		}
		if r := g.do(t, "GET", coll+"channels/records/"+f.flood.Id, nil); r.status != 404 {
			t.Errorf("expired guest views the channel: %s", r)
		}
		me := g.do(t, "GET", "/api/crisisroom/me", nil).json(t)
		if tenants, _ := me["tenants"].([]any); len(tenants) != 0 {
			t.Errorf("expired guest still has tenants: %v", tenants)
		}
	})

	t.Run("admin rights need one membership row, not two", func(t *testing.T) {
		// admin of SW and plain member of POL: must not act as POL's admin
		u := f.newPerson(t)
		for org, role := range map[string]string{f.s.Demo.Orgs["SW"].Id: "admin", f.pol.Id: "member"} {
			if _, err := tenancy.NewMembership(f.app, u.Id, org, role, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		a := api{s: f.s, base: f.s.URL, token: recordToken(t, u)}
		if r := a.do(t, "POST", coll+"memberships/records", map[string]any{"user": f.newPerson(t).Id, "organisation": f.pol.Id, "role": "admin"}); r.status != 400 {
			t.Errorf("SW admin + POL member created a POL membership: %s", r)
		}
		if r := a.do(t, "PATCH", coll+"organisations/records/"+f.pol.Id, map[string]any{"name": "Übernommen"}); r.status != 404 {
			t.Errorf("SW admin + POL member renamed POL: %s", r)
		}
		if r := a.do(t, "POST", coll+"channels/records", map[string]any{"organisation": f.pol.Id, "kind": "org", "name": "Fremd"}); r.status != 400 {
			t.Errorf("SW admin + POL member created a POL org channel: %s", r)
		}
		// operator of POL and member of the host: not a host operator
		v := f.newPerson(t)
		for org, role := range map[string]string{f.pol.Id: "operator", f.ks.Id: "member"} {
			if _, err := tenancy.NewMembership(f.app, v.Id, org, role, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		b := api{s: f.s, base: f.s.URL, token: recordToken(t, v)}
		if r := b.do(t, "POST", coll+"devices/records", map[string]any{"username": unique("fremd"), "organisation": f.pol.Id, "kind": "board", "password": devicePassword, "passwordConfirm": devicePassword}); r.status != 400 {
			t.Errorf("POL operator + KS member created a device: %s", r)
		}
		if r := b.do(t, "POST", coll+"channels/records", map[string]any{"organisation": f.ks.Id, "kind": "shared", "name": "Fremd", "organisations": []string{f.ks.Id, f.pol.Id}}); r.status != 400 {
			t.Errorf("POL operator + KS member created a shared channel: %s", r)
		}
	})

	t.Run("only host operators create shared channels", func(t *testing.T) {
		body := func(org string) map[string]any {
			return map[string]any{"organisation": org, "kind": "shared", "name": unique("Lage "), "organisations": []string{f.ks.Id, f.pol.Id, f.fw.Id}}
		}
		for _, c := range []struct {
			who, org string
			want     int
		}{{"adminA", f.ks.Id, 400}, {"adminA", f.pol.Id, 400}, {"hostMember", f.ks.Id, 400}, {"memberB", f.ks.Id, 400}, {"guest", f.ks.Id, 400}, {"hostOp", f.pol.Id, 400}, {"hostOp", f.ks.Id, 200}} {
			if r := f.as(c.who).do(t, "POST", coll+"channels/records", body(c.org)); r.status != c.want {
				t.Errorf("%s creating a shared channel owned by %s: want %d, got %s", c.who, c.org, c.want, r)
			}
		}
	})

	t.Run("only an organisation's admins change its memberships", func(t *testing.T) {
		kvogel := tenancy.Membership(f.app, f.authId(t, "memberB"), f.fw.Id)
		own := tenancy.Membership(f.app, f.authId(t, "memberA"), f.pol.Id)
		tk := tenancy.Membership(f.app, f.authId(t, "adminA"), f.pol.Id)
		cases := []struct {
			who, method, id string
			body            map[string]any
			want            int
		}{
			{"adminA", "PATCH", kvogel.Id, map[string]any{"role": "admin"}, 404},
			{"adminA", "DELETE", kvogel.Id, nil, 404},
			{"memberA", "PATCH", own.Id, map[string]any{"role": "admin"}, 404},
			{"memberA", "DELETE", own.Id, nil, 404},
			{"adminA", "PATCH", tk.Id, map[string]any{"organisation": f.fw.Id}, 404},
			{"adminA", "PATCH", own.Id, map[string]any{"user": f.authId(t, "memberB")}, 404},
			{"adminB", "POST", "", map[string]any{"user": f.authId(t, "adminB"), "organisation": f.pol.Id, "role": "admin"}, 400},
			{"memberA", "POST", "", map[string]any{"user": f.authId(t, "memberA"), "organisation": f.fw.Id, "role": "member"}, 400},
			{"guest", "POST", "", map[string]any{"user": f.authId(t, "guest"), "organisation": f.ks.Id, "role": "admin"}, 400},
			{"hostOp", "POST", "", map[string]any{"user": f.authId(t, "hostOp"), "organisation": f.pol.Id, "role": "admin"}, 400},
		}
		for _, c := range cases {
			path := coll + "memberships/records"
			if c.id != "" {
				path += "/" + c.id
			}
			if r := f.as(c.who).do(t, c.method, path, c.body); r.status != c.want {
				t.Errorf("%s %s membership %v: want %d, got %s", c.who, c.method, c.body, c.want, r)
			}
		}
		after := tenancy.Membership(f.app, f.authId(t, "memberA"), f.pol.Id)
		if after == nil || after.GetString("role") != "member" {
			t.Errorf("lneumann's membership changed: %v", after)
		}
		// the last admin stays
		if r := f.as("adminA").do(t, "PATCH", path(coll, "memberships", tk.Id), map[string]any{"role": "member"}); r.status != 400 || !strings.Contains(string(r.body), "mindestens einen Admin") {
			t.Errorf("the last admin demoted himself: %s", r)
		}
	})

	t.Run("exactly one host organisation", func(t *testing.T) {
		su := superuserAPI(t, f)
		if r := su.do(t, "POST", coll+"organisations/records", map[string]any{"name": "Zweiter Stab", "kind": "host"}); r.status != 400 || !strings.Contains(string(r.body), "genau eine") {
			t.Errorf("superuser created a second host: %s", r)
		}
		if r := f.as("hostAdmin").do(t, "POST", coll+"organisations/records", map[string]any{"name": "Zweiter Stab", "kind": "host"}); r.status != 400 {
			t.Errorf("host admin created a second host: %s", r)
		}
		if r := f.as("hostAdmin").do(t, "PATCH", path(coll, "organisations", f.pol.Id), map[string]any{"kind": "host"}); r.status != 400 {
			t.Errorf("host admin made POL a host: %s", r)
		}
		if r := su.do(t, "PATCH", path(coll, "organisations", f.ks.Id), map[string]any{"kind": "administration"}); r.status != 400 {
			t.Errorf("superuser removed the host: %s", r)
		}
		if r := su.do(t, "DELETE", path(coll, "organisations", f.ks.Id), nil); r.status != 400 {
			t.Errorf("superuser deleted the host: %s", r)
		}
		if _, err := tenancy.NewOrganisation(f.app, "Dritter Stab", "", "host", ""); err == nil {
			t.Error("Go code created a second host")
		}
		if n, _ := f.app.CountRecords("organisations", dbx.HashExp{"kind": "host"}); n != 1 {
			t.Errorf("%d host organisations", n)
		}
	})

	t.Run("an organisation's admin cannot lift its suspension or change its kind", func(t *testing.T) {
		for _, body := range []map[string]any{{"status": "suspended"}, {"kind": "fire"}} {
			if r := f.as("adminA").do(t, "PATCH", path(coll, "organisations", f.pol.Id), body); r.status != 404 {
				t.Errorf("POL admin changed %v: %s", body, r)
			}
		}
		if r := f.as("adminA").do(t, "PATCH", path(coll, "organisations", f.pol.Id), map[string]any{"short": "PP"}); r.status != 200 {
			t.Errorf("POL admin could not rename the short name: %s", r)
		}
	})

	t.Run("nobody raises their own channel role", func(t *testing.T) {
		own := tenancy.ChannelMember(f.app, f.polCh.Id, f.authId(t, "memberA"))
		if r := f.as("memberA").do(t, "PATCH", path(coll, "channel_members", own.Id), map[string]any{"role": "owner"}); r.status != 403 {
			t.Errorf("member made herself owner: %s", r)
		}
		fwFlood := tenancy.ChannelMember(f.app, f.flood.Id, f.authId(t, "memberB"))
		if r := f.as("memberB").do(t, "PATCH", path(coll, "channel_members", fwFlood.Id), map[string]any{"role": "owner"}); r.status != 403 {
			t.Errorf("FW member made herself owner of the shared channel: %s", r)
		}
		if r := f.as("memberB").do(t, "POST", coll+"channel_members/records", map[string]any{"channel": f.polCh.Id, "user": f.authId(t, "memberB"), "role": "member"}); r.status != 400 {
			t.Errorf("FW member joined POL intern: %s", r)
		}
		if r := f.as("adminA").do(t, "PATCH", path(coll, "channel_members", fwFlood.Id), map[string]any{"role": "readonly"}); r.status != 403 {
			t.Errorf("POL admin changed a FW member's role in the shared channel: %s", r)
		}
		if r := f.as("adminA").do(t, "DELETE", path(coll, "channel_members", fwFlood.Id), nil); r.status != 403 {
			t.Errorf("POL admin removed a FW member from the shared channel: %s", r)
		}
		if got, _ := f.app.FindRecordById("channel_members", own.Id); got == nil || got.GetString("role") != "member" {
			t.Errorf("role changed: %v", got)
		}
	})

	t.Run("people cannot create accounts or organisations", func(t *testing.T) {
		for _, who := range []string{"anonymous", "memberA", "adminA", "hostAdmin"} {
			if r := f.as(who).do(t, "POST", coll+"users/records", map[string]any{"username": unique("neu"), "password": personPassword, "passwordConfirm": personPassword}); r.status != 403 {
				t.Errorf("%s created a user: %s", who, r)
			}
		}
		for _, who := range []string{"anonymous", "memberA", "adminA", "hostOp", "device"} {
			if r := f.as(who).do(t, "POST", coll+"organisations/records", map[string]any{"name": unique("Eigene "), "kind": "ngo"}); r.status != 400 {
				t.Errorf("%s created an organisation: %s", who, r)
			}
		}
	})

	t.Run("protected attachments only for the channel's members", func(t *testing.T) {
		content := []byte("Kräfteplanung Nachtschicht, nur intern\n")
		form := multipartForm(t, map[string]string{"channel": f.polCh.Id, "author": f.authId(t, "adminA"), "body": "Anlage"}, "attachments", "plan.txt", content)
		r := f.as("adminA").do(t, "POST", coll+"messages/records", form)
		if r.status != 200 {
			t.Fatalf("upload: %s", r)
		}
		msg := r.json(t)
		files, _ := msg["attachments"].([]any)
		if len(files) != 1 {
			t.Fatalf("attachments: %v", msg["attachments"])
		}
		url := "/api/files/messages/" + msg["id"].(string) + "/" + files[0].(string)
		for who, want := range map[string]int{"adminA": 200, "memberA": 200, "memberB": 404, "adminB": 404, "hostOp": 404, "guest": 404} {
			tok := f.as(who).do(t, "POST", "/api/files/token", nil)
			if tok.status != 200 {
				t.Fatalf("%s file token: %s", who, tok)
			}
			got := f.as("anonymous").do(t, "GET", url+"?token="+tok.json(t)["token"].(string), nil)
			if got.status != want {
				t.Errorf("%s downloading POL's attachment: want %d, got %d", who, want, got.status)
			}
			if want == 200 && !bytes.Equal(got.body, content) {
				t.Errorf("%s got other content", who)
			}
		}
		if got := f.as("anonymous").do(t, "GET", url, nil); got.status != 404 {
			t.Errorf("download without a token: %d", got.status)
		}
	})

	t.Run("a group owner adds only people shared with now", func(t *testing.T) {
		g := f.as("memberA").do(t, "POST", coll+"channels/records", map[string]any{"organisation": f.pol.Id, "kind": "group", "name": unique("Gruppe ")})
		if g.status != 200 {
			t.Fatalf("group: %s", g)
		}
		gone := f.newPOLUser(t, "member")
		m := tenancy.Membership(f.app, gone.Id, f.pol.Id)
		m.Set("expires", time.Now().Add(-time.Second).UTC())
		if err := f.app.Save(m); err != nil {
			t.Fatal(err)
		}
		if cm := tenancy.ChannelMember(f.app, f.polCh.Id, gone.Id); cm != nil {
			f.app.Delete(cm) // what the expiry job does a minute later
		}
		if r := f.as("memberA").do(t, "POST", coll+"channel_members/records", map[string]any{"channel": g.json(t)["id"], "user": gone.Id, "role": "member"}); r.status != 400 {
			t.Errorf("added someone whose only shared membership ran out: %s", r)
		}
		if r := f.as("memberA").do(t, "POST", coll+"channel_members/records", map[string]any{"channel": g.json(t)["id"], "user": f.authId(t, "adminA"), "role": "member"}); r.status != 200 {
			t.Errorf("could not add a colleague: %s", r)
		}
	})

	t.Run("an admin whose membership ran out is no admin", func(t *testing.T) {
		tk := tenancy.Membership(f.app, f.authId(t, "adminA"), f.pol.Id)
		tk.Set("expires", time.Now().Add(-time.Second).UTC())
		if err := f.app.Save(tk); err != nil {
			t.Fatal(err)
		}
		a := f.as("adminA")
		if r := a.do(t, "POST", coll+"memberships/records", map[string]any{"user": f.newPerson(t).Id, "organisation": f.pol.Id, "role": "member"}); r.status != 400 {
			t.Errorf("expired admin added a member: %s", r)
		}
		if list := ids(t, a.do(t, "GET", coll+"audit/records", nil)); len(list) != 0 {
			t.Errorf("expired admin reads %d audit records", len(list))
		}
		if list := ids(t, a.do(t, "GET", coll+"invitations/records", nil)); len(list) != 0 {
			t.Errorf("expired admin reads %d invitations", len(list))
		}
	})
}

func path(coll, c, id string) string { return coll + c + "/records/" + id }

func recordToken(t testing.TB, r *core.Record) string {
	t.Helper()
	tok, err := r.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func superuserAPI(t testing.TB, f *fixture) api {
	t.Helper()
	c, err := f.app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su, err := f.app.FindAuthRecordByEmail(c, "it@example.org")
	if err != nil {
		su = core.NewRecord(c)
		su.SetEmail("it@example.org")
		su.SetPassword("superuser-passwort")
		if err := f.app.Save(su); err != nil {
			t.Fatal(err)
		}
	}
	return api{s: f.s, base: f.s.URL, token: recordToken(t, su)}
}

// TestAuditAppendOnly: nobody changes or removes an audit record, and privileged actions
// leave one.
func TestAuditAppendOnly(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	coll := "/api/collections/audit/records/"

	t.Run("privileged actions are audited", func(t *testing.T) {
		m := tenancy.Membership(f.app, f.authId(t, "memberA"), f.pol.Id)
		if r := f.as("adminA").do(t, "PATCH", "/api/collections/memberships/records/"+m.Id, map[string]any{"function": "S2 Lage"}); r.status != 200 {
			t.Fatalf("membership change: %s", r)
		}
		ch := f.as("hostOp").do(t, "POST", "/api/collections/channels/records", map[string]any{"organisation": f.ks.Id, "kind": "shared", "name": "Sturm", "organisations": []string{f.ks.Id, f.fw.Id}})
		if ch.status != 200 {
			t.Fatalf("channel: %s", ch)
		}
		dev := f.as("hostOp").do(t, "POST", "/api/collections/devices/records", map[string]any{"username": "lagetafel9", "organisation": f.ks.Id, "kind": "board", "password": devicePassword, "passwordConfirm": devicePassword})
		if dev.status != 200 {
			t.Fatalf("device: %s", dev)
		}
		for _, c := range []struct{ action, target, actor string }{
			{"memberships.update", m.Id, "adminA"},
			{"channels.create", ch.json(t)["id"].(string), "hostOp"},
			{"devices.create", dev.json(t)["id"].(string), "hostOp"},
		} {
			rec, err := f.app.FindFirstRecordByFilter("audit", "action = {:a} && target = {:t}", dbx.Params{"a": c.action, "t": c.target})
			if err != nil {
				t.Errorf("no audit record %s for %s", c.action, c.target)
				continue
			}
			if rec.GetString("actor") != f.authId(t, c.actor) {
				t.Errorf("%s audited with actor %q", c.action, rec.GetString("actor"))
			}
			if c.action == "devices.create" {
				if data := rec.GetString("data"); strings.Contains(data, "password") || strings.Contains(data, "tokenKey") {
					t.Errorf("device secrets in the audit log: %s", data)
				}
			}
		}
	})

	t.Run("nobody rewrites history", func(t *testing.T) {
		rec := f.save(t, "audit", map[string]any{"action": "test.entry", "organisation": f.pol.Id, "target": "x"})
		su := superuserAPI(t, f)
		for _, who := range []api{su, f.as("adminA"), f.as("hostAdmin")} {
			if r := who.do(t, "PATCH", coll+rec.Id, map[string]any{"action": "rewritten"}); r.status < 400 {
				t.Errorf("audit update through the API: %s", r)
			}
			if r := who.do(t, "DELETE", coll+rec.Id, nil); r.status < 400 {
				t.Errorf("audit delete through the API: %s", r)
			}
		}
		rec.Set("action", "rewritten")
		if err := f.app.Save(rec); err == nil {
			t.Error("Go code updated an audit record")
		}
		if err := f.app.Delete(rec); err == nil {
			t.Error("Go code deleted an audit record")
		}
		// below every hook: SQLite itself refuses
		if _, err := f.app.DB().NewQuery("UPDATE audit SET action = 'rewritten' WHERE id = {:id}").Bind(dbx.Params{"id": rec.Id}).Execute(); err == nil {
			t.Error("SQL UPDATE on audit went through")
		}
		if _, err := f.app.DB().NewQuery("DELETE FROM audit").Execute(); err == nil {
			t.Error("SQL DELETE on audit went through")
		}
		got, err := f.app.FindRecordById("audit", rec.Id)
		if err != nil || got.GetString("action") != "test.entry" {
			t.Errorf("audit record after the attempts: %v %v", got, err)
		}
	})
}

// TestBadInput: what PocketBase would quietly drop or cast is refused with a message
// naming the field, and a refused request leaves nothing behind.
func TestBadInput(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	author := f.authId(t, "memberA")
	a := f.as("memberA")
	count := func() int64 {
		n, _ := f.app.CountRecords("messages", dbx.HashExp{"channel": f.polCh.Id})
		return n
	}
	before := count()
	cases := []struct {
		name string
		body any
		want string
	}{
		{"unknown field", map[string]any{"channel": f.polCh.Id, "author": author, "body": "x", "prioritaet": "flash"}, `unbekanntes Feld \"prioritaet\" / unknown field \"prioritaet\"`},
		{"bool as text", map[string]any{"channel": f.polCh.Id, "author": author, "body": "x", "ack_required": "ja"}, "ack_required: true oder false erwartet / expected true or false"},
		{"number for text", map[string]any{"channel": f.polCh.Id, "author": author, "body": 42}, "body: Text erwartet / expected text"},
		{"list for one relation", map[string]any{"channel": []string{f.polCh.Id}, "author": author, "body": "x"}, "channel: eine ID erwartet / expected one id"},
		{"unknown select value", map[string]any{"channel": f.polCh.Id, "author": author, "body": "x", "priority": "sehr hoch"}, "priority"},
		{"body too long", map[string]any{"channel": f.polCh.Id, "author": author, "body": strings.Repeat("a", 20001)}, "body"},
		{"broken JSON", []byte(`{"channel": "` + f.polCh.Id + `", "body": `), ""},
	}
	for _, c := range cases {
		r := a.do(t, "POST", "/api/collections/messages/records", c.body)
		if r.status != 400 || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: want 400 naming %q, got %s", c.name, c.want, r)
		}
	}
	sirens := func() int64 { n, _ := f.app.CountRecords("siren_activations"); return n }
	sirensBefore := sirens()
	if r := f.as("hostOp").do(t, "POST", "/api/collections/siren_activations/records", map[string]any{"device": f.siren.Id, "signal": "test", "duration": "lang", "requested_by": f.authId(t, "hostOp")}); r.status != 400 || !strings.Contains(string(r.body), "duration: Zahl erwartet / expected a number") {
		t.Errorf("number as text: %s", r)
	}
	if sirens() != sirensBefore {
		t.Error("a refused siren activation was saved")
	}

	big := bytes.Repeat([]byte{'x'}, 25<<20+1)
	r := a.do(t, "POST", "/api/collections/messages/records", multipartForm(t, map[string]string{"channel": f.polCh.Id, "author": author, "body": "zu groß"}, "attachments", "gross.bin", big))
	if r.status != 400 || !strings.Contains(string(r.body), "25 MB") {
		t.Errorf("oversized file: %s", r)
	}
	r = a.do(t, "POST", "/api/collections/messages/records", append(append([]byte(`{"channel":"`+f.polCh.Id+`","author":"`+author+`","body":"`), bytes.Repeat([]byte{'y'}, 33<<20)...), '"', '}'))
	if r.status != http.StatusRequestEntityTooLarge && r.status != 400 {
		t.Errorf("oversized body: %s", r)
	}
	if n := count(); n != before {
		t.Errorf("refused requests left %d messages behind", n-before)
	}
}

// TestSetup walks the first start: needed, wrong link refused and audited, a failing
// attempt leaves nothing, the right one creates the host and its admin, and only once.
func TestSetup(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{NoMQTT: true})
	anon := api{base: s.URL}
	if r := anon.do(t, "GET", "/api/crisisroom/setup", nil); r.status != 200 || r.json(t)["needed"] != true {
		t.Fatalf("setup not needed on a fresh appliance: %s", r)
	}
	token := enrolment.SetupToken()
	if len(token) < 32 {
		t.Fatalf("setup token %q", token)
	}
	good := map[string]any{"token": token, "organisation": "Krisenstab Musterstadt", "name": "Eva Ernst", "username": "eernst", "password": "sehr-geheim-2026"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		return m
	}
	if r := anon.do(t, "POST", "/api/crisisroom/setup", with("token", strings.Repeat("0", 32))); r.status != 403 {
		t.Errorf("wrong token: %s", r)
	}
	if _, err := s.App.FindFirstRecordByData("audit", "action", "setup.refused"); err != nil {
		t.Error("a refused setup was not audited")
	}
	for name, body := range map[string]any{
		"bad user name":  with("username", "e ernst!"),
		"short password": with("password", "kurz"),
		"unknown field":  with("rolle", "admin"),
		"wrong type":     with("organisation", 7),
		"no name":        with("name", " "),
	} {
		if r := anon.do(t, "POST", "/api/crisisroom/setup", body); r.status != 400 {
			t.Errorf("%s: %s", name, r)
		}
		for _, c := range []string{"organisations", "users", "memberships", "channels"} {
			if n, _ := s.App.CountRecords(c); n != 0 {
				t.Errorf("%s: %d %s left behind", name, n, c)
			}
		}
	}
	r := anon.do(t, "POST", "/api/crisisroom/setup", good)
	if r.status != 200 {
		t.Fatalf("setup: %s", r)
	}
	auth := r.json(t)
	rec, _ := auth["record"].(map[string]any)
	if auth["token"] == "" || rec["username"] != "eernst" {
		t.Fatalf("setup answer: %s", r)
	}
	me := api{base: s.URL, token: auth["token"].(string)}.do(t, "GET", "/api/crisisroom/me", nil).json(t)
	tenants, _ := me["tenants"].([]any)
	if len(tenants) != 1 || tenants[0].(map[string]any)["kind"] != "host" || tenants[0].(map[string]any)["role"] != "admin" || me["host_operator"] != true {
		t.Errorf("after setup: %v", me)
	}
	if r := anon.do(t, "GET", "/api/crisisroom/setup", nil); r.json(t)["needed"] != false {
		t.Errorf("setup still needed: %s", r)
	}
	if r := anon.do(t, "POST", "/api/crisisroom/setup", with("username", "zweiter")); r.status != 403 {
		t.Errorf("second setup: %s", r)
	}
	if n, _ := s.App.CountRecords("organisations"); n != 1 {
		t.Errorf("%d organisations after a second setup", n)
	}
}

// TestRealtimeIsolation: PocketBase's own collection subscriptions pass each event through
// the list rule of the subscriber. A FW member subscribed to every collection hears the
// room's board but nothing of POL's channel, people, devices or audit.
func TestRealtimeIsolation(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	c := openSSE(t, f.s.URL)
	topics := []string{"messages", "channels", "channel_members", "memberships", "receipts", "invitations", "devices", "audit", "users", "board_items"}
	if status, body := c.subscribe(t, f.s.Token(t, "kvogel"), topics...); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}

	var secret []string
	msg := f.newPOLMessage(t)
	secret = append(secret, msg.Id)
	secret = append(secret, f.save(t, "receipts", map[string]any{"message": msg.Id, "user": f.authId(t, "memberA")}).Id)
	u := f.newPOLUser(t, "member")
	secret = append(secret, u.Id, tenancy.Membership(f.app, u.Id, f.pol.Id).Id, tenancy.ChannelMember(f.app, f.polCh.Id, u.Id).Id)
	ch, err := tenancy.NewChannel(f.app, f.pol.Id, "org", unique("POL geheim "), "", nil, f.authId(t, "adminA"))
	if err != nil {
		t.Fatal(err)
	}
	secret = append(secret, ch.Id)
	secret = append(secret, f.newDevice(t, f.pol.Id, "board", unique("poltafel"), "").Id)
	secret = append(secret, f.save(t, "invitations", map[string]any{"kind": "member", "organisation": f.pol.Id, "role": "member", "token_hash": unique("h"), "expires": time.Now().Add(time.Hour).UTC()}).Id)
	secret = append(secret, f.save(t, "audit", map[string]any{"action": "test.secret", "organisation": f.pol.Id}).Id)

	marker := f.save(t, "board_items", map[string]any{"title": "Pegel 9,40 m", "severity": "warning"})
	_, before := c.until(t, func(ev sseEvent) bool { return mxStr(ev.Data, "record", "id") == marker.Id })
	for _, ev := range before {
		for _, id := range secret {
			if strings.Contains(ev.Raw, id) {
				t.Errorf("FW member heard %s: %s", ev.Name, truncate(ev.Raw, 200))
			}
		}
	}
}
