package hooks_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
	"crisisroom/migrations"
	"crisisroom/testkit"
)

// The tenancy holes of the attacker run, each tried as the wrong person over real HTTP
// against the demo appliance. Every case names who acts, what they try and what must
// come back.

// attackPerson creates an account with a name no other account reads like.
func attackPerson(t testing.TB, f *fixture) (*core.Record, api) {
	t.Helper()
	c, err := f.app.FindCachedCollectionByNameOrId("users")
	if err != nil {
		t.Fatal(err)
	}
	u := core.NewRecord(c)
	u.Set("name", unique("Angriffsprobe "))
	u.Set("username", unique("angriff"))
	setPassword(t, u, personPassword)
	if err := f.app.Save(u); err != nil {
		t.Fatalf("person: %v", err)
	}
	tok, err := u.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return u, api{s: f.s, base: f.s.URL, token: tok}
}

func rowOf(t testing.TB, app core.App, channel, user string) *core.Record {
	t.Helper()
	cm, err := app.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": channel, "u": user})
	if err != nil {
		t.Fatalf("no channel row of %s in %s: %v", user, channel, err)
	}
	return cm
}

type attackCase struct {
	actor, what  string
	method, path string
	body         any
	want         int
}

func runCases(t *testing.T, f *fixture, cases []attackCase) {
	t.Helper()
	for _, c := range cases {
		if r := f.as(c.actor).do(t, c.method, c.path, c.body); r.status != c.want {
			t.Errorf("%s %s: want %d, got %s", c.actor, c.what, c.want, r)
		}
	}
}

