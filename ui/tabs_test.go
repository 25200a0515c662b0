package ui

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"crisisroom/hooks/demo"
	"crisisroom/testkit"
)

// Tab opens a chromium of its own for username at width×height, shows the sign-in page
// and signs username in (demo password) unless username is "". (Browser contexts inside
// one chromium would be cheaper, but Debian's headless chromium refuses to open a tab in
// a second context: "no browser is open".) Resize later with chromedp.EmulateViewport.
func Tab(t testing.TB, b *testkit.Browser, s *testkit.Server, username string, width, height int64) *Person {
	t.Helper()
	ctx := b.NewContext(t, 170*time.Second)
	p := &Person{Ctx: ctx, Username: username, t: t}
	p.logConsole()
	p.Run(chromedp.EmulateViewport(width, height), chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(`#identity`, chromedp.ByQuery))
	if username != "" {
		p.SignInForm(username, demo.Password)
	}
	return p
}
