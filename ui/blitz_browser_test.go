package ui

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"crisisroom/hooks/demo"
	"crisisroom/testkit"
)

// Several open Blitz messages leave the channel usable: the newest is shown in full, the
// others behind one summary bar ("3 Blitz offen") that expands and collapses.
func TestBlitzBannersStayCompact(t *testing.T) {
	s, b := startDemo(t)
	fw := SignIn(t, s, b, "kvogel")
	fw.OpenChannel("Hochwasser Rhein")
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	for _, body := range []string{"BLITZ eins: Deich 3", "BLITZ zwei: Deich 4", "BLITZ drei: Deich 5"} {
		if code := API(t, s, "jwagner", "POST", "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body, "priority": "flash"}, nil); code != 200 {
			t.Fatalf("post %q: %d", body, code)
		}
	}
	visible := `[...document.querySelectorAll('.flash-banner')].filter(b => b.offsetParent !== null)`
	fw.Wait(`(() => { const s = document.querySelector('.flash-summary'); return !!s && /[3-9] Blitz offen/.test(s.textContent); })()`, "the summary bar")
	fw.Wait(visible+`.length === 1 && `+visible+`[0].querySelector('.flash-body').textContent === 'BLITZ drei: Deich 5'`, "only the newest Blitz in full")
	var composer bool
	fw.Eval(`(() => { const r = document.querySelector('#composer-text').getBoundingClientRect(); return r.height > 0 && r.bottom <= window.innerHeight; })()`, &composer)
	if !composer {
		t.Error("the composer is pushed off the screen by the Blitz banners")
	}
	fw.Click(`document.querySelector('#flash-toggle')`, "show all")
	fw.Wait(visible+`.length >= 3`, "every open Blitz")
	fw.Click(`document.querySelector('#flash-toggle')`, "collapse")
	fw.Wait(visible+`.length === 1`, "collapsed again")
	fw.Screenshot("blitz-compact")
}

// An unacknowledged Blitz keeps its banner after a reload however many messages follow it
// in its channel (more than a channel's first page), and loses it after the person
// acknowledged it, also after the next reload.
func TestBlitzBannerAfterReload(t *testing.T) {
	s, b := startDemo(t)
	polIntern := s.Demo.Channels["POL intern"].Id
	// The seeded Blitz in "Hochwasser Rhein" is open for everyone: once its banner is there,
	// the list of open Blitz messages has been loaded.
	seeded := demoFlashes(t, s)[0]
	var blitz struct {
		Id string `json:"id"`
	}
	if code := API(t, s, "tkeller", "POST", "/api/collections/messages/records", map[string]any{
		"channel": polIntern, "author": s.Demo.Users["tkeller"].Id, "body": "BLITZ: Zugriff Lagerhalle 04:00", "priority": "flash"}, &blitz); code != 200 {
		t.Fatalf("post the Blitz: %d", code)
	}
	for i := 1; i <= 60; i++ {
		if code := API(t, s, "tkeller", "POST", "/api/collections/messages/records", map[string]any{
			"channel": polIntern, "author": s.Demo.Users["tkeller"].Id, "body": fmt.Sprintf("Lagemeldung %d", i)}, nil); code != 200 {
			t.Fatalf("post message %d: %d", i, code)
		}
	}
	banner := func(id string) string {
		return `!!document.querySelector('.flash-banner[data-id="` + id + `"]')`
	}
	pol := SignIn(t, s, b, "lneumann")
	pol.Run(chromedp.Reload())
	pol.Wait(`!!document.querySelector('#tenants button.tenant')`, "the app after the reload")
	pol.Wait(banner(seeded), "the seeded Blitz's banner")
	pol.Wait(banner(blitz.Id), "the banner of the Blitz followed by 60 messages")
	pol.Wait(`document.querySelector('.flash-banner[data-id="`+blitz.Id+`"] .flash-body').textContent === 'BLITZ: Zugriff Lagerhalle 04:00'`, "its text")
	pol.Screenshot("blitz-after-reload")
	pol.Click(`document.querySelector('.flash-banner[data-id="`+blitz.Id+`"] .ack-big')`, "acknowledge")
	pol.Wait(`!`+banner(blitz.Id), "the banner gone after acknowledging")
	pol.Run(chromedp.Reload())
	pol.Wait(`!!document.querySelector('#tenants button.tenant')`, "the app after the second reload")
	pol.Wait(banner(seeded), "the seeded Blitz's banner after the second reload")
	var still bool
	pol.Eval(banner(blitz.Id), &still)
	if still {
		t.Error("the acknowledged Blitz has its banner again after a reload")
	}
}

