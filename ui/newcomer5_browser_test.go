package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/demo"
)

// phone and laptop are the two sizes every finding below is looked at in.
func phone(p *Person)  { p.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))) }
func laptop(p *Person) { p.Run(chromedp.EmulateViewport(1280, 800)) }

// resize gives the page a phone's viewport for size "phone", a laptop's otherwise.
func resize(p *Person, size string) {
	if size == "phone" {
		phone(p)
	} else {
		laptop(p)
	}
}

// "N neue Nachrichten ↓" under the older part around a search hit leads to the first
// new message, not to the end: the line "Neue Nachrichten" at the top of the list with the
// first new message below it, and a button below the list counts the new messages still
// below the view, fewer while the person reads down, gone at the end. More new messages
// than a page holds: all of them are loaded, from the first one. (The previous
// timeline.js scrolled to the end and offered "↑ N weitere neue darüber".)
func TestNewMessagesPillLandsOnTheFirstNew(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	old := post(t, s, "jwagner", flood, "Deichbruch Abschnitt 4 gemeldet")
	for i := 1; i <= 60; i++ {
		post(t, s, "jwagner", flood, fmt.Sprintf("Lagemeldung %d", i))
	}
	for _, size := range []string{"phone", "laptop"} {
		p := SignIn(t, s, b, "kvogel")
		resize(p, size)
		p.OpenChannel("Hochwasser Rhein")
		searchAll(p, "Deichbruch", 1)
		p.Click(`document.querySelector('.hit button[data-id="`+old+`"]')`, "the old hit")
		p.Wait(`!!document.querySelector('.detached-bar')`, "the part around the old hit")
		n := 12
		if size == "laptop" {
			n = 70 // more than a page
		}
		var news []string
		for i := 1; i <= n; i++ {
			m := fmt.Sprintf("FW %s %d: Pumpen an Deich 4 in Betrieb, Sandsäcke werden verbaut, nächste Meldung folgt", size, i)
			post(t, s, "sbraun", flood, m)
			news = append(news, m)
		}
		p.Wait(fmt.Sprintf(`document.querySelector('.detached-bar .to-newest')?.textContent === '%d neue Nachrichten ↓'`, n), "the bar counting the new messages")
		p.Screenshot("newcomer5-pill-before-" + size)
		p.Click(`document.querySelector('.detached-bar .to-newest')`, "N neue Nachrichten")
		p.Wait(`(() => { const l = document.querySelector('.unread-line'); return !!l && l.nextElementSibling?.querySelector('.body')?.textContent === `+JSString(news[0])+`; })()`, "the line above the first new message")
		settle(p)
		p.Wait(inListView(`document.querySelector('.unread-line')`)+` && `+inListView(`document.querySelector('.unread-line').nextElementSibling`), "the line and the first new message in view")
		p.Wait(`(() => { const l = document.querySelector('.msglist'), u = document.querySelector('.unread-line'); return u.getBoundingClientRect().top - l.getBoundingClientRect().top < 60; })()`, "the line at the top of the list")
		p.Wait(`!document.querySelector('.first-new')`, "no button to new messages above")
		// All of them loaded below the line, once each, in order (on the laptop more than
		// the newest page holds), and the older part left.
		order := `[...document.querySelectorAll('article.msg[data-id] .body')].map(b => b.textContent).filter(s => s.startsWith('FW ` + size + ` ')).join('|')`
		p.Wait(order+` === `+JSString(strings.Join(news, "|"))+` && !document.querySelector('.detached-bar')`, "every new message once, in order")
		// The bar counts what is still below the view.
		below := `(() => { const l = document.querySelector('.msglist').getBoundingClientRect(); return [...document.querySelectorAll('article.msg[data-id]')].filter(a => a.getBoundingClientRect().bottom > l.bottom + 1 && a.querySelector('.body')?.textContent.startsWith('FW ')).length; })()`
		var firstCount int
		p.Eval(below, &firstCount)
		if size == "laptop" {
			firstCount = -1 // counted with those not loaded yet
		}
		p.Wait(`(() => { const b = document.querySelector('.new-below'); return !!b && /^\d+ neue Nachrichten? ↓$/.test(b.textContent) && `+inListView(`document.querySelector('.new-below')`)+`; })()`, "the bar counting the new ones below")
		var text string
		p.Eval(`document.querySelector('.new-below').textContent`, &text)
		t.Logf("%s: after the jump: %q (%d below in the list)", size, text, firstCount)
		if firstCount > 0 && text != fmt.Sprintf("%d neue Nachrichten ↓", firstCount) && text != "1 neue Nachricht ↓" {
			t.Errorf("%s: the bar says %q, %d new messages are below the view", size, text, firstCount)
		}
		p.Screenshot("newcomer5-pill-landed-" + size)
		// Reading down: fewer.
		p.Run(chromedp.Evaluate(`document.querySelector('.msglist').scrollTop += document.querySelector('.msglist').clientHeight * 0.8`, nil))
		settle(p)
		var after string
		p.Eval(`document.querySelector('.new-below')?.textContent || ''`, &after)
		t.Logf("%s: read down a screen: %q", size, after)
		if after == text {
			t.Errorf("%s: the count stayed %q after reading down a screen", size, text)
		}
		// The bar leads on to the end; all new messages there, once each, in order.
		p.Click(`document.querySelector('.new-below')`, "the bar below")
		p.Wait(HasMessage(news[n-1])+` && `+inListView(`[...document.querySelectorAll('article.msg[data-id]')].pop()`), "the newest message in view")
		settle(p)
		p.Wait(`!document.querySelector('.new-below')`, "no count at the end")
		p.Screenshot("newcomer5-pill-end-" + size)
		// Live again.
		post(t, s, "sbraun", flood, "FW live "+size)
		p.Wait(HasMessage("FW live "+size)+` && `+inListView(`[...document.querySelectorAll('article.msg[data-id]')].pop()`), "the next message live, in view")
	}
}

