package hooks_test

import (
	"strings"
	"testing"
	"time"

	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// flashBodies: the bodies of GET /api/crisisroom/flashes as c, with the raw answer (to
// look for words that must not be in it at all) and the status.
func flashBodies(t *testing.T, c mxClient) (int, []string, string) {
	t.Helper()
	status, v, raw := c.call(t, "GET", "/api/crisisroom/flashes", nil)
	m, _ := v.(map[string]any)
	var bodies []string
	for _, it := range mxItems(m) {
		bodies = append(bodies, mxStr(it, "body"))
	}
	return status, bodies, string(raw)
}

// The open Blitz list (the banner's source after a reload) holds only the caller's own:
// a Blitz stays in it however many messages follow it, until the caller acknowledges it;
// another organisation's member, a guest whose invitation ended and an anonymous caller
// get nothing of a Blitz that is not theirs.
func TestAttackOpenFlashesOnlyOwn(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	polIntern := s.Demo.Channels["POL intern"].Id
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	tkeller, lneumann, kvogel, jwagner := mxAs(s, t, "tkeller"), mxAs(s, t, "lneumann"), mxAs(s, t, "kvogel"), mxAs(s, t, "jwagner")
	guest := mxAs(s, t, "gast.gutachter")

	const secret = "BLITZ POL intern: Zugriff Lagerhalle 04:00"
	const shared = "BLITZ Hochwasser: Deich 7 bricht"
	pol := tkeller.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": polIntern, "author": s.Demo.Users["tkeller"].Id, "body": secret, "priority": "flash"})
	jwagner.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": shared, "priority": "flash"})
	// 60 newer messages: more than a channel's first page.
	for i := 0; i < 60; i++ {
		tkeller.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": polIntern, "author": s.Demo.Users["tkeller"].Id, "body": "Lagemeldung " + string(rune('A'+i%26))})
	}

	has := func(list []string, body string) bool {
		for _, b := range list {
			if b == body {
				return true
			}
		}
		return false
	}
	status, mine, raw := flashBodies(t, lneumann)
	if status != 200 || !has(mine, secret) || !has(mine, shared) {
		t.Fatalf("the police member's open Blitz messages: %d %v %s", status, mine, raw)
	}
	// The author is asked for no acknowledgement of its own Blitz.
	if _, own, _ := flashBodies(t, tkeller); has(own, secret) {
		t.Errorf("the author's own Blitz is listed as open for the author: %v", own)
	}

	// Another organisation's member: the shared Blitz, never the police's.
	status, other, raw := flashBodies(t, kvogel)
	if status != 200 || !has(other, shared) || strings.Contains(raw, secret) || strings.Contains(raw, pol["id"].(string)) {
		t.Errorf("another organisation's member: %d %v %s", status, other, raw)
	}

	// Anonymous: refused, nothing in the answer.
	anon := mxClient{base: s.URL}
	if status, _, raw := flashBodies(t, anon); status != 401 || strings.Contains(raw, secret) || strings.Contains(raw, shared) {
		t.Errorf("anonymous: %d %s", status, raw)
	}

	// The guest sees the shared Blitz while its invitation runs, nothing once it ended.
	if _, g, raw := flashBodies(t, guest); !has(g, shared) || strings.Contains(raw, secret) {
		t.Errorf("the guest before the end of its invitation: %v %s", g, raw)
	}
	m := tenancy.Membership(s.App, s.Demo.Users["gast.gutachter"].Id, s.Demo.Orgs["KS"].Id)
	if m == nil {
		t.Fatal("no guest membership")
	}
	m.Set("expires", time.Now().Add(-time.Second).UTC())
	if err := s.App.Save(m); err != nil {
		t.Fatal(err)
	}
	if status, g, raw := flashBodies(t, guest); len(g) != 0 || strings.Contains(raw, shared) || strings.Contains(raw, secret) || (status != 200 && status < 400) {
		t.Errorf("the guest after the end of its invitation: %d %v %s", status, g, raw)
	}

	// Acknowledged: gone from the list at once.
	lneumann.obj(t, 200, "POST", "/api/crisisroom/messages/"+pol["id"].(string)+"/ack", nil)
	if _, after, _ := flashBodies(t, lneumann); has(after, secret) || !has(after, shared) {
		t.Errorf("after acknowledging the police Blitz: %v", after)
	}
}
