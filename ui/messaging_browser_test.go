package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"

	"crisisroom/hooks/demo"
	"crisisroom/testkit"
)

func startDemo(t *testing.T) (*testkit.Server, *testkit.Browser) {
	t.Helper()
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, PublicDir: PublicDir()})
	return s, testkit.NewBrowser(t)
}

func countMessages(t *testing.T, s *testkit.Server, body string) int {
	t.Helper()
	n, err := s.App.CountRecords("messages", dbx.HashExp{"body": body})
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// Police and fire brigade in two browsers: a message in the shared channel arrives live
// on the other side; the police's own channel never reaches the fire brigade, neither
// on screen nor through the API; a Blitz stays on the other screen until acknowledged,
// and the sender watches the acknowledgement arrive.
func TestTwoOrganisationsInTwoBrowsers(t *testing.T) {
	s, b := startDemo(t)
	pol := Open(t, s, b, "tkeller")
	pol.Screenshot("sign-in")
	pol.SignInForm("tkeller", "krisenstab2026")
	// The fire brigade signs in with the keyboard alone.
	fw := Open(t, s, b, "sbraun")
	fw.Run(chromedp.SendKeys(`#identity`, "sbraun", chromedp.ByQuery), chromedp.KeyEvent("\t"))
	fw.Wait(`document.activeElement?.id === 'password' && getComputedStyle(document.activeElement).outlineStyle !== 'none'`, "Tab to the password field, with a visible focus ring")
	fw.Run(chromedp.SendKeys(`#password`, demo.Password, chromedp.ByQuery), chromedp.KeyEvent("\r"))
	fw.Wait(`!!document.querySelector('#tenants button.tenant')`, "signed in by keyboard")

	pol.OpenChannel("Hochwasser Rhein")
	pol.Wait(`document.querySelector('.msglist .unread-line')?.nextElementSibling?.matches('article.msg:not(.own)')`, "the line above the unread messages")
	fw.OpenChannel("Hochwasser Rhein")
	// The shared channel shows who takes part, as coloured organisation chips.
	fw.Wait(`[...document.querySelectorAll('.chead-sub .chip')].map(c => c.textContent).join(',') === 'KS,POL,FW,KLM,SW,SV'`, "participant chips")

	text := fmt.Sprintf("Rheinufer gesperrt, Stand %d", time.Now().UnixNano())
	pol.Send(text)
	fw.Wait(HasMessage(text), "the police message, live")
	fw.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.msg')].some(a => a.querySelector('.body')?.textContent === %q && a.querySelector('.chip')?.textContent === 'POL')`, text), "the author's organisation chip")
	if n := countMessages(t, s, text); n != 1 {
		t.Fatalf("the server holds %d copies of the message, want 1", n)
	}

	// POL intern: not on the fire brigade's screen, not through the API either.
	polIntern := s.Demo.Channels["POL intern"].Id
	fw.Wait(`document.querySelectorAll('button.chan').length >= 2`, "the channel list")
	var fwSees []string
	fw.Eval(`[...document.querySelectorAll('button.chan .chan-name')].map(n => n.textContent)`, &fwSees)
	for _, name := range fwSees {
		if name == "POL intern" {
			t.Fatalf("the fire brigade's channel list shows POL intern: %v", fwSees)
		}
	}
	var polSees bool
	pol.Eval(`[...document.querySelectorAll('button.chan .chan-name')].some(n => n.textContent === 'POL intern')`, &polSees)
	if !polSees {
		t.Fatal("the police do not see their own channel: the isolation check above proves nothing")
	}
	for _, path := range []string{
		"/api/crisisroom/channels/" + polIntern + "/messages",
		"/api/crisisroom/channels/" + polIntern + "/files",
		"/api/collections/channels/records/" + polIntern,
	} {
		if code := API(t, s, "sbraun", "GET", path, nil, nil); code < 400 {
			t.Errorf("GET %s as the fire brigade: %d, want a refusal", path, code)
		}
	}
	var list struct{ Items []map[string]any }
	API(t, s, "sbraun", "GET", `/api/collections/messages/records?filter=`+urlq(`channel='`+polIntern+`'`), nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("the fire brigade lists %d messages of POL intern", len(list.Items))
	}
	// And from inside the fire brigade's browser, with its own stored sign-in.
	var browserCode int
	fw.Eval(fmt.Sprintf(`fetch('/api/crisisroom/channels/%s/messages', {headers: {Authorization: JSON.parse(localStorage.pocketbase_auth).token}}).then(r => r.status)`, polIntern), &browserCode)
	if browserCode < 400 {
		t.Errorf("the fire brigade's browser read POL intern: %d", browserCode)
	}

	// Blitz: first clear the demo's own Blitz on both sides, so the banner seen next is ours.
	for _, p := range []*Person{pol, fw} {
		p.Wait(`document.querySelectorAll('.flash-banner').length > 0`, "the demo Blitz banner")
		p.Run(chromedp.Evaluate(`document.addEventListener('crisisroom:tone', () => { window.__tones = (window.__tones || 0) + 1; }); true`, nil))
	}
	for _, p := range []*Person{pol, fw} {
		p.Click(`document.querySelector('.flash-banner .ack-big')`, "acknowledge the demo Blitz")
		p.Wait(`document.querySelectorAll('.flash-banner').length === 0`, "no banner left")
	}

	// Shift+Enter starts a new line, Enter sends.
	// (DevTools' synthetic Enter may leave a stray newline from the last send: start empty.)
	pol.Run(evalJS(`document.querySelector('#composer-text').value = ''`), chromedp.Focus(`#composer-text`, chromedp.ByQuery), chromedp.SendKeys(`#composer-text`, "Zeile eins", chromedp.ByQuery),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(input.ModifierShift)), chromedp.SendKeys(`#composer-text`, "Zeile zwei", chromedp.ByQuery))
	var draft string
	pol.Eval(`document.querySelector('#composer-text').value`, &draft)
	if draft != "Zeile eins\nZeile zwei" {
		t.Fatalf("composer after Shift+Enter: %q", draft)
	}
	pol.Run(chromedp.KeyEvent("\r"))
	fw.Wait(HasMessage("Zeile eins\nZeile zwei"), "the two-line message")
	pol.Screenshot("channel-shared")

	flash := fmt.Sprintf("BLITZ Deichbruch Abschnitt 4 %d", time.Now().UnixNano())
	pol.Click(`document.querySelector('input[name=prio][value=flash]')`, "priority Blitz")
	pol.Send(flash)
	pol.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.msg.prio-flash')].some(a => a.querySelector('.body')?.textContent === %q && /bestätigt: 0 von \d+/.test(a.querySelector('button.receipts')?.textContent))`, flash), "own Blitz with 0 acknowledgements")

	banner := fmt.Sprintf(`[...document.querySelectorAll('.flash-banner')].find(b => b.querySelector('.flash-body').textContent === %q)`, flash)
	fw.Wait(banner+` !== undefined`, "the Blitz banner at the fire brigade")
	fw.Wait(`(window.__tones || 0) >= 1`, "the alert tone")
	fw.Screenshot("flash-banner")
	// The banner stays: switching the channel does not make it go away.
	fw.OpenChannel("FW intern")
	fw.Wait(banner+` !== undefined`, "the banner still there in another channel")
	fw.Click(banner+`?.querySelector('.ack-big')`, "acknowledge")
	fw.Wait(banner+` === undefined`, "the banner gone after acknowledging")
	pol.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.msg.prio-flash')].some(a => a.querySelector('.body')?.textContent === %q && /bestätigt: 1 von \d+/.test(a.querySelector('button.receipts')?.textContent))`, flash), "the acknowledgement count at the sender")

	// The sender opens the per-person list and finds the fire brigade's acknowledgement.
	pol.Click(fmt.Sprintf(`[...document.querySelectorAll('article.msg.prio-flash')].find(a => a.querySelector('.body')?.textContent === %q)?.querySelector('button.receipts')`, flash), "the receipts")
	pol.Wait(`[...document.querySelectorAll('dialog[open] tr.is-acked')].some(r => r.textContent.includes('Stefan Braun') && r.textContent.includes('FW'))`, "Stefan Braun acknowledged in the list")
	pol.Run(chromedp.KeyEvent("\x1b"))
	pol.Wait(`!document.querySelector('dialog[open]')`, "Esc closes the dialog")

	// Added to a group elsewhere: the group appears in the list without a reload.
	var grp struct{ Id string }
	if code := API(t, s, "tkeller", "POST", "/api/collections/channels/records", map[string]any{"organisation": s.Demo.Orgs["POL"].Id, "kind": "group", "name": "Lage Brücken"}, &grp); code != 200 {
		t.Fatalf("group: HTTP %d", code)
	}
	if code := API(t, s, "tkeller", "POST", "/api/collections/channel_members/records", map[string]any{"channel": grp.Id, "user": s.Demo.Users["sbraun"].Id, "role": "member"}, nil); code != 200 {
		t.Fatalf("group member: HTTP %d", code)
	}
	fw.Wait(`[...document.querySelectorAll('button.chan .chan-name')].some(n => n.textContent === 'Lage Brücken')`, "the new group in the list, live")
}