// demoFlashes: the ids of the Blitz messages stored so far, oldest first.
func demoFlashes(t *testing.T, s *testkit.Server) []string {
	t.Helper()
	recs, err := s.App.FindRecordsByFilter("messages", "priority = 'flash'", "created", 0, 0)
	if err != nil || len(recs) == 0 {
		t.Fatalf("no seeded Blitz: %v", err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.Id)
	}
	return ids
}

// bannerLayout is what a phone shows of the banners: the message list's height, the
// banner area's, and every control of a banner that is shown (buttons and the minutes of
// a call-out's answer) with its box.
type bannerLayout struct {
	List     float64         `json:"list"`
	Banners  float64         `json:"banners"`
	Viewport [2]float64      `json:"viewport"`
	Parts    map[string]int  `json:"parts"` // heights of the top bar, channel header, composer, one banner of each kind
	Controls []bannerControl `json:"controls"`
}

type bannerControl struct {
	Text   string  `json:"text"`
	Top    float64 `json:"top"`
	Bottom float64 `json:"bottom"`
	Left   float64 `json:"left"`
	Right  float64 `json:"right"`
	Height float64 `json:"height"`
	Width  float64 `json:"width"`
	Hit    bool    `json:"hit"` // a tap at its centre reaches it (not covered, not scrolled away)
}

const measureBanners = `(() => {
  const box = document.getElementById('banners').getBoundingClientRect();
  const controls = [...document.querySelectorAll('#banners button, #banners select')]
    .filter(b => b.offsetParent !== null)
    .map(b => { const r = b.getBoundingClientRect();
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      const at = document.elementFromPoint(x, y);
      return { text: b.textContent.trim().slice(0, 30) || b.getAttribute('aria-label') || b.tagName,
        top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height, width: r.width,
        hit: !!at && (at === b || b.contains(at)) }; });
  const hgt = sel => Math.round(document.querySelector(sel)?.getBoundingClientRect().height || 0);
  return { list: document.querySelector('.msglist').getBoundingClientRect().height, banners: box.height,
    parts: { top: hgt('header.top'), head: hgt('.chead'), composer: hgt('form.composer'), callout: hgt('.callout-banner'), blitz: hgt('.flash-banner') },
    viewport: [innerWidth, innerHeight], controls };
})()`

// checkBanners fails the test unless the message list keeps at least minList px and
// every control of the banners lies whole in the viewport, can be tapped and is minTap
// px or more in both directions.
func checkBanners(t *testing.T, p *Person, what string, minList, minTap float64) bannerLayout {
	t.Helper()
	var l bannerLayout
	p.Eval(measureBanners, &l)
	t.Logf("%s: message list %.0f px, banners %.0f px, viewport %v, parts %v", what, l.List, l.Banners, l.Viewport, l.Parts)
	if l.List < minList {
		t.Errorf("%s: the message list keeps %.0f px, want at least %.0f", what, l.List, minList)
	}
	for _, c := range l.Controls {
		t.Logf("  %q: %.0f–%.0f × %.0f–%.0f (%.0f×%.0f) hit=%v", c.Text, c.Left, c.Right, c.Top, c.Bottom, c.Width, c.Height, c.Hit)
		if c.Top < 0 || c.Left < 0 || c.Bottom > l.Viewport[1] || c.Right > l.Viewport[0] || !c.Hit {
			t.Errorf("%s: %q is not whole in sight or not tappable: %+v", what, c.Text, c)
		}
		if c.Height < minTap || c.Width < minTap {
			t.Errorf("%s: %q is %.0f×%.0f px, want at least %.0f×%.0f", what, c.Text, c.Width, c.Height, minTap, minTap)
		}
	}
	return l
}

