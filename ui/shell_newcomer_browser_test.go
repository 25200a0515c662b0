package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"crisisroom/hooks/demo"
	"crisisroom/testkit"
)

// navFitJS: the areas of the top bar in one row, every shown one inside the bar and on
// one line (icon beside its word), none under the tools, and every area either shown or
// in "Mehr ▾". It returns the problems.
const navFitJS = `(() => {
  const bad = [], hdr = document.querySelector('header.top').getBoundingClientRect();
  const nav = document.querySelector('#views').getBoundingClientRect(), tools = document.querySelector('header.top .tools').getBoundingClientRect();
  const shown = [...document.querySelectorAll('#views button.navbtn:not([hidden]), #views #nav-more:not([hidden])')];
  for (const b of shown) {
    const r = b.getBoundingClientRect(), name = b.dataset.view || 'more';
    if (r.left < nav.left - 0.5 || r.right > nav.right + 0.5 || r.top < hdr.top || r.bottom > hdr.bottom) bad.push(name + ' outside the bar ' + JSON.stringify([r.left, r.right, nav.left, nav.right]));
    if (innerWidth > 760 && r.right > tools.left + 0.5 && r.top < tools.bottom && r.bottom > tools.top) bad.push(name + ' under the tools');
    if (r.height > 50) bad.push(name + ' wraps (' + r.height + ' px high)');
    const lbl = b.querySelector('.navlbl'), svg = b.querySelector('svg');
    if (lbl && svg && lbl.getClientRects().length && lbl.getBoundingClientRect().width > 2 && lbl.getBoundingClientRect().top >= svg.getBoundingClientRect().bottom - 2) bad.push(name + ': word under the icon');
  }
  if (innerWidth > 760 && hdr.height > 72) bad.push('the bar is ' + hdr.height + ' px high');
  if (document.documentElement.scrollWidth > innerWidth) bad.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
  const hidden = [...document.querySelectorAll('#views button.navbtn[hidden]')].map(b => b.dataset.view);
  if (hidden.length && document.querySelector('#nav-more').hidden) bad.push('areas hidden without "Mehr": ' + hidden);
  return { bad, shown: shown.length, hidden };
})()`