// A 6 MB picture goes up over a slowed connection: the progress bar moves through values
// between 0 and 100; a file over 25 MB is refused with words before it is sent.
func TestUploadShowsProgress(t *testing.T) {
	s, b := startDemo(t)
	pol := SignIn(t, s, b, "tkeller")
	pol.OpenChannel("Hochwasser Rhein")

	dir := t.TempDir()
	big := filepath.Join(dir, "zu-gross.pdf")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 26<<20); err != nil {
		t.Fatal(err)
	}
	pol.Run(chromedp.SetUploadFiles(`#file-input`, []string{big}, chromedp.ByQuery))
	pol.Wait(`[...document.querySelectorAll('.toast.error')].some(e => e.textContent.includes('zu-gross.pdf') && e.textContent.includes('25 MB'))`, "the size refusal in words")
	pol.Wait(`document.querySelector('.staged').hidden`, "nothing staged")

	// Dropped and pasted files are staged like picked ones; a program is refused in words.
	pol.Run(evalJS(`(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(['Pegelliste'], 'pegel.csv', {type: 'text/csv'}));
		dt.items.add(new File(['MZ'], 'update.exe', {type: 'application/x-msdownload'}));
		document.querySelector('section.channel').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
		const cb = new DataTransfer();
		cb.items.add(new File(['Notiz'], 'notiz.txt', {type: 'text/plain'}));
		document.querySelector('#composer-text').dispatchEvent(new ClipboardEvent('paste', {clipboardData: cb, bubbles: true, cancelable: true}));
		return true; })()`))
	pol.Wait(`(() => { const s = document.querySelector('.staged').textContent; return s.includes('pegel.csv') && s.includes('notiz.txt') && !s.includes('update.exe'); })()`, "dropped and pasted files staged")
	pol.Wait(`[...document.querySelectorAll('.toast.error')].some(e => e.textContent.includes('update.exe') && e.textContent.includes('Programm'))`, "the program refused in words")
	pol.Run(evalJS(`for (let b; (b = document.querySelector('.staged button.icon'));) b.click(); true`))
	pol.Wait(`document.querySelector('.staged').hidden`, "staged files removed")

	pic := filepath.Join(dir, "lagekarte.png")
	writePNG(t, pic, 6<<20)
	pol.Run(chromedp.SetUploadFiles(`#file-input`, []string{pic}, chromedp.ByQuery))
	pol.Wait(`document.querySelector('.staged').textContent.includes('lagekarte.png')`, "the staged file")
	pol.Run(chromedp.Evaluate(`window.__progress = [];
		new MutationObserver(() => { for (const p of document.querySelectorAll('article.pending progress')) window.__progress.push(p.value); })
			.observe(document.querySelector('.msglist'), {subtree: true, attributes: true, childList: true}); true`, nil))
	// About 1.5 MB/s up: the upload takes seconds, so progress events have room to happen.
	pol.Run(network.Enable(), network.EmulateNetworkConditions(false, 20, 4<<20, 3<<19))
	text := fmt.Sprintf("Lagekarte Stand %d", time.Now().UnixNano())
	pol.Send(text)
	pol.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.msg[data-id]')].some(a => a.querySelector('.body')?.textContent === %q && a.querySelector('a.att img.thumb'))`, text), "the sent message with its picture", 60*time.Second)
	pol.Run(network.EmulateNetworkConditions(false, 0, -1, -1))
	var progress []float64
	pol.Eval(`window.__progress`, &progress)
	between := 0
	for _, v := range progress {
		if v > 0 && v < 100 {
			between++
		}
	}
	if between == 0 {
		t.Fatalf("the progress bar never showed a value between 0 and 100: %v", progress)
	}
	t.Logf("progress values seen: %d (%d between 0 and 100)", len(progress), between)
	if n := countMessages(t, s, text); n != 1 {
		t.Fatalf("%d messages with the picture, want 1", n)
	}

	pol.Click(`document.querySelector('#files-button')`, "the files button")
	pol.Wait(`[...document.querySelectorAll('dialog[open] li.file')].some(li => li.textContent.includes('lagekarte') && li.querySelector('img.preview')?.complete && li.querySelector('img.preview').naturalWidth > 0)`, "the picture's preview in the channel files", 20*time.Second)
	pol.Screenshot("files")
}

