package enrolment_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/hooks"
	"crisisroom/hooks/enrolment"
	"crisisroom/hooks/tenancy"
)

const pw = "ein-langes-Passwort-42"

func invite(t *testing.T, s *enrolServer, who string, body map[string]any) jsonReply {
	t.Helper()
	return call(t, nil, "POST", s.URL+"/api/crisisroom/invitations", s.token(t, who), body)
}

func tokenOf(t *testing.T, url string) string {
	t.Helper()
	tok, _, err := enrolment.ParseJoinLink(url)
	if err != nil {
		t.Fatalf("link %q: %v", url, err)
	}
	return tok
}

func auditCount(t *testing.T, s *enrolServer, action string) int {
	t.Helper()
	n, err := s.App.CountRecords("audit", dbx.HashExp{"action": action})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Who may invite whom, tried as the wrong people and the right ones.
func invitationRights(t *testing.T, s *enrolServer) {
	d := s.Demo
	pol, fw, ks := d.Orgs["POL"].Id, d.Orgs["FW"].Id, d.Orgs["KS"].Id
	shared := d.Channels["Hochwasser Rhein"].Id
	polIntern := d.Channels["POL intern"].Id
	until := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	dev := map[string]any{"name": "Sirene Marktplatz", "kind": "siren", "driver": "tasmota", "topic": "sirene_rathaus_t1", "zone": "mitte"}
	cases := []struct {
		name, who string
		body      map[string]any
		want      int
	}{
		{"POL member invites to POL", "lneumann", map[string]any{"kind": "member", "organisation": pol}, 403},
		{"POL admin invites to FW", "tkeller", map[string]any{"kind": "member", "organisation": fw}, 403},
		{"POL admin invites a new organisation", "tkeller", map[string]any{"kind": "organisation"}, 403},
		{"POL admin enrols a device", "tkeller", map[string]any{"kind": "device", "device": dev}, 403},
		{"KS member invites a new organisation", "phoffmann", map[string]any{"kind": "organisation"}, 403},
		{"guest invites a guest", "gast.gutachter", map[string]any{"kind": "guest", "channel": shared, "member_expires": until}, 403},
		{"guest invites a member", "gast.gutachter", map[string]any{"kind": "member", "organisation": ks}, 403},
		{"POL admin invites a guest to the host's shared channel", "tkeller", map[string]any{"kind": "guest", "channel": shared, "member_expires": until}, 403},
		{"KS operator makes a KS admin", "jwagner", map[string]any{"kind": "member", "organisation": ks, "role": "admin"}, 403},
		{"KS operator invites to POL", "jwagner", map[string]any{"kind": "member", "organisation": pol}, 403},
		{"KS operator invites to POL intern as guest", "jwagner", map[string]any{"kind": "guest", "channel": polIntern, "member_expires": until}, 403},

		{"POL admin invites to POL", "tkeller", map[string]any{"kind": "member", "organisation": pol, "role": "member", "function": "S2"}, 200},
		{"POL admin invites a guest to POL intern", "tkeller", map[string]any{"kind": "guest", "channel": polIntern, "member_expires": until}, 200},
		{"KS operator invites a new organisation", "jwagner", map[string]any{"kind": "organisation"}, 200},
		{"KS operator invites a KS operator", "jwagner", map[string]any{"kind": "member", "organisation": ks, "role": "operator"}, 200},
		{"KS operator invites a guest to a shared channel", "jwagner", map[string]any{"kind": "guest", "channel": shared, "member_expires": until}, 200},
		{"KS operator enrols a device", "jwagner", map[string]any{"kind": "device", "device": dev}, 200},
		{"KS admin makes a KS admin", "abecker", map[string]any{"kind": "member", "organisation": "KS", "role": "admin"}, 200},

		{"too long", "tkeller", map[string]any{"kind": "member", "organisation": pol, "expires_in_hours": 721}, 400},
		{"too many uses", "tkeller", map[string]any{"kind": "member", "organisation": pol, "max_uses": 501}, 400},
		{"guest without end", "tkeller", map[string]any{"kind": "guest", "channel": polIntern}, 400},
		{"guest with an end in the past", "tkeller", map[string]any{"kind": "guest", "channel": polIntern, "member_expires": "2020-01-01 00:00:00Z"}, 400},
		{"device that is not valid", "jwagner", map[string]any{"kind": "device", "device": map[string]any{"name": "x", "kind": "toaster"}}, 400},
		{"unknown kind", "abecker", map[string]any{"kind": "superuser"}, 400},
	}
	issued := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := invite(t, s, c.who, c.body)
			if r.Status != c.want {
				t.Fatalf("status %d, want %d: %s", r.Status, c.want, r.Raw)
			}
			if c.want != 200 {
				return
			}
			issued++
			if got := decodeQRDataURL(t, r.str("qr")); got != r.str("url") {
				t.Fatalf("QR holds %q, url is %q", got, r.str("url"))
			}
			tok := tokenOf(t, r.str("url"))
			inv, err := s.App.FindRecordById("invitations", r.str("id"))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(tok))
			if inv.GetString("token_hash") != hex.EncodeToString(sum[:]) {
				t.Fatal("the stored hash is not the token's SHA-256")
			}
			if inv.GetString("created_by") == "" || inv.GetInt("max_uses") < 1 || inv.GetBool("revoked") {
				t.Fatalf("invitation fields: %v", inv.FieldsData())
			}
			if !strings.Contains(r.str("fingerprint"), ":") || !strings.Contains(r.str("url"), "&fp=") {
				t.Fatalf("fingerprint missing: %s", r.Raw)
			}
		})
	}
	if got := auditCount(t, s, "invitation.issue"); got != issued {
		t.Errorf("%d invitation.issue audit records for %d invitations", got, issued)
	}
	if got := auditCount(t, s, "invitation.refused"); got < 11 {
		t.Errorf("only %d refusals audited", got)
	}
	if r := call(t, nil, "POST", s.URL+"/api/crisisroom/invitations", "", map[string]any{"kind": "organisation"}); r.Status != 401 {
		t.Errorf("anonymous invitation: %d", r.Status)
	}
	// The token is never handed out again, not even to those who may list invitations.
	r := call(t, nil, "GET", s.URL+"/api/collections/invitations/records", s.token(t, "abecker"), nil)
	if r.Status != 200 || strings.Contains(r.Raw, "token_hash") || !strings.Contains(r.Raw, `"totalItems"`) {
		t.Errorf("list: %d %s", r.Status, r.Raw)
	}
	// POL's admin sees POL's invitations and none of the host's.
	r = call(t, nil, "GET", s.URL+"/api/collections/invitations/records", s.token(t, "tkeller"), nil)
	if strings.Contains(r.Raw, `"organisation":"`+ks+`"`) || !strings.Contains(r.Raw, pol) {
		t.Errorf("POL admin's list: %s", r.Raw)
	}
}