// Kind 1: an admin gains power over people of other organisations.
func TestAttackAdminReachesOtherOrganisationsPeople(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	coll := "/api/collections/"
	sbraun, kvogel, lneumann := f.user(t, "sbraun"), f.user(t, "kvogel"), f.user(t, "lneumann")
	fresh, _ := attackPerson(t, f)

	runCases(t, f, []attackCase{
		{"adminA", "enrols FW's admin into POL", "POST", coll + "memberships/records", map[string]any{"user": sbraun.Id, "organisation": f.pol.Id, "role": "member"}, 403},
		{"adminA", "enrols FW's member into POL as admin", "POST", coll + "memberships/records", map[string]any{"user": kvogel.Id, "organisation": f.pol.Id, "role": "admin"}, 403},
		{"adminA", "enrols the host's guest into POL", "POST", coll + "memberships/records", map[string]any{"user": f.authId(t, "guest"), "organisation": f.pol.Id, "role": "member"}, 403},
		{"adminA", "enrols a person of no organisation into POL", "POST", coll + "memberships/records", map[string]any{"user": fresh.Id, "organisation": f.pol.Id, "role": "member"}, 403},
	})

	// The liaison case: sbraun joined POL too (as by an invitation). POL's admin still
	// manages only what POL gave. The fresh person joins POL by an invitation too.
	if _, err := tenancy.NewMembership(f.app, sbraun.Id, f.pol.Id, "member", "Verbindungsperson", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tenancy.NewMembership(f.app, fresh.Id, f.pol.Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	sRow := rowOf(t, f.app, f.flood.Id, sbraun.Id)
	if sRow.GetString("organisation") != f.fw.Id {
		t.Fatalf("sbraun's flood row given by %q, want FW", sRow.GetString("organisation"))
	}
	kRow := rowOf(t, f.app, f.flood.Id, kvogel.Id)
	lRow := rowOf(t, f.app, f.flood.Id, lneumann.Id)
	cmPath := coll + "channel_members/records/"
	runCases(t, f, []attackCase{
		{"adminA", "makes FW's liaison read-only in the shared channel", "PATCH", cmPath + sRow.Id, map[string]any{"role": "readonly"}, 403},
		{"adminA", "removes FW's liaison from the shared channel", "DELETE", cmPath + sRow.Id, nil, 403},
		{"adminA", "makes FW's member read-only", "PATCH", cmPath + kRow.Id, map[string]any{"role": "readonly"}, 403},
		{"adminA", "moves its own member's row to FW", "PATCH", cmPath + lRow.Id, map[string]any{"organisation": f.fw.Id}, 404},
		{"adminA", "adds its new POL member to the shared channel", "POST", coll + "channel_members/records", map[string]any{"channel": f.flood.Id, "user": fresh.Id, "role": "member", "organisation": f.fw.Id}, 200},
		{"adminA", "makes its own member read-only", "PATCH", cmPath + lRow.Id, map[string]any{"role": "readonly"}, 200},
		{"adminB", "makes its own liaison read-only", "PATCH", cmPath + sRow.Id, map[string]any{"role": "member"}, 200},
		{"hostOp", "makes FW's member read-only (host runs shared channels)", "PATCH", cmPath + kRow.Id, map[string]any{"role": "readonly"}, 200},
	})
	if got := rowOf(t, f.app, f.flood.Id, fresh.Id).GetString("organisation"); got != f.pol.Id {
		t.Errorf("a row POL's admin added is given by %q, want POL (the body's organisation is ignored)", got)
	}
}

// Kind 2: a guest leaves its invitation.
func TestAttackGuestLeavesInvitation(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	coll := "/api/collections/"
	guest := f.authId(t, "guest")
	jwagner := f.authId(t, "hostOp")
	group := f.as("hostOp").do(t, "POST", coll+"channels/records", map[string]any{"organisation": f.ks.Id, "kind": "group", "name": unique("Stabsgruppe ")})
	if group.status != 200 {
		t.Fatalf("group: %s", group)
	}
	groupId := group.json(t)["id"].(string)
	runCases(t, f, []attackCase{
		{"guest", "starts a direct conversation with a channel member", "POST", "/api/crisisroom/direct", map[string]any{"user": jwagner}, 403},
		{"hostOp", "starts a direct conversation with the guest", "POST", "/api/crisisroom/direct", map[string]any{"user": guest}, 403},
		{"guest", "creates a group conversation", "POST", coll + "channels/records", map[string]any{"organisation": f.ks.Id, "kind": "group", "name": unique("Gastgruppe ")}, 400},
		{"hostOp", "adds the guest to a group conversation", "POST", coll + "channel_members/records", map[string]any{"channel": groupId, "user": guest, "role": "member"}, 403},
		{"hostAdmin", "places the guest in another host channel", "POST", coll + "channel_members/records", map[string]any{"channel": f.hostIntern(t), "user": guest, "role": "readonly"}, 403},
		{"hostAdmin", "turns a host member into a guest (who would keep its channels)", "PATCH", coll + "memberships/records/" + tenancy.Membership(f.app, f.authId(t, "hostMember"), f.ks.Id).Id, map[string]any{"role": "guest", "expires": "2099-01-01 00:00:00.000Z"}, 403},
		{"guest", "posts (Blitz) where its invitation gives read-only", "POST", coll + "messages/records", map[string]any{"channel": f.flood.Id, "author": guest, "body": "Blitz vom Gast", "priority": "flash"}, 400},
		{"guest", "makes itself a writer", "PATCH", coll + "channel_members/records/" + rowOf(t, f.app, f.flood.Id, guest).Id, map[string]any{"role": "member"}, 403},
		{"hostMember", "starts a direct conversation with a colleague (still works)", "POST", "/api/crisisroom/direct", map[string]any{"user": jwagner}, 200},
	})
	if n, _ := f.app.CountRecords("channels", dbx.NewExp("kind = 'direct' AND id IN (SELECT channel FROM channel_members WHERE user = {:g})", dbx.Params{"g": guest})); n != 0 {
		t.Errorf("the guest is in %d direct conversations", n)
	}

	// Expired: the guest membership ends, the channel row (copied end date) not yet.
	m := tenancy.Membership(f.app, guest, f.ks.Id)
	m.Set("expires", time.Now().Add(-time.Second).UTC())
	if err := f.app.Save(m); err != nil {
		t.Fatal(err)
	}
	row := rowOf(t, f.app, f.flood.Id, guest)
	row.Set("expires", time.Now().Add(time.Hour).UTC())
	if err := f.app.Save(row); err != nil {
		t.Fatal(err)
	}
	runCases(t, f, []attackCase{
		{"guest", "reads the channel after its invitation ended", "GET", "/api/crisisroom/channels/" + f.flood.Id + "/messages", nil, 403},
		{"guest", "views the channel after its invitation ended", "GET", coll + "channels/records/" + f.flood.Id, nil, 404},
	})
	for _, c := range []string{"messages", "channels", "receipts"} {
		if got := ids(t, f.as("guest").do(t, "GET", coll+c+"/records?perPage=500", nil)); len(got) != 0 {
			t.Errorf("guest lists %d %s after its invitation ended", len(got), c)
		}
	}
	if r := f.as("guest").do(t, "GET", "/api/crisisroom/channels", nil); r.status != 200 || len(r.json(t)["items"].([]any)) != 0 {
		t.Errorf("guest's channel list after the end: %s", r)
	}
}

// Kind 3: an empty relation matches an empty relation. Records whose relations are all
// empty are listed by (a) a person with no memberships and no channel rows and (b) a
// normal member; neither may see any of them (board items are for all live staff).
func TestAttackEmptyRelationsMatchNothing(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	coll := "/api/collections/"
	nobody, nobodyAPI := attackPerson(t, f)
	f.actors["nobody"] = nobodyAPI
	polFax := f.device

	// One record per collection with every relation empty (stored without validation,
	// as a broken import or a device without a channel would leave them).
	empty := map[string]*core.Record{}
	mk := func(name string, data map[string]any) {
		c, err := f.app.FindCollectionByNameOrId(name)
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(c)
		for k, v := range data {
			r.Set(k, v)
		}
		if name == "siren_activations" {
			// the siren hooks refuse a record without a siren even unvalidated: write the row
			r.Id = unique("leersirene")
			if _, err := f.app.DB().Insert(name, dbx.Params{"id": r.Id, "signal": "test"}).Execute(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		} else if err := f.app.SaveNoValidate(r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		empty[name] = r
	}
	mk("faxes", map[string]any{"device": polFax.Id, "direction": "in", "status": "received"})
	mk("memberships", map[string]any{"role": "member"})
	mk("devices", map[string]any{"username": unique("leer"), "kind": "fax"})
	mk("channels", map[string]any{"kind": "org", "name": unique("Leer ")})
	mk("channel_members", map[string]any{"role": "member"})
	mk("messages", map[string]any{"body": "ohne Kanal", "source": "web"})
	mk("receipts", map[string]any{})
	mk("invitations", map[string]any{"kind": "member", "token_hash": unique("h")})
	mk("siren_activations", map[string]any{"signal": "test"})
	mk("board_items", map[string]any{"title": "ohne Organisation"})
	mk("audit", map[string]any{"action": "test.empty"})
	// and a fax whose device and channel are both empty
	mk("faxes", map[string]any{"direction": "in", "status": "received"})
	faxNoDevice := empty["faxes"]
	mk("faxes", map[string]any{"device": polFax.Id, "direction": "in", "status": "received"})

	mk("sessions", map[string]any{})
	rules := []string{"users", "memberships", "devices", "channels", "channel_members", "messages", "receipts",
		"invitations", "faxes", "siren_activations", "board_items", "audit", "sessions"}
	for _, actor := range []string{"anonymous", "nobody", "memberA", "memberB", "guest"} {
		for _, c := range rules {
			got := ids(t, f.as(actor).do(t, "GET", coll+c+"/records?perPage=500", nil))
			if actor == "anonymous" && len(got) != 0 {
				t.Errorf("nobody signed in lists %d %s: %v", len(got), c, got)
			}
			if actor == "nobody" {
				// (a) sees itself and nothing else
				if c == "users" {
					if len(got) != 1 || got[0] != nobody.Id {
						t.Errorf("a person of no organisation lists users %v", got)
					}
				} else if len(got) != 0 {
					t.Errorf("a person of no organisation lists %d %s: %v", len(got), c, got)
				}
			}
			for _, r := range []*core.Record{empty[c], faxNoDevice} {
				if r == nil || r.Collection().Name != c {
					continue
				}
				if c == "board_items" && (actor == "memberA" || actor == "memberB") {
					continue // board items without an organisation are for all live staff
				}
				if slices.Contains(got, r.Id) {
					t.Errorf("%s lists the %s record with empty relations", actor, c)
				}
				if v := f.as(actor).do(t, "GET", coll+c+"/records/"+r.Id, nil); v.status == 200 {
					t.Errorf("%s views the %s record with empty relations", actor, c)
				}
			}
		}
	}
	// The fax's PDF goes by the same rule.
	if r := f.as("nobody").do(t, "GET", coll+"faxes/records/"+empty["faxes"].Id, nil); r.status != 404 {
		t.Errorf("nobody views a fax without channel: %s", r)
	}
}

// Kind 4: removing an organisation from a shared channel revokes its people's access and
// realtime subscriptions at once; a person there through another organisation stays.
func TestAttackRemovedOrganisationKeepsNothing(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	coll := "/api/collections/"
	kvogel := f.user(t, "kvogel")
	// a liaison of FW who is also host staff: in the channel through the host
	liaison, liaisonAPI := attackPerson(t, f)
	f.actors["liaison"] = liaisonAPI
	for _, o := range []string{f.fw.Id, f.ks.Id} {
		if _, err := tenancy.NewMembership(f.app, liaison.Id, o, "member", "Verbindungsperson", nil); err != nil {
			t.Fatal(err)
		}
	}
	// and a FW person added to the channel by FW before it
	fwOnly, fwOnlyAPI := attackPerson(t, f)
	f.actors["fwOnly"] = fwOnlyAPI
	if _, err := tenancy.NewMembership(f.app, fwOnly.Id, f.fw.Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*core.Record{liaison, fwOnly} {
		if r := f.as("hostOp").do(t, "POST", coll+"channel_members/records", map[string]any{"channel": f.flood.Id, "user": u.Id, "role": "member"}); r.status != 200 {
			t.Fatalf("adding to the shared channel: %s", r)
		}
	}

	sse := openSSE(t, f.s.URL)
	if status, body := sse.subscribe(t, f.s.Token(t, "kvogel"), "channels/"+f.flood.Id, "channels/"+f.s.Demo.Channels["FW intern"].Id); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}

	var orgs []string
	for _, o := range f.flood.GetStringSlice("organisations") {
		if o != f.fw.Id {
			orgs = append(orgs, o)
		}
	}
	if r := f.as("hostOp").do(t, "PATCH", coll+"channels/records/"+f.flood.Id, map[string]any{"organisations": orgs}); r.status != 200 {
		t.Fatalf("removing FW: %s", r)
	}
	// at once: the subscription is gone when the request has returned
	cl, err := f.app.SubscriptionsBroker().ClientById(sse.id)
	if err != nil || cl.HasSubscription("channels/"+f.flood.Id) || !cl.HasSubscription("channels/"+f.s.Demo.Channels["FW intern"].Id) {
		t.Errorf("kvogel's subscriptions after FW left the channel: %v", cl.Subscriptions())
	}
	if n, _ := f.app.CountRecords("channel_members", dbx.HashExp{"channel": f.flood.Id, "organisation": f.fw.Id}); n != 0 {
		t.Errorf("%d rows given by FW stay in the channel", n)
	}
	runCases(t, f, []attackCase{
		{"memberB", "reads the channel after FW was removed", "GET", "/api/crisisroom/channels/" + f.flood.Id + "/messages", nil, 403},
		{"memberB", "posts after FW was removed", "POST", coll + "messages/records", map[string]any{"channel": f.flood.Id, "author": kvogel.Id, "body": "noch da?"}, 400},
		{"adminB", "views the channel after FW was removed", "GET", coll + "channels/records/" + f.flood.Id, nil, 404},
		{"adminB", "adds a FW person again", "POST", coll + "channel_members/records", map[string]any{"channel": f.flood.Id, "user": kvogel.Id, "role": "member"}, 400},
		{"fwOnly", "reads the channel (FW gave the row)", "GET", "/api/crisisroom/channels/" + f.flood.Id + "/messages", nil, 403},
		{"liaison", "reads the channel (the host gave the row)", "GET", "/api/crisisroom/channels/" + f.flood.Id + "/messages", nil, 200},
	})
	if status, _ := sse.subscribe(t, f.s.Token(t, "kvogel"), "channels/"+f.flood.Id); status != http.StatusForbidden {
		t.Errorf("kvogel subscribes to the channel again: %d", status)
	}
}

// Kind 5: a suspended organisation's people reach nothing through it until the host
// lifts the suspension; its data stays; a person of two organisations keeps what the
// other, active one gives.
func TestAttackSuspendedOrganisationStops(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	coll := "/api/collections/"
	kvogel := f.user(t, "kvogel")
	fwIntern := f.s.Demo.Channels["FW intern"].Id
	liaison, liaisonAPI := attackPerson(t, f)
	f.actors["liaison"] = liaisonAPI
	for _, o := range []string{f.ks.Id, f.fw.Id} {
		if _, err := tenancy.NewMembership(f.app, liaison.Id, o, "member", "Verbindungsperson", nil); err != nil {
			t.Fatal(err)
		}
	}
	if r := f.as("hostOp").do(t, "POST", coll+"channel_members/records", map[string]any{"channel": f.flood.Id, "user": liaison.Id, "role": "member"}); r.status != 200 {
		t.Fatalf("adding the liaison: %s", r)
	}
	fresh, _ := attackPerson(t, f)
	msgsBefore, _ := f.app.CountRecords("messages", dbx.HashExp{"channel": fwIntern})

	sse := openSSE(t, f.s.URL)
	if status, body := sse.subscribe(t, f.s.Token(t, "kvogel"), "channels/"+f.flood.Id, "channels/"+fwIntern); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	if r := f.as("hostAdmin").do(t, "PATCH", coll+"organisations/records/"+f.fw.Id, map[string]any{"status": "suspended"}); r.status != 200 {
		t.Fatalf("suspending FW: %s", r)
	}
	cl, err := f.app.SubscriptionsBroker().ClientById(sse.id)
	if err != nil || cl.HasSubscription("channels/"+f.flood.Id) || cl.HasSubscription("channels/"+fwIntern) {
		t.Errorf("kvogel's subscriptions after the suspension: %v", cl.Subscriptions())
	}
	kRow := rowOf(t, f.app, f.flood.Id, kvogel.Id)
	runCases(t, f, []attackCase{
		{"memberB", "posts in the shared channel", "POST", coll + "messages/records", map[string]any{"channel": f.flood.Id, "author": kvogel.Id, "body": "gesperrt"}, 400},
		{"memberB", "reads the shared channel", "GET", "/api/crisisroom/channels/" + f.flood.Id + "/messages", nil, 403},
		{"memberB", "reads FW intern", "GET", "/api/crisisroom/channels/" + fwIntern + "/messages", nil, 403},
		{"adminB", "enrols a person into FW", "POST", coll + "memberships/records", map[string]any{"user": fresh.Id, "organisation": f.fw.Id, "role": "member"}, 400},
		{"adminB", "makes a FW member read-only in the shared channel", "PATCH", coll + "channel_members/records/" + kRow.Id, map[string]any{"role": "readonly"}, 404},
		{"adminB", "creates an invitation-free org channel", "POST", coll + "channels/records", map[string]any{"organisation": f.fw.Id, "kind": "org", "name": unique("FW neu ")}, 400},
		{"adminB", "lifts its own suspension", "PATCH", coll + "organisations/records/" + f.fw.Id, map[string]any{"status": "active"}, 404},
		{"liaison", "reads the shared channel through the host", "GET", "/api/crisisroom/channels/" + f.flood.Id + "/messages", nil, 200},
	})
	for _, c := range []string{"messages", "channels", "devices", "memberships"} {
		for _, id := range ids(t, f.as("memberB").do(t, "GET", coll+c+"/records?perPage=500", nil)) {
			if c == "memberships" {
				if m, _ := f.app.FindRecordById(c, id); m != nil && m.GetString("user") == kvogel.Id {
					continue // its own membership shows the suspension
				}
			}
			t.Errorf("a suspended organisation's member lists %s %s", c, id)
		}
	}
	if r := f.as("memberB").do(t, "GET", "/api/crisisroom/channels", nil); r.status != 200 || len(r.json(t)["items"].([]any)) != 0 {
		t.Errorf("kvogel's channels while suspended: %s", r)
	}
	if status, _ := sse.subscribe(t, f.s.Token(t, "kvogel"), "channels/"+fwIntern); status != http.StatusForbidden {
		t.Errorf("subscribing while suspended: %d", status)
	}

	// lifted: everything is back, nothing was lost
	if r := f.as("hostAdmin").do(t, "PATCH", coll+"organisations/records/"+f.fw.Id, map[string]any{"status": "active"}); r.status != 200 {
		t.Fatalf("lifting: %s", r)
	}
	if n, _ := f.app.CountRecords("messages", dbx.HashExp{"channel": fwIntern}); n != msgsBefore {
		t.Errorf("FW intern has %d messages after the suspension, had %d", n, msgsBefore)
	}
	runCases(t, f, []attackCase{
		{"memberB", "reads FW intern after the suspension", "GET", "/api/crisisroom/channels/" + fwIntern + "/messages", nil, 200},
		{"memberB", "posts in the shared channel after the suspension", "POST", coll + "messages/records", map[string]any{"channel": f.flood.Id, "author": kvogel.Id, "body": "wieder da"}, 200},
	})
}

// The live definitions in Go (tenancy.Membership, tenancy.ChannelMember), SQL and the rule
// pieces give the same answers.
func TestLiveMembershipDefinitionsAgree(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	f := &fixture{s: s, app: s.App, ks: s.Demo.Orgs["KS"], fw: s.Demo.Orgs["FW"], flood: s.Demo.Channels["Hochwasser Rhein"]}
	app := f.app
	newOrg := func(status string) *core.Record {
		o, err := tenancy.NewOrganisation(app, unique("Prüforganisation "), unique("P"), "other", "#888888")
		if err != nil {
			t.Fatal(err)
		}
		o.Set("status", status)
		if err := app.Save(o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	active, suspended := newOrg("active"), newOrg("suspended")
	// a shared channel of the host with both test organisations
	ch, err := tenancy.NewChannel(app, f.ks.Id, "shared", unique("Prüflage "), "", []string{f.ks.Id, active.Id, suspended.Id}, s.Demo.Users["jwagner"].Id)
	if err != nil {
		t.Fatal(err)
	}
	past, future := time.Now().Add(-time.Hour).UTC(), time.Now().Add(time.Hour).UTC()
	cases := []struct {
		name    string
		org     *core.Record
		expires any
		live    bool
	}{
		{"expired", active, past, false},
		{"ends in the future", active, future, true},
		{"no end", active, nil, true},
		{"suspended organisation", suspended, nil, false},
		{"suspended organisation, ends in the future", suspended, future, false},
	}
	ruleMember := migrations.MemberRule("id")
	ruleChannel := migrations.ChannelMemberRule("id")
	for _, c := range cases {
		u, _ := attackPerson(t, f)
		m, err := tenancy.NewMembership(app, u.Id, c.org.Id, "member", "", c.expires)
		if err != nil {
			t.Fatal(err)
		}
		goLive := tenancy.Membership(app, u.Id, c.org.Id) != nil && tenancy.LiveMembership(app, m)
		var n int
		if err := app.DB().NewQuery("SELECT COUNT(*) FROM memberships m WHERE m.id = {:id} AND " + tenancy.LiveMembershipSQL("m")).Bind(dbx.Params{"id": m.Id}).Row(&n); err != nil {
			t.Fatal(err)
		}
		ruleLive, err := app.CanAccessRecord(c.org, &core.RequestInfo{Auth: u}, &ruleMember)
		if err != nil {
			t.Fatal(err)
		}
		if goLive != c.live || (n == 1) != c.live || ruleLive != c.live {
			t.Errorf("membership %s: Go %v, SQL %v, rule %v; want %v", c.name, goLive, n == 1, ruleLive, c.live)
		}

		// the channel row the organisation gave: live exactly when the membership is
		cm := f.save(t, "channel_members", map[string]any{"channel": ch.Id, "user": u.Id, "role": "member", "organisation": c.org.Id})
		checkChannelRow(t, app, ch, u, cm, ruleChannel, c.live, "row given by an organisation whose membership is "+c.name)
	}

	// A row given by an organisation that no longer takes part, and an ended row.
	u, _ := attackPerson(t, f)
	if _, err := tenancy.NewMembership(app, u.Id, active.Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	cm := f.save(t, "channel_members", map[string]any{"channel": ch.Id, "user": u.Id, "role": "member", "organisation": active.Id})
	checkChannelRow(t, app, ch, u, cm, ruleChannel, true, "row of a participant")
	cm.Set("expires", past)
	if err := app.SaveNoValidate(cm); err != nil {
		t.Fatal(err)
	}
	checkChannelRow(t, app, ch, u, cm, ruleChannel, false, "ended row")
	cm.Set("expires", "")
	if err := app.SaveNoValidate(cm); err != nil {
		t.Fatal(err)
	}
	ch.Set("organisations", []string{f.ks.Id, suspended.Id})
	if err := app.SaveNoValidate(ch); err != nil { // no hooks: the row stays behind
		t.Fatal(err)
	}
	checkChannelRow(t, app, ch, u, cm, ruleChannel, false, "row of an organisation no longer taking part")
	cm.Set("organisation", "")
	if err := app.SaveNoValidate(cm); err != nil {
		t.Fatal(err)
	}
	checkChannelRow(t, app, ch, u, cm, ruleChannel, false, "row without a giving organisation")
}

func checkChannelRow(t *testing.T, app core.App, ch, u, cm *core.Record, rule string, want bool, what string) {
	t.Helper()
	goLive := tenancy.ChannelMember(app, ch.Id, u.Id) != nil
	var n int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM channel_members cm WHERE cm.id = {:id} AND " + tenancy.LiveChannelMemberSQL("cm")).Bind(dbx.Params{"id": cm.Id}).Row(&n); err != nil {
		t.Fatal(err)
	}
	fresh, err := app.FindRecordById("channels", ch.Id)
	if err != nil {
		t.Fatal(err)
	}
	ruleLive, err := app.CanAccessRecord(fresh, &core.RequestInfo{Auth: u}, &rule)
	if err != nil {
		t.Fatal(err)
	}
	if goLive != want || (n == 1) != want || ruleLive != want {
		t.Errorf("%s: Go %v, SQL %v, rule %v; want %v", what, goLive, n == 1, ruleLive, want)
	}
}

// hostIntern is the host's own org channel ("KS intern").
func (f *fixture) hostIntern(t testing.TB) string {
	t.Helper()
	ch, err := f.app.FindFirstRecordByData("channels", "name", "KS intern")
	if err != nil {
		t.Fatal(err)
	}
	return ch.Id
}

// A channel row's end date is never set through the API: a guest's is its membership's,
// copied at the invitation; a member's access ends with the organisation membership.
// Every wrong person is refused, each with the words of its case, and the row keeps its
// end date.
func TestAttackChannelRowEndDate(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	cmPath := "/api/collections/channel_members/records/"
	guestRow := rowOf(t, f.app, f.flood.Id, f.authId(t, "guest"))
	memberRow := rowOf(t, f.app, f.flood.Id, f.authId(t, "hostMember"))
	later := time.Now().Add(30 * 24 * time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")
	soon := time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05.000Z")
	for _, c := range []struct {
		actor, what string
		row         *core.Record
		expires     string
		code        string
	}{
		{"hostAdmin", "lengthens the guest's channel access", guestRow, later, "tenancy.guest_channel_end_follows_membership"},
		{"hostOp", "lifts the guest's channel end", guestRow, "", "tenancy.guest_channel_end_follows_membership"},
		{"hostAdmin", "gives a member's channel row an end date", memberRow, soon, "tenancy.channel_end_follows_membership"},
		{"hostOp", "gives a member's channel row an end date", memberRow, soon, "tenancy.channel_end_follows_membership"},
	} {
		r := f.as(c.actor).do(t, "PATCH", cmPath+c.row.Id, map[string]any{"expires": c.expires})
		if r.status != 403 {
			t.Errorf("%s %s: %s, want 403", c.actor, c.what, r)
			continue
		}
		if got := mxStr(r.json(t), "data", "code"); got != c.code {
			t.Errorf("%s %s: code %q, want %q", c.actor, c.what, got, c.code)
		}
	}
	// The guest itself may not touch its row at all (the rule hides what it may not change).
	if r := f.as("guest").do(t, "PATCH", cmPath+guestRow.Id, map[string]any{"expires": later}); r.status < 400 {
		t.Errorf("the guest lengthened its own channel access: %s", r)
	}
	if got := rowOf(t, f.app, f.flood.Id, f.authId(t, "guest")).GetString("expires"); got != guestRow.GetString("expires") {
		t.Errorf("the guest's row ends %q, was %q", got, guestRow.GetString("expires"))
	}
	if got := rowOf(t, f.app, f.flood.Id, f.authId(t, "hostMember")).GetString("expires"); got != "" {
		t.Errorf("the member's row got the end date %q", got)
	}
}