// A newcomer's findings about the shell: the operator's top bar at 1366×768 with two
// chips fits in one row with words and a "Mehr" menu, distinct icons; the Blitz and the
// call-out banner together take at most a quarter of the height (laptop and phone); read
// receipts read "gelesen: 3 von 12" and the reminder's toast is above the dialog; message
// actions keep one order; deleting a journaled Blitz says the ETB entry stays; times are
// German 24 h in Berlin time in a browser set to en-US and UTC.
func TestShellNewcomerFindings(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	fmC, leC, jwC, sbC := s.As(t, "phoffmann"), s.As(t, "abecker"), s.As(t, "jwagner"), s.As(t, "sbraun")
	fns := map[string]string{}
	var fl struct{ Functions []struct{ Id, Code string } }
	leC.Do(t, "GET", "/api/crisisroom/functions", nil).Decode(t, &fl)
	for _, f := range fl.Functions {
		fns[f.Code] = f.Id
	}
	// Two incoming forms for S2 ("Eingang: 2") and the briefing countdown: both chips.
	for i := 1; i <= 2; i++ {
		var in struct{ Id string }
		fmC.Do(t, "POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "counterpart": "Florian Köln " + fmt.Sprint(i),
			"sender": "Feuerwehr", "subject": "Pegel " + fmt.Sprint(i), "text": "Pegel steigt."}).Decode(t, &in)
		leC.Do(t, "POST", "/api/crisisroom/forms/"+in.Id+"/distribute", map[string]any{"lead": fns["Leiter"], "info": []string{fns["S2"]}})
	}
	briefing := time.Now().Add(28 * time.Minute).Truncate(time.Minute)
	leC.Do(t, "POST", "/api/crisisroom/briefing", map[string]any{"at": briefing.UTC().Format(time.RFC3339)})
	// A Blitz for jwagner and a call-out of him: both banners open.
	sbC.Do(t, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["sbraun"].Id, "priority": "flash",
		"body": "Deich bei km 3,4 gibt nach, Evakuierung der Uferstraße läuft, bitte Busse über die B 9 anfordern und Polizei zur Absperrung schicken."})
	leC.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Lagebesprechung 21:00 im Rathaus, Großer Saal", "users": []string{s.Demo.Users["jwagner"].Id}})

	// jwagner's browser speaks en-US and its clock is in UTC, as on many kiosk boxes.
	ctx := b.NewContext(t, 150*time.Second)
	jw := &Person{Ctx: ctx, Username: "jwagner", t: t}
	jw.logConsole()
	jw.Run(emulation.SetLocaleOverride().WithLocale("en-US"), emulation.SetTimezoneOverride("UTC"),
		chromedp.EmulateViewport(1366, 768), chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(`#identity`, chromedp.ByQuery))
	jw.SignInForm("jwagner", demo.Password)
	berlin, _ := time.LoadLocation("Europe/Berlin")

	check := func(p *Person, name string) {
		var r struct {
			Bad    []string
			Shown  int
			Hidden []string
		}
		p.Eval(navFitJS, &r)
		if len(r.Bad) > 0 || r.Shown < 2 {
			p.t.Errorf("%s: top bar: %v (%d shown)", name, r.Bad, r.Shown)
		}
		if len(r.Hidden) > 0 {
			p.Click(`document.querySelector('#nav-more')`, "Mehr")
			var inMenu []string
			p.Eval(`[...document.querySelectorAll('#nav-menu button[data-view]')].map(b => b.dataset.view)`, &inMenu)
			if strings.Join(inMenu, ",") != strings.Join(r.Hidden, ",") {
				p.t.Errorf("%s: the menu lists %v, hidden are %v", name, inMenu, r.Hidden)
			}
			p.Screenshot(name + "-more")
			p.Click(`document.querySelector('#nav-more')`, "Mehr again")
			p.Wait(`!document.querySelector('#nav-menu')`, "the menu closed")
		}
	}

	t.Run("top bar at 1366×768 with two chips", func(t *testing.T) {
		jw.t = t
		jw.Wait(`!!document.querySelector('.forms-q[data-queue=eingang]') && /2/.test(document.querySelector('.forms-q[data-queue=eingang]').textContent) && !!document.querySelector('.forms-brief')`, "both chips")
		jw.Click(`document.querySelector('button.navbtn[data-view=journal]')`, "Einsatztagebuch")
		jw.Wait(`document.querySelector('main#view').className === 'view-journal'`, "the ETB")
		time.Sleep(150 * time.Millisecond) // the ResizeObserver's turn
		// Words from 1280 px, distinct icons for Sirenen and Stab alarmieren.
		var words bool
		jw.Eval(`[...document.querySelectorAll('#views button.navbtn:not([hidden]) .navlbl')].every(l => l.getBoundingClientRect().width > 10)`, &words)
		if !words {
			t.Error("an area shows no word at 1366 px")
		}
		var same bool
		jw.Eval(`(() => { const a = document.querySelector('[data-view=sirens] svg'), c = document.querySelector('[data-view=callout] svg'); return !!a && !!c && a.innerHTML === c.innerHTML; })()`, &same)
		if same {
			t.Error("Sirenen and Stab alarmieren share an icon")
		}
		var brief string
		jw.Eval(`document.querySelector('.forms-brief').textContent`, &brief)
		if want := briefing.In(berlin).Format("15:04"); !strings.Contains(brief, want) {
			t.Errorf("briefing chip %q, want Berlin time %s in 24 h", brief, want)
		}
		jw.Screenshot("shell-topbar-1366")
		check(jw, "shell-topbar-1366")
	})

	t.Run("Blitz and call-out banners take at most a quarter", func(t *testing.T) {
		jw.t = t
		jw.Wait(`!!document.querySelector('#banners .callout-banner') && !!document.querySelector('#banners .flash-banner')`, "both banners")
		var r struct{ Box, Max float64 }
		jw.Eval(`({ box: document.querySelector('#banners').getBoundingClientRect().height, max: Math.max(...[...document.querySelectorAll('#banners .callout-banner, #banners .flash-banner, #banners .flash-summary')].map(e => e.getBoundingClientRect().height)) })`, &r)
		if r.Box > 768/4+1 || r.Max > 64 {
			t.Errorf("banners %v px (one up to %v px) of 768", r.Box, r.Max)
		}
		jw.Screenshot("shell-banners-1366")
		jw.Click(`document.querySelector('#banners .callout-banner .flash-body')`, "the call-out text")
		jw.Wait(`document.querySelector('#banners .callout-banner').classList.contains('expanded')`, "the whole text")
		jw.Click(`document.querySelector('#banners .callout-banner .flash-body')`, "the call-out text again")
	})

	t.Run("times in German 24 h Berlin time in an en-US browser in UTC", func(t *testing.T) {
		jw.t = t
		var rec struct{ Id, Created string }
		jwC.Do(t, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": "Zeitprobe", "ack_required": true}).Decode(t, &rec)
		jw.Click(`document.querySelector('button.navbtn[data-view=messages]')`, "Nachrichten")
		jw.OpenChannel("Hochwasser Rhein")
		jw.Wait(`!!document.querySelector('article.msg[data-id="`+rec.Id+`"] time')`, "the message")
		created, err := time.Parse("2006-01-02 15:04:05.000Z", rec.Created)
		if err != nil {
			t.Fatal(err)
		}
		var shown string
		jw.Eval(`document.querySelector('article.msg[data-id="`+rec.Id+`"] time').textContent`, &shown)
		if want := created.In(berlin).Format("15:04"); shown != want {
			t.Errorf("message time %q, want %q (Berlin, 24 h)", shown, want)
		}

		// Receipts read "gelesen: n von m"; the reminder's toast is above the dialog.
		jw.Click(`document.querySelector('article.msg[data-id="`+rec.Id+`"] button.receipts')`, "the receipts")
		var line string
		jw.Wait(`/^gelesen: \d+ von \d+ · bestätigt: \d+ von \d+$/.test(document.querySelector('article.msg[data-id="`+rec.Id+`"] button.receipts').textContent.trim())`, `"gelesen: n von m"`)
		jw.Eval(`document.querySelector('article.msg[data-id="`+rec.Id+`"] button.receipts').textContent`, &line)
		jw.Wait(`!!document.querySelector('#remind') && !document.querySelector('#remind').hidden`, "the remind button")
		jw.Click(`document.querySelector('#remind')`, "Erinnern")
		jw.Wait(`!!document.querySelector('.toast')`, "the toast")
		var top bool
		jw.Eval(`(() => { const el = [...document.querySelectorAll('.toast')].pop(), r = el.getBoundingClientRect(); const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return !!hit && !!hit.closest('.toast'); })()`, &top)
		if !top {
			var hit string
			jw.Eval(`(() => { const el = [...document.querySelectorAll('.toast')].pop(), r = el.getBoundingClientRect(); const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); return (hit ? hit.outerHTML.slice(0, 120) : 'null') + ' open:' + document.querySelector('.toasts').matches(':popover-open') + ' ' + JSON.stringify(r); })()`, &hit)
			t.Error("the toast is not the topmost element at its centre: " + hit)
		}
		var buf []byte
		jw.Run(chromedp.CaptureScreenshot(&buf))
		_ = os.WriteFile(ScreenshotPath(t, "shell-remind-toast-1366"), buf, 0o644)
		jw.Run(chromedp.Evaluate(`document.querySelector('dialog[open]')?.close()`, nil))
	})

	t.Run("one order of message actions; deleting a journaled Blitz", func(t *testing.T) {
		jw.t = t
		var rec struct{ Id string }
		jwC.Do(t, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "priority": "flash", "body": "Eigener Blitz"}).Decode(t, &rec)
		jw.Wait(`!!document.querySelector('article.msg[data-id="`+rec.Id+`"]')`, "the own Blitz")
		var orders []string
		jw.Eval(`[...document.querySelectorAll('article.msg .actions')].map(a => [...a.querySelectorAll('[data-action]')].map(b => b.dataset.action).join(','))`, &orders)
		rank := map[string]int{"pin": 1, "forward": 2, "form-capture": 3, "form-order": 4}
		for _, o := range orders {
			last := 0
			for _, id := range strings.Split(o, ",") {
				if r := rank[id]; r != 0 {
					if r < last {
						t.Errorf("actions out of order: %s", o)
					}
					last = r
				}
			}
		}
		jw.Click(`[...document.querySelectorAll('article.msg[data-id="`+rec.Id+`"] .actions button')].find(b => b.textContent === 'Löschen')`, "Löschen")
		jw.Wait(`!!document.querySelector('dialog[open]') && /Einsatztagebuch/.test(document.querySelector('dialog[open]').textContent)`, "the question naming the ETB entry")
		jw.Run(chromedp.Evaluate(`document.querySelector('dialog[open]')?.close()`, nil))
	})

	t.Run("phone 390×844: a menu, banners a quarter", func(t *testing.T) {
		jw.t = t
		jw.Run(chromedp.EmulateViewport(390, 844))
		time.Sleep(200 * time.Millisecond)
		var box float64
		jw.Eval(`document.querySelector('#banners').getBoundingClientRect().height`, &box)
		if box > 844/4+1 {
			t.Errorf("banners %v px of 844", box)
		}
		jw.Screenshot("shell-phone-390")
		check(jw, "shell-phone-390")
	})
}
