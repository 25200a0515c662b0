package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"crisisroom/hardware/sms/gsmsim"
	"crisisroom/hardware/smsgateway"
	"crisisroom/hooks/demo"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// Stab alarmieren in the browser: an operator calls POL and FW out; a police member
// with the app open (a phone) gets the banner with its tone and answers "Ich komme, 20
// Min."; the three others, not connected, get an SMS through the simulated modem and
// answer by SMS ("1 15", "2") or not at all; the operator's overview shows it live,
// without reloading, and the SMS log shows what went out and came in.
func TestCalloutLiveInTheBrowser(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	dev, err := s.App.FindFirstRecordByData("devices", "username", smsgateway.DemoUsername)
	if err != nil {
		t.Fatal(err)
	}
	old := smsgateway.Of(s.App).Simulator(dev.Id) // replaced when the new config restarts the driver
	dev.Set("config", map[string]any{"simulator": true, "pin": "1234", "min_interval_ms": 10})
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	var sim *gsmsim.Sim
	testkit.Eventually(t, 60*time.Second, "the demo SMS modem ready", func() bool {
		sim = smsgateway.Of(s.App).Simulator(dev.Id)
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return sim != nil && sim != old && strings.Contains(d.GetString("sms_status"), `"ready"`) && strings.Contains(d.GetString("config"), `"min_interval_ms":10`)
	})
	b := testkit.NewBrowser(t)
	police := SignIn(t, s, b, "lneumann")
	police.Run(chromedp.EmulateViewport(390, 844))
	op := SignIn(t, s, b, "jwagner")
	op.Run(chromedp.EmulateViewport(1280, 1000))
	op.Run(chromedp.Evaluate(`location.hash = '#callout'`, nil))
	op.Wait(`document.querySelectorAll('.co-orgs input[data-short]').length >= 5`, "the organisations to pick")
	op.Wait(`document.querySelector('.co-modem-state')?.dataset.state === 'ready'`, "the modem ready in the view")
	// Nothing picked: the preview says nobody would be alarmed, and Alarmieren refuses
	// in words without asking (nothing is made).
	op.Wait(`document.querySelector('.co-preview')?.textContent.startsWith('Niemand würde alarmiert')`, "nobody would be alarmed, before anything is picked")
	op.Run(chromedp.SendKeys(`#co-text`, "Probe", chromedp.ByQuery), chromedp.Click(`#co-start`, chromedp.ByQuery))
	op.Wait(`document.querySelector('.callout-new p.muted[role=status]')?.textContent.startsWith('Nicht alarmiert: niemand würde alarmiert.') && !document.querySelector('dialog[open]') && !document.querySelector('#co-start').disabled`,
		"Alarmieren of nobody refused in words, no question asked")
	if n, _ := s.App.CountRecords("callouts"); n != 0 {
		t.Fatalf("%d call-outs of nobody", n)
	}
	op.Run(chromedp.Evaluate(`document.querySelector('#co-text').value = ''`, nil))
	op.Run(chromedp.SendKeys(`#co-text`, "Lagebesprechung 03:30 im Rathaus, Großer Saal", chromedp.ByQuery),
		chromedp.SetValue(`#co-priority`, "flash", chromedp.ByQuery),
		chromedp.Click(`.co-orgs input[data-short="POL"]`, chromedp.ByQuery),
		chromedp.Click(`.co-orgs input[data-short="FW"]`, chromedp.ByQuery))
	// The selection kept as a saved group, by keyboard in the dialog.
	op.Run(chromedp.Click(`#co-save-group`, chromedp.ByQuery))
	op.Wait(`document.activeElement?.id === 'co-group-name'`, "the group name field focused")
	op.Run(chromedp.SendKeys(`#co-group-name`, "Stab Stufe 1\r", chromedp.ByQuery))
	op.Wait(`document.querySelector('#co-group option:checked')?.textContent === 'Stab Stufe 1'`, "the new group chosen")
	if n, _ := s.App.CountRecords("callout_groups"); n != 1 {
		t.Fatalf("%d saved groups", n)
	}
	// Before sending: how many the selection reaches; functions are picked, not typed.
	op.Wait(`document.querySelector('.co-preview')?.textContent.includes('4 Personen') && !document.querySelector('.co-preview').textContent.includes('weder noch') && document.querySelector('.co-preview').dataset.self === ''`, "the selection reaches 4 people, shown before sending")
	op.Wait(`document.querySelectorAll('.co-functions input[name="fn"]').length >= 3 && !document.querySelector('input#co-functions')`, "a picker of the functions people hold")
	// The staff's functions first, by code and name, then the job titles of memberships;
	// the preview says per organisation who is reached and how.
	op.Wait(`(() => { const s = document.querySelector('.co-functions .co-staff-functions'), j = document.querySelector('.co-functions .co-job-titles');
		return s && j && (s.compareDocumentPosition(j) & Node.DOCUMENT_POSITION_FOLLOWING) &&
			[...s.querySelectorAll('label')].some(l => l.textContent.startsWith('S2 – Lage') && l.querySelector('input').value === 'S2'); })()`,
		"the staff functions (S2 – Lage) before the job titles")
	op.Wait(`document.querySelector('.co-preview-parts li[data-key="POL"]')?.textContent.includes('Laura Neumann (App)') && document.querySelector('.co-preview-parts li[data-key="POL"]').textContent.includes('Thomas Keller (SMS)')`, "the preview of POL: Laura Neumann in the app, Thomas Keller by SMS")
	// A job title that repeats a staff function (jwagner's "S2 Lage" beside "S2 – Lage")
	// is not offered twice; the other titles are named as free text of the memberships.
	op.Wait(`(() => { const j = document.querySelector('.co-functions .co-job-titles'); return !!j && j.querySelector('p').textContent === 'Freitext-Funktionen aus den Mitgliedschaften' &&
		![...j.querySelectorAll('input')].some(i => i.value === 'S2 Lage') && [...j.querySelectorAll('input')].some(i => i.value === 'Verbindungsbeamter'); })()`,
		"the job titles without the one that repeats S2, under a clear heading")
	// Alarmieren asks first, with the number; "Abbrechen" has the focus, Esc cancels.
	op.Run(chromedp.Click(`#co-start`, chromedp.ByQuery))
	op.Wait(`document.querySelector('dialog[open] .dlg-body')?.textContent === '4 Personen alarmieren?' && document.activeElement?.textContent === 'Abbrechen'`, "the question before the call-out, Abbrechen focused")
	op.Screenshot("callout-confirm")
	op.Run(chromedp.KeyEvent("\x1b"))
	op.Wait(`!document.querySelector('dialog[open]') && !document.querySelector('#co-start').disabled`, "the question closed by Esc")
	if n, _ := s.App.CountRecords("callouts"); n != 0 {
		t.Fatalf("%d call-outs after Abbrechen", n)
	}
	// By keyboard: Tab to "Ja, alarmieren", Enter.
	op.Run(chromedp.Click(`#co-start`, chromedp.ByQuery))
	op.Wait(`document.activeElement?.textContent === 'Abbrechen'`, "the question again")
	op.Run(chromedp.KeyEvent("\t"))
	op.Wait(`document.activeElement?.textContent === 'Ja, alarmieren'`, "Ja, alarmieren focused by Tab")
	op.Run(chromedp.KeyEvent("\r"))
	op.Wait(`document.querySelectorAll('.co-table tbody tr').length === 4`, "four people in the overview")
	// Sent: the form is empty (no second call-out by a second click) and the overview in sight.
	op.Wait(`document.querySelector('#co-text').value === '' && document.querySelectorAll('.callout-new input:checked').length === 0 && document.querySelector('#co-group').value === ''`,
		"the form cleared after Alarmieren")
	op.Wait(`(() => { const b = document.querySelector('.callout-live').getBoundingClientRect(); return b.top < innerHeight && b.bottom > 0; })()`, "the live overview scrolled into view")
	op.Wait(`document.querySelector('.co-preview')?.textContent.startsWith('Niemand würde alarmiert')`, "nobody for the empty selection")
	op.Wait(`document.querySelector('.callout-new p.muted[role=status]')?.textContent === 'Alarmierung läuft: 4 Personen.'`, "the call-out running, in words")
	op.Wait(`document.querySelector('[data-count="open"]')?.textContent === '4 ohne Antwort'`, "four without an answer")

	// The police member's phone: the banner, and her answer.
	police.Wait(`!!document.querySelector('.callout-banner')`, "the call-out banner on her phone", 60*time.Second)
	police.Wait(`document.querySelector('.callout-banner .flash-body')?.textContent.includes('Großer Saal')`, "the alarm text")
	// Who called and when: the operator's name, organisation and staff function.
	police.Wait(`/^\d\d:\d\d von Jonas Wagner \(KS, S2, ETB\)$/.test(document.querySelector('.callout-banner .cob-from')?.textContent)`, "the banner says who called out, and when")
	police.Wait(`(() => { const b = document.querySelector('.callout-banner [data-answer="coming"]').getBoundingClientRect(); return b.bottom <= innerHeight && b.top >= 0; })()`,
		"the answer button in sight on the phone")
	police.Wait(`(() => { const f = document.querySelector('.callout-banner .cob-from'), b = f.getBoundingClientRect(); return f.scrollWidth <= f.clientWidth && b.right <= innerWidth && b.height > 0; })()`,
		"who called and when, whole on the phone")
	police.Screenshot("callout-banner")
	police.Run(chromedp.SetValue(`.callout-banner select`, "20", chromedp.ByQuery),
		chromedp.Click(`.callout-banner [data-answer="coming"]`, chromedp.ByQuery))
	police.Wait(`!document.querySelector('.callout-banner')`, "the banner gone after answering")

	// The three others got an SMS (she did not: she was connected).
	numbers := map[string]string{"tkeller": smsgateway.DemoNumber(5), "sbraun": smsgateway.DemoNumber(7), "kvogel": smsgateway.DemoNumber(8), "lneumann": smsgateway.DemoNumber(6)}
	testkit.Eventually(t, 60*time.Second, "three call-out SMS sent", func() bool {
		n, _ := s.App.CountRecords("sms_messages")
		return n >= 3
	})
	for who, n := range numbers {
		c, _ := s.App.FindFirstRecordByFilter("sms_messages", "number = {:n} && direction = 'out'", map[string]any{"n": n})
		if (c != nil) != (who != "lneumann") {
			t.Errorf("%s: SMS sent %v", who, c != nil)
		}
	}
	sim.Receive(numbers["tkeller"], "1 15")
	sim.Receive(numbers["sbraun"], "2")
	op.Wait(`document.querySelector('[data-count="coming"]')?.textContent === '2 kommen'`, "two coming, live", 60*time.Second)
	op.Wait(`document.querySelector('[data-count="declined"]')?.textContent === '1 kommt nicht'`, "one declined, live", 60*time.Second)
	op.Wait(`document.querySelector('[data-count="open"]')?.textContent === '1 ohne Antwort'`, "one without an answer")
	// Who comes when: the first row is the earliest arrival (tkeller in 15 min, by SMS).
	op.Wait(`(() => { const rows = [...document.querySelectorAll('.co-table tbody tr')];
		return rows[0]?.textContent.includes('Thomas Keller') && rows[0].textContent.includes('SMS') &&
			rows[1]?.textContent.includes('Laura Neumann') && rows[1].textContent.includes('App') &&
			rows[3]?.dataset.answer === 'declined'; })()`, "arrivals in order, with the way they answered")
	op.Wait(`document.querySelectorAll('.sms-log tr[data-direction="in"]').length === 2 && document.querySelectorAll('.sms-log tr[data-direction="out"]').length === 3`,
		"the SMS log with 3 sent and 2 received", 60*time.Second)
	// A call-out of the staff function S2 reaches its holder, here in the app (the
	// operator's own browser is connected).
	op.Run(chromedp.Click(`.co-staff-functions input[value="S2"]`, chromedp.ByQuery))
	op.Wait(`document.querySelector('.co-preview-parts li[data-kind="function"][data-key="S2"] [data-via="app"]')?.textContent.includes('Jonas Wagner') &&
		document.querySelector('.co-preview')?.textContent.includes('1 Person:') && !document.querySelector('.co-preview').textContent.includes('Personen')`, "the preview of S2: Jonas Wagner in the app, 1 Person")
	// S2 is the operator himself: said plainly before sending, and asked once more.
	op.Wait(`document.querySelector('.co-preview')?.dataset.self === 'only' && document.querySelector('.co-preview strong')?.textContent === 'Sie alarmieren nur sich selbst.'`, "the preview: only himself")
	op.Run(chromedp.EmulateViewport(390, 844), chromedp.Evaluate(`document.querySelector('.co-preview').scrollIntoView({block: 'center'})`, nil))
	op.Wait(`(() => { const b = document.querySelector('.co-preview strong').getBoundingClientRect(); return b.top >= 0 && b.bottom <= innerHeight && b.right <= innerWidth; })()`, "the hint in sight on a phone")
	op.Screenshot("callout-preview-self-phone")
	op.Run(chromedp.EmulateViewport(1280, 1900))
	op.Screenshot("callout-overview")
	op.Run(chromedp.SendKeys(`#co-text`, "Probealarm nur S2", chromedp.ByQuery), chromedp.Click(`#co-start`, chromedp.ByQuery))
	op.Wait(`document.querySelector('dialog[open] .dlg-body')?.textContent === 'Sie alarmieren nur sich selbst. Trotzdem alarmieren?'`, "the question says it is only himself")
	op.Run(chromedp.KeyEvent("\t"))
	op.Wait(`document.activeElement?.textContent === 'Ja, alarmieren'`, "Ja, alarmieren focused by Tab")
	op.Run(chromedp.KeyEvent("\r"))
	op.Wait(`document.querySelector('.callout-new p.muted[role=status]')?.textContent === 'Alarmierung läuft: 1 Person.' && document.querySelector('[data-count="open"]')?.textContent === '1 ohne Antwort'`, "his own call-out running, 1 Person")
	op.Wait(`!document.querySelector('.co-staff-functions input[value="S2"]').checked && document.querySelector('.co-preview')?.textContent.startsWith('Niemand würde alarmiert')`, "the form and its preview emptied after sending")
	// His own banner, on the desktop: his name as the one who called.
	op.Run(chromedp.EmulateViewport(1280, 1000), chromedp.Evaluate(`scrollTo(0, 0)`, nil))
	op.Wait(`document.querySelector('.callout-banner .flash-body')?.textContent === 'Probealarm nur S2' && document.querySelector('.callout-banner .cob-from')?.textContent.endsWith(' von Jonas Wagner (KS, S2, ETB)')`, "his own banner with his name", 30*time.Second)
	op.Screenshot("callout-banner-desktop")
	op.Run(chromedp.Click(`.callout-banner [data-answer="declined"]`, chromedp.ByQuery))
	op.Wait(`!document.querySelector('.callout-banner') && document.querySelector('[data-count="declined"]')?.textContent === '1 kommt nicht'`, "his banner gone, 1 kommt nicht", 30*time.Second)

	// And on a phone the overview is usable too.
	op.Run(chromedp.EmulateViewport(390, 844))
	op.Wait(`document.documentElement.scrollWidth <= 400`, "no sideways scrolling of the page on a phone")
	op.Run(chromedp.Evaluate(`document.querySelector('.callout-live').scrollIntoView()`, nil))
	op.Screenshot("callout-phone")
	// In English the same words: one person, only himself.
	op.Run(chromedp.EmulateViewport(1280, 1000), chromedp.Evaluate(`localStorage.setItem('crisisroom_lang', 'en')`, nil), chromedp.Reload())
	op.Run(chromedp.Evaluate(`location.hash = '#callout'`, nil))
	op.Wait(`!!document.querySelector('.co-staff-functions input[value="S2"]')`, "the English call-out view")
	op.Run(chromedp.Click(`.co-staff-functions input[value="S2"]`, chromedp.ByQuery))
	op.Wait(`document.querySelector('.co-preview')?.textContent === 'You would alarm only yourself. The selection reaches 1 person: 1 by app.'`, "the English preview: only himself, 1 person")
	op.Wait(`document.querySelector('[data-count="declined"]')?.textContent === '1 not coming' && document.querySelector('[data-count="open"]')?.textContent === '0 no answer'`, "the English counts")
	// Close both browsers gracefully, so their profiles are written before the test's
	// temporary folder is removed.
	for _, p := range []*Person{police, op} {
		_ = chromedp.Cancel(p.Ctx)
	}
}

