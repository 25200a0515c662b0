package testkit

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"
)

// The fixture itself: the appliance serves its UI and a real chromium renders it.
func TestServerAndBrowser(t *testing.T) {
	s := StartServer(t, Options{Demo: true})
	if s.MQTTAddr == "" {
		t.Fatal("the broker did not start")
	}
	b := NewBrowser(t)
	ctx := b.NewContext(t, 30*time.Second)
	var title string
	if err := chromedp.Run(ctx, chromedp.Navigate(s.URL+"/"), chromedp.Title(&title)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(title, "crisisroom") {
		t.Fatalf("title %q does not name the product", title)
	}
}

// The browser reports what the appliance's Content-Security-Policy refuses: a page with
// an inline script and an inline style is caught (and would fail a UI test).
func TestBrowserReportsCSPViolations(t *testing.T) {
	s := StartServer(t, Options{NoMQTT: true, Before: func(app core.App) {
		app.OnServe().BindFunc(func(se *core.ServeEvent) error {
			se.Router.GET("/csp-probe.html", func(e *core.RequestEvent) error {
				return e.HTML(200, `<!doctype html><title>probe</title><style>body{color:red}</style><script>document.title='ran'</script>`)
			})
			return se.Next()
		})
	}})
	b := NewBrowser(t)
	b.AllowCSPViolations = true
	ctx := b.NewContext(t, 30*time.Second)
	var title string
	if err := chromedp.Run(ctx, chromedp.Navigate(s.URL+"/csp-probe.html"), chromedp.Title(&title)); err != nil {
		t.Fatal(err)
	}
	if title == "ran" {
		t.Fatal("an inline script ran: no CSP on the page")
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(b.CSPViolations()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if v := b.CSPViolations(); len(v) < 2 {
		t.Fatalf("violations reported: %q", v)
	}
}
