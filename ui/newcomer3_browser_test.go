package ui

import (
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"crisisroom/testkit"
)

// post writes a message as username into channel through the collection API and returns
// its id.
func post(t *testing.T, s *testkit.Server, username, channel, body string) string {
	t.Helper()
	var rec struct {
		Id string `json:"id"`
	}
	if code := API(t, s, username, "POST", "/api/collections/messages/records", map[string]any{
		"channel": channel, "author": s.Demo.Users[username].Id, "body": body}, &rec); code != 200 || rec.Id == "" {
		t.Fatalf("post %q: %d", body, code)
	}
	return rec.Id
}

// inListView is a JS expression: the element is inside the visible part of the message list.
func inListView(el string) string {
	return `(() => { const el = ` + el + `; const l = document.querySelector('.msglist'); if (!el || !l) return false;
		const r = el.getBoundingClientRect(), lr = l.getBoundingClientRect(); return r.height > 0 && r.top >= lr.top - 1 && r.bottom <= lr.bottom + 1; })()`
}

// Search inside a channel with more hits than one page: the header says that the newest
// 50 are shown and loads the older ones; it stays in view; the searched word beginnings
// are marked; a live message that does not match stays out of the hits and is there again
// after "Suche beenden"; the search has a visible button.
func TestChannelSearchPagesMarksAndKeepsLiveOut(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	// With the demo's "Lage 06:00: Pegel Rhein …": 59 hits.
	for i := 1; i <= 57; i++ {
		post(t, s, "jwagner", flood, fmt.Sprintf("Pegel Messpunkt %d: %d cm", i, 400+i))
	}
	post(t, s, "jwagner", flood, "Die Pegelstände steigen weiter")
	for i := 1; i <= 5; i++ {
		post(t, s, "jwagner", flood, fmt.Sprintf("Lagemeldung %d ohne Messwert", i))
	}

	pol := SignIn(t, s, b, "tkeller")
	pol.Run(chromedp.EmulateViewport(1366, 768))
	pol.SwitchTenant("POL")
	pol.OpenChannel("Hochwasser Rhein")
	pol.Wait(`(() => { const b = document.querySelector('.chead form.search button[type=submit]'); return !!b && b.offsetParent !== null && b.textContent.trim() === 'Suchen'; })()`, "a visible Suchen button beside the channel search")

	pol.Run(chromedp.SendKeys(`.chead form.search input`, "Pegel", chromedp.ByQuery))
	pol.Click(`document.querySelector('.chead form.search button[type=submit]')`, "Suchen")
	pol.Wait(`document.querySelector('.searchinfo .searchcount')?.textContent === 'Die neuesten 50 Treffer für „Pegel“' && document.querySelector('.searchinfo .search-older')?.textContent === 'ältere laden' && document.querySelectorAll('article.msg[data-id]').length === 50`, "the newest 50 hits, said so, with a button for older ones")
	pol.Wait(inListView(`document.querySelector('.searchinfo')`), "the results' header in view after the first search")
	pol.Wait(`[...document.querySelectorAll('article.msg[data-id]')].every(a => [...a.querySelectorAll('.body mark')].map(m => m.textContent).join() === 'Pegel')`, "the word beginnings marked in every hit")
	pol.Wait(`[...document.querySelectorAll('article.msg[data-id] .body')].some(b => b.textContent === 'Die Pegelstände steigen weiter' && b.querySelector('mark').textContent === 'Pegel' && !b.innerHTML.includes('&lt;'))`, "the beginning of a longer word marked, the rest plain text")
	pol.Screenshot("channel-search-laptop")

	// A live message that does not match: it reaches the page, but not the hits.
	pol.Run(chromedp.Evaluate(`import('/js/messaging/state.js').then(m => m.events.on('message', r => { window.__live = (window.__live || []).concat(r.body); }))`, nil, awaitPromise))
	post(t, s, "jwagner", flood, "Kaffee ist fertig")
	pol.Wait(`(window.__live || []).includes('Kaffee ist fertig')`, "the live message at the page")
	var leaked bool
	pol.Eval(HasMessage("Kaffee ist fertig")+` || document.querySelector('.searchinfo .searchcount').textContent !== 'Die neuesten 50 Treffer für „Pegel“'`, &leaked)
	if leaked {
		t.Fatal("a live message that does not match entered the search results")
	}

	pol.Click(`document.querySelector('.searchinfo .search-older')`, "ältere laden")
	pol.Wait(`document.querySelector('.searchinfo .searchcount')?.textContent === '59 Treffer für „Pegel“.' && !document.querySelector('.search-older') && document.querySelectorAll('article.msg[data-id]').length === 59`, "all 59 hits")
	pol.Wait(inListView(`document.querySelector('.searchinfo')`), "the header still in view")
	pol.Screenshot("channel-search-all-laptop")

	pol.Click(`document.querySelector('.searchinfo .end-search')`, "Suche beenden")
	pol.Wait(HasMessage("Kaffee ist fertig")+` && !document.querySelector('.body mark.hit')`, "the live message in the timeline again")

	// On a phone, with Enter: the header in view, the button beside the box.
	pol.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	pol.Run(chromedp.Evaluate(`document.querySelector('.chead form.search input').value = ''`, nil),
		chromedp.SendKeys(`.chead form.search input`, "pegel\r", chromedp.ByQuery))
	pol.Wait(`document.querySelector('.searchinfo .searchcount')?.textContent === 'Die neuesten 50 Treffer für „pegel“'`, "the hits on the phone")
	pol.Wait(inListView(`document.querySelector('.searchinfo')`)+` && document.querySelector('.chead form.search button[type=submit]').getBoundingClientRect().right <= innerWidth`, "header and button in view on the phone")
	pol.Screenshot("channel-search-phone")
}

