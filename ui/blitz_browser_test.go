package ui

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

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
