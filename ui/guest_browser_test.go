package ui

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/testkit"
)

// The external expert reads the shared channel and nothing else, cannot write, and sees
// until when the guest access runs.
func TestGuestReadsOnly(t *testing.T) {
	s, b := startDemo(t)
	g := SignIn(t, s, b, "gast.gutachter")
	g.OpenChannel("Hochwasser Rhein")
	g.Wait(`!document.querySelector('.readonly').hidden && document.querySelector('.composer-inner').hidden`, "the read-only note instead of the composer")
	var names []string
	g.Eval(`[...document.querySelectorAll('button.chan .chan-name')].map(n => n.textContent)`, &names)
	if len(names) != 1 || names[0] != "Hochwasser Rhein" {
		t.Fatalf("the guest's channel list: %v", names)
	}
	// No conversation to start: the server would refuse it anyway.
	var offered bool
	g.Eval(`(() => { const b = document.querySelector('#new-direct'); return !!b && b.offsetParent !== null; })()`, &offered)
	if offered {
		t.Fatal("the guest is offered to start a direct conversation")
	}
	if code := API(t, s, "gast.gutachter", "POST", "/api/collections/messages/records", map[string]any{
		"channel": s.Demo.Channels["Hochwasser Rhein"].Id, "author": s.Demo.Users["gast.gutachter"].Id, "body": "Gast schreibt",
	}, nil); code < 400 {
		t.Fatalf("the guest could write: HTTP %d", code)
	}
	g.Click(`document.querySelector('#usermenu')`, "the user menu")
	g.Wait(`[...document.querySelectorAll('dialog[open] li')].some(li => li.textContent.includes('Gast') && li.textContent.includes('bis '))`, "the guest's end date")

	// Signing out on all devices from the devices list voids the token this browser held.
	var token string
	g.Eval(`JSON.parse(localStorage.pocketbase_auth).token`, &token)
	g.Click(`[...document.querySelectorAll('dialog[open] button')].find(b => b.textContent.includes('Angemeldete Geräte'))`, "Angemeldete Geräte")
	g.Click(`[...document.querySelectorAll('dialog[open] footer button')].find(b => b.textContent === 'Auf allen Geräten abmelden')`, "Auf allen Geräten abmelden")
	g.Click(`document.querySelector('dialog[open] footer button.primary')`, "confirm")
	g.Wait(`!!document.querySelector('#identity') && localStorage.getItem('pocketbase_auth') === null`, "signed out, nothing stored")
	// The browser may hear the sign-out event (sent first, so that every browser of the
	// person hears it) a moment before the server has stored the new token key; that the
	// token is void once the request has returned is TestAuthCacheRevokesAtOnce's (hooks/tenancy).
	testkit.Eventually(t, 5*time.Second, "the old token refused", func() bool {
		return testkit.Client{Base: s.URL, Token: token}.Do(t, "GET", "/api/crisisroom/me", nil).Status == http.StatusUnauthorized
	})
}

// A guest invited to write: its message carries the host's chip (the organisation that
// invited it), and a "Gast" tag beside the name tells the room it is an external expert,
// not the staff; a staff member's message has no tag.
func TestGuestMessageTagged(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	cm, err := s.App.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": flood, "u": s.Demo.Users["gast.gutachter"].Id})
	if err != nil {
		t.Fatal(err)
	}
	cm.Set("role", "member") // an invitation "lesen und schreiben"
	if err := s.App.Save(cm); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"gast.gutachter", "jwagner"} {
		if code := API(t, s, u, "POST", "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users[u].Id, "body": "Einschätzung von " + u}, nil); code != http.StatusOK {
			t.Fatalf("%s posts: HTTP %d", u, code)
		}
	}
	p := SignIn(t, s, b, "tkeller")
	p.OpenChannel("Hochwasser Rhein")
	p.Wait(HasMessage("Einschätzung von gast.gutachter"), "the guest's message")
	tagged := func(body string) bool {
		var ok bool
		p.Eval(fmt.Sprintf(`(() => { const m = [...document.querySelectorAll('article.msg[data-id]')].find(a => a.querySelector('.body')?.textContent === %q); return !!m && !!m.querySelector('.guest-tag') && m.querySelector('.guest-tag').textContent === 'Gast'; })()`, body), &ok)
		return ok
	}
	if !tagged("Einschätzung von gast.gutachter") {
		t.Error("the guest's message has no Gast tag")
	}
	if tagged("Einschätzung von jwagner") {
		t.Error("a staff member's message is tagged as a guest's")
	}
	p.Screenshot("guest-message-tagged")
	// The search's hits mark the guest too.
	searchAll(p, "Einschätzung", 2)
	var tags []string
	p.Eval(`[...document.querySelectorAll('li.hit')].map(li => li.querySelector('.guest-tag') ? 'Gast' : '-')`, &tags)
	if fmt.Sprint(tags) != "[- Gast]" && fmt.Sprint(tags) != "[Gast -]" {
		t.Errorf("search hits' guest tags: %v, want one", tags)
	}
	p.Screenshot("guest-search-tagged")
}
