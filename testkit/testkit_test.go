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

// The client sends JSON and multipart bodies and returns headers; the query counter
// sees the statements a request runs.
func TestClientFormsHeadersAndQueryCount(t *testing.T) {
	s := StartServer(t, Options{Demo: true, NoMQTT: true, CountQueries: true})
	before := s.Queries()
	r := s.As(t, "abecker").Do(t, "GET", "/api/crisisroom/me", nil)
	if r.Status != 200 || r.Map() == nil || r.Header.Get("Content-Type") == "" {
		t.Fatalf("/me: %s %v", r, r.Header)
	}
	if s.Queries() <= before {
		t.Fatalf("no SQL statement counted for /me (%d before, %d after)", before, s.Queries())
	}
	form := NewForm(t, map[string]string{"title": "Lagekarte"}, "file", "karte.txt", []byte("x"))
	if !strings.HasPrefix(form.ContentType(), "multipart/form-data; boundary=") || len(form.Bytes()) == 0 {
		t.Fatalf("form: %q", form.ContentType())
	}
	// A multipart body reaches the API as a form: nobody may create a board item.
	if r := (Client{Base: s.URL}).Do(t, "POST", "/api/collections/board_items/records", form); r.Status/100 == 2 {
		t.Fatalf("anonymous create: %s", r)
	}
	if _, err := (Client{Base: "http://127.0.0.1:1"}).Try("GET", "/", nil); err == nil {
		t.Fatal("Try to a closed port: no error")
	}
}