// TestEnrolment runs the invitation and join scenarios on one demo appliance (seeding
// it is the slow part); each scenario uses its own people and names.
func TestEnrolment(t *testing.T) {
	s := startEnrol(t, "", hooks.Config{MQTTPrefix: "crisisroom/"}, true)
	t.Run("rights", func(t *testing.T) { invitationRights(t, s) })
	t.Run("organisation", func(t *testing.T) { joinOrganisation(t, s) })
	t.Run("member", func(t *testing.T) { joinMember(t, s) })
	t.Run("all or nothing", func(t *testing.T) { joinIsAllOrNothing(t, s) })
	t.Run("guest", func(t *testing.T) { joinGuest(t, s) })
	t.Run("device", func(t *testing.T) { joinDevice(t, s) })
	t.Run("terminal", func(t *testing.T) { inviteCommand(t, s) })
}

func joinBody(token, username string) map[string]any {
	return map[string]any{"token": token, "name": "Erika Muster " + username, "username": username, "password": pw}
}

// A new agency: its tenant, its admin, and nothing of anyone else's.
func joinOrganisation(t *testing.T, s *enrolServer) {
	r := invite(t, s, "jwagner", map[string]any{"kind": "organisation", "label": "THW"})
	tok := tokenOf(t, r.str("url"))

	info := call(t, nil, "GET", s.URL+"/api/crisisroom/join/info?token="+tok, "", nil)
	if info.Status != 200 || info.str("kind") != "organisation" || !strings.Contains(info.Raw, "Krisenstab Stadt") {
		t.Fatalf("info: %d %s", info.Status, info.Raw)
	}
	body := joinBody(tok, "thw.leitung")
	body["organisation"], body["short"], body["kind"] = "THW Ortsverband", "THW", "ngo"
	j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", body)
	if j.Status != 200 || j.str("token") == "" {
		t.Fatalf("join: %d %s", j.Status, j.Raw)
	}
	me := call(t, nil, "GET", s.URL+"/api/crisisroom/me", j.str("token"), nil)
	tenants, _ := me.Body["tenants"].([]any)
	if len(tenants) != 1 || !strings.Contains(me.Raw, `"name":"THW Ortsverband"`) || !strings.Contains(me.Raw, `"role":"admin"`) {
		t.Fatalf("me: %s", me.Raw)
	}
	thw, _ := tenants[0].(map[string]any)["id"].(string)
	chans := call(t, nil, "GET", s.URL+"/api/collections/channels/records?perPage=200", j.str("token"), nil)
	if chans.Status != 200 || !strings.Contains(chans.Raw, "THW intern") {
		t.Fatalf("channels: %s", chans.Raw)
	}
	for _, other := range []string{"POL intern", "KS intern", "FW intern"} {
		if strings.Contains(chans.Raw, other) {
			t.Errorf("the new admin sees %q", other)
		}
	}
	pol := s.Demo.Orgs["POL"].Id
	r2 := call(t, nil, "GET", s.URL+"/api/collections/channels/records?filter="+qesc(`organisation="`+pol+`"`), j.str("token"), nil)
	if !strings.Contains(r2.Raw, `"totalItems":0`) {
		t.Errorf("POL's channels listed to THW: %s", r2.Raw)
	}
	if v := call(t, nil, "GET", s.URL+"/api/collections/channels/records/"+s.Demo.Channels["POL intern"].Id, j.str("token"), nil); v.Status != 404 {
		t.Errorf("POL intern viewed by THW: %d", v.Status)
	}
	// The new admin runs the new tenant: invites its members, not anyone else's.
	if r := call(t, nil, "POST", s.URL+"/api/crisisroom/invitations", j.str("token"), map[string]any{"kind": "member", "organisation": thw}); r.Status != 200 {
		t.Errorf("THW admin invites to THW: %d %s", r.Status, r.Raw)
	}
	if r := call(t, nil, "POST", s.URL+"/api/crisisroom/invitations", j.str("token"), map[string]any{"kind": "member", "organisation": pol}); r.Status != 403 {
		t.Errorf("THW admin invites to POL: %d", r.Status)
	}

	again := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(tok, "thw.zwei"))
	if again.Status != 410 || !strings.Contains(again.Raw, "already been used") || !strings.Contains(again.Raw, "bereits eingelöst") {
		t.Fatalf("reuse: %d %s", again.Status, again.Raw)
	}
	if n, _ := s.App.CountRecords("audit", dbx.HashExp{"action": "invitation.redeem", "target": r.str("id")}); n != 1 {
		t.Error("redemption not audited")
	}
}

