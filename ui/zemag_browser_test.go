package ui

import (
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"crisisroom/hooks/citystaff"
	"crisisroom/testkit"
)

// signInAs switches p's browser to username by its token (faster than a chromium per
// person) and waits for the signed-in app.
func (p *Person) signInAs(s *testkit.Server, username string) {
	p.t.Helper()
	tok := s.Token(p.t, username)
	p.Run(chromedp.Evaluate(fmt.Sprintf(`localStorage.setItem('pocketbase_auth', JSON.stringify({token: %q, record: {}})); sessionStorage.clear(); location.hash = ''; location.reload()`, tok), nil))
	p.Wait(`!!document.querySelector('#tenants button.tenant')`, "the app as "+username)
	p.Username = username
}

// fetchPDFText downloads a PDF with p's sign-in and returns its text (pdftotext).
func (p *Person) fetchPDFText(path string) string {
	p.t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		p.t.Skip("pdftotext (poppler-utils) is not installed")
	}
	var b64 string
	p.Eval(fmt.Sprintf(`(async () => { const r = await fetch(%q, {headers: {Authorization: JSON.parse(localStorage.pocketbase_auth).token}}); if (!r.ok) return 'ERR' + r.status; const b = new Uint8Array(await r.arrayBuffer()); let s = ''; for (const x of b) s += String.fromCharCode(x); return btoa(s); })()`, path), &b64)
	if strings.HasPrefix(b64, "ERR") {
		p.t.Fatalf("%s: %s", path, b64)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		p.t.Fatal(err)
	}
	f := filepath.Join(p.t.TempDir(), "letter.pdf")
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		p.t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", f, "-").Output()
	if err != nil {
		p.t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// The threat register end to end on phones: an employee reports an attack (once while
// offline: the report waits on the phone and leaves when the network is back); the
// supervisor sees a banner at once; the ZKS checks it, files the criminal complaint and
// enters it; the notice letter names what is stored and the person's rights; the lookup
// role finds the person by full name and birth date with a reason and sees level and
// guidance only; the data-protection officer sees that lookup in the log. Then a
// complaint case goes through its interim notice and its result.
func TestZeMAGAndComplaintsInTheBrowser(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, PublicDir: PublicDir()})
	users, err := citystaff.SeedDemo(s.App)
	if err != nil {
		t.Fatal(err)
	}
	org, _ := s.App.FindFirstRecordByData("organisations", "short", citystaff.DemoOrg)
	b := testkit.NewBrowser(t)

	sup := SignIn(t, s, b, "sv.krueger")
	sup.Run(chromedp.EmulateViewport(390, 844))
	emp := SignIn(t, s, b, "sv.yilmaz")
	emp.Run(chromedp.EmulateViewport(390, 844))
	emp.Click(`document.querySelector('button.navbtn[data-view=zemag]')`, "the ZeMAG entry")
	emp.Wait(`!!document.querySelector('#zm-form')`, "the report form")

	fill := func(place, what string, level int) {
		emp.Run(chromedp.SendKeys(`#zm-place`, place, chromedp.ByQuery), chromedp.SendKeys(`#zm-what`, what, chromedp.ByQuery))
		emp.Click(fmt.Sprintf(`document.querySelector('#zm-level-%d')`, level), "level")
		emp.Run(chromedp.SetValue(`#zm-cat`, "violence", chromedp.ByQuery),
			chromedp.SendKeys(`#zm-pname`, "Hans-Jürgen Müller", chromedp.ByQuery),
			chromedp.SetValue(`#zm-pdob`, "03.07.1980", chromedp.ByQuery),
			chromedp.SendKeys(`#zm-paddr`, "Domstraße 5, 50667 Köln", chromedp.ByQuery),
			chromedp.SendKeys(`#zm-injuries`, "Prellung am Unterarm", chromedp.ByQuery),
			chromedp.SendKeys(`#zm-police`, "PP Köln 123/26", chromedp.ByQuery))
	}
	// offline first: kept on the phone
	emp.Run(network.Enable(), network.EmulateNetworkConditions(true, 0, 0, 0))
	fill("Neumarkt, Haltestelle", "Bei der Kontrolle schlug der Mann mit dem Schirm zu.", 2)
	emp.Run(chromedp.Evaluate(`document.querySelector('.cs-levels').scrollIntoView()`, nil))
	emp.Screenshot("zemag-report-phone")
	emp.Run(chromedp.Click(`#zm-send`, chromedp.ByQuery))
	emp.Wait(`document.querySelector('#zm-status').textContent.includes('Keine Verbindung')`, "the report kept offline")
	emp.Run(network.EmulateNetworkConditions(false, 0, -1, -1))
	emp.Run(chromedp.Evaluate(`window.dispatchEvent(new Event('online'))`, nil))

	testkit.Eventually(t, 15*time.Second, "the kept report to arrive", func() bool { n, _ := s.App.CountRecords("zemag_reports", nil); return n > 7 })
	// the supervisor's banner, live
	sup.Wait(`[...document.querySelectorAll('.cs-banner')].some(b => b.textContent.includes('Murat Yilmaz') && b.textContent.includes('Stufe 2'))`, "the supervisor's banner", 20*time.Second)
	sup.Screenshot("zemag-supervisor-banner")
	if n, _ := s.App.CountRecords("zemag_reports", nil); n == 0 {
		t.Fatal("no report arrived")
	}

	// the ZKS reviews and enters it
	zks := sup
	zks.signInAs(s, "sv.otto")
	zks.Click(`document.querySelector('button.navbtn[data-view=zemag]')`, "ZeMAG as ZKS")
	zks.Click(`document.querySelector('#zm-tab-reports')`, "the reports")
	card := `document.querySelector('article.cs-card[data-status=%s]')`
	zks.Click(`document.querySelector('[id^=zm-check-]')`, "Geprüft")
	zks.Wait(fmt.Sprintf(`!!`+card, "checked"), "the checked report")
	zks.Run(chromedp.SendKeys(`[id^=zm-file-]`, "ST 4711/26", chromedp.ByQuery))
	zks.Click(`document.querySelector('[id^=zm-complaint-]')`, "Strafanzeige erstattet")
	zks.Wait(fmt.Sprintf(`!!`+card, "complaint_filed"), "the complaint filed")
	zks.Run(chromedp.Evaluate(`document.querySelector('article.cs-card[data-status=complaint_filed]').scrollIntoView()`, nil))
	zks.Screenshot("zemag-zks-review")
	zks.Click(`document.querySelector('[id^=zm-enter-]')`, "Eintragen")
	zks.Wait(fmt.Sprintf(`!!`+card, "entered"), "the entered report")
	zks.Click(`document.querySelector('#zm-tab-register')`, "the register")
	zks.Wait(`[...document.querySelectorAll('#zm-register article')].some(a => a.textContent.includes('Hans-Jürgen Müller') && a.textContent.includes('Kontakt nur zu zweit'))`, "the entry")
	zks.Run(chromedp.Evaluate(`[...document.querySelectorAll('#zm-register article')].find(a => a.textContent.includes('Hans-Jürgen Müller')).scrollIntoView()`, nil))
	zks.Screenshot("zemag-register")
	var entryId string
	zks.Eval(`[...document.querySelectorAll('#zm-register article')].find(a => a.textContent.includes('Hans-Jürgen Müller')).dataset.entry`, &entryId)
	letter := zks.fetchPDFText("/api/crisisroom/zemag/entries/" + entryId + "/letter")
	for _, w := range []string{"Hans-Jürgen Müller", "Stufe 2", "Art. 15 DSGVO", "Ihre Rechte", "Wie lange"} {
		if !strings.Contains(letter, w) {
			t.Errorf("the letter lacks %q: %s", w, letter)
		}
	}
	zks.Click(`document.querySelector('#zm-noticesent-`+entryId+`')`, "Heute versandt")
	zks.Wait(`document.querySelector('[data-entry="`+entryId+`"]')?.textContent.includes('versandt am')`, "the date the notice was sent")
	zks.Click(`document.querySelector('#zm-tab-stats')`, "the statistics")
	zks.Wait(`(() => { const i = document.querySelector('#zm-chart'); return i && i.complete && i.naturalWidth > 0; })()`, "the chart")
	zks.Screenshot("zemag-stats")

	// the lookup role, with a reason
	lk := zks
	lk.signInAs(s, "sv.peters")
	lk.Click(`document.querySelector('button.navbtn[data-view=zemag]')`, "ZeMAG as lookup role")
	lk.Click(`document.querySelector('#zm-tab-lookup')`, "the lookup")
	lk.Run(chromedp.SendKeys(`#zm-lk-name`, "Müller", chromedp.ByQuery), chromedp.SetValue(`#zm-lk-dob`, "03.07.1980", chromedp.ByQuery),
		chromedp.SendKeys(`#zm-lk-reason`, "Az. 32-4711 Hausbesuch", chromedp.ByQuery), chromedp.Click(`#zm-lk-ask`, chromedp.ByQuery))
	lk.Wait(`document.querySelector('#zm-lk-result .error')?.textContent.includes('Vollständiger Name')`, "a partial name refused")
	lk.Run(chromedp.Evaluate(`document.querySelector('#zm-lk-name').value = ''`, nil), chromedp.SendKeys(`#zm-lk-name`, "hans-juergen mueller", chromedp.ByQuery), chromedp.Click(`#zm-lk-ask`, chromedp.ByQuery))
	lk.Wait(`document.querySelector('#zm-lk-result .cs-hit')?.textContent.includes('Kontakt nur zu zweit')`, "the hit")
	var shown string
	lk.Eval(`document.querySelector('#zm-lk-result').textContent`, &shown)
	if strings.Contains(shown, "Domstraße") || strings.Contains(shown, "Neumarkt") {
		t.Errorf("the lookup shows more than level and guidance: %q", shown)
	}
	lk.Screenshot("zemag-lookup-hit")

	// the data-protection officer's log
	dpo := lk
	dpo.signInAs(s, "sv.vogt")
	dpo.Click(`document.querySelector('button.navbtn[data-view=zemag]')`, "ZeMAG as DPO")
	dpo.Click(`document.querySelector('#zm-tab-log')`, "the log")
	dpo.Wait(`[...document.querySelectorAll('#zm-lookups tbody tr[data-hit="1"]')].some(r => r.textContent.includes('Jan Peters') && r.textContent.includes('Az. 32-4711 Hausbesuch'))`, "the lookup in the log")
	dpo.Screenshot("zemag-dpo-log")

	// the city's own admin: the modules' settings and the people's roles
	adm := dpo
	adm.signInAs(s, "sv.hartmann")
	adm.Click(`document.querySelector('button.navbtn[data-view=zemag]')`, "ZeMAG as admin")
	adm.Click(`document.querySelector('#zm-tab-roles')`, "the roles")
	adm.Wait(`[...document.querySelectorAll('article[data-person]')].some(a => a.textContent.includes('Jan Peters') && a.querySelector('input[value=lookup]').checked)`, "the roles of the people")
	adm.Click(`document.querySelector('#zm-tab-settings')`, "the settings")
	adm.Wait(`document.querySelector('#csa-zemag')?.checked && document.querySelector('#csa-review').value === '24'`, "the settings")
	adm.Screenshot("zemag-admin-settings")

	// a complaint case: intake, statement and sign-off, the interim reminder, the result
	cm := adm
	cm.signInAs(s, "sv.albers")
	cm.Click(`document.querySelector('button.navbtn[data-view=complaints]')`, "the complaints")
	cm.Wait(`document.querySelectorAll('#bm-officer option').length > 3`, "the officers")
	cm.Run(chromedp.SendKeys(`#bm-citizen`, "Erika Musterfrau", chromedp.ByQuery), chromedp.SendKeys(`#bm-contact`, "Hohe Straße 9, 50667 Köln", chromedp.ByQuery),
		chromedp.SendKeys(`#bm-what`, "Der Ton beim Verwarngeld war herablassend.", chromedp.ByQuery), chromedp.SetValue(`#bm-officer`, users["sv.lorenz"].Id, chromedp.ByQuery),
		chromedp.Click(`#bm-add`, chromedp.ByQuery))
	cm.Wait(`!!document.querySelector('#bm-cases article[data-status=intake]')`, "the case")
	var caseId string
	cm.Eval(`document.querySelector('#bm-cases article').dataset.case`, &caseId)
	if st := API(t, s, "sv.lorenz", "POST", "/api/crisisroom/complaints/"+caseId+"/statement", map[string]any{"text": "Ich habe sachlich auf das Parkverbot hingewiesen."}, nil); st != 200 {
		t.Fatalf("statement: %d", st)
	}
	if st := API(t, s, "sv.krueger", "POST", "/api/crisisroom/complaints/"+caseId+"/sign", map[string]any{"text": "plausibel"}, nil); st != 200 {
		t.Fatalf("sign-off: %d", st)
	}
	rec, _ := s.App.FindRecordById("complaint_cases", caseId)
	rec.Set("due_interim", time.Now().Add(-time.Hour).UTC())
	if err := s.App.Save(rec); err != nil {
		t.Fatal(err)
	}
	citystaff.Remind(s.App)
	cm.Run(chromedp.Evaluate(`location.reload()`, nil))
	cm.Wait(`[...document.querySelectorAll('.cs-banner')].some(b => b.textContent.includes('Zwischennachricht ist fällig'))`, "the interim reminder")
	cm.Click(`document.querySelector('button.navbtn[data-view=complaints]')`, "the complaints again")
	cm.Wait(`!!document.querySelector('#bm-cases .cs-overdue')`, "the overdue mark")
	cm.Run(chromedp.Evaluate(`document.querySelector('#bm-cases .cs-overdue').scrollIntoView({block: 'center'})`, nil))
	cm.Screenshot("zemag-complaint-interim-due")
	cm.Click(`document.querySelector('#bm-interim-`+caseId+`')`, "Zwischennachricht versandt")
	cm.Wait(`document.querySelector('[data-case="`+caseId+`"]')?.textContent.includes('Zwischennachricht versandt am')`, "the interim notice sent")
	if tx := cm.fetchPDFText("/api/crisisroom/complaints/" + caseId + "/letter?kind=interim&to=citizen"); !strings.Contains(tx, "Zwischennachricht") || !strings.Contains(tx, "Erika Musterfrau") {
		t.Errorf("interim letter: %s", tx)
	}
	cm.Run(chromedp.SetValue(`#bm-finding-`+caseId, "partly", chromedp.ByQuery), chromedp.SendKeys(`#bm-result-`+caseId, "Der Ton war knapp, in der Sache richtig.", chromedp.ByQuery))
	cm.Click(`document.querySelector('#bm-result-send-`+caseId+`')`, "Ergebnis versenden")
	cm.Wait(`document.querySelector('[data-case="`+caseId+`"]')?.dataset.status === 'decided'`, "the decided case")
	for _, to := range []string{"citizen", "officer"} {
		if tx := cm.fetchPDFText("/api/crisisroom/complaints/" + caseId + "/letter?kind=result&to=" + to); !strings.Contains(tx, "teilweise begründet") {
			t.Errorf("result letter to %s: %s", to, tx)
		}
	}
	cm.Run(chromedp.Evaluate(`document.querySelector('[data-case="`+caseId+`"]').scrollIntoView()`, nil))
	cm.Screenshot("zemag-complaint-result")
	cm.Click(`document.querySelector('#bm-cards')`, "the contact cards")
	cm.Wait(`document.querySelectorAll('#bm-cardsheet .cs-contactcard img').length === 8`, "the cards")
	var qr string
	cm.Eval(`document.querySelector('#bm-cardsheet img').src`, &qr)
	if got, err := testkit.DecodeQRDataURL(qr); err != nil || got != "https://stadt.example/beschwerde-ordnungsdienst" {
		t.Errorf("the card's QR code: %q %v", got, err)
	}
	cm.Run(chromedp.Evaluate(`document.querySelector('#bm-cardsheet').scrollIntoView()`, nil))
	cm.Screenshot("zemag-complaint-cards")
	if v := b.CSPViolations(); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
	_ = org
}
