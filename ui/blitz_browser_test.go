package ui

import (
	"testing"
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