// A member joins; a taken user name and a failure halfway through leave nothing behind.
func joinMember(t *testing.T, s *enrolServer) {
	pol := s.Demo.Orgs["POL"].Id
	r := invite(t, s, "tkeller", map[string]any{"kind": "member", "organisation": pol, "function": "S2 Lage", "max_uses": 2})
	tok := tokenOf(t, r.str("url"))

	taken := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(tok, "LNeumann"))
	if taken.Status != 400 || !strings.Contains(taken.Raw, "already taken") || !strings.Contains(taken.Raw, "vergeben") {
		t.Fatalf("taken user name: %d %s", taken.Status, taken.Raw)
	}
	short := joinBody(tok, "kurz.pw")
	short["password"] = "kurz"
	if r := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", short); r.Status != 400 {
		t.Fatalf("short password: %d", r.Status)
	}
	inv, _ := s.App.FindRecordById("invitations", r.str("id"))
	if inv.GetInt("uses") != 0 {
		t.Fatal("a refused join used the invitation up")
	}

	j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(tok, "m.polizist"))
	if j.Status != 200 {
		t.Fatalf("join: %d %s", j.Status, j.Raw)
	}
	rec, _ := j.Body["record"].(map[string]any)
	if rec["username"] != "m.polizist" {
		t.Fatalf("record: %v", rec)
	}
	me := call(t, nil, "GET", s.URL+"/api/crisisroom/me", j.str("token"), nil)
	if !strings.Contains(me.Raw, `"role":"member"`) || !strings.Contains(me.Raw, `"function":"S2 Lage"`) || !strings.Contains(me.Raw, "Polizeipräsidium") {
		t.Fatalf("me: %s", me.Raw)
	}
	if tenancy.ChannelMember(s.App, s.Demo.Channels["POL intern"].Id, rec["id"].(string)) == nil {
		t.Error("the new member is not in POL intern")
	}

	// Two people racing for the last use: exactly one gets in, the other gets 410.
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(tok, fmt.Sprintf("racer%d", i))).Status
		}()
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 410 || statuses[0] == 410 && statuses[1] == 200) {
		t.Fatalf("race for the last use: %v", statuses)
	}
	n, _ := s.App.CountRecords("users", dbx.Like("username", "racer"))
	if n != 1 {
		t.Fatalf("%d racers have accounts", n)
	}
}