// A hit of the search view opens its channel at the message and marks it: one already in
// the newest page without scrolling to the bottom, an older one with the part of the
// channel around it, at once and without a dialog; a button leads to the newest messages.
func TestSearchHitOpensChannelAtMessage(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	old := post(t, s, "jwagner", flood, "Sickerstelle Abschnitt 7 gemeldet")
	for i := 1; i <= 80; i++ {
		post(t, s, "jwagner", flood, fmt.Sprintf("Lagemeldung %d", i))
	}
	recent := post(t, s, "jwagner", flood, "Sickerstelle Abschnitt 9 gesichert")
	for i := 1; i <= 30; i++ {
		post(t, s, "jwagner", flood, fmt.Sprintf("Nachmeldung %d", i))
	}

	pol := SignIn(t, s, b, "tkeller")
	pol.Run(chromedp.EmulateViewport(1366, 768))
	pol.SwitchTenant("POL")
	pol.OpenChannel("Hochwasser Rhein")
	pol.Wait(HasMessage("Nachmeldung 30"), "the newest page")

	searchFor := func(q string) {
		pol.Click(`document.querySelector('button.navbtn[data-view="search"]')`, "Suche")
		pol.Run(chromedp.SendKeys(`#search-all`, q, chromedp.ByQuery), chromedp.Click(`.search-form button[type=submit]`, chromedp.ByQuery))
		pol.Wait(`document.querySelectorAll('.hit').length === 2`, "both hits")
	}
	msg := func(id string) string { return `document.querySelector('article.msg[data-id="` + id + `"]')` }

	// In the newest page, but far from its bottom.
	searchFor("Sickerstelle")
	pol.Click(`document.querySelector('.hit button[data-id="`+recent+`"]')`, "the recent hit")
	pol.Wait(`document.querySelector('#channel-title')?.textContent === 'Hochwasser Rhein' && `+msg(recent)+`?.classList.contains('flashy') && document.activeElement === `+msg(recent), "the recent hit marked and focused")
	// Wait for the frames after the opening (the bug scrolled to the bottom in one of them).
	pol.Run(chromedp.Evaluate(`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 300))))`, nil, awaitPromise))
	pol.Wait(inListView(msg(recent)), "the recent hit in view, not the bottom of the channel")
	pol.Screenshot("search-hit-recent-laptop")

	// Older than the newest page: the part around it, at once, no dialog.
	searchFor("Sickerstelle")
	pol.Click(`document.querySelector('.hit button[data-id="`+old+`"]')`, "the old hit")
	pol.Wait(`document.querySelector('#channel-title')?.textContent === 'Hochwasser Rhein' && `+msg(old)+`?.classList.contains('flashy') && !document.querySelector('dialog[open]')`, "the old hit in its channel, marked, no dialog")
	pol.Run(chromedp.Evaluate(`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 300))))`, nil, awaitPromise))
	pol.Wait(inListView(msg(old)), "the old hit in view")
	var dialogOpen bool
	pol.Eval(`!!document.querySelector('dialog[open]')`, &dialogOpen)
	if dialogOpen {
		t.Fatal("a dialog opened over the channel")
	}
	pol.Screenshot("search-hit-old-laptop")
	pol.Click(`document.querySelector('.detached-bar .to-newest')`, "Zu den neuesten Nachrichten")
	pol.Wait(HasMessage("Nachmeldung 30")+` && !document.querySelector('.detached-bar')`, "the newest messages again")

	// Writing while the older part is shown: back to the newest messages, with the new one.
	searchFor("Sickerstelle")
	pol.Click(`document.querySelector('.hit button[data-id="`+old+`"]')`, "the old hit again")
	pol.Wait(`!!document.querySelector('.detached-bar') && !!`+msg(old), "the part around the old hit")
	pol.Send("Sickerstelle 7 wird beobachtet")
	pol.Wait(HasMessage("Sickerstelle 7 wird beobachtet")+` && `+HasMessage("Nachmeldung 30")+` && !document.querySelector('.detached-bar')`, "the newest messages with the one just sent")
}

