package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
	fm.Screenshot("forms-intake-phone") // (removes the toasts on screen)
	// Anlegen without subject and text first: refused; the refusal goes once the next
	// try works.
	fm.Run(chromedp.Evaluate(`document.querySelector('#fm-f-subject').value = ''; document.querySelector('#fm-f-text').value = ''`, nil))
	fm.Click(`document.querySelector('#fm-save')`, "Anlegen without subject and text")
	fm.Wait(`!!document.querySelector('.toast.error')`, "the refusal of a form without subject and text")
	fm.Run(chromedp.SendKeys(`#fm-f-subject`, "Deichbruch Abschnitt 3", chromedp.ByQuery),
		chromedp.SendKeys(`#fm-f-text`, "Deich Abschnitt 3 auf 20 m gebrochen. Evakuierung Rheinblick erbeten.", chromedp.ByQuery))
	fm.Click(`document.querySelector('#fm-save')`, "Anlegen")
	fm.Wait(`document.querySelector('#fm-label')?.textContent.startsWith('E ') && document.querySelector('#fm-label').textContent !== 'E –'`, "the incoming number")
	fm.Wait(`[...document.querySelectorAll('.toast')].some(x => x.textContent.includes('Gespeichert.'))`, "Gespeichert.")
	var refusalStays bool // an error toast lives 12 s on a phone: it would still be there
	fm.Eval(`!!document.querySelector('.toast.error')`, &refusalStays)
	if refusalStays {
		t.Error("the empty form's refusal stays beside Gespeichert.")
	}
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

