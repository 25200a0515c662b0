package attack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crisisroom/apperr"
	"crisisroom/hooks"
	"crisisroom/hooks/demo"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// What a black-box attacker found on the demo appliance, tried again as the wrong person.

// refusal is a refusal's code and message; it fails the test unless the answer has the
// status, a code of the catalogue and that code's text in both languages.
func refusal(t *testing.T, what string, r testkit.Reply, status int) string {
	t.Helper()
	var body struct {
		Message string         `json:"message"`
		Data    map[string]any `json:"data"`
	}
	if json.Unmarshal(r.Body, &body) != nil {
		t.Errorf("%s: no JSON error: %s", what, r)
		return ""
	}
	code, _ := body.Data["code"].(string)
	if r.Status != status || code == "" {
		t.Errorf("%s: want %d with a code, got %s", what, status, r)
		return code
	}
	if _, ok := apperr.Catalogue[code]; !ok || !strings.Contains(body.Message, " / ") {
		t.Errorf("%s: code %q or message not from the catalogue: %s", what, code, r)
	}
	return code
}

// F2: PocketBase's own refusals and the device route's field errors leave with a code of
// the catalogue and its text in German and English, never PocketBase's English alone.
func TestAttackRefusalsSpeakTheCatalogue(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	anon, jw, ln := s.As(t, ""), s.As(t, "jwagner"), s.As(t, "lneumann")
	bad := testkit.Client{Base: s.URL, Token: "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6Inh4In0.bogus"}
	victim := s.Demo.Users["tkeller"].Id

	r := jw.Do(t, "POST", "/api/crisisroom/devices", map[string]any{"username": "sirene-generic", "kind": "siren", "driver": "generic", "zone": "nord"})
	if code := refusal(t, "a device with an unknown driver", r, 400); code != "device.unknown_driver" || !strings.Contains(string(r.Body), "tasmota") || strings.Contains(string(r.Body), "Invalid value") && !strings.Contains(string(r.Body), `"driver":{`) {
		t.Errorf("unknown driver: want device.unknown_driver naming the drivers: %s", r)
	}
	if !strings.Contains(r.JSON(t)["message"].(string), "generic") {
		t.Errorf("unknown driver: the text does not name what was sent: %s", r)
	}
	r = jw.Do(t, "POST", "/api/crisisroom/devices", map[string]any{"username": "sirene-kind", "kind": "rocket", "driver": "native", "zone": "nord"})
	if code := refusal(t, "a device of an unknown kind", r, 400); code != "device.unknown_kind" {
		t.Errorf("unknown kind: %s", r)
	}

	for _, c := range []struct {
		what         string
		as           testkit.Client
		method, path string
		body         any
		status       int
	}{
		{"request-otp", anon, "POST", "/api/collections/users/request-otp", map[string]any{"email": "tkeller@example.org"}, 403},
		{"auth-with-otp", anon, "POST", "/api/collections/users/auth-with-otp", map[string]any{"otpId": "x", "password": "y"}, 403},
		{"auth-with-oauth2", anon, "POST", "/api/collections/users/auth-with-oauth2", map[string]any{"provider": "google", "code": "x", "codeVerifier": "y", "redirectURL": "http://x"}, 403},
		{"auth-refresh with a forged token", bad, "POST", "/api/collections/users/auth-refresh", nil, 401},
		{"auth-refresh without a token", anon, "POST", "/api/collections/users/auth-refresh", nil, 401},
		{"a password reset with a bad token", anon, "POST", "/api/collections/users/confirm-password-reset", map[string]any{"token": "bad", "password": "abcdefgh12", "passwordConfirm": "abcdefgh12"}, 400},
		{"a verification with a bad token", anon, "POST", "/api/collections/users/confirm-verification", map[string]any{"token": "bad"}, 400},
		{"an e-mail change with a bad token", anon, "POST", "/api/collections/users/confirm-email-change", map[string]any{"token": "bad", "password": "x"}, 400},
		{"impersonate as a member", ln, "POST", "/api/collections/users/impersonate/" + victim, nil, 403},
		{"impersonate signed out", anon, "POST", "/api/collections/users/impersonate/" + victim, nil, 401},
		{"a batch", ln, "POST", "/api/batch", map[string]any{"requests": []any{map[string]any{"method": "GET", "url": "/api/health"}}}, 403},
		{"a realtime subscribe with an unknown client", ln, "POST", "/api/realtime", map[string]any{"clientId": "zzzzzzzzzzzzzzzzzzzz", "subscriptions": []string{}}, 404},
		{"the collections as a member", ln, "GET", "/api/collections", nil, 403},
		{"a collection as a member", ln, "GET", "/api/collections/users", nil, 403},
		{"the settings as a member", ln, "GET", "/api/settings", nil, 403},
		{"the settings signed out", anon, "GET", "/api/settings", nil, 401},
		{"the logs as a member", ln, "GET", "/api/logs", nil, 403},
		{"the backups as a member", ln, "GET", "/api/backups", nil, 403},
		{"a collection import as a member", ln, "PUT", "/api/collections/import", map[string]any{"collections": []any{}}, 403},
		{"an unknown collection's records", ln, "GET", "/api/collections/nonexistent/records", nil, 404},
	} {
		r := c.as.Do(t, c.method, c.path, c.body)
		refusal(t, c.what, r, c.status)
		// Field errors may keep PocketBase's words in data; the message is the catalogue's.
		if m, _ := r.Map()["message"].(string); strings.Contains(m, "The collection is not configured") || strings.Contains(m, "Only superusers") || strings.Contains(m, "Missing or invalid") {
			t.Errorf("%s: PocketBase's English sentence is still there: %s", c.what, r)
		}
	}

	// The ways of signing in that are offered still answer as before.
	if r := anon.Do(t, "GET", "/api/collections/users/auth-methods", nil); r.Status != 200 {
		t.Errorf("auth-methods: %s", r)
	}
	if r := anon.Do(t, "POST", "/api/collections/users/auth-with-password", map[string]any{"identity": "lneumann", "password": demo.Password}); r.Status != 200 {
		t.Errorf("sign-in: %s", r)
	}
}