// On a phone a call-out (Stab-Alarm) and a Blitz together: the call-out's tag, who called
// and its text are whole (the text wraps, no ellipsis), the Blitz shows its text over two
// lines (the rest one tap away), every button is in sight and tappable, and at least half
// of the screen stays for the messages. (The previous app.css cut the call-out's text to
// "Stabsalar…" and the Blitz text to one line.)
func TestCalloutAndBlitzWholeOnAPhone(t *testing.T) {
	s, b := startDemo(t)
	p := Open(t, s, b, "lneumann")
	phone(p)
	p.SignInForm("lneumann", demo.Password)
	p.OpenChannel("Hochwasser Rhein")
	if code := API(t, s, "jwagner", "POST", "/api/crisisroom/callouts", map[string]any{
		"text": "Stabsalarm: Deichbruch am Pegel Süd, bitte sofort in den Stabsraum im Rathaus.", "priority": "flash",
		"users": []string{s.Demo.Users["lneumann"].Id}}, nil); code != 200 {
		t.Fatalf("start the call-out: %d", code)
	}
	p.Wait(`!!document.querySelector('.callout-banner [data-answer="coming"]') && document.querySelectorAll('.flash-banner').length === 1`, "both banners")
	settle(p)
	p.Screenshot("newcomer5-banners-phone")
	var cut []string
	p.Eval(`[...document.querySelectorAll('#banners .flash-tag, #banners .callout-banner .flash-body, #banners .cob-from, #banners button')].filter(e => e.offsetParent !== null && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 2)).map(e => e.className + ': ' + e.textContent)`, &cut)
	if len(cut) > 0 {
		t.Errorf("cut on a phone: %q", cut)
	}
	var tags []string
	p.Eval(`[...document.querySelectorAll('#banners .flash-tag')].map(e => e.innerText.trim())`, &tags)
	if len(tags) != 2 || tags[0] != "STAB-ALARM" && tags[0] != "Stab-Alarm" {
		t.Errorf("the tags read %q", tags)
	}
	// Both texts wrap: two lines at least.
	var lines int
	p.Eval(`Math.min(...[...document.querySelectorAll('#banners .flash-body')].map(e => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))))`, &lines)
	if lines < 2 {
		t.Errorf("a banner text is on %d line: not wrapped", lines)
	}
	l := checkBanners(t, p, "call-out and Blitz on a phone", 422, 44)
	var labels []string
	p.Eval(`[...document.querySelectorAll('#banners .callout-banner [data-answer], #banners .flash-banner .ack-big')].filter(e => e.offsetParent !== null).map(e => e.innerText.trim())`, &labels)
	t.Logf("buttons: %q, list %.0f px", labels, l.List)
	if len(labels) != 3 {
		t.Errorf("want Ich komme, Komme nicht and Bestätigen in sight, got %q", labels)
	}
	// The whole Blitz text a tap away, the messages keeping a quarter of the screen.
	p.Click(`document.querySelector('.flash-banner .flash-body')`, "the Blitz text")
	p.Wait(`(() => { const e = document.querySelector('.flash-banner.expanded .flash-body'); return !!e && e.scrollHeight <= e.clientHeight + 2 && e.getBoundingClientRect().bottom <= document.querySelector('#banners').getBoundingClientRect().bottom + 1; })()`, "the whole Blitz text")
	checkBanners(t, p, "the Blitz text opened", 844/4, 44)
	p.Screenshot("newcomer5-banners-blitz-open-phone")
	p.Click(`document.querySelector('.flash-banner .flash-body')`, "the Blitz text again")
	// Answering works from there.
	p.Click(`document.querySelector('.callout-banner [data-answer="coming"]')`, "Ich komme")
	p.Wait(`!!document.querySelector('.callout-answered')`, "the answer given")
	p.Screenshot("newcomer5-banners-answered-phone")
	laptop(p)
	settle(p)
	p.Screenshot("newcomer5-banners-laptop")
}