// Presence in "Dienst" follows the person's use, not the last word of any one tab: with a
// second tab of the app hidden, the person typing in the first is still "online".
func TestRosterPresenceWhileATabIsHidden(t *testing.T) {
	s, b := startDemo(t)
	pol := SignIn(t, s, b, "tkeller")
	pol.Run(chromedp.EmulateViewport(1366, 768))
	pol.SwitchTenant("POL")
	pol.OpenChannel("Hochwasser Rhein")

	// A second tab of the same browser (signed in through the same storage); then the
	// first tab comes to the front again, which hides the second.
	tabCtx, closeTab := chromedp.NewContext(pol.Ctx)
	defer closeTab()
	tab := &Person{Ctx: tabCtx, Username: "tkeller (2. Tab)", t: t}
	tab.Run(chromedp.Navigate(s.URL + "/"))
	tab.Wait(`!!document.querySelector('#tenants button.tenant')`, "the app in the second tab")
	tab.Run(chromedp.Evaluate(`window.__away = new Promise(r => { const f = window.fetch; window.fetch = (u, o) => { const p = f(u, o);
		if (String(u).includes('/presence') && o && String(o.body).includes('away')) p.then(() => r(true)); return p; }; })`, nil))
	pol.Run(page.BringToFront())
	pol.Wait(`document.visibilityState === 'visible'`, "the first tab in front")
	var said bool
	tab.Eval(`Promise.race([window.__away, new Promise(r => setTimeout(() => r(false), 15000))])`, &said)
	if !said {
		t.Fatal("the hidden tab did not say away")
	}

	// The first tab in use: typing, then the roster.
	pol.Run(chromedp.Focus(`#composer-text`, chromedp.ByQuery), chromedp.SendKeys(`#composer-text`, "Lage ruhig", chromedp.ByQuery))
	pol.Click(`document.querySelector('button.navbtn[data-view="roster"]')`, "Dienst")
	pol.Wait(`!!document.querySelector('tr[data-user="tkeller"] .presence')`, "tkeller in the roster")
	var cls string
	pol.Eval(`document.querySelector('tr[data-user="tkeller"] .presence').className`, &cls)
	if cls != "presence online" {
		t.Fatalf("tkeller, typing in one tab with another hidden, is shown as %q", cls)
	}
	pol.Screenshot("roster-presence-two-tabs")
}