// F3: a path under /api/ that no route serves is a 404 with a code for every method, never
// the web app's index.html with 200; page paths keep the app's fallback.
func TestAttackUnknownAPIPathsAreNotTheApp(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	for _, as := range []testkit.Client{s.As(t, ""), s.As(t, "lneumann")} {
		for _, p := range []string{"/api/crisisroom/nonexistent", "/api/nonexistent", "/api/crisisroom/presence", "/api/", "/api/crisisroom/channels/x/y/z"} {
			for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
				if m != "GET" && p == "/api/crisisroom/presence" {
					continue // POST is the route; the others are PocketBase's catch-all below
				}
				r := as.Do(t, m, p, nil)
				if r.Status != 404 || strings.Contains(r.Header.Get("Content-Type"), "html") {
					t.Errorf("%s %s: %s (%s)", m, p, r, r.Header.Get("Content-Type"))
					continue
				}
				if m != "HEAD" {
					refusal(t, m+" "+p, r, 404)
				}
			}
		}
	}
	for _, p := range []string{"/", "/channels/abc", "/index.html"} {
		if r := s.As(t, "").Do(t, "GET", p, nil); r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "html") {
			t.Errorf("page %s: %s", p, r)
		}
	}
}

// F4: a display name that mixes scripts in a word (a Cyrillic "п" in "Braun") or whose
// skeleton is an active person's name is refused; real names in one script, and names
// one Latin letter off, stay possible.
func TestAttackLookAlikeNamesAcrossScripts(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	kv := s.As(t, "kvogel")
	self := "/api/collections/users/records/" + s.Demo.Users["kvogel"].Id
	for _, name := range []string{
		"Stefan Brau\u043f",               // Cyrillic pe for n
		"Stefan Br\u03b1un",               // Greek alpha
		"Ste\u0493an Braun",               // Cyrillic ghe with stroke
		"\u0410\u043f\u043f\u0430 Becker", // "Anna" in Cyrillic beside a Latin word: skeleton equal
		"\u0410\u043f\u043f\u0430 \u0412\u0435\u0441\u043a\u0435\u0433", // "Anna Becker" wholly Cyrillic
		"\u0397ans Becker", // Greek capital eta
		"Stefan Braun", "stefan  braun", "Stef\u0430n Braun", "\uff33tefan Braun", "Stefan\u200b Braun",
	} {
		r := kv.Do(t, "PATCH", self, map[string]any{"name": name})
		if code := refusal(t, "name "+name, r, 400); code != "tenancy.name_mixes_scripts" && code != "tenancy.name_taken_too_similar" {
			t.Errorf("name %q: %s", name, r)
		}
	}
	if r := kv.Do(t, "PATCH", self, map[string]any{"name": "Stefan Brau\u043f"}); !strings.Contains(string(r.Body), "tenancy.name_mixes_scripts") {
		t.Errorf("a mixed word is not named as such: %s", r)
	}
	// Real colleagues' names in one script, and a real one-letter difference, pass.
	for _, name := range []string{"\u041e\u043b\u0435\u043d\u0430 \u041a\u043e\u0432\u0430\u043b\u0435\u043d\u043a\u043e", "\u0395\u03bb\u03ad\u03bd\u03b7 \u03a0\u03b1\u03c0\u03b1\u03b4\u03bf\u03c0\u03bf\u03cd\u03bb\u03bf\u03c5", "Stefan Braum", "Jonas Waqner", "Katrin Vogel-M\u00fcller"} {
		if r := kv.Do(t, "PATCH", self, map[string]any{"name": name}); r.Status != 200 {
			t.Errorf("name %q refused: %s", name, r)
		}
	}
}

