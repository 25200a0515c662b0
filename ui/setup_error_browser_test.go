package ui

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"crisisroom/apperr"
	"crisisroom/testkit"
)

// A refused setup (a wrong code from the link) reads in the page's language only, the
// catalogue's text of the answer's code, not "Deutsch / English".
func TestSetupRefusalInOneLanguage(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{NoMQTT: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	p := &Person{Ctx: b.NewContext(t, 60*time.Second), Username: "setup", t: t}
	p.logConsole()
	p.Run(chromedp.Navigate(s.URL+"/setup.html#falscher-code"), chromedp.WaitVisible(`#name`, chromedp.ByQuery))
	p.Run(chromedp.SendKeys(`#name`, "Anna Becker", chromedp.ByQuery),
		chromedp.SendKeys(`#username`, "abecker", chromedp.ByQuery),
		chromedp.SendKeys(`#password`, "sehr-geheim-2026", chromedp.ByQuery),
		chromedp.Click(`#f button[type=submit]`, chromedp.ByQuery))
	want := apperr.T("enrolment.setup_link_not_valid").DE
	p.Wait(`document.querySelector('#msg.error')?.textContent === `+strconv.Quote(want), "the refusal in German only", 20*time.Second)
	p.Run(chromedp.ScrollIntoView(`#msg`, chromedp.ByQuery))
	p.Screenshot("setup-refused")
}
