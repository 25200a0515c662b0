package hooks_test

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/demo"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// Wrong-person tests of the audit log, names, sign-in throttling, the append-only schema
// and the browser policy.

// mxDigest is the audit's keyed digest of s in app (audit.Digest), as it appears in a row.
func mxDigest(app core.App, s string) string {
	return audit.Digest(app, s)["hmac"].(string)
}

// mxSHA256 is the plain hash of s: a row must not hold it (a reader could test guesses).
func mxSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// superuserClient creates a superuser in s and signs it in by token.
func superuserClient(t *testing.T, s *testkit.Server, email, password string) mxClient {
	t.Helper()
	c, err := s.App.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su, err := s.App.FindAuthRecordByEmail(c, email)
	if err != nil {
		su = core.NewRecord(c)
		su.SetEmail(email)
		su.SetPassword(password)
		if err := s.App.Save(su); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return mxClient{base: s.URL, token: tok}
}

// The police admin reads the police tenant's audit rows, and a POL–FW direct conversation
// is filed there; the FW member's words in it are not the admin's to read, not even
// through the audit of an edit or a delete.
func TestAttackAuditShowsNoContent(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	lneumann, kvogel, tkeller := mxAs(s, t, "lneumann"), mxAs(s, t, "kvogel"), mxAs(s, t, "tkeller")
	dm := lneumann.obj(t, 200, "POST", "/api/crisisroom/direct", map[string]any{"user": s.Demo.Users["kvogel"].Id})
	ch := mxStr(dm, "id")
	if ch == "" {
		t.Fatalf("direct conversation: %v", dm)
	}
	const first, second, third = "Zugang Nordtor Code 4711", "Zugang Südtor Code 0815", "Lage vertraulich Halle 3"
	m := kvogel.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": ch, "author": s.Demo.Users["kvogel"].Id, "body": first})
	id := mxStr(m, "id")
	kvogel.obj(t, 200, "PATCH", "/api/collections/messages/records/"+id, map[string]any{"body": second})
	m2 := kvogel.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": ch, "author": s.Demo.Users["kvogel"].Id, "body": third})
	kvogel.obj(t, 200, "PATCH", "/api/collections/messages/records/"+mxStr(m2, "id"), map[string]any{"deleted": true})

	_, _, raw := tkeller.call(t, "GET", "/api/collections/audit/records?perPage=500&filter="+
		"(action~'messages.')", nil)
	list := string(raw)
	if !strings.Contains(list, `"messages.edit"`) || !strings.Contains(list, `"messages.delete"`) {
		t.Fatalf("the police admin should see that a change happened (filed under POL): %s", list)
	}
	// The digests are 64 hex digits: one may hold "4711" or "0815" by chance.
	words := regexp.MustCompile(`[0-9a-f]{64}`).ReplaceAllString(list, "<digest>")
	for _, w := range []string{"Nordtor", "Südtor", "S\\u00fcdtor", "4711", "0815", "Halle 3"} {
		if strings.Contains(words, w) {
			t.Errorf("the police admin reads %q of the FW member's message in the audit: %s", w, list)
		}
	}
	if !strings.Contains(list, mxDigest(s.App, first)) || !strings.Contains(list, mxDigest(s.App, second)) {
		t.Errorf("the edit is not evident by digests: %s", list)
	}
	// A plain hash would let the admin try door codes against it until one matches.
	if strings.Contains(list, mxSHA256(first)) || strings.Contains(list, mxSHA256(second)) {
		t.Errorf("the audit holds a plain SHA-256 of the text, open to guessing: %s", list)
	}

	// Rows written before the audit scrubbed its data keep it (append-only), but are
	// answered with digests too.
	auditColl, _ := s.App.FindCollectionByNameOrId("audit")
	old := core.NewRecord(auditColl)
	old.Set("action", "messages.edit")
	old.Set("organisation", s.Demo.Orgs["POL"].Id)
	old.Set("target", id)
	old.Set("data", map[string]any{"before": "Altbestand Kennwort Tor 3", "attachments_before": []string{"plan_geheim.pdf"}})
	if err := s.App.Save(old); err != nil {
		t.Fatal(err)
	}
	_, _, raw = tkeller.call(t, "GET", "/api/collections/audit/records/"+old.Id, nil)
	if !strings.Contains(string(raw), mxDigest(s.App, "Altbestand Kennwort Tor 3")) || strings.Contains(string(raw), "Altbestand") || strings.Contains(string(raw), "plan_geheim") {
		t.Errorf("an earlier row as the police admin reads it: %s", raw)
	}

	// A group conversation's name is the members' business, not the audit readers'.
	sbraun := mxAs(s, t, "sbraun")
	g := kvogel.obj(t, 200, "POST", "/api/collections/channels/records", map[string]any{"organisation": s.Demo.Orgs["FW"].Id, "kind": "group", "name": "Geheimgruppe Nordtor"})
	_, _, raw = sbraun.call(t, "GET", "/api/collections/audit/records?perPage=500&filter=(target='"+mxStr(g, "id")+"')", nil)
	if !strings.Contains(string(raw), `"channels.create"`) || strings.Contains(string(raw), "Geheimgruppe") {
		t.Errorf("the FW admin's audit of the group: %s", raw)
	}
}

// Nobody, superusers included, empties an append-only collection through its schema:
// dropping fields, opening write rules, renaming, deleting, truncating, importing with
// deleteMissing. A harmless change (the list rule, a new field) still goes through.
func TestAttackAuditSchemaBackDoor(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	su := superuserClient(t, s, "it@example.org", "superuser-passwort-2026")
	audit.Write(s.App, audit.Entry{Action: "test.entry", Target: "x"})
	before, err := s.App.CountRecords("audit")
	if err != nil || before == 0 {
		t.Fatalf("demo audit rows: %d %v", before, err)
	}
	coll := su.obj(t, 200, "GET", "/api/collections/audit", nil)
	fields, _ := coll["fields"].([]any)
	var withoutData []any
	for _, f := range fields {
		if fm, _ := f.(map[string]any); fm["name"] != "data" {
			withoutData = append(withoutData, f)
		}
	}
	changedType := make([]any, len(fields))
	for i, f := range fields {
		fm := map[string]any{}
		for k, v := range f.(map[string]any) {
			fm[k] = v
		}
		if fm["name"] == "action" {
			fm["max"] = 3
		}
		changedType[i] = fm
	}
	all := su.obj(t, 200, "GET", "/api/collections?perPage=500", nil)
	var allButAudit []any
	for _, c := range mxItems(all) {
		if mxStr(c, "name") != "audit" {
			allButAudit = append(allButAudit, c)
		}
	}
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"drop a field", "PATCH", "/api/collections/audit", map[string]any{"fields": withoutData}},
		{"change a field", "PATCH", "/api/collections/audit", map[string]any{"fields": changedType}},
		{"open the create rule", "PATCH", "/api/collections/audit", map[string]any{"createRule": ""}},
		{"open the delete rule", "PATCH", "/api/collections/audit", map[string]any{"deleteRule": ""}},
		{"rename", "PATCH", "/api/collections/audit", map[string]any{"name": "audit_old"}},
		{"delete", "DELETE", "/api/collections/audit", nil},
		{"truncate", "DELETE", "/api/collections/audit/truncate", nil},
		{"import with deleteMissing", "PUT", "/api/collections/import", map[string]any{"collections": allButAudit, "deleteMissing": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, raw := su.call(t, c.method, c.path, c.body)
			if status < 400 {
				t.Errorf("superuser could %s: %d %s", c.name, status, raw)
			}
			got, err := s.App.FindCollectionByNameOrId("audit")
			if err != nil || got.Fields.GetByName("data") == nil || got.CreateRule != nil || got.DeleteRule != nil {
				t.Fatalf("audit after %s: %v", c.name, err)
			}
			if n, _ := s.App.CountRecords("audit"); n < before {
				t.Fatalf("audit rows after %s: %d < %d", c.name, n, before)
			}
		})
	}
	// What migrations do stays possible: a new field, a list rule.
	withExtra := append(append([]any{}, fields...), map[string]any{"name": "note", "type": "text"})
	su.obj(t, 200, "PATCH", "/api/collections/audit", map[string]any{"fields": withExtra})
	if status, _, raw := su.call(t, "GET", "/api/collections/audit", nil); status != http.StatusOK {
		t.Fatalf("audit collection: %d %s", status, raw)
	}
}