// The call-out banner on a phone (390×844), as the newcomer met it: both answers one tap
// away on the collapsed banner, side by side and 44 px or more each; the banner outlives
// a language switch both ways, a tenant switch and a change of view (it was gone after a
// language switch until a reload); after answering, one line says the answer given until
// the call-out ends, and "ändern" puts a mis-tap right (the latest answer counts).
func TestCalloutBannerSurvivesTheShellAndShowsTheAnswer(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	kv := s.Demo.Users["kvogel"]
	// A second organisation, for the tenant switch.
	if _, err := tenancy.NewMembership(s.App, kv.Id, s.Demo.Orgs["POL"].Id, "member", "", ""); err != nil {
		t.Fatal(err)
	}
	b := testkit.NewBrowser(t)
	p := Open(t, s, b, "kvogel")
	p.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	p.SignInForm("kvogel", demo.Password)
	var co struct {
		Id string `json:"id"`
	}
	if code := API(t, s, "jwagner", "POST", "/api/crisisroom/callouts", map[string]any{
		"text": "Stabsalarm: Deichbruch am Pegel Süd, bitte Rückruf Stabsraum", "priority": "flash", "users": []string{kv.Id}}, &co); code != 200 {
		t.Fatalf("start the call-out: %d", code)
	}
	p.Wait(`document.querySelector('.callout-banner')?.dataset.state === 'open'`, "the call-out banner", 30*time.Second)
	// Collapsed: "Ich komme" and "Komme nicht" side by side, whole in sight, tappable, 44 px.
	bothAnswers := `(() => { const b = document.querySelector('.callout-banner'); if (!b || b.classList.contains('expanded')) return false;
		const rs = ['coming', 'declined'].map(a => b.querySelector('[data-answer="' + a + '"]')).map(x => x && x.offsetParent !== null ? [x, x.getBoundingClientRect()] : null);
		return rs.every(r => r && r[1].height >= 44 && r[1].width >= 44 && r[1].top >= 0 && r[1].bottom <= innerHeight && r[1].right <= innerWidth &&
			r[0].contains(document.elementFromPoint(r[1].left + r[1].width / 2, r[1].top + r[1].height / 2))) &&
			Math.abs(rs[0][1].top - rs[1][1].top) < 4; })()`
	p.Wait(bothAnswers, "both answers on the collapsed banner, side by side, 44 px")
	p.Wait(`document.querySelector('.callout-banner [data-answer="declined"]').innerText.trim() === 'Komme nicht'`, "the short word on a phone")
	// The minutes' choice is in the details on a phone: the button says what it sends.
	p.Wait(`document.querySelector('.callout-banner [data-answer="coming"]').innerText.replace(/\s+/g, ' ').trim() === 'Ich komme in 20 Min.'`, "the minutes under Ich komme on a phone")
	p.Screenshot("callout-banner-phone-both-answers")

	// The language, both ways, by the user menu: the banner stays, in the new language.
	lang := func(to string) {
		p.Click(`document.querySelector('#usermenu')`, "the user menu")
		p.Click(`document.querySelector('#menu-lang')`, "the language switch")
		p.Wait(`document.documentElement.lang === '`+to+`'`, "the language "+to)
	}
	lang("en")
	p.Wait(`document.querySelector('.callout-banner .flash-tag')?.textContent === 'Staff call-out' && document.querySelector('.callout-banner [data-answer="coming"]')?.getAttribute('aria-label') === 'I am coming'`,
		"the call-out banner after switching to English")
	p.Wait(bothAnswers, "both answers after switching to English")
	p.Screenshot("callout-banner-phone-english")
	lang("de")
	p.Wait(`document.querySelector('.callout-banner .flash-tag')?.textContent === 'Stab-Alarm' && document.querySelector('.callout-banner [data-answer="coming"]')?.getAttribute('aria-label') === 'Ich komme'`,
		"the call-out banner after switching back to German")
	// A tenant switch and another view: the banner stays.
	p.SwitchTenant("POL")
	p.Wait(`document.querySelectorAll('.callout-banner[data-state="open"]').length === 1`, "the banner after a tenant switch")
	p.SwitchTenant("FW")
	p.Run(chromedp.Evaluate(`location.hash = '#search'`, nil))
	p.Wait(`document.querySelectorAll('.callout-banner[data-state="open"]').length === 1 && document.querySelector('#view').className !== 'view-messages'`, "the banner in another view")
	p.Run(chromedp.Evaluate(`location.hash = '#messages'`, nil))

	// Answered with minutes (in the details): the toast repeats the answer, one line keeps it.
	p.Click(`document.querySelector('.callout-banner .flash-body')`, "the call-out text")
	p.Wait(`document.querySelector('.callout-banner').classList.contains('expanded') && document.querySelector('.callout-banner select').offsetParent !== null`, "the minutes in the details")
	p.Run(chromedp.SetValue(`.callout-banner select`, "15", chromedp.ByQuery))
	p.Click(`document.querySelector('.callout-banner [data-answer="coming"]')`, "Ich komme")
	p.Wait(`[...document.querySelectorAll('.toast')].some(x => x.textContent.includes('Danke, Ihre Antwort ist beim Stab: Ich komme in 15 Min.'))`, "the toast repeats the answer")
	p.Wait(`!document.querySelector('.callout-banner') && document.querySelector('.callout-answered .cob-answer')?.textContent === 'Ihre Antwort: Ich komme in 15 Min.'`, "the answer shown after answering")
	p.Wait(`(() => { const c = document.querySelector('.callout-answered .cob-change'), r = c.getBoundingClientRect(); return r.height >= 44 && r.width >= 44 && r.right <= innerWidth; })()`, "ändern tappable")
	p.Wait(`(() => { const a = document.querySelector('.callout-answered .cob-answer'), r = a.getBoundingClientRect(); return a.scrollWidth <= a.clientWidth && a.scrollHeight <= a.clientHeight + 1 && r.right <= innerWidth; })()`, "the answer whole, not cut")
	p.Screenshot("callout-banner-phone-answered")
	recipient := func() (string, int) {
		r, err := s.App.FindFirstRecordByFilter("callout_recipients", "callout = {:c} && user = {:u}", map[string]any{"c": co.Id, "u": kv.Id})
		if err != nil {
			t.Fatal(err)
		}
		return r.GetString("answer"), r.GetInt("eta_minutes")
	}
	if a, eta := recipient(); a != "coming" || eta != 15 {
		t.Fatalf("answer %q %d, want coming 15", a, eta)
	}
	// A mis-tap put right: "ändern", "Komme nicht".
	p.Click(`document.querySelector('.callout-answered .cob-change')`, "ändern")
	p.Wait(`document.querySelector('.callout-banner')?.dataset.state === 'changing'`, "the answers again")
	p.Wait(bothAnswers, "both answers again, side by side")
	p.Click(`document.querySelector('.callout-banner [data-answer="declined"]')`, "Komme nicht")
	p.Wait(`document.querySelector('.callout-answered .cob-answer')?.textContent === 'Ihre Antwort: Ich komme nicht'`, "the changed answer shown")
	testkit.Eventually(t, 10*time.Second, "the answer changed on the server", func() bool { a, _ := recipient(); return a == "declined" })
	lang("en")
	p.Wait(`document.querySelector('.callout-answered .cob-answer')?.textContent === 'Your answer: I am not coming'`, "the answer line in English")
	lang("de")
	// On a laptop the answer is one slim line.
	p.Run(chromedp.EmulateViewport(1280, 800))
	p.Wait(`(() => { const l = document.querySelector('.callout-answered'); return !!l && l.getBoundingClientRect().height <= 56; })()`, "the answer one line on a laptop")
	p.Screenshot("callout-answered-laptop")
	// The call-out ends: the line goes.
	if code := API(t, s, "jwagner", "POST", "/api/crisisroom/callouts/"+co.Id+"/close", nil, nil); code != 200 {
		t.Fatalf("close the call-out: %d", code)
	}
	p.Wait(`!document.querySelector('.callout-banner, .callout-answered')`, "the line gone when the call-out ends", 30*time.Second)
	_ = chromedp.Cancel(p.Ctx)
}