// A failure inside the transaction (here the new organisation's short name is too long
// for the schema) leaves no account, no tenant and an unused invitation.
func joinIsAllOrNothing(t *testing.T, s *enrolServer) {
	r := invite(t, s, "abecker", map[string]any{"kind": "organisation"})
	tok := tokenOf(t, r.str("url"))
	body := joinBody(tok, "halb.fertig")
	body["organisation"], body["short"] = "Halbfertig e.V.", strings.Repeat("X", 40)
	j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", body)
	if j.Status != 400 || !strings.Contains(j.Raw, "nothing was created") {
		t.Fatalf("join: %d %s", j.Status, j.Raw)
	}
	if _, err := s.App.FindFirstRecordByData("users", "username", "halb.fertig"); err == nil {
		t.Error("account left behind")
	}
	if _, err := s.App.FindFirstRecordByData("organisations", "name", "Halbfertig e.V."); err == nil {
		t.Error("organisation left behind")
	}
	inv, _ := s.App.FindRecordById("invitations", r.str("id"))
	if inv.GetInt("uses") != 0 {
		t.Error("invitation used up")
	}
	body["short"] = "HF"
	if j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", body); j.Status != 200 {
		t.Fatalf("second try: %d %s", j.Status, j.Raw)
	}
}

// A guest sees the one channel, with the role of the invitation, until the end date.
func joinGuest(t *testing.T, s *enrolServer) {
	ch := s.Demo.Channels["Hochwasser Rhein"]
	until := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	r := invite(t, s, "jwagner", map[string]any{"kind": "guest", "channel": ch.Id, "member_expires": until.Format(time.RFC3339), "role": "readonly", "label": "Gutachterin Deich"})
	tok := tokenOf(t, r.str("url"))
	info := call(t, nil, "GET", s.URL+"/api/crisisroom/join/info?token="+tok, "", nil)
	if !strings.Contains(info.Raw, "Hochwasser Rhein") || info.str("channel_role") != "readonly" {
		t.Fatalf("info: %s", info.Raw)
	}
	j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(tok, "gast.deich"))
	if j.Status != 200 {
		t.Fatalf("join: %d %s", j.Status, j.Raw)
	}
	uid := j.Body["record"].(map[string]any)["id"].(string)
	m := tenancy.Membership(s.App, uid, ch.GetString("organisation"))
	cm := tenancy.ChannelMember(s.App, ch.Id, uid)
	if m == nil || m.GetString("role") != "guest" || cm == nil || cm.GetString("role") != "readonly" {
		t.Fatalf("membership %v, channel member %v", m, cm)
	}
	if !m.GetDateTime("expires").Time().Equal(until) || !cm.GetDateTime("expires").Time().Equal(until) {
		t.Fatalf("expires %v / %v, want %v", m.GetDateTime("expires"), cm.GetDateTime("expires"), until)
	}
	// What the guest reads: the channel's messages (the demo has some there).
	messages := func() string {
		return call(t, nil, "GET", s.URL+"/api/collections/messages/records?perPage=1&filter="+qesc(`channel="`+ch.Id+`"`), j.str("token"), nil).Raw
	}
	if m := messages(); strings.Contains(m, `"totalItems":0`) || !strings.Contains(m, `"totalItems"`) {
		t.Fatalf("guest cannot read the channel: %s", m)
	}
	if v := call(t, nil, "GET", s.URL+"/api/collections/channels/records/"+s.Demo.Channels["KS intern"].Id, j.str("token"), nil).Status; v != 404 {
		t.Errorf("guest sees KS intern: %d", v)
	}
	if p := call(t, nil, "POST", s.URL+"/api/collections/messages/records", j.str("token"), map[string]any{"channel": ch.Id, "author": uid, "body": "Hallo"}); p.Status == 200 {
		t.Error("a read-only guest posted a message")
	}
	// The end date arrives (moved instead of waited for): access ends with it.
	past := types.NowDateTime().Add(-time.Second)
	for _, rec := range []*core.Record{m, cm} {
		rec.Set("expires", past)
		if err := s.App.Save(rec); err != nil {
			t.Fatal(err)
		}
	}
	if m := messages(); !strings.Contains(m, `"totalItems":0`) {
		t.Fatalf("guest still reads the channel after the end: %s", m)
	}
}