// "Alarmieren" is one tap away for an operator on a phone (not behind "Mehr"), and absent
// for a member, who may not alarm.
func TestCalloutOneTapOnAPhone(t *testing.T) {
	s, b := startDemo(t)
	op := Open(t, s, b, "jwagner")
	phone(op)
	op.SignInForm("jwagner", demo.Password)
	visible := `(() => { const b = document.querySelector('button.navbtn[data-view="callout"]'); if (!b || b.hidden) return false; const r = b.getBoundingClientRect();
		return r.width >= 40 && r.height >= 40 && r.left >= 0 && r.right <= innerWidth && b.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)); })()`
	op.Wait(visible, "Alarmieren in the top bar of a phone, tappable")
	op.Screenshot("newcomer5-callout-nav-phone")
	op.Click(`document.querySelector('button.navbtn[data-view="callout"]')`, "Alarmieren")
	op.Wait(`location.hash === '#callout' && document.querySelector('button.navbtn[data-view="callout"]').getAttribute('aria-current') === 'page'`, "the call-out view after one tap")
	op.Wait(visible, "Alarmieren still in the bar with its view open")
	op.Screenshot("newcomer5-callout-view-phone")
	laptop(op)
	op.Wait(visible, "Alarmieren on a laptop")
	op.Screenshot("newcomer5-callout-nav-laptop")

	m := Open(t, s, b, "phoffmann")
	phone(m)
	m.SignInForm("phoffmann", demo.Password)
	settle(m)
	var there bool
	m.Eval(`!!document.querySelector('[data-view="callout"]') || (document.querySelector('#nav-more') && (document.querySelector('#nav-more').click(), !!document.querySelector('#nav-menu [data-view="callout"]')))`, &there)
	if there {
		t.Fatal("a member is offered Alarmieren")
	}
	m.Screenshot("newcomer5-callout-absent-member-phone")
}