// signIn posts one password sign-in and returns the status, Retry-After and message.
func signIn(t *testing.T, base, coll, identity, password string) (int, string, string) {
	t.Helper()
	r := testkit.Client{Base: base}.Do(t, "POST", "/api/collections/"+coll+"/auth-with-password",
		map[string]any{"identity": identity, "password": password})
	ra := ""
	if r.Status == http.StatusTooManyRequests {
		ra = r.Header.Get("Retry-After")
	}
	return r.Status, ra, string(r.Body)
}

// Guessing a password costs: after SignInAccountLimit failures for one account (user,
// superuser, device; identity in any case) the appliance answers 429 without checking,
// also for the right password, until the window passes; a success resets the count.
// One address spraying many accounts is stopped at SignInAddressLimit.
func TestAttackSignInThrottle(t *testing.T) {
	const window = 2 * time.Second
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, Hooks: hooks.Config{SignInWindow: window}})
	superuserClient(t, s, "it@example.org", "superuser-passwort-2026")
	devColl, err := s.App.FindCollectionByNameOrId("devices")
	if err != nil {
		t.Fatal(err)
	}
	dev := core.NewRecord(devColl)
	dev.Set("username", "tafel-test")
	dev.Set("kind", "board")
	dev.Set("organisation", s.Demo.Orgs["KS"].Id)
	dev.SetPassword("geraete-passwort-2026")
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, coll, identity, shout, password string
	}{
		{"member", "users", "lneumann", "LNeumann", demo.Password},
		{"superuser", core.CollectionNameSuperusers, "it@example.org", "IT@Example.org", "superuser-passwort-2026"},
		{"device", "devices", "tafel-test", "Tafel-Test", "geraete-passwort-2026"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A success resets: four wrong, one right, four wrong again are not locked.
			for i := 0; i < tenancy.SignInAccountLimit-1; i++ {
				signIn(t, s.URL, c.coll, c.identity, "falsch")
			}
			if st, _, raw := signIn(t, s.URL, c.coll, c.identity, c.password); st != 200 {
				t.Fatalf("right password before the limit: %d %s", st, raw)
			}
			locked := 0
			for i := 0; i < 25; i++ {
				id := c.identity
				if i%2 == 1 {
					id = c.shout // the same account in other case
				}
				st, ra, raw := signIn(t, s.URL, c.coll, id, "falsch-"+strconv.Itoa(i))
				switch {
				case i < tenancy.SignInAccountLimit && st != 400:
					t.Fatalf("attempt %d: %d %s", i+1, st, raw)
				case i >= tenancy.SignInAccountLimit && st != http.StatusTooManyRequests:
					t.Fatalf("attempt %d after the limit: %d %s", i+1, st, raw)
				case st == http.StatusTooManyRequests:
					locked++
					if n, err := strconv.Atoi(ra); err != nil || n < 1 || n > int(window/time.Second)+1 ||
						!strings.Contains(raw, "Zu viele Fehlversuche") || !strings.Contains(raw, "Too many failed attempts") {
						t.Fatalf("429 without Retry-After or message: %q %s", ra, raw)
					}
				}
			}
			if locked != 25-tenancy.SignInAccountLimit {
				t.Fatalf("%d locked answers", locked)
			}
			if st, _, raw := signIn(t, s.URL, c.coll, c.identity, c.password); st != http.StatusTooManyRequests {
				t.Fatalf("right password while locked: %d %s", st, raw)
			}
			// After the window the right password works (bounded poll, no bare sleep).
			deadline := time.Now().Add(window + 10*time.Second)
			for {
				st, _, raw := signIn(t, s.URL, c.coll, c.identity, c.password)
				if st == 200 {
					break
				}
				if st != http.StatusTooManyRequests || time.Now().After(deadline) {
					t.Fatalf("right password after the window: %d %s", st, raw)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	t.Run("one address sprays many accounts", func(t *testing.T) {
		// A window longer than the spray takes (each refusal costs a password hash).
		s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, Hooks: hooks.Config{SignInWindow: time.Minute}})
		got := 0
		for i := 0; i < tenancy.SignInAddressLimit+5; i++ {
			st, _, _ := signIn(t, s.URL, "users", "niemand"+strconv.Itoa(i), "falsch")
			if st == http.StatusTooManyRequests {
				got = i + 1
				break
			}
		}
		if got != tenancy.SignInAddressLimit+1 {
			t.Fatalf("address locked at attempt %d, want %d", got, tenancy.SignInAddressLimit+1)
		}
		if st, _, raw := signIn(t, s.URL, "users", "lneumann", demo.Password); st != http.StatusTooManyRequests {
			t.Fatalf("a locked address signs in: %d %s", st, raw)
		}
	})
}

// A police member cannot become "Anna Becker", the head of staff, by any spelling a
// reader would take for hers, nor take a user name; it keeps changing its own display
// name, locale and password. Accounts made by other paths (Go code, enrolment) are held
// to the same names.
func TestAttackNames(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	me := s.Demo.Users["lneumann"].Id
	lneumann := mxAs(s, t, "lneumann")
	cases := []struct {
		name string
		body map[string]any
		want int
	}{
		{"exact name", map[string]any{"name": "Anna Becker"}, 400},
		{"case and spaces", map[string]any{"name": "  anna   BECKER "}, 400},
		{"cyrillic look-alike", map[string]any{"name": "Аnnа Bеckеr"}, 400},
		{"diacritics", map[string]any{"name": "Ánna Bëcker"}, 400},
		{"zero-width space", map[string]any{"name": "Anna\u200bBecker"}, 400},
		{"hangul filler as space", map[string]any{"name": "Thomas\u3164Keller"}, 400},
		{"halfwidth hangul filler", map[string]any{"name": "Jonas\uffa0Wagner"}, 400},
		{"hangul choseong filler", map[string]any{"name": "Anna\u115fBecker"}, 400},
		{"trailing filler", map[string]any{"name": "Jonas Wagner\u3164"}, 400},
		{"small capital R", map[string]any{"name": "Anna Becke\u0280"}, 400},
		{"a name of its own with an accent", map[string]any{"name": "Léna Neumann"}, 200},
		{"another's name with 1 for l, 0 for o", map[string]any{"name": "Th0mas Ke11er"}, 400},
		{"another's name with I for l", map[string]any{"name": "KATRIN VOGEI"}, 400},
		{"someone's user name as name", map[string]any{"name": "abecker"}, 400},
		{"own username", map[string]any{"username": "abecker2"}, 403},
		{"look-alike username", map[string]any{"username": "a.becker"}, 403},
		{"3 for e", map[string]any{"name": "Anna Beck3r"}, 400},
		{"4 for a, 7 for t", map[string]any{"name": "Th0m4s Kel1er"}, 400},
		{"9 for g", map[string]any{"name": "Jonas Wa9ner"}, 400},
		{"surname first", map[string]any{"name": "Becker, Anna"}, 400},
		{"title before", map[string]any{"name": "Dr. Anna Becker"}, 400},
		{"organisation in brackets", map[string]any{"name": "Anna Becker (KS)"}, 400},
		{"function after", map[string]any{"name": "Jonas Wagner S2"}, 400},
		{"reordered with a look-alike", map[string]any{"name": "Wagner J0nas Lage"}, 400},
		{"own display name", map[string]any{"name": "Lena Neumann-Schulte"}, 200},
		{"locale", map[string]any{"locale": "en"}, 200},
		{"password", map[string]any{"password": "neues-passwort-2026", "passwordConfirm": "neues-passwort-2026", "oldPassword": demo.Password}, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, raw := lneumann.call(t, "PATCH", "/api/collections/users/records/"+me, c.body)
			if status != c.want {
				t.Fatalf("PATCH %v: %d, want %d: %s", c.body, status, c.want, raw)
			}
			if c.want >= 400 && !strings.Contains(string(raw), " / ") {
				t.Errorf("refusal without a German / English message: %s", raw)
			}
			u, _ := s.App.FindRecordById("users", me)
			if c.want >= 400 && (tenancy.NameKey(u.GetString("name")) == tenancy.NameKey("Anna Becker") || u.GetString("username") != "lneumann") {
				t.Fatalf("refused but stored: %q %q", u.GetString("name"), u.GetString("username"))
			}
		})
	}
	t.Run("other paths", func(t *testing.T) {
		users, _ := s.App.FindCollectionByNameOrId("users")
		for _, n := range [][2]string{{"ANNA BECKER", "neu1"}, {"Neue Person", "a.becker"}, {"Neue Person", "ABECKER"}, {"Neue Person", "tke11er"}} {
			r := core.NewRecord(users)
			r.Set("name", n[0])
			r.Set("username", n[1])
			r.SetPassword("irgendein-passwort-1")
			if err := s.App.Save(r); err == nil {
				t.Errorf("created %q / %q beside the demo people", n[0], n[1])
			}
		}
		u, _ := s.App.FindRecordById("users", s.Demo.Users["kvogel"].Id)
		u.Set("username", "lneumann")
		if err := s.App.Save(u); err == nil {
			t.Error("renamed kvogel to lneumann")
		}
	})
	t.Run("digit look-alike user name", func(t *testing.T) {
		users, _ := s.App.FindCollectionByNameOrId("users")
		r := core.NewRecord(users)
		r.Set("name", "Neue Person")
		r.Set("username", "abeck3r")
		r.SetPassword("irgendein-passwort-1")
		if err := s.App.Save(r); err == nil {
			t.Error("created abeck3r beside abecker")
		}
		// A rename (as an admin's does it) is refused the same way as the join's create.
		u, _ := s.App.FindRecordById("users", me)
		u.Set("username", "abeck3r")
		if err := s.App.Save(u); err == nil {
			t.Error("renamed lneumann to abeck3r")
		}
	})
}

