package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"crisisroom/testkit"
)

// An operator sounds the staff room's alarm light (a simulated Shelly of the demo) with
// the hold-to-sound button, sees the device confirm it live, and stops it; a second
// operator adds a device and gets its credentials once, with a QR code.
func TestSirensAndDevicesViews(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	p := SignIn(t, s, b, "mschulz")
	p.Run(chromedp.EmulateViewport(1280, 900))
	p.Wait(`!!document.querySelector('button.navbtn[data-view=sirens]')`, "the Sirens entry")
	p.Click(`document.querySelector('button.navbtn[data-view=sirens]')`, "sirens")
	p.Wait(`!!document.querySelector('#siren-form')`, "the siren form")
	// The demo's relay must be online before the appliance lets it sound.
	p.Wait(`(async () => { const r = await fetch('/api/collections/devices/records?filter=' + encodeURIComponent("username='alarmleuchte-stab'"), {headers: {Authorization: JSON.parse(localStorage.pocketbase_auth).token}}).then(r => r.json()); return r.items[0] && r.items[0].online; })()`, "the demo relay online", 20*time.Second)
	p.Click(`document.querySelector('button.navbtn[data-view=messages]')`, "messages")
	p.Click(`document.querySelector('button.navbtn[data-view=sirens]')`, "sirens")
	p.Wait(`!!document.querySelector('#siren-device')`, "the siren form again")
	var picked bool
	p.Eval(`(() => { const s = document.querySelector('#siren-device'); const o = [...s.options].find(o => o.textContent.startsWith('Alarmleuchte Stabsraum')); if (!o) return false; s.value = o.value;
		document.querySelector('input[name=signal][value=room_alarm]').click(); return true; })()`, &picked)
	if !picked {
		t.Fatal("the demo relay is not in the list")
	}
	p.Run(chromedp.Click(`#siren-form button[type=submit]`, chromedp.ByQuery))
	p.Wait(`!!document.querySelector('#siren-hold')`, "the confirmation dialog")
	var text string
	p.Run(chromedp.Text(`dialog.dlg .dlg-body`, &text, chromedp.ByQuery))
	if !strings.Contains(text, "Raumalarm") || !strings.Contains(text, "„Stabsraum“") {
		t.Fatalf("the dialog does not name signal and zone: %q", text)
	}
	// The hold button is visible before it is touched: its label stands out from its
	// background (WCAG 2.x contrast ratio of at least 4.5:1).
	if ratio := p.Contrast(`#siren-hold span`); ratio < 4.5 {
		t.Fatalf("the hold button's label has a contrast of %.2f:1 against its background", ratio)
	}
	// A click is not enough: nothing is sounded.
	p.Run(chromedp.Click(`#siren-hold`, chromedp.ByQuery))
	var n int
	p.Eval(`document.querySelectorAll('#sirens-running .act').length`, &n)
	if n != 0 {
		t.Fatal("a click sounded the siren")
	}
	p.Eval(`(() => { document.querySelector('#siren-hold').dispatchEvent(new PointerEvent('pointerdown', {bubbles: true})); return 0; })()`, &n)
	p.Wait(`!!document.querySelector('#sirens-running .act[data-state=on]')`, "the running activation", 10*time.Second)
	p.Wait(`document.querySelector('#sirens-running .device-confirmed')?.textContent.includes('✔')`, "the device's confirmation", 15*time.Second)
	p.Screenshot("sirens")
	p.Run(chromedp.Click(`#sirens-running .btn.stop`, chromedp.ByQuery))
	p.Wait(`!document.querySelector('#sirens-running .act')`, "the stop", 10*time.Second)
	p.Wait(`document.querySelector('#siren-history tr[data-activation] .state-badge')?.textContent === 'gestoppt'`, "stopped in the history")

	p.Click(`document.querySelector('button.navbtn[data-view=devices]')`, "devices")
	p.Wait(`!!document.querySelector('#device-form') && document.querySelectorAll('#devices tr[data-device]').length >= 3`, "the devices view")
	p.Wait(`document.querySelector('#devices tr[data-username=alarmleuchte-stab] .dev-presence')?.dataset.online === '1'`, "the relay shown online")
	p.Run(chromedp.SendKeys(`#device-form input`, "Sirene Hafen", chromedp.ByQuery))
	p.Eval(`(() => { const f = document.querySelector('#device-form'); const sel = f.querySelectorAll('select'); sel[0].value = 'siren'; sel[0].dispatchEvent(new Event('change')); return 0; })()`, &n)
	p.Run(chromedp.Click(`#device-form button[type=submit]`, chromedp.ByQuery))
	p.Wait(`!!document.querySelector('#cred-password') && document.querySelector('img.creds-qr')?.naturalWidth > 0`, "the credentials with QR")
	var user, pw string
	p.Run(chromedp.Text(`#cred-username`, &user, chromedp.ByQuery), chromedp.Text(`#cred-password`, &pw, chromedp.ByQuery))
	if user != "sirene-hafen" || len(pw) < 20 {
		t.Fatalf("credentials %q %q", user, pw)
	}
	p.Screenshot("devices-credentials")

	p.Run(chromedp.KeyEvent("\x1b"))
	p.Wait(`!document.querySelector('dialog.dlg')`, "the dialog closed")

	// S2 writes the situation; the item is on the list at once.
	p.Click(`document.querySelector('button.navbtn[data-view=situation]')`, "situation")
	p.Wait(`document.querySelectorAll('#situation-items .sit-item').length >= 3`, "the demo situation items")
	p.Run(chromedp.SendKeys(`form.sit-edit input`, "Pegel Rhein 9,20 m", chromedp.ByQuery),
		chromedp.SendKeys(`form.sit-edit textarea`, "Steigend, Scheitel 9,60 m erwartet.", chromedp.ByQuery),
		chromedp.Click(`form.sit-edit button[type=submit]`, chromedp.ByQuery))
	p.Wait(`[...document.querySelectorAll('#situation-items .sit-item h3')].some(h => h.textContent === 'Pegel Rhein 9,20 m')`, "the new item")
	p.Screenshot("situation")

	// Another organisation's member reads the situation but gets no form.
	q := SignIn(t, s, b, "lneumann")
	q.Wait(`!!document.querySelector('button.navbtn[data-view=situation]') && !document.querySelector('button.navbtn[data-view=sirens]') && !document.querySelector('button.navbtn[data-view=devices]')`, "the views of a police member")
	q.Run(chromedp.Click(`button.navbtn[data-view=situation]`, chromedp.ByQuery))
	q.Wait(`[...document.querySelectorAll('#situation-items .sit-item h3')].some(h => h.textContent === 'Pegel Rhein 9,20 m') && !document.querySelector('form.sit-edit')`, "the read-only situation")
}