// An error toast after a refused send is not over the composer (text field and send
// button stay visible and usable), stays while the person reads it, and can be closed.
func TestErrorToastLeavesTheComposer(t *testing.T) {
	s, b := startDemo(t)
	for _, size := range []string{"phone", "laptop"} {
		p := SignIn(t, s, b, "jwagner")
		resize(p, size)
		p.OpenChannel("Hochwasser Rhein")
		p.Run(chromedp.Evaluate(`(() => { const x = document.querySelector('#composer-text'); x.value = 'Lagebericht '.repeat(3333) + 'Ende'; x.dispatchEvent(new Event('input', { bubbles: true })) })()`, nil))
		p.Click(`document.querySelector('form.composer button.send')`, "Senden")
		p.Wait(`[...document.querySelectorAll('.toast.error')].some(e => e.textContent.includes('Die Nachricht ist zu lang'))`, "the refusal")
		var over []string
		p.Eval(`(() => { const out = []; for (const el of document.querySelectorAll('#composer-text, form.composer button.send')) { const r = el.getBoundingClientRect();
			for (const t of document.querySelectorAll('.toast')) { const q = t.getBoundingClientRect(); if (q.left < r.right && q.right > r.left && q.top < r.bottom && q.bottom > r.top) out.push(el.id || el.className); } } return out; })()`, &over)
		if len(over) > 0 {
			t.Errorf("%s: the toast covers %q", size, over)
		}
		// The picture with the toast: Screenshot removes toasts, so take it here.
		var buf []byte
		p.Run(chromedp.FullScreenshot(&buf, 100))
		writeShot(t, "newcomer5-toast-"+size, buf)
		// Readable long enough: still there after 10 s (the old one went after 9 s).
		p.Run(chromedp.Sleep(10500 * time.Millisecond))
		p.Wait(`!!document.querySelector('.toast.error')`, "the refusal still shown after 10 s")
		p.Click(`document.querySelector('.toast.error button.toast-close')`, "Schließen on the toast")
		p.Wait(`!document.querySelector('.toast.error')`, "the toast closed")
	}
}

// A guest's sidebar shows no section without anything in it: the guest has no channels
// of an organisation of their own and starts no conversations, so "Meine Organisation –
// Keine Kanäle." and "Direkt und Gruppen – Noch keine Gespräche." were headings over
// nothing (the previous channels.js showed both). A member keeps the short line.
func TestGuestSidebarHasNoEmptySections(t *testing.T) {
	s, b := startDemo(t)
	sections := `[...document.querySelectorAll('.sidebar section.chgroup')].filter(s => s.getClientRects().length > 0).map(s => s.querySelector('h3')?.textContent + ': ' + (s.querySelector('button.chan, .offer') ? 'full' : 'empty'))`
	for _, size := range []string{"phone", "laptop"} {
		g := Open(t, s, b, "gast.gutachter")
		resize(g, size)
		g.SignInForm("gast.gutachter", demo.Password)
		g.Wait(`!!document.querySelector('.sidebar button.chan')`, "the guest's channels")
		settle(g)
		g.Screenshot("newcomer5-guest-sidebar-" + size)
		var got []string
		g.Eval(sections, &got)
		t.Logf("%s: %q", size, got)
		if len(got) == 0 {
			t.Fatalf("%s: no section at all", size)
		}
		for _, x := range got {
			if strings.HasSuffix(x, ": empty") {
				t.Errorf("%s: a section with nothing in it: %q", size, x)
			}
		}
	}
	// A member without direct conversations still reads why that section is empty.
	m := SignIn(t, s, b, "kvogel")
	laptop(m)
	m.Wait(`[...document.querySelectorAll('.sidebar section.chgroup')].some(s => s.querySelector('h3')?.textContent === 'Direkt und Gruppen' && s.textContent.includes('Noch keine Gespräche.'))`, "a member's empty conversations with their line")
}