// The Stab alarmieren page: no empty card before any call-out; a refusal of a vacant
// function says so ("Die Funktion S1 ist nicht besetzt."), not to pick what was picked;
// and it goes as soon as the selection changes.
func TestCalloutPageRefusalFitsAndClears(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	op := SignIn(t, s, b, "jwagner")
	op.Run(chromedp.EmulateViewport(1280, 800))
	op.Run(chromedp.Evaluate(`location.hash = '#callout'`, nil))
	op.Wait(`document.querySelector('.callout-list')?.textContent.includes('Noch keine Alarmierung.') && !!document.querySelector('.co-staff-functions input[value="S1"]')`, "the call-out page")
	op.Wait(`[...document.querySelectorAll('.callout-view section.panel')].every(p => p.hidden || p.offsetParent === null || p.textContent.trim() !== '')`, "no empty card on the page")
	op.Wait(`document.querySelector('.co-staff-functions input[value="S1"]').parentElement.textContent.includes('unbesetzt')`, "S1 vacant in the demo")
	op.Run(chromedp.Click(`.co-staff-functions input[value="S1"]`, chromedp.ByQuery))
	op.Run(chromedp.SendKeys(`#co-text`, "Test: nur S1", chromedp.ByQuery), chromedp.Click(`#co-start`, chromedp.ByQuery))
	op.Wait(`document.querySelector('.callout-new p.muted[role=status]')?.textContent === 'Nicht alarmiert: niemand würde alarmiert. Die Funktion S1 ist nicht besetzt.' && !document.querySelector('dialog[open]')`,
		"the refusal says S1 is not staffed")
	op.Screenshot("callout-refusal-vacant")
	op.Run(chromedp.Click(`.co-staff-functions input[value="S1"]`, chromedp.ByQuery), chromedp.Click(`.co-staff-functions input[value="S2"]`, chromedp.ByQuery))
	op.Wait(`document.querySelector('.callout-new p.muted[role=status]')?.textContent === '' && document.querySelector('.co-preview')?.textContent.includes('1 Person')`, "the refusal gone with the new selection")
	op.Screenshot("callout-refusal-cleared")
	if n, _ := s.App.CountRecords("callouts"); n != 0 {
		t.Fatalf("%d call-outs of a vacant function", n)
	}
	_ = chromedp.Cancel(op.Ctx)
}