// On a phone (390×844) a call-out (STAB-ALARM) and a Blitz banner together leave at least
// 400 px for the messages, and each of their buttons is whole in sight and tappable; so
// with a second Blitz (a summary "2 Blitz offen" then) and after the details of one are
// opened. "Im Kanal zeigen" shows the Blitz in its channel, "Bestätigen" ends its banner.
func TestBlitzAndCalloutBannersOnAPhone(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	pol := Open(t, s, b, "lneumann")
	pol.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	pol.SignInForm("lneumann", demo.Password)
	pol.OpenChannel("Hochwasser Rhein")
	if code := API(t, s, "jwagner", "POST", "/api/crisisroom/callouts", map[string]any{
		"text": "Lagebesprechung 03:30 im Rathaus, Großer Saal. Bitte mit Dienstausweis.", "priority": "flash",
		"users": []string{s.Demo.Users["lneumann"].Id}}, nil); code != 200 {
		t.Fatalf("start the call-out: %d", code)
	}
	pol.Wait(`!!document.querySelector('.callout-banner [data-answer="coming"]')`, "the call-out banner")
	pol.Wait(`document.querySelectorAll('.flash-banner').length === 1`, "the seeded Blitz's banner")
	checkBanners(t, pol, "a call-out and a Blitz", 400, 44)
	pol.Screenshot("blitz-phone-callout-and-blitz")

	var second struct {
		Id string `json:"id"`
	}
	if code := API(t, s, "tkeller", "POST", "/api/collections/messages/records", map[string]any{
		"channel": flood, "author": s.Demo.Users["tkeller"].Id, "body": "BLITZ Polizei: Rheinufer ab sofort gesperrt, Umleitung über die Nord-Süd-Fahrt.", "priority": "flash"}, &second); code != 200 {
		t.Fatalf("post the second Blitz: %d", code)
	}
	pol.Wait(`/2 Blitz offen/.test(document.querySelector('.flash-summary')?.textContent || '')`, "the summary of two Blitz messages")
	checkBanners(t, pol, "a call-out and two Blitz messages", 400, 44)
	pol.Screenshot("blitz-phone-callout-and-two")

	// The call-out's details by keyboard: its text is a button that opens "Ich komme nicht".
	pol.Run(chromedp.Focus(`.callout-banner .flash-body`, chromedp.ByQuery), chromedp.KeyEvent("\r"))
	pol.Wait(`document.querySelector('.callout-banner').classList.contains('expanded') && document.querySelector('.callout-banner .flash-body').getAttribute('aria-expanded') === 'true' && document.querySelector('.callout-banner [data-answer="declined"]').offsetParent !== null`, "the call-out's details by keyboard")
	checkBanners(t, pol, "the call-out's details", 844/4, 44)
	pol.Screenshot("blitz-phone-callout-details")
	pol.Run(chromedp.KeyEvent("\r"))
	pol.Wait(`!document.querySelector('.callout-banner').classList.contains('expanded')`, "the call-out's details closed again")

	// The text of the newest Blitz opened in full (a choice of the person, undone by the
	// same tap): its buttons stay in sight, the messages keep a quarter of the screen.
	pol.Click(`document.querySelector('.flash-banner[data-id="`+second.Id+`"] .flash-body')`, "the Blitz text")
	pol.Wait(`document.querySelector('.flash-banner[data-id="`+second.Id+`"]').classList.contains('expanded')`, "the Blitz text in full")
	checkBanners(t, pol, "the Blitz text in full", 844/4, 44)
	pol.Screenshot("blitz-phone-expanded")

	pol.Click(`[...document.querySelectorAll('.flash-banner[data-id="`+second.Id+`"] button')].find(b => b.textContent.includes('Im Kanal zeigen'))`, "Im Kanal zeigen")
	pol.Wait(`document.querySelector('article.msg[data-id="`+second.Id+`"]')?.classList.contains('flashy')`, "the Blitz shown in its channel")
	pol.Click(`document.querySelector('.flash-banner[data-id="`+second.Id+`"] .ack-big')`, "Bestätigen")
	pol.Wait(`!document.querySelector('.flash-banner[data-id="`+second.Id+`"]') && !document.querySelector('.flash-summary')`, "one Blitz left, no summary")
	checkBanners(t, pol, "after acknowledging", 400, 44)

	// A laptop keeps its layout: each banner one line with every button (40 px, a mouse).
	pol.Run(chromedp.EmulateViewport(1366, 768))
	pol.Wait(`[...document.querySelectorAll('#banners .callout-banner [data-answer="declined"], #banners .flash-banner .show-in-channel')].filter(b => b.offsetParent !== null).length === 2`, "every button on a laptop")
	checkBanners(t, pol, "a laptop", 768*2/5, 40)
	pol.Screenshot("blitz-laptop-callout-and-blitz")
}