// A page of another site cannot use the API from a visitor's browser (CORS only for the
// appliance's own origins), and the app's pages tell the browser to run nothing inline,
// be framed by nobody, leak no referrer and, on HTTPS, to stay on HTTPS.
func TestAttackBrowserPolicy(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true,
		Hooks: hooks.Config{HTTPSAddr: "127.0.0.1:0", PublicURL: "https://krisenstab.stadt.example"}})
	get := func(t *testing.T, client *http.Client, method, url, origin string, host ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		if len(host) > 0 {
			req.Host = host[0] // as a phone asks for it by name
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	plain := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	cors := []struct {
		origin string
		ok     bool
	}{
		{"https://evil.example", false},
		{"http://127.0.0.1.evil.example:" + port, false},
		{"http://localhost:1", false}, // another program on the same machine
		{"null", false},
		{s.URL, true},
		{"http://localhost:" + port, true},
		{"https://krisenstab.stadt.example", true},
	}
	for _, c := range cors {
		t.Run("CORS "+c.origin, func(t *testing.T) {
			for _, m := range []string{"OPTIONS", "GET"} {
				resp := get(t, plain, m, s.URL+"/api/collections/users/auth-with-password", c.origin)
				got := resp.Header.Get("Access-Control-Allow-Origin")
				if c.ok != (got == c.origin) || (!c.ok && got != "") {
					t.Errorf("%s from %s: Access-Control-Allow-Origin %q", m, c.origin, got)
				}
			}
		})
	}
	pages := []string{"/", "/index.html", "/join.html", "/setup.html", "/trust.html", "/board.html", "/invite-print.html", "/api/health"}
	for _, p := range pages {
		t.Run("headers "+p, func(t *testing.T) {
			resp := get(t, plain, "GET", s.URL+p, "")
			h := resp.Header
			if h.Get("Content-Security-Policy") != hooks.AppCSP || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s: %d CSP %q nosniff %q referrer %q", p, resp.StatusCode, h.Get("Content-Security-Policy"), h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
			}
			if h.Get("Strict-Transport-Security") != "" {
				t.Errorf("%s: HSTS over plain HTTP", p)
			}
		})
	}
	t.Run("the admin UI has its own strict policy", func(t *testing.T) {
		resp := get(t, plain, "GET", s.URL+"/_/", "")
		// inline styles only; no loopback ports, no map services on the internet
		if csp := resp.Header.Get("Content-Security-Policy"); csp != hooks.AdminCSP ||
			strings.Contains(csp, "openstreetmap") || strings.Contains(csp, "127.0.0.1") {
			t.Errorf("/_/ CSP %q", csp)
		}
	})
	t.Run("stored files keep the sandbox", func(t *testing.T) {
		lneumann := mxAs(s, t, "lneumann")
		form := newMxForm(t, map[string]string{"channel": s.Demo.Channels["POL intern"].Id, "author": s.Demo.Users["lneumann"].Id, "body": "Datei"}, "notiz.txt", []byte("Notiz"))
		m := lneumann.obj(t, 200, "POST", "/api/collections/messages/records", form)
		tok := mxStr(lneumann.obj(t, 200, "POST", "/api/files/token", nil), "token")
		atts, _ := m["attachments"].([]any)
		if len(atts) != 1 {
			t.Fatalf("attachment: %v", m)
		}
		resp := get(t, plain, "GET", s.URL+"/api/files/messages/"+mxStr(m, "id")+"/"+atts[0].(string)+"?token="+tok, "")
		if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != 200 || !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("file: %d CSP %q", resp.StatusCode, csp)
		}
	})
	t.Run("HSTS on HTTPS", func(t *testing.T) {
		var tr struct {
			Port string `json:"https_port"`
		}
		_, v, raw := mxClient{base: s.URL}.call(t, "GET", "/api/crisisroom/trust", nil)
		_ = v
		if err := json.Unmarshal(raw, &tr); err != nil || tr.Port == "" {
			t.Fatalf("trust: %s", raw)
		}
		tlsClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		for _, p := range []string{"/", "/api/health"} {
			resp := get(t, tlsClient, "GET", "https://127.0.0.1:"+tr.Port+p, "", "crisisroom.local:"+tr.Port)
			if resp.Header.Get("Strict-Transport-Security") != hooks.HSTS || resp.Header.Get("Content-Security-Policy") != hooks.AppCSP {
				t.Errorf("https %s: HSTS %q CSP %q", p, resp.Header.Get("Strict-Transport-Security"), resp.Header.Get("Content-Security-Policy"))
			}
		}
		// Not for the appliance itself: localhost stays usable over plain HTTP.
		if resp := get(t, tlsClient, "GET", "https://127.0.0.1:"+tr.Port+"/", "", "localhost:"+tr.Port); resp.Header.Get("Strict-Transport-Security") != "" {
			t.Error("HSTS pinned localhost")
		}
		// The HTTPS port is the appliance's own origin too.
		resp := get(t, tlsClient, "OPTIONS", "https://127.0.0.1:"+tr.Port+"/api/health", "https://localhost:"+tr.Port)
		if resp.Header.Get("Access-Control-Allow-Origin") != "https://localhost:"+tr.Port {
			t.Errorf("own HTTPS origin refused")
		}
	})
	t.Run("no inline script or style in the UI's files", func(t *testing.T) {
		dir := filepath.Join("..", "pb_public")
		inline := regexp.MustCompile(`(?i)<style|<script(?:\s[^>]*)?>\s*[^<\s]|<script(?:\s(?:[^s>]|s[^r]|sr[^c])*)?>|\sstyle=|\son[a-z]+=`)
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".js")) {
				return err
			}
			b, _ := os.ReadFile(path)
			for _, line := range strings.Split(string(b), "\n") {
				if strings.HasSuffix(path, ".js") && !strings.Contains(line, "'style#") && !strings.Contains(line, "<style") {
					continue // in scripts only injected <style> elements matter
				}
				if strings.HasPrefix(strings.TrimSpace(line), "//") {
					continue
				}
				if inline.MatchString(line) {
					t.Errorf("%s: inline script or style: %s", path, strings.TrimSpace(line))
				}
			}
			return nil
		})
	})
}

