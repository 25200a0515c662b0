package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"

	"crisisroom/hooks/tenancy"
)

// searchAll opens "Suche", searches q and waits for n hits.
func searchAll(p *Person, q string, n int) {
	p.t.Helper()
	p.Click(`document.querySelector('button.navbtn[data-view="search"]') || document.querySelector('#nav-more')`, "Suche")
	p.Wait(`(() => { const m = document.querySelector('#nav-menu [data-view="search"]'); if (m) m.click(); return !!document.querySelector('#search-all'); })()`, "the search view")
	p.Run(chromedp.Evaluate(`document.querySelector('#search-all').value = ''`, nil),
		chromedp.SendKeys(`#search-all`, q, chromedp.ByQuery), chromedp.Click(`.search-form button[type=submit]`, chromedp.ByQuery))
	p.Wait(fmt.Sprintf(`document.querySelectorAll('.hit').length === %d`, n), fmt.Sprintf("%d hits for %q", n, q))
}

// settle waits two frames and a moment, for scrolling after a jump to end.
func settle(p *Person) {
	p.Run(chromedp.Evaluate(`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 300))))`, nil, awaitPromise))
}

// While the older messages around a search hit are shown, messages that arrive are not
// shown among them, but counted on the bar below them ("3 neue Nachrichten ↓"), which
// stays in view while the person reads the older part, and counts those that came while the
// connection was down once it is back; its button leads to the newest messages, where they
// are, each once, in order, below the line "Neue Nachrichten". Search hits in the channel
// count them in their header.
func TestSearchHitCountsMessagesThatArriveMeanwhile(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	old := post(t, s, "jwagner", flood, "Deichbruch Abschnitt 4 gemeldet")
	for i := 1; i <= 80; i++ {
		post(t, s, "jwagner", flood, fmt.Sprintf("Lagemeldung %d", i))
	}

	pol := SignIn(t, s, b, "tkeller")
	pol.Run(chromedp.EmulateViewport(1366, 768))
	pol.SwitchTenant("POL")
	pol.OpenChannel("Hochwasser Rhein")
	fw := SignIn(t, s, b, "sbraun")
	fw.SwitchTenant("FW")
	fw.OpenChannel("Hochwasser Rhein")

	msg := func(id string) string { return `document.querySelector('article.msg[data-id="` + id + `"]')` }
	searchAll(pol, "Deichbruch", 1)
	pol.Click(`document.querySelector('.hit button[data-id="`+old+`"]')`, "the old hit")
	// Marked for 4 s, focused until something else is: the focus says it on a busy machine.
	pol.Wait(`!!document.querySelector('.detached-bar') && document.activeElement === `+msg(old), "the part around the old hit, the hit focused")
	// Drawn again (its author corrects it), the hit keeps the focus.
	if code := API(t, s, "jwagner", "PATCH", "/api/collections/messages/records/"+old, map[string]any{"body": "Deichbruch Abschnitt 4 gemeldet, 30 m breit"}, nil); code != 200 {
		t.Fatalf("correcting the hit: %d", code)
	}
	pol.Wait(HasMessage("Deichbruch Abschnitt 4 gemeldet, 30 m breit")+` && document.activeElement === `+msg(old), "the corrected hit, still focused")
	settle(pol)

	news := []string{"Deich 4: Sandsäcke angefordert", "Deich 4: zwei Züge unterwegs", "Deich 4: Einsatzabschnitt gebildet"}
	for _, n := range news {
		fw.Send(n)
		fw.Wait(HasMessage(n), "the message in the sender's channel")
	}
	pol.Wait(`document.querySelector('.detached-bar .to-newest')?.textContent === '3 neue Nachrichten ↓'`, "the bar counting three new messages")
	var shown bool
	pol.Eval(`[...document.querySelectorAll('article.msg .body')].some(b => b.textContent.startsWith('Deich 4:'))`, &shown)
	if shown {
		t.Fatal("a new message appeared among the older messages around the hit")
	}
	pol.Wait(inListView(msg(old))+` && `+inListView(`document.querySelector('.detached-bar')`), "the hit and the bar in view together")
	pol.Screenshot("search-hit-waiting-laptop")

	pol.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	pol.Run(chromedp.Evaluate(`document.querySelector('article.msg[data-id="`+old+`"]').scrollIntoView({block: 'center'})`, nil))
	settle(pol)
	pol.Wait(inListView(msg(old))+` && `+inListView(`document.querySelector('.detached-bar')`)+` && document.querySelector('.detached-bar').getBoundingClientRect().right <= innerWidth`, "the hit and the bar in view on the phone")
	pol.Screenshot("search-hit-waiting-phone")

	// The connection drops (the network, and the server's end of it) while two more come:
	// after the reconnect they are counted too.
	pol.Run(network.Enable(), network.EmulateNetworkConditions(true, 0, 0, 0))
	for id := range s.App.SubscriptionsBroker().Clients() {
		s.App.SubscriptionsBroker().Unregister(id)
	}
	pol.Wait(`document.querySelector('#conn').textContent === 'Keine Verbindung'`, "the connection shown as lost")
	for _, n := range []string{"Deich 4: Bagger angefordert", "Deich 4: Bagger vor Ort"} {
		post(t, s, "sbraun", flood, n)
		news = append(news, n)
	}
	pol.Run(network.EmulateNetworkConditions(false, 0, -1, -1))
	pol.Wait(`document.querySelector('.detached-bar .to-newest')?.textContent === '5 neue Nachrichten ↓'`, "the two missed while offline counted after the reconnect", 30*time.Second)

	pol.Click(`document.querySelector('.detached-bar .to-newest')`, "5 neue Nachrichten")
	order := `[...document.querySelectorAll('article.msg[data-id] .body')].map(b => b.textContent).filter(s => s.startsWith('Deich 4:')).join('|')`
	pol.Wait(order+` === `+JSString(strings.Join(news, "|"))+` && !document.querySelector('.detached-bar')`, "the five new messages once each, in order, at the newest end")
	pol.Wait(`(() => { const l = document.querySelector('.unread-line'); return !!l && l.nextElementSibling?.querySelector('.body')?.textContent === `+JSString(news[0])+`; })()`, "the line Neue Nachrichten above the first of them")
	settle(pol)
	// The reader lands on the first of them (the line at the top); the newest is wholly in
	// view once read down to (the button below the list counts those still below it).
	pol.Wait(inListView(`document.querySelector('.unread-line').nextElementSibling`), "the first new message in view")
	pol.Screenshot("search-hit-waiting-shown-phone")
	pol.Run(chromedp.Evaluate(`document.querySelector('.new-below')?.click()`, nil))
	settle(pol)
	pol.Wait(inListView(`[...document.querySelectorAll('article.msg[data-id]')].pop()`), "the newest message wholly in view")

	// Live again: the next message appears at once, once.
	fw.Send("Deich 4: Lage stabil")
	pol.Wait(`[...document.querySelectorAll('article.msg[data-id] .body')].filter(b => b.textContent === 'Deich 4: Lage stabil').length === 1`, "the next message live")

	// Search hits in the channel: a new message waits as well, counted in their header.
	pol.Run(chromedp.Evaluate(`document.querySelector('.chead form.search input').value = ''`, nil),
		chromedp.SendKeys(`.chead form.search input`, "Deich\r", chromedp.ByQuery))
	pol.Wait(`document.querySelector('.searchinfo .searchcount')?.textContent === '8 Treffer für „Deich“.'`, "the hits in the channel")
	fw.Send("Pumpe 3 ausgefallen")
	pol.Wait(`document.querySelector('.searchinfo .search-waiting')?.textContent === '1 neue Nachricht ↓' && !`+HasMessage("Pumpe 3 ausgefallen"), "one new message counted in the hits' header")
	pol.Screenshot("search-channel-waiting-phone")
	pol.Click(`document.querySelector('.searchinfo .search-waiting')`, "1 neue Nachricht")
	pol.Wait(`[...document.querySelectorAll('article.msg[data-id] .body')].filter(b => b.textContent === 'Pumpe 3 ausgefallen').length === 1 && !document.querySelector('.searchinfo') && document.querySelector('.chead form.search input').value === ''`, "the new message at the newest end, the search ended")
}

