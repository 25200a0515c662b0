package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"

	"crisisroom/hooks"
	"crisisroom/testkit"
)

// Joining by QR code on a phone-sized screen: the link from the invitation opens the join
// page, which shows who invites to what and that the certificate matches the code; the
// person fills in only what is needed and lands signed in, in the right tenant.
func TestJoinPageSignsTheNewPersonIn(t *testing.T) {
	// With HTTPS on, the invitation's link is the HTTPS address whose certificate the page
	// compares with the QR code (over plain HTTP nothing is checked: TestJoinPageOverHTTP).
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, PublicDir: PublicDir(),
		Hooks: hooks.Config{HTTPSAddr: "127.0.0.1:0"}})
	b := testkit.NewBrowser(t)
	cases := []struct {
		name, inviter string
		body          map[string]any
		fill          map[string]string
		tenant        string
	}{
		{"organisation", "jwagner", map[string]any{"kind": "organisation", "label": "THW"},
			map[string]string{"#org-name-input": "THW Ortsverband", "#org-short": "THW", "#name": "Tom Hauser", "#username": "thauser", "#password": "ein-langes-Passwort-1"}, "THW"},
		{"member", "tkeller", map[string]any{"kind": "member", "organisation": s.Demo.Orgs["POL"].Id, "function": "Lagedienst"},
			map[string]string{"#name": "Petra Polizei", "#username": "ppolizei", "#password": "ein-langes-Passwort-2"}, "POL"},
	}
	outer := t
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var inv struct{ URL, Id string }
			if st := API(t, s, c.inviter, "POST", "/api/crisisroom/invitations", c.body, &inv); st != 200 || !strings.Contains(inv.URL, "/join#") {
				t.Fatalf("invitation: %d %q", st, inv.URL)
			}
			// The browser belongs to the outer test: chromium may still write its profile for
			// a moment after a subtest ends.
			ctx := b.NewContext(outer, 150*time.Second)
			p := &Person{Ctx: ctx, Username: c.fill["#username"], t: t}
			p.logConsole()
			if !strings.HasPrefix(inv.URL, "https://") {
				t.Fatalf("invitation link not HTTPS: %q", inv.URL)
			}
			// The appliance's own CA is not in the test browser's store.
			p.Run(security.SetIgnoreCertificateErrors(true))
			p.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(inv.URL))
			p.Wait(`!document.getElementById('form').hidden && document.getElementById('org-name').textContent !== ''`, "the invitation shown")
			p.Wait(`document.getElementById('fp-verdict')?.textContent.startsWith('✓')`, "the certificate comparison")
			for sel, v := range c.fill {
				p.Run(chromedp.SendKeys(sel, v, chromedp.ByQuery))
			}
			if err := testkit.Screenshot(p.Ctx, filepath.Join(os.TempDir(), "crisisroom-join-"+c.name+".png")); err != nil {
				t.Log(err)
			}
			p.Run(chromedp.Click(`#join-submit`, chromedp.ByQuery), chromedp.WaitVisible(`#tenants button.tenant`, chromedp.ByQuery))
			p.Wait(`location.pathname === '/' && !!document.querySelector('#tenants button.tenant')`, "the signed-in app")
			p.Wait(`[...document.querySelectorAll('button.tenant .tenant-short')].some(e => e.textContent === `+JSString(c.tenant)+`)`, "tenant "+c.tenant)
			var stored string
			p.Eval(`JSON.parse(localStorage.getItem('pocketbase_auth')).record.username`, &stored)
			if stored != c.fill["#username"] {
				t.Fatalf("signed in as %q", stored)
			}
			if _, err := s.App.FindFirstRecordByData("users", "username", stored); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("trust page", func(t *testing.T) {
		var tr struct{ Fingerprint string }
		if st := API(t, s, "jwagner", "GET", "/api/crisisroom/trust", nil, &tr); st != 200 {
			t.Fatal(st)
		}
		p := &Person{Ctx: b.NewContext(outer, 60*time.Second), Username: "trust", t: t}
		p.Run(chromedp.Navigate(s.URL + "/trust.html"))
		p.Wait(`document.getElementById('fp').textContent === `+JSString("SHA-256: "+tr.Fingerprint), "the fingerprint on the trust page")
	})
}