// Written while the network is cut: the message waits in the outbox, marked as waiting;
// when the network returns it is sent, and the server holds it exactly once.
func TestOutboxSendsOnceWhenBack(t *testing.T) {
	s, b := startDemo(t)
	// On a phone the channel list and the conversation take turns.
	pol := Open(t, s, b, "tkeller")
	pol.Run(chromedp.EmulateViewport(390, 844))
	pol.SignInForm("tkeller", demo.Password)
	pol.OpenChannel("Hochwasser Rhein")
	pol.Wait(`getComputedStyle(document.querySelector('.sidebar')).display === 'none' && getComputedStyle(document.querySelector('.btn.back')).display !== 'none'`, "the conversation alone on a phone screen")
	pol.Click(`document.querySelector('.flash-banner .ack-big')`, "acknowledge the demo Blitz")
	pol.Wait(`!document.querySelector('.flash-banner')`, "the banner gone")
	// The service worker must be in charge, so the cut also covers it.
	pol.Wait(`!!navigator.serviceWorker.controller`, "the service worker", 20*time.Second)

	pol.Run(network.Enable(), network.EmulateNetworkConditions(true, 0, 0, 0))
	var fetchFailed bool
	pol.Eval(`fetch('/api/health', {cache: 'no-store'}).then(() => false, () => true)`, &fetchFailed)
	if !fetchFailed {
		t.Fatal("fetch still works with the network cut: the test would prove nothing")
	}
	// The server drops the realtime connection too (as PocketBase does after 30 minutes):
	// what is said meanwhile must be fetched when the app is back.
	for id := range s.App.SubscriptionsBroker().Clients() {
		s.App.SubscriptionsBroker().Unregister(id)
	}
	pol.Wait(`document.querySelector('#conn').textContent === 'Keine Verbindung'`, "the connection shown as lost")
	missed := fmt.Sprintf("Feuerwehr: Pumpe 3 ausgefallen %d", time.Now().UnixNano())
	if code := API(t, s, "sbraun", "POST", "/api/collections/messages/records", map[string]any{
		"channel": s.Demo.Channels["Hochwasser Rhein"].Id, "author": s.Demo.Users["sbraun"].Id, "body": missed,
	}, nil); code != 200 {
		t.Fatalf("the fire brigade's message: HTTP %d", code)
	}
	text := fmt.Sprintf("Nachricht ohne Netz %d", time.Now().UnixNano())
	pol.Send(text)
	pol.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.pending')].some(a => a.querySelector('.body').textContent === %q && a.querySelector('.pending-state').textContent === 'wartet auf Verbindung')`, text), "the message waiting for the connection")
	var queued int
	pol.Eval(`new Promise(r => { const q = indexedDB.open('crisisroom'); q.onsuccess = () => { const g = q.result.transaction('outbox').objectStore('outbox').count(); g.onsuccess = () => r(g.result); }; })`, &queued)
	if queued != 1 {
		t.Fatalf("outbox holds %d messages, want 1", queued)
	}
	if n := countMessages(t, s, text); n != 0 {
		t.Fatalf("the server has the message while the network is cut (%d)", n)
	}

	// Still offline, the page is reloaded: the service worker serves the app, which
	// opens from what it stored and still shows the message waiting.
	pol.Run(chromedp.Reload())
	pol.Wait(`!!document.querySelector('#tenants button.tenant')`, "the app opened offline", 20*time.Second)
	pol.Wait(fmt.Sprintf(`[...document.querySelectorAll('article.pending')].some(a => a.querySelector('.body').textContent === %q && a.querySelector('.pending-state').textContent === 'wartet auf Verbindung')`, text), "the waiting message after the reload")
	pol.Screenshot("outbox-waiting")

	pol.Run(network.EmulateNetworkConditions(false, 0, -1, -1))
	pol.Wait(HasMessage(text)+` && !document.querySelector('article.pending')`, "the message sent after the network came back", 30*time.Second)
	pol.Wait(HasMessage(missed), "the message missed while disconnected", 30*time.Second)
	pol.Wait(`document.querySelector('#conn').textContent === ''`, "the connection shown as back")
	pol.Eval(`new Promise(r => { const q = indexedDB.open('crisisroom'); q.onsuccess = () => { const g = q.result.transaction('outbox').objectStore('outbox').count(); g.onsuccess = () => r(g.result); }; })`, &queued)
	if queued != 0 {
		t.Fatalf("outbox still holds %d messages", queued)
	}
	if n := countMessages(t, s, text); n != 1 {
		t.Fatalf("the server holds %d copies, want exactly 1", n)
	}
	var shown int
	pol.Eval(fmt.Sprintf(`[...document.querySelectorAll('article.msg .body')].filter(b => b.textContent === %q).length`, text), &shown)
	if shown != 1 {
		t.Fatalf("the message is shown %d times", shown)
	}
	pol.Screenshot("phone-channel")
	pol.Click(`document.querySelector('.btn.back')`, "back to the channel list")
	pol.Wait(`getComputedStyle(document.querySelector('.sidebar')).display !== 'none'`, "the channel list on a phone screen")
	pol.Screenshot("phone-channels")
}
