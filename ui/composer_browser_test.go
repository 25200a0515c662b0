package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
)

// A person in two organisations of a shared channel is told for whom they write there
// and chooses it; the message carries the chosen organisation, whichever is in view. In
// an organisation's own channel there is nothing to choose.
func TestComposerSaysForWhomOneWrites(t *testing.T) {
	s, b := startDemo(t)
	if _, err := tenancy.NewMembership(s.App, s.Demo.Users["tkeller"].Id, s.Demo.Orgs["FW"].Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	p := SignIn(t, s, b, "tkeller")
	p.SwitchTenant("FW")
	p.OpenChannel("Hochwasser Rhein")
	p.Wait(`(() => { const w = document.querySelector('.writeas'); return !!w && !w.hidden && w.offsetHeight > 0 && w.textContent.startsWith('Sie schreiben als') })()`, "Sie schreiben als … above the composer")
	var opts []string
	p.Eval(`[...document.querySelectorAll('#write-as option')].map(o => o.textContent)`, &opts)
	if strings.Join(opts, "|") != "Polizeipräsidium (POL)|Berufsfeuerwehr (FW)" {
		t.Fatalf("choices %q, want POL and FW", opts)
	}
	// His earlier messages there are the police's: he goes on writing for it, though the
	// fire brigade is in view.
	p.Wait(`document.querySelector('#write-as').value === `+JSString(s.Demo.Orgs["POL"].Id)+` && document.querySelector('.writeas .chip')?.textContent === 'POL'`, "the organisation of his earlier messages as the first choice")
	p.Run(chromedp.SetValue(`#write-as`, s.Demo.Orgs["FW"].Id, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#write-as').dispatchEvent(new Event('change', { bubbles: true }))`, nil))
	p.Wait(`document.querySelector('.writeas .chip')?.textContent === 'FW'`, "the chosen organisation's chip")
	p.Screenshot("composer-write-as")
	text := fmt.Sprintf("Als Mitglied der Feuerwehr %d", time.Now().UnixNano())
	p.Send(text)
	p.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.msg')].some(a => a.querySelector('.body')?.textContent === %q && a.querySelector('.chip')?.textContent === 'FW')`, text), "the message with the FW chip")
	m, err := s.App.FindFirstRecordByFilter("messages", "body = {:b}", dbx.Params{"b": text})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.GetString("author_org"); got != s.Demo.Orgs["FW"].Id {
		t.Fatalf("the message was stored for %q, want FW", got)
	}
	// The choice stays with the channel.
	p.OpenChannel("FW intern")
	p.Wait(`document.querySelector('.writeas').hidden`, "no choice in the fire brigade's own channel")
	p.OpenChannel("Hochwasser Rhein")
	p.Wait(`document.querySelector('#write-as').value === `+JSString(s.Demo.Orgs["FW"].Id), "the choice kept for the channel")
}

// A message over the server's limit is refused in the browser in plain words before it
// is sent, with a counter near the limit; the text stays in the composer.
func TestComposerRefusesTooLongMessage(t *testing.T) {
	s, b := startDemo(t)
	p := SignIn(t, s, b, "jwagner")
	p.OpenChannel("Hochwasser Rhein")
	p.Run(chromedp.Evaluate(`(() => { const x = document.querySelector('#composer-text'); x.value = 'a'.repeat(18500); x.dispatchEvent(new Event('input', { bubbles: true })) })()`, nil))
	p.Wait(`(() => { const c = document.querySelector('.body-count'); return !!c && !c.hidden && c.textContent === '18.500 von höchstens 20.000 Zeichen' })()`, "the counter near the limit")
	p.Run(chromedp.Evaluate(`(() => { const x = document.querySelector('#composer-text'); x.value = 'Lagebericht '.repeat(3333) + 'Ende'; x.dispatchEvent(new Event('input', { bubbles: true })) })()`, nil))
	p.Wait(`document.querySelector('.body-count').classList.contains('over')`, "the counter marked over the limit")
	p.Click(`document.querySelector('form.composer button.send')`, "Senden")
	p.Wait(`[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('Die Nachricht ist zu lang: 40.000 von höchstens 20.000 Zeichen. Kürzen oder als Datei anhängen.'))`, "the refusal in German")
	p.Screenshot("composer-too-long")
	var kept int
	p.Eval(`document.querySelector('#composer-text').value.length`, &kept)
	if kept != 40000 {
		t.Fatalf("the composer holds %d characters after the refusal, want 40000", kept)
	}
	n, err := s.App.CountRecords("messages", dbx.NewExp("length(body) > 20000"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d over-long messages reached the server", n)
	}
}

// On a phone the Blitz sender's follow-up is one compact line whose buttons are in sight
// and reachable; the twelve names are a tap away.
func TestPendingBlitzNoticeCompactOnPhone(t *testing.T) {
	s, b := startDemo(t)
	p := SignIn(t, s, b, "jwagner")
	p.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	p.Wait(`!!document.querySelector('button.chan')`, "the channels")
	flood := s.Demo.Channels["Hochwasser Rhein"]
	msg, err := s.App.FindFirstRecordByFilter("messages", "channel = {:c}", dbx.Params{"c": flood.Id})
	if err != nil {
		t.Fatal(err)
	}
	var pending []map[string]any
	for i := 1; i <= 12; i++ {
		pending = append(pending, map[string]any{"name": fmt.Sprintf("Person Nummer %d", i), "function": "Fachberater Hochwasser"})
	}
	coll, _ := s.App.FindCollectionByNameOrId("notices")
	nt := core.NewRecord(coll)
	nt.Load(map[string]any{"user": s.Demo.Users["jwagner"].Id, "kind": "blitz_pending", "channel": flood.Id, "message": msg.Id,
		"data": map[string]any{"body": "BLITZ: Deich Abschnitt 3 bricht. Evakuierung Altstadt-Süd sofort. Alle Stellen bitte bestätigen.", "pending": pending}})
	if err := s.App.Save(nt); err != nil {
		t.Fatal(err)
	}
	p.Wait(`!!document.querySelector('.pending-banner')`, "the follow-up banner", 10*time.Second)
	p.Screenshot("pending-blitz-phone")
	reachable := `(() => { const b = document.querySelector('.pending-banner'); if (!b || b.getBoundingClientRect().height > 64) return false;
		return [...b.querySelectorAll('button')].every(x => { const r = x.getBoundingClientRect(); return r.width > 0 && r.right <= innerWidth && x.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)); }) })()`
	p.Wait(reachable, "one line of at most 64 px whose three buttons are in sight and reachable")
	p.Wait(`document.querySelector('.pending-banner .pending-text').textContent.trim().startsWith('Ihr Blitz: 12 noch nicht bestätigt')`, "the count first")
	p.Wait(`document.querySelector('.pending-names').hidden`, "the names folded")
	p.Click(`document.querySelector('.pending-banner .pending-who')`, "Wer?")
	p.Wait(`(() => { const n = document.querySelector('.pending-names'); return !n.hidden && n.offsetHeight > 0 && n.textContent.includes('Person Nummer 12 (Fachberater Hochwasser)') })()`, "the names after Wer?")
}

// "6 neue Nachrichten ↓" under the older part around a search hit leads to the first new
// message: the line "Neue Nachrichten" at the top, the first new message below it (on a
// phone a screen holds three); a button below the list counts the new ones still below.
func TestNewMessagesBarShowsFromTheFirstNew(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	old := post(t, s, "jwagner", flood, "Deichbruch Abschnitt 4 gemeldet")
	for i := 1; i <= 60; i++ {
		post(t, s, "jwagner", flood, fmt.Sprintf("Lagemeldung %d", i))
	}
	p := SignIn(t, s, b, "kvogel")
	p.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	p.OpenChannel("Hochwasser Rhein")
	searchAll(p, "Deichbruch", 1)
	p.Click(`document.querySelector('.hit button[data-id="`+old+`"]')`, "the old hit")
	p.Wait(`!!document.querySelector('.detached-bar')`, "the part around the old hit")
	var news []string
	for i := 1; i <= 6; i++ {
		n := fmt.Sprintf("FW live %d: Pumpen an Deich 4 in Betrieb, Sandsäcke werden verbaut, nächste Meldung folgt", i)
		post(t, s, "sbraun", flood, n)
		news = append(news, n)
	}
	p.Wait(`document.querySelector('.detached-bar .to-newest')?.textContent === '6 neue Nachrichten ↓'`, "the bar counting six")
	p.Click(`document.querySelector('.detached-bar .to-newest')`, "6 neue Nachrichten")
	p.Wait(`(() => { const l = document.querySelector('.unread-line'); return !!l && l.nextElementSibling?.querySelector('.body')?.textContent === `+JSString(news[0])+`; })()`, "the line above the first new message")
	settle(p)
	p.Wait(`(() => { const b = document.querySelector('.new-below'); return !!b && /^\d neue Nachrichten? ↓$/.test(b.textContent) && `+inListView(`document.querySelector('.new-below')`)+`; })()`, "… neue Nachrichten ↓ below, counting those below the view")
	p.Screenshot("new-messages-more-below-phone")
	p.Wait(inListView(`document.querySelector('.unread-line')`)+` && `+inListView(`document.querySelector('.unread-line').nextElementSibling`)+` && !document.querySelector('.first-new')`, "the line and the first new message in view")
	p.Wait(`(() => { const l = document.querySelector('.msglist'), u = document.querySelector('.unread-line'); return u.getBoundingClientRect().top - l.getBoundingClientRect().top < 40; })()`, "the line at the top of the list")
	p.Screenshot("new-messages-from-first-phone")
	// Scrolled down to the end by the person, the list follows the next message again.
	p.Run(chromedp.Evaluate(`(() => { const l = document.querySelector('.msglist'); l.scrollTop = l.scrollHeight; })()`, nil))
	settle(p)
	post(t, s, "sbraun", flood, "FW live 7")
	p.Wait(HasMessage("FW live 7")+` && `+inListView(`[...document.querySelectorAll('article.msg[data-id]')].pop()`), "the next message at the end, in view")
}

// An emptied edit is not saved in silence: the editor stays open and says how to remove
// a message. A system notice (someone joined) offers neither Antworten, Ins ETB nor
// Weiterleiten, and its author in a search hit's context is "System". A read-only guest
// is not offered Weiterleiten, which could only be refused.
func TestMessageActionsWhereTheyWork(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"]
	coll, _ := s.App.FindCollectionByNameOrId("messages")
	notice := core.NewRecord(coll)
	notice.Load(map[string]any{"channel": flood.Id, "source": "system", "priority": "normal", "body": "Rüdiger Pegelstand ist beigetreten."})
	if err := s.App.Save(notice); err != nil {
		t.Fatal(err)
	}
	// A hit of a channel of the person's other organisation is shown in its context first.
	if _, err := tenancy.NewMembership(s.App, s.Demo.Users["tkeller"].Id, s.Demo.Orgs["FW"].Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	other := core.NewRecord(coll)
	other.Load(map[string]any{"channel": s.Demo.Channels["FW intern"].Id, "source": "system", "priority": "normal", "body": "Gerda Pegelstand ist beigetreten."})
	if err := s.App.Save(other); err != nil {
		t.Fatal(err)
	}
	p := SignIn(t, s, b, "tkeller")
	p.SwitchTenant("POL")
	p.OpenChannel("Hochwasser Rhein")
	sys := `document.querySelector('article.msg[data-id="` + notice.Id + `"]')`
	p.Wait(`(() => { const m = `+sys+`; return !!m && m.querySelector('.author').textContent === 'System'; })()`, "the join notice by System")
	var labels []string
	p.Eval(`[...`+sys+`.querySelectorAll('.actions button')].map(b => b.textContent)`, &labels)
	for _, l := range labels {
		if l == "Antworten" || l == "Ins ETB" || l == "Weiterleiten" {
			t.Fatalf("the system notice offers %q (all: %q)", l, labels)
		}
	}
	p.Wait(`[...document.querySelectorAll('article.msg:not([data-id="`+notice.Id+`"]) .actions button')].some(b => b.textContent === 'Antworten') && [...document.querySelectorAll('article.msg .actions button')].some(b => b.textContent === 'Weiterleiten')`, "Antworten and Weiterleiten on the other messages")

	// The notice in a search hit's context: "System · time".
	searchAll(p, "Gerda Pegelstand", 1)
	p.Wait(`[...document.querySelector('.hit button[data-id="`+other.Id+`"] .where').children].some(e => e.textContent === 'System')`, "System as the author of the hit")
	p.Click(`document.querySelector('.hit button[data-id="`+other.Id+`"]')`, "the hit in FW intern")
	p.Wait(`(() => { const li = document.querySelector('.ctx-list li.target'); return !!li && li.querySelector('.muted').textContent.startsWith('System · '); })()`, "System as the author in the context")
	p.Run(chromedp.Evaluate(`document.querySelector('dialog[open]')?.close()`, nil))
	p.Click(`document.querySelector('button.navbtn[data-view="messages"]')`, "Nachrichten")

	// An emptied edit of one's own message.
	text := fmt.Sprintf("Vorläufige Meldung %d", time.Now().UnixNano())
	p.OpenChannel("Hochwasser Rhein")
	p.Send(text)
	own := `[...document.querySelectorAll('article.msg.own')].find(a => a.querySelector('.body')?.textContent === ` + JSString(text) + `)`
	p.Wait(`!!`+own+` && !!`+own+`.dataset.id`, "the own message")
	// Its receipts come after it and draw it again: edit the message once it is settled.
	p.Wait(`!!`+own+`.querySelector('.receipts')`, "the own message's receipts")
	settle(p)
	var ownId string
	p.Eval(own+`.dataset.id`, &ownId)
	// Bearbeiten, the text emptied, Speichern; again should the message be drawn anew
	// (an update of its receipts) in between.
	p.Wait(`(() => { const m = document.querySelector('article.msg[data-id="`+ownId+`"]'); if (!m) return false;
		if (!m.querySelector('textarea.edit')) {
			[...m.querySelectorAll('.actions button')].find(b => b.textContent === 'Bearbeiten')?.click();
			const ta = m.querySelector('textarea.edit'); if (!ta) return false;
			ta.value = '   ';
			[...m.querySelectorAll('.editbox button')].find(b => b.textContent === 'Speichern').click();
		}
		const e = m.querySelector('.editbox .edit-empty');
		return !!e && !e.hidden && e.textContent === 'Eine Nachricht kann nicht leer sein – zum Entfernen „Löschen“ wählen.'; })()`, "the editor open, saying why")
	p.Screenshot("edit-empty")
	if n := countMessages(t, s, text); n != 1 {
		t.Fatalf("the message is stored %d times, want it once and unchanged", n)
	}

	// The guest reads the channel of the invitation: no Weiterleiten.
	g := SignIn(t, s, b, "gast.gutachter")
	g.OpenChannel("Hochwasser Rhein")
	g.Wait(`document.querySelectorAll('article.msg').length > 3`, "the messages")
	var forward bool
	g.Eval(`[...document.querySelectorAll('article.msg .actions button')].some(b => b.textContent === 'Weiterleiten')`, &forward)
	if forward {
		t.Fatal("the read-only guest is offered Weiterleiten")
	}
}

// On a laptop (1280×800) a call-out, two open Blitz messages and the older part around a
// search hit leave at least half of the height to the messages, every banner button in
// sight and reachable.
func TestLaptopKeepsHalfForMessagesUnderBanners(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	old := post(t, s, "jwagner", flood, "Deichbruch Abschnitt 4 gemeldet")
	for i := 1; i <= 60; i++ {
		post(t, s, "jwagner", flood, fmt.Sprintf("Lagemeldung %d", i))
	}
	p := Open(t, s, b, "lneumann")
	p.Run(chromedp.EmulateViewport(1280, 800))
	p.SignInForm("lneumann", "krisenstab2026")
	p.OpenChannel("Hochwasser Rhein")
	if code := API(t, s, "jwagner", "POST", "/api/crisisroom/callouts", map[string]any{
		"text": "Alle Verbindungsbeamten sofort in den Stabsraum, Lagebesprechung 03:30.", "priority": "flash",
		"users": []string{s.Demo.Users["lneumann"].Id}}, nil); code != 200 {
		t.Fatalf("start the call-out: %d", code)
	}
	if code := API(t, s, "tkeller", "POST", "/api/collections/messages/records", map[string]any{
		"channel": flood, "author": s.Demo.Users["tkeller"].Id, "body": "BLITZ Polizei: Rheinufer ab sofort gesperrt, Umleitung über die Nord-Süd-Fahrt.", "priority": "flash"}, nil); code != 200 {
		t.Fatalf("post the second Blitz: %d", code)
	}
	p.Wait(`!!document.querySelector('.callout-banner') && /2 Blitz offen/.test(document.querySelector('.flash-summary')?.textContent || '')`, "the call-out and two Blitz messages")
	searchAll(p, "Deichbruch", 1)
	p.Click(`document.querySelector('.hit button[data-id="`+old+`"]')`, "the old hit")
	p.Wait(`!!document.querySelector('.detached-bar')`, "the part around the old hit")
	settle(p)
	p.Screenshot("laptop-banners-half")
	checkBanners(t, p, "a call-out, two Blitz and a search hit on a laptop", 400, 24)
}

// An edit under way outlives its message being drawn again: a colleague reading the
// message (a receipt) redraws it at its author's, and the correction typed so far stays
// in the open editor until it is saved.
func TestEditSurvivesAReader(t *testing.T) {
	s, b := startDemo(t)
	p := SignIn(t, s, b, "jwagner")
	p.OpenChannel("Hochwasser Rhein")
	text := fmt.Sprintf("Pegel Maxau 7,10 m %d", time.Now().UnixNano())
	p.Send(text)
	own := `[...document.querySelectorAll('article.msg.own')].find(a => a.querySelector('.body')?.textContent === ` + JSString(text) + `)`
	p.Wait(`!!`+own+` && !!`+own+`.dataset.id && !!`+own+`.querySelector('.receipts')`, "the own message with its receipts")
	settle(p)
	var id string
	p.Eval(own+`.dataset.id`, &id)
	msg := `document.querySelector('article.msg[data-id="` + id + `"]')`
	p.Wait(`(() => { const m = `+msg+`; if (!m) return false;
		if (!m.querySelector('textarea.edit')) [...m.querySelectorAll('.actions button')].find(b => b.textContent === 'Bearbeiten')?.click();
		const ta = m.querySelector('textarea.edit'); if (!ta) return false;
		ta.value = 'Pegel Maxau 7,20 m (berichtigt)'; window.__drawn = m; return true; })()`, "the editor with a correction typed")

	// A colleague reads the channel: the message is drawn again at its author's.
	r := SignIn(t, s, b, "abecker")
	r.OpenChannel("Hochwasser Rhein")
	p.Wait(msg+` !== window.__drawn`, "the message drawn again after the colleague read it")
	var typed string
	p.Eval(`(`+msg+`.querySelector('textarea.edit') || {}).value || ''`, &typed)
	if typed != "Pegel Maxau 7,20 m (berichtigt)" {
		t.Fatalf("the editor after the redraw holds %q, want the correction typed before", typed)
	}
	p.Click(`[...`+msg+`.querySelectorAll('.editbox button')].find(b => b.textContent === 'Speichern')`, "Speichern")
	p.Wait(`(() => { const m = `+msg+`; return !!m && !m.querySelector('.editbox') && m.querySelector('.body')?.textContent === 'Pegel Maxau 7,20 m (berichtigt)'; })()`, "the corrected message")
	if n := countMessages(t, s, "Pegel Maxau 7,20 m (berichtigt)"); n != 1 {
		t.Fatalf("the corrected message is stored %d times", n)
	}
}
