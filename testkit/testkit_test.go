package testkit

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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
