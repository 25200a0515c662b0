package ui

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"crisisroom/hardware/faxgateway"
	"crisisroom/testkit"
)

// The demo's simulated fax rings: the fax appears live in the shared channel with its
// pages as pictures; in the fax view the operator sees it, sends a text as a fax and
// watches it go from waiting to sent without reloading.
func TestFaxArrivesLiveAndGoesOut(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	dev, err := s.App.FindFirstRecordByData("devices", "username", faxgateway.DemoFaxUsername)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 15*time.Second, "the demo fax line never became idle", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return d != nil && d.GetString("state") == "idle"
	})

	b := testkit.NewBrowser(t)
	p := SignIn(t, s, b, "jwagner")
	p.Run(chromedp.EmulateViewport(1280, 900))
	p.SwitchTenant("KS")
	p.OpenChannel("Hochwasser Rhein")

	if code := API(t, s, "jwagner", "POST", "/api/crisisroom/fax/"+dev.Id+"/test-ring", nil, nil); code != 202 {
		t.Fatalf("test ring: %d", code)
	}
	const body = "Fax von +49 221 229 0, 2 Seiten"
	p.Wait(HasMessage(body), "the fax message in the channel", 40*time.Second)
	// Both pages arrive as pictures that really load, and the PDF is linked.
	p.Wait(`(() => { const m = [...document.querySelectorAll('article.msg[data-id]')].find(a => a.querySelector('.body')?.textContent === `+JSString(body)+`);
		if (!m) return false;
		const imgs = [...m.querySelectorAll('img.thumb')];
		return imgs.length === 2 && imgs.every(i => i.complete && i.naturalWidth === 864) && [...m.querySelectorAll('a.att')].some(a => a.title.endsWith('.pdf'));
	})()`, "the fax pages as pictures in the message", 20*time.Second)
	p.Run(chromedp.Evaluate(`[...document.querySelectorAll('article.msg[data-id]')].pop().scrollIntoView()`, nil))
	p.Screenshot("fax-channel")

	// The fax view: the received fax with its pages, then a fax of one's own text.
	p.Run(chromedp.Evaluate(`location.hash = '#fax'`, nil))
	p.Wait(`(() => { const f = document.querySelector('article.fax[data-direction="in"]');
		return !!f && f.dataset.status === 'received' && [...f.querySelectorAll('.fax-pages img')].filter(i => i.complete && i.naturalWidth > 0).length === 2; })()`,
		"the received fax in the fax view")
	p.Wait(`!!document.querySelector('#fax-device option') && !!document.querySelector('#fax-test-ring')`, "the send form with the room's fax")
	p.Run(chromedp.SendKeys(`#fax-number`, "0221 9876", chromedp.ByQuery),
		chromedp.SendKeys(`#fax-text`, "Bitte Sandsäcke an die Uferstraße.", chromedp.ByQuery),
		chromedp.Click(`#fax-submit`, chromedp.ByQuery))
	p.Wait(`!!document.querySelector('article.fax[data-direction="out"]')`, "the outgoing fax in the list")
	p.Wait(`document.querySelector('article.fax[data-direction="out"]')?.dataset.status === 'sent'`, "the outgoing fax marked sent, live", 30*time.Second)
	p.Wait(`document.querySelector('article.fax[data-direction="out"] .fax-status')?.textContent === 'Gesendet'`, "the German status")
	p.Run(chromedp.EmulateViewport(1280, 1700))
	p.Wait(`!document.querySelector('.toast')`, "the notice to fade", 10*time.Second)
	p.Screenshot("fax")

	// The channel hears of it too.
	n, err := s.App.CountRecords("messages")
	if err != nil || n == 0 {
		t.Fatal(err)
	}
	if c := countMessages(t, s, "Fax an 0221 9876 gesendet (1 Seite)"); c != 1 {
		t.Fatalf("%d system messages about the sent fax", c)
	}
}