// F5: an organisation's admin signs out only a person who belongs to no organisation the
// admin does not run; a person who is also another organisation's admin keeps every
// session. The host's admin, who runs the room, keeps the right for the host's people.
func TestAttackSignOutOnlyWithinOwnOrganisations(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	app, d := s.App, s.Demo
	tha, err := tenancy.NewOrganisation(app, "Technisches Hilfswerk Ahr", "THA", "ngo", "#0055aa")
	if err != nil {
		t.Fatal(err)
	}
	both, err := tenancy.NewUser(app, "Hanna Doppel", "hdoppel", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	newMembership(t, app, both.Id, d.Orgs["POL"].Id, "member", "", nil)
	newMembership(t, app, both.Id, tha.Id, "admin", "", nil)
	hostToo, err := tenancy.NewUser(app, "Karl Zweifach", "kzweifach", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	newMembership(t, app, hostToo.Id, d.Orgs["KS"].Id, "member", "", nil)
	newMembership(t, app, hostToo.Id, tha.Id, "admin", "", nil)
	polOnly, err := tenancy.NewUser(app, "Paul Einfach", "peinfach", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	newMembership(t, app, polOnly.Id, d.Orgs["POL"].Id, "member", "", nil)

	hd := s.As(t, "hdoppel")
	r := s.As(t, "tkeller").Do(t, "POST", "/api/crisisroom/users/"+both.Id+"/signout", nil)
	if code := refusal(t, "POL's admin signs out THA's admin", r, 403); code != "tenancy.signout_belongs_elsewhere" {
		t.Errorf("want tenancy.signout_belongs_elsewhere: %s", r)
	}
	if r := hd.Do(t, "GET", "/api/crisisroom/me", nil); r.Status != 200 {
		t.Fatalf("the refused sign-out ended the person's session: %s", r)
	}
	// Another organisation's admin who shares nothing with the person: refused as before.
	if r := s.As(t, "sbraun").Do(t, "POST", "/api/crisisroom/users/"+both.Id+"/signout", nil); r.Status != 403 {
		t.Errorf("FW's admin: %s", r)
	}
	// What the admin can do instead: end the membership in POL.
	m := find(t, app, "memberships", "user", both.Id)
	if m.GetString("organisation") != d.Orgs["POL"].Id {
		m, _ = app.FindFirstRecordByFilter("memberships", "user = {:u} && organisation = {:o}", map[string]any{"u": both.Id, "o": d.Orgs["POL"].Id})
	}
	if r := s.As(t, "tkeller").Do(t, "DELETE", "/api/collections/memberships/records/"+m.Id, nil); r.Status/100 != 2 {
		t.Errorf("POL's admin ends the membership: %s", r)
	}
	if r := hd.Do(t, "GET", "/api/crisisroom/me", nil); r.Status != 200 {
		t.Errorf("the person's THA session: %s", r)
	}

	// Still allowed: a person only of POL; the host's admin for a host member; oneself.
	pe := s.As(t, "peinfach")
	if r := s.As(t, "tkeller").Do(t, "POST", "/api/crisisroom/users/"+polOnly.Id+"/signout", nil); r.Status != 200 {
		t.Errorf("POL's admin signs out a POL member: %s", r)
	}
	if r := pe.Do(t, "GET", "/api/crisisroom/me", nil); r.Status != 401 {
		t.Errorf("the signed-out member's token still works: %s", r)
	}
	if r := s.As(t, "abecker").Do(t, "POST", "/api/crisisroom/users/"+hostToo.Id+"/signout", nil); r.Status != 200 {
		t.Errorf("the host's admin signs out a host member: %s", r)
	}
	if r := hd.Do(t, "POST", "/api/crisisroom/users/"+both.Id+"/signout", nil); r.Status != 200 {
		t.Errorf("the person signs out everywhere: %s", r)
	}
}

// F6: links, QR codes and redirects name the appliance by its own names, never by the
// Host header a client sent.
func TestAttackHostHeaderNeverInLinks(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, Hooks: hooks.Config{HTTPSAddr: "127.0.0.1:0"}})
	const evil = "evil.example"
	do := func(method, path, token, host string, body any) (int, http.Header, string) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = strings.NewReader(string(b))
		}
		req, err := http.NewRequest(method, s.URL+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(raw)
	}
	// every URL in an answer, the ones inside its QR codes included
	urls := func(body string) []string {
		var out []string
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				for _, y := range x {
					walk(y)
				}
			case []any:
				for _, y := range x {
					walk(y)
				}
			case string:
				if strings.HasPrefix(x, "data:image/png;base64,") {
					if u, err := testkit.DecodeQRDataURL(x); err == nil {
						out = append(out, u)
					} else {
						t.Errorf("QR code: %v", err)
					}
				} else if strings.Contains(x, "://") {
					out = append(out, x)
				}
			}
		}
		var v any
		_ = json.Unmarshal([]byte(body), &v)
		walk(v)
		return out
	}
	checkURLs := func(what, body string, min int) {
		t.Helper()
		us := urls(body)
		if len(us) < min {
			t.Errorf("%s: %d links, want %d: %s", what, len(us), min, body)
		}
		for _, u := range us {
			p, err := url.Parse(u)
			if err != nil || strings.Contains(strings.ToLower(u), "evil") || p.Hostname() == "" {
				t.Errorf("%s: link %q", what, u)
			}
		}
	}

	for i, host := range []string{evil, evil + ":18090", "[2001:db8::1]:80", "crisisroom.local.evil.example"} {
		st, _, body := do("GET", "/api/crisisroom/trust", "", host, nil)
		if st != 200 {
			t.Fatalf("trust: %d %s", st, body)
		}
		checkURLs("trust as "+host, body, 2)

		st, h, _ := do("GET", "/join.html", "", host, nil)
		if loc := h.Get("Location"); st != 302 || strings.Contains(loc, "evil") || strings.Contains(loc, "2001:db8") || !strings.HasPrefix(loc, "https://") {
			t.Errorf("join.html as %s: %d to %q", host, st, loc)
		}

		st, _, body = do("POST", "/api/crisisroom/invitations", s.Token(t, "tkeller"), host, map[string]any{"kind": "member", "organisation": s.Demo.Orgs["POL"].Id, "role": "member"})
		if st != 200 {
			t.Fatalf("invitation: %d %s", st, body)
		}
		checkURLs("invitation as "+host, body, 2)

		st, _, body = do("POST", "/api/crisisroom/devices", s.Token(t, "jwagner"), host, map[string]any{"username": fmt.Sprintf("tafel-%d", i), "kind": "board", "driver": "awtrix", "zone": "nord"})
		if st != 200 {
			t.Fatalf("device: %d %s", st, body)
		}
		checkURLs("device as "+host, body, 2)
	}
	// The appliance's own names still go into links as they were asked for.
	st, h, _ := do("GET", "/join.html", "", "crisisroom.local", nil)
	if loc := h.Get("Location"); st != 302 || !strings.HasPrefix(loc, "https://crisisroom.local:") {
		t.Errorf("join.html as crisisroom.local: %d to %q", st, loc)
	}
	if _, _, body := do("GET", "/api/crisisroom/trust", "", "crisisroom.local", nil); !strings.Contains(body, "http://crisisroom.local:") {
		t.Errorf("trust as crisisroom.local: %s", body)
	}
}