// After the language switch, every banner speaks the new language at once: the Blitz,
// the call-out, the follow-up of one's own Blitz ("Ihr Blitz: 12 noch nicht bestätigt")
// and the notice of the lost connection. (The previous notify.js, release-banner.js,
// citystaff.js and features/forms.js gave the shell finished elements, which it put back
// in the old language.)
func TestLanguageSwitchRedrawsEveryBanner(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"]
	msg, err := s.App.FindFirstRecordByFilter("messages", "channel = {:c}", dbx.Params{"c": flood.Id})
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []string{"laptop", "phone"} {
		p := Open(t, s, b, "lneumann")
		resize(p, size)
		p.Run(chromedp.Evaluate(`localStorage.setItem('crisisroom_lang', 'de')`, nil))
		p.SignInForm("lneumann", demo.Password)
		p.OpenChannel("Hochwasser Rhein")
		if size == "laptop" {
			if code := API(t, s, "jwagner", "POST", "/api/crisisroom/callouts", map[string]any{
				"text": "Probealarm Stab", "priority": "flash", "users": []string{s.Demo.Users["lneumann"].Id}}, nil); code != 200 {
				t.Fatalf("start the call-out: %d", code)
			}
		}
		coll, _ := s.App.FindCollectionByNameOrId("notices")
		nt := core.NewRecord(coll)
		nt.Load(map[string]any{"user": s.Demo.Users["lneumann"].Id, "kind": "blitz_pending", "channel": flood.Id, "message": msg.Id,
			"data": map[string]any{"body": "BLITZ: Rheinufer gesperrt", "pending": []map[string]any{{"name": "Person " + size, "function": "S2"}}}})
		if err := s.App.Save(nt); err != nil {
			t.Fatal(err)
		}
		p.Wait(`!!document.querySelector('.callout-banner') && !!document.querySelector('.flash-banner') && !!document.querySelector('.pending-banner')`, "the three banners")
		// The names of the follow-up open: they stay open in the new language.
		p.Click(`document.querySelector('.pending-banner .pending-who')`, "Wer?")
		p.Run(network.Enable(), network.EmulateNetworkConditions(true, 0, 0, 0))
		p.Wait(`document.querySelector('#conn')?.textContent === 'Keine Verbindung'`, "the connection shown as lost")
		p.Screenshot("newcomer5-lang-before-" + size)
		if size == "phone" {
			p.Click(`document.querySelector('#usermenu')`, "the user menu")
			p.Click(`document.querySelector('#menu-lang')`, "English")
		} else {
			p.Click(`document.querySelector('header.top .btn.lang')`, "English")
		}
		p.Wait(`document.documentElement.lang === 'en'`, "English")
		var enText string
		p.Eval(`document.querySelector('#banners').innerText + ' | ' + document.querySelector('header.top').innerText`, &enText)
		t.Logf("%s: after the switch: %q", size, enText)
		for _, de := range []string{"Bestätigen", "Gelesen", "Stab-Alarm", "STAB-ALARM", "Ich komme", "Komme nicht", "Keine Verbindung", "Verbinde", "alarmiert", " von ", "Blitz offen", "Im Kanal zeigen", "Ihr Blitz", "noch nicht bestätigt", "Wer?", "Zur Nachricht", "Ausblenden"} {
			var left bool
			p.Eval(`[...document.querySelectorAll('#banners *, header.top *')].some(e => e.getClientRects().length > 0 && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.includes(`+JSString(de)+`)))`, &left)
			if left {
				t.Errorf("%s: %q still shown after switching to English", size, de)
			}
		}
		p.Wait(`document.querySelector('#conn')?.textContent === 'No connection' && document.querySelector('.pending-banner .pending-text')?.textContent.includes('not yet acknowledged') && document.querySelector('.pending-banner .pending-who')?.textContent === 'Who?'`, "the follow-up and the connection in English")
		p.Wait(`!document.querySelector('.pending-names').hidden`, "the names still open")
		p.Screenshot("newcomer5-lang-after-" + size)
		p.Run(network.EmulateNetworkConditions(false, 0, -1, -1))
	}
}

// writeShot saves a picture taken by the test itself (one that must show a toast, which
// Person.Screenshot removes) where ScreenshotPath says.
func writeShot(t *testing.T, name string, buf []byte) {
	t.Helper()
	path := ScreenshotPath(t, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
