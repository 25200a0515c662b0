package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"

	"crisisroom/hooks/tenancy"
)

// One person in two organisations switches between them with one click; starts a direct
// conversation and a group; replies, edits, deletes and searches; looks at the devices
// signed in; reads the app in English.
func TestConversationsAndTenantSwitch(t *testing.T) {
	s, b := startDemo(t)
	sbraun := s.Demo.Users["sbraun"].Id
	if _, err := tenancy.NewMembership(s.App, sbraun, s.Demo.Orgs["KLM"].Id, "member", "Verbindungsperson", nil); err != nil {
		t.Fatal(err)
	}
	fw := SignIn(t, s, b, "sbraun")
	names := `[...document.querySelectorAll('button.chan .chan-name')].map(n => n.textContent)`
	fw.SwitchTenant("FW")
	fw.Wait(names+`.includes('FW intern')`, "the fire brigade's channels")
	fw.SwitchTenant("KLM")
	fw.Wait(names+`.includes('KLM intern') && !`+names+`.includes('FW intern')`, "the clinic's channels, and only those of its tenant")
	fw.Wait(`getComputedStyle(document.querySelector('header.top')).borderBottomColor === 'rgb(46, 125, 50)'`, "the clinic's colour as accent")
	// A Blitz in the fire brigade's own channel reaches him while he looks at the clinic.
	fw.Click(`document.querySelector('.flash-banner .ack-big')`, "acknowledge the demo Blitz")
	fw.Wait(`!document.querySelector('.flash-banner')`, "no banner")
	if code := API(t, s, "kvogel", "POST", "/api/collections/messages/records", map[string]any{
		"channel": s.Demo.Channels["FW intern"].Id, "author": s.Demo.Users["kvogel"].Id, "body": "BLITZ: Drehleiter 2 ausgefallen", "priority": "flash",
	}, nil); code != 200 {
		t.Fatalf("Blitz in FW intern: HTTP %d", code)
	}
	fw.Wait(`[...document.querySelectorAll('.flash-banner .flash-body')].some(b => b.textContent === 'BLITZ: Drehleiter 2 ausgefallen')`, "the Blitz of another tenant")
	fw.Click(`document.querySelector('.flash-banner .ack-big')`, "acknowledge it")
	fw.Wait(`!document.querySelector('.flash-banner')`, "the banner gone")
	fw.SwitchTenant("FW")
	fw.Wait(names+`.includes('FW intern') && !`+names+`.includes('KLM intern')`, "back in the fire brigade")

	// Direct conversation with someone of another organisation met in a shared channel.
	fw.Click(`document.querySelector('#new-direct')`, "Direktnachricht")
	fw.Click(`[...document.querySelectorAll('dialog[open] button.person')].find(b => b.textContent.includes('Thomas Keller'))`, "Thomas Keller in the people list")
	fw.Wait(`document.querySelector('#channel-title')?.textContent === 'Thomas Keller'`, "the direct conversation open")
	fw.Send("Bitte Rückruf wegen Pumpen")
	fw.Wait(HasMessage("Bitte Rückruf wegen Pumpen"), "the direct message")
	m, err := s.App.FindFirstRecordByData("messages", "body", "Bitte Rückruf wegen Pumpen")
	if err != nil {
		t.Fatal(err)
	}
	if tenancy.ChannelMember(s.App, m.GetString("channel"), s.Demo.Users["tkeller"].Id) == nil {
		t.Fatal("Thomas Keller is not in the direct conversation")
	}

	// A group with a colleague and the police.
	fw.Click(`document.querySelector('#new-group')`, "Neue Gruppe")
	fw.Run(chromedp.SendKeys(`#group-name`, "Pumpenlogistik", chromedp.ByQuery))
	for _, who := range []string{"Thomas Keller", "Katrin Vogel"} {
		fw.Click(fmt.Sprintf(`[...document.querySelectorAll('dialog[open] label.person')].find(l => l.textContent.includes(%q))?.querySelector('input')`, who), who+" ticked")
	}
	fw.Click(`document.querySelector('dialog[open] footer button.primary')`, "Gruppe anlegen")
	fw.Wait(`document.querySelector('#channel-title')?.textContent === 'Pumpenlogistik'`, "the group open")
	group, err := s.App.FindFirstRecordByData("channels", "name", "Pumpenlogistik")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.App.CountRecords("channel_members", dbx.HashExp{"channel": group.Id}); n != 3 {
		t.Fatalf("the group has %d members, want 3", n)
	}

	// Reply, edit, delete.
	fw.Send("Pumpe A bereit")
	fw.Wait(HasMessage("Pumpe A bereit"), "the first message")
	msg := `[...document.querySelectorAll('article.msg[data-id]')].find(a => a.querySelector('.body')?.textContent === 'Pumpe A bereit')`
	fw.Click(msg+`?.querySelector('.actions button')`, "Antworten")
	fw.Wait(`!document.querySelector('.replybox').hidden`, "the reply box")
	fw.Send("Pumpe B folgt")
	fw.Wait(`[...document.querySelectorAll('article.msg')].some(a => a.querySelector('.body')?.textContent === 'Pumpe B folgt' && a.querySelector('.replyref')?.textContent.includes('Pumpe A bereit'))`, "the reply quoting its message")
	first, _ := s.App.FindFirstRecordByData("messages", "body", "Pumpe A bereit")
	reply, _ := s.App.FindFirstRecordByData("messages", "body", "Pumpe B folgt")
	if first == nil || reply == nil || reply.GetString("reply_to") != first.Id {
		t.Fatal("the reply does not point to its message on the server")
	}
	fw.Click(msg+`?.querySelectorAll('.actions button')[1]`, "Bearbeiten")
	fw.Run(evalJS(`document.querySelector('textarea.edit').value = 'Pumpe A bereit, 4000 l/min'; true`), chromedp.Focus(`textarea.edit`, chromedp.ByQuery), chromedp.KeyEvent("\r"))
	fw.Wait(`[...document.querySelectorAll('article.msg')].some(a => a.querySelector('.body')?.textContent === 'Pumpe A bereit, 4000 l/min' && a.textContent.includes('(bearbeitet)'))`, "the edited message")
	if r, _ := s.App.FindRecordById("messages", first.Id); r.GetString("body") != "Pumpe A bereit, 4000 l/min" {
		t.Fatalf("body on the server: %q", r.GetString("body"))
	}
	edited := fmt.Sprintf(`document.querySelector('article.msg[data-id="%s"]')`, first.Id)
	fw.Click(edited+`?.querySelectorAll('.actions button')[2]`, "Löschen")
	fw.Click(`document.querySelector('dialog[open] footer button.primary')`, "confirm")
	fw.Wait(edited+`?.textContent.includes('Diese Nachricht wurde gelöscht.')`, "the deleted message")
	if r, _ := s.App.FindRecordById("messages", first.Id); !r.GetBool("deleted") {
		t.Fatal("the message is not deleted on the server")
	}

	// Search in the shared channel.
	fw.OpenChannel("Hochwasser Rhein")
	fw.Run(chromedp.SendKeys(`form.search input`, "pegel\r", chromedp.ByQuery))
	fw.Wait(`document.querySelector('.searchinfo')?.textContent.includes('Treffer')`, "search results")
	var bodies []string
	fw.Eval(`[...document.querySelectorAll('article.msg .body')].map(b => b.textContent)`, &bodies)
	if len(bodies) == 0 {
		t.Fatal("no search results for Pegel")
	}
	for _, body := range bodies {
		if !strings.Contains(strings.ToLower(body), "pegel") {
			t.Fatalf("search result without the word: %q", body)
		}
	}
	fw.Click(`document.querySelector('.searchinfo button')`, "Suche beenden")
	fw.Wait(`!document.querySelector('.searchinfo') && document.querySelectorAll('article.msg').length > `+fmt.Sprint(len(bodies)), "the whole channel again")

	// Signed-in devices, then the whole app in English.
	fw.Click(`document.querySelector('#usermenu')`, "the user menu")
	fw.Click(`[...document.querySelectorAll('dialog[open] button')].find(b => b.textContent.includes('Angemeldete Geräte'))`, "Angemeldete Geräte")
	fw.Wait(`[...document.querySelectorAll('dialog[open] td')].some(td => td.textContent.includes('Chrome auf Linux') && td.textContent.includes('dieses Gerät'))`, "this browser among the signed-in devices")
	fw.Screenshot("sessions")
	fw.Run(chromedp.KeyEvent("\x1b"))
	fw.Click(`document.querySelector('button.lang')`, "English")
	fw.Wait(`document.querySelector('button.navbtn[data-view=messages]').textContent.trim() === 'Messages' && document.documentElement.lang === 'en'`, "the English navigation")
	fw.Wait(`document.querySelector('#composer-text')?.placeholder.startsWith('Write a message')`, "the English composer")
}
