package ui

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"crisisroom/hooks/enrolment"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// First start: the setup link from the terminal creates the crisis staff and its admin,
// who lands signed in in the app.
func TestFirstSetupSignsTheAdminIn(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{NoMQTT: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	p := &Person{Ctx: b.NewContext(t, 60*time.Second), Username: "setup", t: t}
	p.logConsole()
	p.Run(chromedp.Navigate(s.URL+"/setup.html#"+enrolment.SetupToken()), chromedp.WaitVisible(`#name`, chromedp.ByQuery))
	p.Wait(`document.querySelector('#token').value.length > 0 && document.querySelector('label[for=token]').textContent.includes('Einrichtungscode')`, "the code from the link and German labels")
	p.Run(chromedp.SendKeys(`#name`, "Anna Becker", chromedp.ByQuery),
		chromedp.SendKeys(`#username`, "abecker", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, "sehr-geheim-2026", chromedp.ByQuery))
	p.Screenshot("setup")
	p.Run(chromedp.Click(`#f button[type=submit]`, chromedp.ByQuery))
	p.Wait(`[...document.querySelectorAll('button.tenant .tenant-short')].some(e => e.textContent === 'KS')`, "the new admin signed in, in the crisis staff", 20*time.Second)
	if tenancy.HostOrganisation(s.App) == nil {
		t.Fatal("no host organisation on the server")
	}
}