// "Im Kanal öffnen" in the context of a hit whose channel is not in the list of the
// organisation in view (a shared channel of another of the person's organisations, or
// another organisation's own channel): the organisation in view changes to one in whose
// list the channel is, which opens it at the hit. A hit of a channel the person was taken
// out of meanwhile says why it does not open.
func TestSearchHitOpensChannelOfAnotherOrganisation(t *testing.T) {
	s, b := startDemo(t)
	power := s.Demo.Channels["Stromausfall Süd"].Id // KS, FW, SW, KLM: not POL
	fwIntern := s.Demo.Channels["FW intern"].Id
	keller := s.Demo.Users["tkeller"].Id
	if _, err := tenancy.NewMembership(s.App, keller, s.Demo.Orgs["FW"].Id, "member", "Verbindung zur Feuerwehr", nil); err != nil {
		t.Fatal(err)
	}
	if tenancy.AddChannelMember(s.App, power, keller, "member", nil) == nil || tenancy.AddChannelMember(s.App, fwIntern, keller, "member", nil) == nil {
		t.Fatal("tkeller not added to the channels")
	}
	shared := post(t, s, "sbraun", power, "Notstromaggregat Klinik Süd betankt")
	own := post(t, s, "kvogel", fwIntern, "Atemschutzgeräte Wache 2 geprüft")

	pol := SignIn(t, s, b, "tkeller")
	pol.Run(chromedp.EmulateViewport(1366, 768))
	pol.SwitchTenant("POL")
	pol.Wait(`![...document.querySelectorAll('button.chan .chan-name')].some(n => n.textContent === 'Stromausfall Süd')`, "Stromausfall Süd not in the police's list")

	opened := func(title, id string) string {
		return `document.querySelector('button.tenant[aria-pressed="true"] .tenant-short')?.textContent === 'FW' && document.querySelector('#channel-title')?.textContent === ` +
			JSString(title) + ` && !!document.querySelector('article.msg[data-id="` + id + `"]') && !document.querySelector('dialog[open]')`
	}

	// The shared channel: the hit shows it in context, the button switches to FW.
	searchAll(pol, "Notstromaggregat", 1)
	pol.Wait(`document.querySelector('.hit .where b')?.textContent === 'Stromausfall Süd' && document.querySelector('.hit .where .chip')?.textContent === 'FW'`, "the hit names its channel and the organisation it is in")
	pol.Click(`document.querySelector('.hit button[data-id="`+shared+`"]')`, "the hit in Stromausfall Süd")
	pol.Wait(`document.querySelector('dialog[open] .sr-where')?.textContent === '„Stromausfall Süd“ ist ein Kanal von Berufsfeuerwehr: „Im Kanal öffnen“ wechselt zu Berufsfeuerwehr.' && !document.querySelector('dialog[open] .sr-open').hidden && !!document.querySelector('dialog[open] li.target')`, "the context, where the channel is, and the button")
	pol.Screenshot("search-other-org-context-laptop")
	pol.Click(`document.querySelector('dialog[open] .sr-open')`, "Im Kanal öffnen")
	pol.Wait(opened("Stromausfall Süd", shared), "Stromausfall Süd open in the FW view at the hit")
	settle(pol)
	pol.Wait(inListView(`document.querySelector('article.msg[data-id="`+shared+`"]')`), "the hit in view")
	pol.Screenshot("search-other-org-opened-laptop")

	// On a phone, another organisation's own channel.
	pol.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	pol.SwitchTenant("POL")
	searchAll(pol, "Atemschutzgeräte", 1)
	pol.Click(`document.querySelector('.hit button[data-id="`+own+`"]')`, "the hit in FW intern")
	pol.Wait(`!!document.querySelector('dialog[open] .sr-where') && !document.querySelector('dialog[open] .sr-open').hidden && document.activeElement === document.querySelector('dialog[open] .sr-open')`, "the context with the button on the phone, focused")
	pol.Screenshot("search-other-org-context-phone")
	pol.Run(chromedp.KeyEvent("\r"))
	pol.Wait(opened("FW intern", own)+` && document.querySelector('.msg-layout').classList.contains('show-channel')`, "FW intern open on the phone at the hit")
	settle(pol)
	pol.Wait(inListView(`document.querySelector('article.msg[data-id="`+own+`"]')`), "the hit in view on the phone")
	pol.Screenshot("search-other-org-opened-phone")

	// Taken out of the shared channel while its hit is listed: the context says why.
	pol.Run(chromedp.EmulateViewport(1366, 768))
	pol.SwitchTenant("POL")
	searchAll(pol, "Notstromaggregat", 1)
	row, err := s.App.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": power, "u": keller})
	if err != nil {
		t.Fatal(err)
	}
	pol.Run(chromedp.Evaluate(`import('/js/messaging/state.js').then(m => { window.__S = m.S; })`, nil, awaitPromise))
	if err := s.App.Delete(row); err != nil {
		t.Fatal(err)
	}
	pol.Wait(`!window.__S.allChannels.some(c => c.id === `+JSString(power)+`)`, "the removal known to the page")
	pol.Click(`document.querySelector('.hit button[data-id="`+shared+`"]')`, "the hit of a channel left")
	pol.Wait(`document.querySelector('dialog[open] .sr-where.error')?.textContent === 'Der Kanal lässt sich nicht öffnen: Sie sind nicht mehr Mitglied dieses Kanals.' && document.querySelector('dialog[open] footer').hidden`, "why the channel does not open, and no button")
	pol.Screenshot("search-other-org-left-laptop")
}