// A device gets credentials once, and they open the broker.
func joinDevice(t *testing.T, s *enrolServer) {
	r := invite(t, s, "jwagner", map[string]any{"kind": "device", "device": map[string]any{"name": "Sirene Marktplatz", "kind": "siren", "driver": "tasmota", "topic": "sirene_markt_t2", "zone": "markt"}})
	tok := tokenOf(t, r.str("url"))
	if info := call(t, nil, "GET", s.URL+"/api/crisisroom/join/info?token="+tok, "", nil); !strings.Contains(info.Raw, "Sirene Marktplatz") {
		t.Fatalf("info: %s", info.Raw)
	}
	j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", map[string]any{"token": tok})
	if j.Status != 200 {
		t.Fatalf("join: %d %s", j.Status, j.Raw)
	}
	dev, _ := j.Body["device"].(map[string]any)
	user, pass, broker := dev["username"].(string), dev["password"].(string), dev["broker"].(string)
	if broker != "mqtt://"+s.MQTTAddr || !strings.HasPrefix(user, "sirene-marktplatz-") || len(pass) < 20 || dev["topic_prefix"] != "crisisroom/" {
		t.Fatalf("device answer: %s", j.Raw)
	}
	if got := decodeQRDataURL(t, j.str("qr")); got != j.str("url") || got != "mqtt://"+user+":"+pass+"@"+s.MQTTAddr {
		t.Fatalf("device QR holds %q, url %q", got, j.str("url"))
	}
	connect := func(p string) error {
		c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + s.MQTTAddr).SetUsername(user).SetPassword(p).SetClientID(user).SetAutoReconnect(false).SetConnectRetry(false))
		tk := c.Connect()
		if !tk.WaitTimeout(5 * time.Second) {
			return fmt.Errorf("connect timed out")
		}
		if tk.Error() == nil {
			c.Disconnect(50)
		}
		return tk.Error()
	}
	if err := connect(pass); err != nil {
		t.Fatalf("the enrolled device cannot connect: %v", err)
	}
	if err := connect(pass + "x"); err == nil {
		t.Fatal("a wrong password connected")
	}
	d, err := s.App.FindFirstRecordByData("devices", "username", user)
	if err != nil || d.GetString("organisation") != s.Demo.Orgs["KS"].Id || d.GetString("zone") != "markt" {
		t.Fatalf("device record: %v %v", d, err)
	}
	if again := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", map[string]any{"token": tok}); again.Status != 410 {
		t.Fatalf("reuse: %d", again.Status)
	}
}