// A name is never shown alone: message views, the quoted message of a reply and the
// files list name the organisation the author speaks for (FW for the FW member in a
// conversation the police member started), so a look-alike name cannot pass for another
// organisation's person.
func TestAttackNamesShowTheOrganisation(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	lneumann, kvogel := mxAs(s, t, "lneumann"), mxAs(s, t, "kvogel")
	ch := mxStr(lneumann.obj(t, 200, "POST", "/api/crisisroom/direct", map[string]any{"user": s.Demo.Users["kvogel"].Id}), "id")
	form := newMxForm(t, map[string]string{"channel": ch, "author": s.Demo.Users["kvogel"].Id, "body": "Lageplan anbei"}, "lageplan.txt", []byte("Lageplan"))
	first := kvogel.obj(t, 200, "POST", "/api/collections/messages/records", form)
	lneumann.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": ch, "author": s.Demo.Users["lneumann"].Id, "body": "Danke", "reply_to": mxStr(first, "id")})
	items := mxItems(lneumann.obj(t, 200, "GET", "/api/crisisroom/channels/"+ch+"/messages?limit=50", nil))
	var sawReply bool
	for _, it := range items {
		want := map[string]string{"Lageplan anbei": "FW", "Danke": "POL"}[mxStr(it, "body")]
		if got := mxStr(it, "org", "short"); want != "" && got != want {
			t.Errorf("%q shown with organisation %q, want %q", mxStr(it, "body"), got, want)
		}
		if mxStr(it, "body") == "Danke" {
			sawReply = true
			if got := mxStr(it, "expand", "reply_to", "org", "short"); got != "FW" {
				t.Errorf("quoted author shown with organisation %q, want FW: %v", got, it)
			}
		}
	}
	if !sawReply {
		t.Fatalf("reply not listed: %v", items)
	}
	files := mxItems(lneumann.obj(t, 200, "GET", "/api/crisisroom/channels/"+ch+"/files", nil))
	if len(files) != 1 || mxStr(files[0], "org", "short") != "FW" {
		t.Errorf("files list without the author's organisation: %v", files)
	}
}

