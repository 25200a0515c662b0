// Package attack_test is the attacker suite: every route under /api/crisisroom/, every
// collection rule and the realtime topics, tried by every kind of wrong person against
// one organisation's records. It is separate from the feature tests so that it reads as
// the list of what the appliance refuses; a route or collection that is not in its tables
// fails TestEveryRouteIsAttacked or TestEveryCollectionIsAttacked.
//
// The MQTT side (wills, retained, sessions, huge packets) is in hardware/attack_mqtt_test.go.
package attack_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/hooks/demo"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// The canaries are words that only the victim's records contain: an attacker's answer
// that holds one of them has leaked.
const (
	canaryOrg    = "KANARIE-POL-INTERN-7f3a"
	canaryShared = "KANARIE-SONDERLAGE-19c2"
)

// actor is one kind of wrong person.
type actor struct {
	name   string // what the test output calls them
	client testkit.Client
	user   string // user id ("" for nobody and devices)
	staff  bool   // a live non-guest member of some active organisation (sees org names, the board)
}

// world is the demo crisis staff plus the victim's records and the attackers.
type world struct {
	s      *testkit.Server
	routes []string

	victim    testkit.Client // tkeller, admin of the police (POL)
	polOrg    *core.Record
	polInnen  *core.Record // a police member who shares nothing with any attacker
	dual      *core.Record // a member of FW and of POL: FW's admin runs one of her organisations, not all
	chPOL     *core.Record // POL intern
	msgPOL    string       // a Blitz with acknowledgement in POL intern (canaryOrg)
	chSpecial *core.Record // shared channel of KS, POL, THW (suspended) and KLM (removed)
	msgSpec   string       // a Blitz in it (canarySpecial)
	group     *core.Record // a group channel of FW listing POL, with a message of kvogel
	groupMsg  string
	devPOL    *core.Record // POL's fax, in POL intern
	devPOLx   *core.Record // POL's fax without a channel (an empty relation)
	faxPOL    string       // a received fax of devPOL
	faxPOLx   string       // a received fax of devPOLx (no channel)
	invite    string       // a member invitation of POL
	auditPOL  string       // an audit row filed under POL
	flood     *core.Record // "Hochwasser Rhein"
	floodRow  string       // lneumann's (POL) row in it: no other organisation may change it
	siren     *core.Record // the host's outdoor siren
	expGuest  string       // the expired guest: the appliance's own clean-up removes its rows
	incident  string       // the open operation ("Hochwasser Rhein")
	etbPOL    string       // POL's journal entry of msgPOL, marked "ins ETB" (canaryOrg)
	etbSpec   string       // the host's journal entry of the Blitz in the special channel

	actors []actor
}