// What a newcomer met in the forms (at 1366×768 and on a phone, 390×844): the list shows
// the other end (field 5), numbers on one line, unsent forms by their step and the whole
// row opens; a new Eingang is "neu" with a badge that follows the priority; read-only
// fields look read-only and the Sichter sees no "Speichern" for fields she cannot change;
// the second step of an action comes into view with its first field focused, and an
// empty reason is said beside the field; the ways say which one posts into the app; the
// distribution reads in words; times are 24 h German time and the countdown agrees; the
// orders and the Lagebesprechung use the width, and on a phone the orders are cards.
// Viewport pictures go to $FORMS_SHOTS when set.
func TestFormsNewcomerFindings(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	fmC, siC, leC := s.As(t, "phoffmann"), s.As(t, "mschulz"), s.As(t, "abecker")
	var in, out struct{ Id, Label string }
	fmC.Do(t, "POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "priority": "blitz", "counterpart": "Florian Köln 3",
		"sender": "Feuerwehr Einsatzleitung", "subject": "Deichbruch Abschnitt 3", "text": "Deich gebrochen."}).Decode(t, &in)
	siC.Do(t, "POST", "/api/crisisroom/forms", map[string]any{"direction": "out", "counterpart": "Kreisleitstelle", "subject": "Lagemeldung", "text": "Pegel steigt."}).Decode(t, &out)
	fns := map[string]string{}
	var fl struct{ Functions []struct{ Id, Code string } }
	leC.Do(t, "GET", "/api/crisisroom/functions", nil).Decode(t, &fl)
	for _, f := range fl.Functions {
		fns[f.Code] = f.Id
	}
	leC.Do(t, "POST", "/api/crisisroom/tasks", map[string]any{"title": "Sandsäcke an die Uferstraße liefern", "owner": fns["S3"], "due": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	leC.Do(t, "POST", "/api/crisisroom/briefing", map[string]any{"at": time.Now().Add(28 * time.Minute).UTC().Format(time.RFC3339)})

	shot := func(p *Person, name string) {
		dir := os.Getenv("FORMS_SHOTS")
		if dir == "" {
			return
		}
		var buf []byte
		p.Run(chromedp.CaptureScreenshot(&buf))
		_ = os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
	}
	check := func(p *Person, js, what string) {
		t.Helper()
		var ok bool
		p.Eval(js, &ok)
		if !ok {
			t.Errorf("%s", what)
		}
	}

	// The Sichter's list, on a laptop: her own draft by its step, the other end in the column.
	si := SignIn(t, s, b, "mschulz")
	si.Run(chromedp.EmulateViewport(1366, 768))
	si.Wait(`!!document.querySelector('button.navbtn[data-view=forms]')`, "the forms entry")
	si.Click(`document.querySelector('button.navbtn[data-view=forms]')`, "the forms entry")
	si.Click(`document.querySelector('.fm-tab[data-queue=all]')`, "Alle")
	si.Wait(`document.querySelectorAll('#fm-list tbody tr').length >= 2`, "both forms in the list")
	check(si, `[...document.querySelectorAll('#fm-list tbody tr')].some(r => r.cells[3].textContent === 'Florian Köln 3')`, "the list's Gegenstelle is not field 5")
	check(si, `[...document.querySelectorAll('#fm-list tbody tr')].some(r => r.cells[0].textContent === 'Entwurf')`, "an unsent form is not shown as Entwurf")
	check(si, `[...document.querySelectorAll('#fm-list td.fm-nr button')].every(b => b.getClientRects().length === 1)`, "a number wraps")
	shot(si, "forms-list-1366")
	si.Click(`[...document.querySelectorAll('#fm-list tbody tr')].find(r => r.textContent.includes('Deichbruch')).cells[2].querySelector('button')`, "the subject")
	si.Wait(`!!document.querySelector('.fm-actions button[data-action=distribute]')`, "the form opened from its subject")
	check(si, `getComputedStyle(document.querySelector('#fm-f-subject')).borderStyle === 'dashed' && getComputedStyle(document.querySelector('#fm-f-sender')).borderStyle === 'dashed'`, "fields 10 and 12 do not look read-only")
	check(si, `document.querySelector('#fm-save')?.textContent !== 'Speichern'`, "Speichern offered where only the remark may be saved")
	check(si, `[...document.querySelectorAll('.fm-field')].every(l => !l.querySelector(':disabled') || l.classList.contains('fm-ro'))`, "a disabled field without the read-only look")
	si.Click(`document.querySelector('.fm-actions button[data-action=distribute]')`, "Verteilen")
	si.Wait(`document.activeElement?.id === 'fm-lead'`, "the lead picker focused")
	si.Wait(`(() => { const r = document.querySelector('#fm-lead').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`, "the lead picker in view")
	si.Click(`document.querySelector('#fm-distribute-go')`, "Verteilen without a lead")
	si.Wait(`document.querySelector('#fm-distribute-form .fm-err')?.textContent.length > 0`, "the error beside the field")
	check(si, `document.querySelectorAll('.toast.error').length === 0`, "a toast on the empty lead")
	shot(si, "forms-distribute-1366")

	// The Leiter (second Sichter) returns the Sichter's own form: the reason is required beside the field.
	le := SignIn(t, s, b, "abecker")
	le.Run(chromedp.EmulateViewport(1366, 768))
	le.Wait(`!!document.querySelector('button.navbtn[data-view=forms]')`, "the forms entry")
	le.Click(`document.querySelector('button.navbtn[data-view=forms]')`, "the forms entry")
	siC.Do(t, "PATCH", "/api/crisisroom/forms/"+out.Id, map[string]any{"counterpart": "Kreisleitstelle"})
	siC.Do(t, "POST", "/api/crisisroom/forms/"+out.Id+"/submit", nil)
	le.Click(`document.querySelector('.fm-tab[data-queue=all]')`, "Alle")
	le.Wait(`[...document.querySelectorAll('#fm-list tbody tr')].some(r => r.textContent.includes('Lagemeldung'))`, "the submitted form")
	le.Click(`[...document.querySelectorAll('#fm-list tbody tr')].find(r => r.textContent.includes('Lagemeldung')).cells[4]`, "the row")
	le.Wait(`!!document.querySelector('.fm-actions button[data-action=return]')`, "the return step")
	le.Click(`document.querySelector('.fm-actions button[data-action=return]')`, "Zurückgeben")
	le.Wait(`document.activeElement?.id === 'fm-reason'`, "the reason focused")
	le.Click(`document.querySelector('#fm-return-go')`, "Zurückgeben without a reason")
	le.Wait(`document.querySelector('#fm-return-form .fm-err')?.textContent.includes('Grund')`, "the missing reason beside the field")
	shot(le, "forms-return-1366")
	// The orders use the width; the status select shows its word.
	le.Click(`document.querySelector('.fm-tab[data-queue=auftraege]')`, "Aufträge")
	le.Wait(`!!document.querySelector('.fm-tasks')`, "the orders")
	check(le, `document.querySelector('.fm-tasks').getBoundingClientRect().width > 900`, "the orders table is squeezed")
	check(le, `[...document.querySelectorAll('.fm-tasks select')].every(s => s.scrollWidth <= s.clientWidth + 1 && s.clientWidth > 90)`, "the status select is cut")
	check(le, `document.querySelector('#fm-task-due').type === 'text'`, "the due time is a browser-locale input")
	shot(le, "forms-orders-1366")
	// The Lagebesprechung: 24 h, the same minutes as the chip.
	le.Click(`document.querySelector('.fm-tab[data-queue=briefing]')`, "Lagebesprechung")
	le.Wait(`!!document.querySelector('#fm-brief-next')`, "the briefing")
	var chip, page string
	le.Eval(`document.querySelector('.forms-brief')?.textContent || ''`, &chip)
	le.Eval(`document.querySelector('#fm-brief-next').textContent`, &page)
	if !regexp.MustCompile(`^Lage \d\d:\d\d \(in \d+ min\)$`).MatchString(chip) || regexp.MustCompile(`(AM|PM)`).MatchString(page) {
		t.Errorf("chip %q, page %q", chip, page)
	}
	if m := regexp.MustCompile(`in \d+ min`).FindString(chip); m == "" || !strings.Contains(page, m) {
		t.Errorf("the countdown differs: chip %q, page %q", chip, page)
	}
	check(le, `document.querySelector('.fm-brief').getBoundingClientRect().width > 900`, "the Lagebesprechung is squeezed")
	shot(le, "forms-briefing-1366")

	// On a phone: orders as cards; a new Eingang is "neu" and its badge follows the priority.
	fm := SignIn(t, s, b, "phoffmann")
	fm.Run(chromedp.EmulateViewport(390, 844))
	fm.Wait(`!!document.querySelector('button.navbtn[data-view=forms]')`, "the forms entry")
	fm.Click(`document.querySelector('button.navbtn[data-view=forms]')`, "the forms entry")
	fm.Click(`document.querySelector('.fm-tab[data-queue=auftraege]')`, "Aufträge")
	fm.Wait(`!!document.querySelector('#fm-list')`, "the orders tab")
	shot(fm, "forms-orders-390")
	fm.Click(`document.querySelector('#fm-new-in')`, "Eingang aufnehmen")
	fm.Wait(`!!document.querySelector('#fm-f-priority')`, "the intake form")
	check(fm, `document.querySelector('#fm-f-counterpart').getBoundingClientRect().height > 0`, "the intake form is hidden")
	check(fm, `!document.querySelector('.fm-head').textContent.includes('E –')`, "a dangling E – in the header")
	fm.Eval(`(() => { const s = document.querySelector('#fm-f-priority'); s.value = 'blitz'; s.dispatchEvent(new Event('change')); return 0; })()`, new(int))
	check(fm, `document.querySelector('.fm-head .fm-prio').textContent === 'Blitz'`, "the badge does not follow the priority")
	shot(fm, "forms-intake-390")
	// The ways say which one posts into the app; the distribution reads in words.
	jw := s.As(t, "jwagner")
	var o2 struct{ Id string }
	jw.Do(t, "POST", "/api/crisisroom/forms", map[string]any{"direction": "out", "counterpart": "alle Stellen", "subject": "Sperrung Brücke Süd", "text": "gesperrt"}).Decode(t, &o2)
	jw.Do(t, "POST", "/api/crisisroom/forms/"+o2.Id+"/submit", nil)
	siC.Do(t, "POST", "/api/crisisroom/forms/"+o2.Id+"/release", nil)
	leC.Do(t, "POST", "/api/crisisroom/forms/"+in.Id+"/distribute", map[string]any{"lead": fns["Leiter"]})
	fm.Run(chromedp.EmulateViewport(1366, 768))
	fm.Click(`document.querySelector('.fm-tab[data-queue=all]')`, "Alle")
	fm.Wait(`[...document.querySelectorAll('#fm-list tbody tr')].some(r => r.textContent.includes('Sperrung Brücke Süd'))`, "the released form")
	fm.Click(`[...document.querySelectorAll('#fm-list tbody tr')].find(r => r.textContent.includes('Sperrung Brücke Süd')).cells[2].querySelector('button')`, "the released form")
	fm.Click(`document.querySelector('.fm-actions button[data-action=transmit]')`, "Übermitteln")
	fm.Wait(`document.activeElement?.id === 'fm-way'`, "the way focused")
	fm.Wait(`(() => { const r = document.querySelector('#fm-way').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()`, "the way in view")
	check(fm, `(() => { const o = [...document.querySelectorAll('#fm-way option')].map(x => x.textContent); return o.some(x => x.includes('Kanal dieser App')) && o.some(x => x.includes('nur vermerken')); })()`, "the ways do not say which posts into the app")
	shot(fm, "forms-transmit-1366")
	fm.Click(`[...document.querySelectorAll('#fm-list tbody tr')].find(r => r.textContent.includes('Deichbruch')).cells[2].querySelector('button')`, "the distributed form")
	fm.Wait(`!!document.querySelector('.fm-rcpt')`, "the distribution")
	check(fm, `(() => { const d = document.querySelector('.fm-dist').textContent; return d.includes('Leiter (federführend)') && d.includes('S2 (zur Kenntnis)') && !d.includes('[F]'); })()`, "the distribution in codes")
	check(fm, `[...document.querySelectorAll('.fm-note')].every(n => !/(AM|PM)/.test(n.textContent))`, "a 12-hour time")
}
