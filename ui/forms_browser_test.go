package ui

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"crisisroom/testkit"
)

// A full incoming flow across three browsers, by keyboard and click as people work: the
// Fernmelder (phoffmann, on a phone) takes a Blitz in; the Sichter (mschulz) sees it on
// top of "Zu sichten" with the Blitz banner, finds the text field closed to her, and
// distributes it (lead Leiter, for information the police's liaison, S2 ticked by
// itself); the head of staff (abecker) gets the banner, opens the form and marks it
// done. Screenshots: docs/screenshots/forms-*.png with SCREENSHOTS=1.
func TestFormsIncomingFlowInThreeBrowsers(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)

	fm := SignIn(t, s, b, "phoffmann")
	fm.Run(chromedp.EmulateViewport(390, 844))
	fm.Wait(`!!document.querySelector('button.navbtn[data-view=forms]')`, "the forms entry in the navigation")
	fm.Click(`document.querySelector('button.navbtn[data-view=forms]')`, "the forms entry")
	fm.Click(`document.querySelector('#fm-new-in')`, "Eingang aufnehmen")
	fm.Wait(`!!document.querySelector('#fm-f-counterpart')`, "the intake form")
	fm.Run(chromedp.SendKeys(`#fm-f-counterpart`, "Florian Köln 3", chromedp.ByQuery),
		chromedp.SetValue(`#fm-f-priority`, "blitz", chromedp.ByQuery),
		chromedp.SendKeys(`#fm-f-sender`, "Feuerwehr Einsatzleitung", chromedp.ByQuery),
		chromedp.SendKeys(`#fm-f-subject`, "Deichbruch Abschnitt 3", chromedp.ByQuery),
		chromedp.SendKeys(`#fm-f-text`, "Deich Abschnitt 3 auf 20 m gebrochen. Evakuierung Rheinblick erbeten.", chromedp.ByQuery))
	fm.Screenshot("forms-intake-phone")
	fm.Click(`document.querySelector('#fm-save')`, "Anlegen")
	fm.Wait(`document.querySelector('#fm-label')?.textContent.startsWith('E ') && document.querySelector('#fm-label').textContent !== 'E –'`, "the incoming number")
	fm.Wait(`document.querySelector('.fm-note')?.textContent.includes('PH')`, "the intake note with the Fernmelder's sign")

	si := SignIn(t, s, b, "mschulz")
	si.Run(chromedp.EmulateViewport(390, 844))
	si.Wait(`[...document.querySelectorAll('.forms-bar .forms-q')].some(e => e.textContent.includes('Zu sichten: 1') && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right <= innerWidth)`,
		"Zu sichten: 1 in the top bar, on screen on a phone", 20*time.Second)
	si.Screenshot("forms-queue-phone")
	si.Run(chromedp.EmulateViewport(1280, 800))
	si.Wait(`[...document.querySelectorAll('.fm-banner')].some(e => e.textContent.includes('Deichbruch Abschnitt 3'))`, "the Blitz banner for the Sichter", 20*time.Second)
	si.Click(`document.querySelector('.forms-bar .forms-q[data-queue=sichten]')`, "the queue in the top bar")
	si.Wait(`document.querySelector('#fm-list tbody tr.fm-blitz')?.textContent.includes('Deichbruch')`, "the Blitz at the top of the queue")
	si.Click(`document.querySelector('#fm-list tbody tr.fm-blitz button.fm-open')`, "the form")
	si.Wait(`document.querySelector('#fm-f-text')?.disabled === true`, "the text closed to the Sichter")
	si.Click(`document.querySelector('.fm-actions button[data-action=distribute]')`, "Verteilen")
	si.Wait(`!!document.querySelector('#fm-lead')`, "the distribution picker")
	si.Eval(`(() => { const l = document.querySelector('#fm-lead'); l.value = [...l.options].find(o => o.textContent.startsWith('Leiter –')).value;
		document.querySelector('.fm-info input[data-code="VB-POL"]').checked = true; return 0; })()`, new(int))
	var s2 bool
	si.Eval(`(() => { const c = document.querySelector('.fm-info input[data-code="S2"]'); return c.checked && c.disabled; })()`, &s2)
	if !s2 {
		t.Error("S2 is not ticked for good in the distribution picker")
	}
	si.Screenshot("forms-distribute")
	si.Click(`document.querySelector('#fm-distribute-go')`, "Verteilen (send)")
	si.Wait(`document.querySelector('#fm-state')?.textContent === 'verteilt'`, "the form distributed")

	le := SignIn(t, s, b, "abecker")
	le.Wait(`[...document.querySelectorAll('.fm-banner')].some(e => e.textContent.includes('Deichbruch Abschnitt 3'))`, "the Blitz banner for the lead", 20*time.Second)
	le.Click(`[...document.querySelectorAll('.fm-banner')].find(e => e.textContent.includes('Deichbruch'))?.querySelector('button')`, "Öffnen in the banner")
	le.Wait(`!!document.querySelector('.fm-actions button[data-action=done]')`, "the done step")
	// By keyboard alone: Enter on "Erledigt", the note is focused, Tab to the button, Enter.
	le.Eval(`(() => { document.querySelector('.fm-actions button[data-action=done]').focus(); return 0; })()`, new(int))
	le.Run(chromedp.KeyEvent(kb.Enter))
	le.Wait(`document.activeElement?.id === 'fm-completion'`, "the completion note focused")
	le.Run(chromedp.KeyEvent("Evakuierung Rheinblick angeordnet."), chromedp.KeyEvent(kb.Tab))
	le.Wait(`document.activeElement?.id === 'fm-done-go'`, "the Erledigt button focused by Tab")
	le.Run(chromedp.KeyEvent(kb.Enter))
	le.Wait(`[...document.querySelectorAll('.fm-rcpt')].some(e => e.dataset.code === 'Leiter' && e.textContent.includes('erledigt'))`, "the lead marked done")
	le.Screenshot("forms-done")

	// An order follows from the form: the head of staff gives it to S3 from the editor.
	le.Click(`document.querySelector('#fm-order')`, "Auftrag erteilen in the form")
	le.Wait(`!!document.querySelector('#fm-order-owner')`, "the order form")
	le.Eval(`(() => { const o = document.querySelector('#fm-order-owner'); o.value = [...o.options].find(x => x.textContent.startsWith('S3 –')).value; return 0; })()`, new(int))
	le.Click(`document.querySelector('#fm-order-go')`, "Auftrag erteilen (send)")
	si.Wait(`[...document.querySelectorAll('.forms-bar .forms-q')].some(e => e.dataset.queue === 'auftraege' && e.textContent.includes('Aufträge: 1'))`, "the order in S3's top bar", 20*time.Second)

	// The Sichter's queue is empty again; the liaison and S2 still have it in their inbox.
	var n int
	si.Eval(`fetch('/api/crisisroom/forms/queues', {headers: {Authorization: JSON.parse(localStorage.pocketbase_auth).token}}).then(r => r.json()).then(q => q.counts.sichten)`, &n)
	if n != 0 {
		t.Errorf("the Sichter still has %d to triage", n)
	}
}