// newWorld starts the demo appliance and builds the scene every attack runs against.
func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{}
	w.s = testkit.StartServer(t, testkit.Options{Demo: true, Before: func(app core.App) {
		app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
			Id:       "attack_routes",
			Priority: 1 << 20, // after every registration of the appliance
			Func: func(se *core.ServeEvent) error {
				w.routes = testkit.Routes(se.Router)
				return se.Next()
			},
		})
	}})
	s, app, d := w.s, w.s.App, w.s.Demo
	w.victim = s.As(t, "tkeller")
	// a real sign-in, so that the victim has a device session to attack
	ok(t, testkit.Client{Base: s.URL}.Do(t, "POST", "/api/collections/users/auth-with-password",
		map[string]any{"identity": "tkeller", "password": demo.Password}))
	w.polOrg = d.Orgs["POL"]
	w.flood = d.Channels["Hochwasser Rhein"]

	var err error
	if w.polInnen, err = tenancy.NewUser(app, "Petra Innendienst", "pol.innen", demo.Password, ""); err != nil {
		t.Fatal(err)
	}
	newMembership(t, app, w.polInnen.Id, w.polOrg.Id, "member", "Innendienst", nil)
	if w.dual, err = tenancy.NewUser(app, "Doris Doppelt", "fw.pol.doppelt", demo.Password, ""); err != nil {
		t.Fatal(err)
	}
	newMembership(t, app, w.dual.Id, d.Orgs["FW"].Id, "member", "", nil)
	newMembership(t, app, w.dual.Id, w.polOrg.Id, "member", "", nil)
	w.chPOL = find(t, app, "channels", "name", "POL intern")

	// THW will be suspended, KLM removed from the special channel.
	thw, err := tenancy.NewOrganisation(app, "Technisches Hilfswerk", "THW", "ngo", "#003399")
	if err != nil {
		t.Fatal(err)
	}
	thwHelfer, err := tenancy.NewUser(app, "Tim Helfer", "thw.helfer", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	newMembership(t, app, thwHelfer.Id, thw.Id, "admin", "Fachberater THW", nil)

	host := d.Orgs["KS"]
	special := ok(t, s.As(t, "jwagner").Do(t, "POST", "/api/collections/channels/records", map[string]any{
		"organisation": host.Id, "kind": "shared", "name": "Sonderlage Brücke",
		"organisations": []string{host.Id, w.polOrg.Id, thw.Id, d.Orgs["KLM"].Id},
	}))
	w.chSpecial = find(t, app, "channels", "id", special["id"].(string))
	addMember := func(as, user string) {
		ok(t, s.As(t, as).Do(t, "POST", "/api/collections/channel_members/records", map[string]any{
			"channel": w.chSpecial.Id, "user": user, "role": "member"}))
	}
	addMember("tkeller", d.Users["tkeller"].Id)
	addMember("tkeller", w.polInnen.Id)
	addMember("sroth", d.Users["sroth"].Id)
	addMember("sroth", d.Users["lfischer"].Id)
	addMember("thw.helfer", thwHelfer.Id)

	w.msgPOL = ok(t, w.victim.Do(t, "POST", "/api/collections/messages/records", map[string]any{
		"channel": w.chPOL.Id, "author": d.Users["tkeller"].Id, "body": "Zugriff Objekt 4 um 05:00 " + canaryOrg,
		"priority": "flash", "ack_required": true}))["id"].(string)
	w.msgSpec = ok(t, w.victim.Do(t, "POST", "/api/collections/messages/records", map[string]any{
		"channel": w.chSpecial.Id, "author": d.Users["tkeller"].Id, "body": "Brücke Süd gesperrt " + canaryShared,
		"priority": "flash", "ack_required": true}))["id"].(string)

	// The victim puts its Blitz into POL's Einsatztagebuch; the special channel's Blitz is
	// in the host's journal by itself.
	w.etbPOL = ok(t, w.victim.Do(t, "POST", "/api/crisisroom/journal/mark", map[string]any{
		"message": w.msgPOL, "organisation": w.polOrg.Id}))["id"].(string)
	w.etbSpec = find(t, app, "journal_entries", "source_id", w.msgSpec).Id
	w.incident = find(t, app, "incidents", "status", "open").Id

	// FW's group channel that lists the police: the way to reach POL's fax.
	group := ok(t, s.As(t, "kvogel").Do(t, "POST", "/api/collections/channels/records", map[string]any{
		"organisation": d.Orgs["FW"].Id, "kind": "group", "name": "FW mit Polizei",
		"organisations": []string{d.Orgs["FW"].Id, w.polOrg.Id}}))
	w.group = find(t, app, "channels", "id", group["id"].(string))
	w.groupMsg = ok(t, s.As(t, "kvogel").Do(t, "POST", "/api/collections/messages/records", map[string]any{
		"channel": w.group.Id, "author": d.Users["kvogel"].Id, "body": "Bitte an Polizei faxen"}))["id"].(string)

	w.devPOL = newDevice(t, app, "pol-fax", w.polOrg.Id, "fax", "fax-class2", w.chPOL.Id, "")
	w.devPOLx = newDevice(t, app, "pol-fax-2", w.polOrg.Id, "fax", "fax-class2", "", "")
	devFW := newDevice(t, app, "fw-fax", d.Orgs["FW"].Id, "fax", "fax-class2", "", "")
	w.siren = newDevice(t, app, "ks-sirene-nord", host.Id, "siren", "native", "", "nord")
	w.faxPOL = newFax(t, app, w.devPOL.Id, w.chPOL.Id)
	w.faxPOLx = newFax(t, app, w.devPOLx.Id, "")

	w.invite = ok(t, w.victim.Do(t, "POST", "/api/crisisroom/invitations", map[string]any{
		"kind": "member", "organisation": w.polOrg.Id, "role": "member"}))["id"].(string)
	a, err := app.FindFirstRecordByFilter("audit", "organisation = {:o}", dbx.Params{"o": w.polOrg.Id})
	if err != nil {
		t.Fatalf("no audit row of POL: %v", err)
	}
	w.auditPOL = a.Id
	row, err := app.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}",
		dbx.Params{"c": w.flood.Id, "u": d.Users["lneumann"].Id})
	if err != nil {
		t.Fatal(err)
	}
	w.floodRow = row.Id

	// An expired guest of the police itself, and a member whose channels are all gone.
	expGuest, err := tenancy.NewUser(app, "Gerd Abgelaufen", "gast.abgelaufen", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	w.expGuest = expGuest.Id
	past := types.NowDateTime().Add(-time.Hour)
	newMembership(t, app, expGuest.Id, w.polOrg.Id, "guest", "Gast", past)
	cmColl, _ := app.FindCollectionByNameOrId("channel_members")
	for _, ch := range []string{w.chPOL.Id, w.chSpecial.Id} {
		r := core.NewRecord(cmColl)
		r.Load(map[string]any{"channel": ch, "user": expGuest.Id, "role": "readonly", "expires": past})
		if cmColl.Fields.GetByName("organisation") != nil {
			r.Set("organisation", w.polOrg.Id)
		}
		if err := app.Save(r); err != nil {
			t.Fatalf("expired guest's channel row: %v", err)
		}
	}
	loner, err := tenancy.NewUser(app, "Lena Ohnekanal", "fw.ohnekanal", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	newMembership(t, app, loner.Id, d.Orgs["FW"].Id, "member", "", nil)
	rows, _ := app.FindRecordsByFilter("channel_members", "user = {:u}", "", 0, 0, dbx.Params{"u": loner.Id})
	for _, r := range rows {
		if err := app.Delete(r); err != nil {
			t.Fatal(err)
		}
	}

	// The host suspends THW and takes KLM out of the special channel.
	ok(t, s.As(t, "abecker").Do(t, "PATCH", "/api/collections/organisations/records/"+thw.Id, map[string]any{"status": "suspended"}))
	ok(t, s.As(t, "jwagner").Do(t, "PATCH", "/api/collections/channels/records/"+w.chSpecial.Id, map[string]any{
		"organisations": []string{host.Id, w.polOrg.Id, thw.Id}}))

	devTok, err := devFW.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	user := func(name, username string, staff bool) actor {
		return actor{name: name, client: s.As(t, username), user: find(t, app, "users", "username", username).Id, staff: staff}
	}
	w.actors = []actor{
		{name: "nobody", client: s.As(t, "")},
		user("admin of another organisation (FW)", "sbraun", true),
		user("member of another organisation (FW)", "kvogel", true),
		user("plain member of the host", "phoffmann", true),
		user("member without any channel (FW)", "fw.ohnekanal", true),
		user("guest of the host", "gast.gutachter", false),
		user("expired guest of POL", "gast.abgelaufen", false),
		user("admin of a suspended organisation (THW)", "thw.helfer", false),
		user("member of a removed organisation (KLM)", "lfischer", true),
		user("admin of a removed organisation (KLM)", "sroth", true),
		{name: "device of another organisation (FW fax)", client: testkit.Client{Base: s.URL, Token: devTok}},
	}
	return w
}

// canaries are the words no attacker's answer may hold, and the ids of the records
// that no attacker may see.
func (w *world) secrets() []string {
	return []string{canaryOrg, canaryShared, w.chPOL.Id, w.chSpecial.Id, w.msgPOL, w.msgSpec,
		w.devPOL.Id, w.devPOLx.Id, w.faxPOL, w.faxPOLx, w.invite, w.auditPOL, w.polInnen.Id, w.etbPOL, w.etbSpec}
}

// leaks returns the first secret found in body, or "".
func leaks(body []byte, secrets []string) string {
	s := string(body)
	for _, x := range secrets {
		if x != "" && strings.Contains(s, x) {
			return x
		}
	}
	return ""
}

func newDevice(t *testing.T, app core.App, username, org, kind, driver, channel, zone string) *core.Record {
	t.Helper()
	coll, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(coll)
	r.Load(map[string]any{"username": username, "name": username, "organisation": org, "kind": kind,
		"driver": driver, "channel": channel, "zone": zone, "outdoor": kind == "siren"})
	r.SetPassword("geraet-" + username + "-passwort")
	if err := app.Save(r); err != nil {
		t.Fatalf("device %s: %v", username, err)
	}
	return r
}

func newFax(t *testing.T, app core.App, device, channel string) string {
	t.Helper()
	coll, err := app.FindCollectionByNameOrId("faxes")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(coll)
	r.Load(map[string]any{"device": device, "direction": "in", "remote_id": "+49 221 " + canaryOrg[:8],
		"pages": 1, "status": "received", "channel": channel})
	if err := app.Save(r); err != nil {
		t.Fatalf("fax: %v", err)
	}
	return r.Id
}

func find(t *testing.T, app core.App, coll, field, value string) *core.Record {
	t.Helper()
	var r *core.Record
	var err error
	if field == "id" {
		r, err = app.FindRecordById(coll, value)
	} else {
		r, err = app.FindFirstRecordByData(coll, field, value)
	}
	if err != nil {
		t.Fatalf("%s %s=%s: %v", coll, field, value, err)
	}
	return r
}

func newMembership(t *testing.T, app core.App, user, org, role, function string, expires any) {
	t.Helper()
	if _, err := tenancy.NewMembership(app, user, org, role, function, expires); err != nil {
		t.Fatalf("membership: %v", err)
	}
}

// ok requires a 2xx answer from a legitimate set-up step and returns its JSON object.
func ok(t *testing.T, r testkit.Reply) map[string]any {
	t.Helper()
	if r.Status/100 != 2 {
		t.Fatalf("set-up step refused: %s", r)
	}
	return r.JSON(t)
}