// Expired, withdrawn, used up and unknown: each its own answer; then a burst of wrong
// codes from one address is stopped.
func TestJoinRefusals(t *testing.T) {
	s := startEnrol(t, "", hooks.Config{}, true)
	pol := s.Demo.Orgs["POL"].Id
	mk := func() (string, string) {
		r := invite(t, s, "tkeller", map[string]any{"kind": "member", "organisation": pol})
		return r.str("id"), tokenOf(t, r.str("url"))
	}

	expId, expTok := mk()
	inv, _ := s.App.FindRecordById("invitations", expId)
	inv.Set("expires", types.NowDateTime().Add(-time.Minute))
	if err := s.App.Save(inv); err != nil {
		t.Fatal(err)
	}
	revId, revTok := mk()
	// Withdrawing: not by a member, not back again, yes by the inviting admin.
	patch := func(who string, body map[string]any) int {
		return call(t, nil, "PATCH", s.URL+"/api/collections/invitations/records/"+revId, s.token(t, who), body).Status
	}
	if st := patch("lneumann", map[string]any{"revoked": true}); st == 200 {
		t.Fatal("a POL member withdrew an invitation")
	}
	if st := patch("sbraun", map[string]any{"revoked": true}); st == 200 {
		t.Fatal("FW's admin withdrew POL's invitation")
	}
	if st := patch("tkeller", map[string]any{"revoked": true, "max_uses": 400}); st == 200 {
		t.Fatal("withdrawing changed other fields too")
	}
	if st := patch("tkeller", map[string]any{"revoked": true}); st != 200 {
		t.Fatalf("the inviting admin could not withdraw: %d", st)
	}
	if st := patch("tkeller", map[string]any{"revoked": false}); st == 200 {
		t.Fatal("a withdrawn invitation came back")
	}
	_, usedTok := mk()
	if j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(usedTok, "erster.nutzer")); j.Status != 200 {
		t.Fatalf("first use: %d %s", j.Status, j.Raw)
	}

	cases := []struct {
		name, token string
		status      int
		en, de      string
	}{
		{"expired", expTok, 410, "expired on", "abgelaufen"},
		{"revoked", revTok, 410, "withdrawn", "zurückgezogen"},
		{"used", usedTok, 410, "already been used", "bereits eingelöst"},
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAA", 404, "unknown", "unbekannt"},
		{"malformed", "../../etc/passwd", 404, "unknown", "unbekannt"},
	}
	for _, c := range cases {
		for _, path := range []string{"join", "join/info"} {
			var r jsonReply
			if path == "join" {
				r = call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(c.token, "noch.jemand"))
			} else {
				r = call(t, nil, "GET", s.URL+"/api/crisisroom/join/info?token="+qesc(c.token), "", nil)
			}
			if r.Status != c.status || !strings.Contains(r.Raw, c.en) || !strings.Contains(r.Raw, c.de) {
				t.Errorf("%s %s: %d %s", c.name, path, r.Status, r.Raw)
			}
		}
	}
	if _, err := s.App.FindFirstRecordByData("users", "username", "noch.jemand"); err == nil {
		t.Error("a refused join created an account")
	}
	if n := auditCount(t, s, "invitation.refused"); n != 2*len(cases) {
		t.Errorf("%d refusals audited, want %d", n, 2*len(cases))
	}

	// 10 failures so far from 127.0.0.1: the next attempt waits, even with a good code.
	_, goodTok := mk()
	r := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(goodTok, "zu.spaet"))
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Raw, "warten") {
		t.Fatalf("after a burst: %d %q %s", r.Status, r.Header.Get("Retry-After"), r.Raw)
	}
	if r := call(t, nil, "GET", s.URL+"/api/crisisroom/join/info?token="+goodTok, "", nil); r.Status != 429 {
		t.Fatalf("info after a burst: %d", r.Status)
	}
}

func qesc(s string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", "\"", "%22", "&", "%26", "=", "%3D", "+", "%2B", "#", "%23", "?", "%3F").Replace(s)
}

// The terminal's `invite`: the printed QR code, read back from its characters, holds
// the printed link; its PNG counterpart too.
func inviteCommand(t *testing.T, s *enrolServer) {
	var out bytes.Buffer
	cfg := &hooks.Config{HTTPSAddr: "0.0.0.0:8443"}
	issued, err := enrolment.RunInvite(s.App, cfg, enrolment.InvitationRequest{Kind: "member", Organisation: "POL", Role: "operator", Function: "S6"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), issued.URL) || !strings.Contains(issued.URL, ":8443/join#") || !strings.HasPrefix(issued.URL, "https://") {
		t.Fatalf("printed: %s", out.String())
	}
	qr := out.String()[strings.Index(out.String(), issued.Fingerprint)+len(issued.Fingerprint):]
	img, err := terminalQRImage(strings.Trim(qr, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQR(t, img); got != issued.URL {
		t.Fatalf("terminal QR holds %q, want %q", got, issued.URL)
	}
	if got := decodeQRDataURL(t, issued.QR); got != issued.URL {
		t.Fatalf("PNG QR holds %q", got)
	}
	inv, err := s.App.FindRecordById("invitations", issued.Id)
	if err != nil || inv.GetString("role") != "operator" || inv.GetString("organisation") != s.Demo.Orgs["POL"].Id || inv.GetString("created_by") != "" {
		t.Fatalf("invitation %v %v", inv, err)
	}
	if n, _ := s.App.CountRecords("audit", dbx.HashExp{"action": "invitation.issue", "target": issued.Id}); n != 1 {
		t.Error("terminal invitation not audited")
	}
	// And it works: the link's token joins POL.
	j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(tokenOf(t, issued.URL), "funk.s6"))
	if j.Status != 200 {
		t.Fatalf("join: %d %s", j.Status, j.Raw)
	}
}