// The old password of a password change is a guess like a sign-in: whoever holds a
// session (a browser left signed in) gets SignInAccountLimit wrong old passwords, then
// 429 for the change and for the sign-in of that account, even with the right password.
func TestAttackOldPasswordThrottle(t *testing.T) {
	const window = 2 * time.Second
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, Hooks: hooks.Config{SignInWindow: window}})
	me := s.Demo.Users["lneumann"].Id
	c := mxAs(s, t, "lneumann")
	change := func(old string) (int, string) {
		st, _, raw := c.call(t, "PATCH", "/api/collections/users/records/"+me,
			map[string]any{"password": "neues-passwort-2026", "passwordConfirm": "neues-passwort-2026", "oldPassword": old})
		return st, string(raw)
	}
	// Changes that check no password are not counted.
	for i := 0; i < tenancy.SignInAccountLimit+2; i++ {
		if st, _, raw := c.call(t, "PATCH", "/api/collections/users/records/"+me, map[string]any{"locale": "de"}); st != 200 {
			t.Fatalf("locale: %d %s", st, raw)
		}
	}
	for i := 0; i < 8; i++ {
		st, raw := change("geraten-" + strconv.Itoa(i))
		switch {
		case i < tenancy.SignInAccountLimit && st != 400:
			t.Fatalf("guess %d: %d %s", i+1, st, raw)
		case i >= tenancy.SignInAccountLimit && (st != http.StatusTooManyRequests ||
			!strings.Contains(raw, "Zu viele Fehlversuche") || !strings.Contains(raw, "Too many failed attempts")):
			t.Fatalf("guess %d after the limit: %d %s", i+1, st, raw)
		}
	}
	if st, raw := change(demo.Password); st != http.StatusTooManyRequests {
		t.Fatalf("right old password while locked: %d %s", st, raw)
	}
	if st, _, raw := signIn(t, s.URL, "users", "lneumann", demo.Password); st != http.StatusTooManyRequests {
		t.Fatalf("sign-in of the locked account: %d %s", st, raw)
	}
	// After the window the right old password changes it (bounded poll).
	deadline := time.Now().Add(window + 10*time.Second)
	for {
		st, raw := change(demo.Password)
		if st == 200 {
			break
		}
		if st != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("right old password after the window: %d %s", st, raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
