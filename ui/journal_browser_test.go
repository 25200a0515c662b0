package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"crisisroom/testkit"
)

// S2 keeps the Einsatztagebuch open while a Blitz is sent and a siren sounds: both
// appear live with the next numbers; S2 adds an entry with a search mark and corrects
// it, and the original is shown struck through; the chain head follows. A police member
// sees the police's journal, not the host's own entries. No CSP violation on the way.
func TestJournalViewLive(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	p := SignIn(t, s, b, "jwagner")
	p.Run(chromedp.EmulateViewport(390, 844)) // a phone
	p.Click(`document.querySelector('button.navbtn[data-view=journal]')`, "the Einsatztagebuch entry")
	p.Wait(`document.querySelectorAll('#etb-table tbody tr').length >= 4`, "the demo's entries")
	p.Wait(`!!document.querySelector('#etb-head-hash')`, "the chain head")
	var n int
	p.Eval(`document.querySelectorAll('#etb-table tbody tr').length`, &n)

	// A Blitz in the flood channel, sent by someone else: the next number, live.
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	if st := API(t, s, "mschulz", "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["mschulz"].Id,
		"body": "BLITZ: Deich bei Kilometer 7 überströmt, Räumung Südstadt", "priority": "flash"}, nil); st != 200 {
		t.Fatalf("Blitz: %d", st)
	}
	p.Wait(`[...document.querySelectorAll('#etb-table tbody tr')].some(r => r.dataset.seq === '`+strconv.Itoa(n+1)+`' && r.textContent.includes('Deich bei Kilometer 7 überströmt'))`,
		"the Blitz in the journal", 10*time.Second)

	// The demo's alarm light sounds (a simulated Shelly): its entry arrives live too.
	p.Wait(`(async () => { const r = await fetch('/api/collections/devices/records?filter=' + encodeURIComponent("username='alarmleuchte-stab'"), {headers: {Authorization: JSON.parse(localStorage.pocketbase_auth).token}}).then(r => r.json()); return r.items[0] && r.items[0].online; })()`, "the demo relay online", 20*time.Second)
	var dev struct {
		Items []struct{ Id string } `json:"items"`
	}
	API(t, s, "mschulz", "GET", "/api/collections/devices/records?filter=username%3D%27alarmleuchte-stab%27", nil, &dev)
	if len(dev.Items) != 1 {
		t.Fatal("no demo relay")
	}
	var act map[string]any
	if st := API(t, s, "mschulz", "POST", "/api/collections/siren_activations/records", map[string]any{"device": dev.Items[0].Id, "signal": "room_alarm", "duration": 5,
		"requested_by": s.Demo.Users["mschulz"].Id}, &act); st != 200 {
		t.Fatalf("siren: %d %v", st, act)
	}
	p.Wait(`[...document.querySelectorAll('#etb-table tbody tr[data-source=siren]')].some(r => r.textContent.includes('Alarmleuchte Stabsraum') && r.textContent.includes('ausgelöst'))`,
		"the siren in the journal", 10*time.Second)

	// A manual entry with search mark K, then its correction.
	p.Run(chromedp.SendKeys(`#etb-text`, "Anforderung: zwei Pumpenzüge THW für Südstadt", chromedp.ByQuery))
	p.Eval(`(() => { const m = document.querySelector('#etb-mark'); m.value = 'K'; return 0; })()`, &n)
	p.Run(chromedp.Click(`#etb-form button[type=submit]`, chromedp.ByQuery))
	p.Wait(`[...document.querySelectorAll('#etb-table tbody tr[data-source=manual]')].some(r => r.textContent.includes('zwei Pumpenzüge') && r.querySelector('.etb-mark')?.textContent === 'K')`,
		"the manual entry with its mark")
	p.Click(`[...document.querySelectorAll('#etb-table tbody tr[data-source=manual]')].find(r => r.textContent.includes('zwei Pumpenzüge'))?.querySelector('.etb-correct')`, "the correct button")
	p.Wait(`!!document.querySelector('#etb-correct-text')`, "the correction dialog")
	p.Run(chromedp.SendKeys(`#etb-correct-text`, "drei Pumpenzüge THW für Südstadt", chromedp.ByQuery),
		chromedp.Click(`#etb-correct-save`, chromedp.ByQuery))
	p.Wait(`[...document.querySelectorAll('#etb-table tbody tr')].some(r => r.textContent.includes('Berichtigung zu Nr.') && r.textContent.includes('drei Pumpenzüge'))`, "the correction")
	p.Wait(`[...document.querySelectorAll('#etb-table td.etb-struck')].some(td => td.textContent.includes('zwei Pumpenzüge'))`, "the original struck through")
	var struck string
	p.Eval(`getComputedStyle(document.querySelector('#etb-table td.etb-struck')).textDecorationLine`, &struck)
	if !strings.Contains(struck, "line-through") {
		t.Errorf("the corrected original is not struck through: %q", struck)
	}
	p.Screenshot("journal")

	// A police member puts a message of the police's own channel "ins ETB" from the
	// conversation; the police's journal shows it, and none of the host's own entries.
	q := SignIn(t, s, b, "lneumann")
	q.OpenChannel("POL intern")
	q.Click(`[...document.querySelectorAll('.msg')].find(m => m.textContent.includes('Kräfteplanung Nachtschicht'))?.querySelector('button.into-etb')`, "the Ins-ETB button")
	q.Wait(`[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('Ins Einsatztagebuch übernommen'))`, "the notice that it is in the ETB")
	q.Click(`document.querySelector('button.navbtn[data-view=journal]')`, "the Einsatztagebuch entry")
	q.Wait(`document.querySelectorAll('#etb-table tbody tr').length === 1 && document.querySelector('#etb-table').textContent.includes('Kräfteplanung Nachtschicht')`, "the police's journal")
	var text string
	q.Eval(`document.querySelector('#etb-list').textContent`, &text)
	if strings.Contains(text, "Pumpenzüge") || strings.Contains(text, "eröffnet") {
		t.Errorf("the police member sees the host's entries: %q", text)
	}
	// S2 asks to close, the head of staff confirms: the view says closed; S2 opens the
	// next operation from the view, and the closed one stays selectable.
	p.Click(`document.querySelector('#etb-close')`, "the close button")
	p.Click(`document.querySelector('dialog[open] footer button.primary')`, "confirm")
	p.Wait(`document.querySelector('#etb-head .notice') !== null`, "closing requested")
	boss := SignIn(t, s, b, "abecker")
	boss.Click(`document.querySelector('button.navbtn[data-view=journal]')`, "the Einsatztagebuch entry")
	boss.Click(`document.querySelector('#etb-close')`, "the close button")
	boss.Click(`document.querySelector('dialog[open] footer button.primary')`, "confirm")
	boss.Wait(`!!document.querySelector('#etb-head .etb-closed') && !document.querySelector('#etb-form')`, "closed, read-only")
	p.Wait(`!!document.querySelector('#etb-head .etb-closed')`, "closed, live in S2's view")
	p.Run(chromedp.SendKeys(`#etb-open-name`, "Stromausfall Süd", chromedp.ByQuery), chromedp.Click(`#etb-open button[type=submit]`, chromedp.ByQuery))
	p.Wait(`document.querySelector('#etb-head h2')?.textContent.includes('Stromausfall Süd') && document.querySelectorAll('#etb-table tbody tr').length === 1`, "the next operation with its first entry")
	p.Eval(`(() => { const s = document.querySelector('#etb-incident'); s.value = [...s.options].find(o => o.textContent.startsWith('Hochwasser Rhein')).value; s.dispatchEvent(new Event('change')); return 0; })()`, &n)
	p.Wait(`document.querySelector('#etb-head h2')?.textContent.includes('Hochwasser Rhein') && document.querySelectorAll('#etb-table tbody tr').length > 8`, "the closed operation again")
	if v := b.CSPViolations(); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
