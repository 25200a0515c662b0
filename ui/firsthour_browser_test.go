package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"crisisroom/testkit"
)

// buttonContrastJS lists the visible buttons (and links styled as buttons) of the page
// whose label has a WCAG 2.x contrast below 4.5:1 against the first opaque background
// behind it (3:1 for large text: 24 px, or 18.66 px bold).
const buttonContrastJS = `(() => {
  const rgb = s => (s.match(/[0-9.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bad = [];
  let seen = 0;
  for (const el of document.querySelectorAll('button, a.btn, a.button, label.prio-opt span')) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden' || el.disabled) continue;
    const text = (el.textContent || '').trim();
    if (!text && !el.querySelector('svg')) continue;
    const cs = getComputedStyle(el);
    if (parseFloat(cs.opacity) < 0.5) continue;
    seen++;
    let bg = null;
    for (let n = el; n && !bg; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length === 3 || (c.length >= 4 && c[3] > 0.5)) bg = c; }
    bg = bg || [255, 255, 255];
    const a = lum(rgb(cs.color)), b = lum(bg);
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) bad.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + String(el.className).split(' ').join('.')) + ' "' + text.slice(0, 30) + '" ' + ratio.toFixed(2) + ':1');
  }
  return { seen, bad };
})()`

// The first-hour fixes of issue 18 at a laptop (1366×768) and a phone (390×844), with
// screenshots: the top bar in one row, the unread badge beside the short name, read
// receipts sorted and filtered with a reminder, attachments opened with a fresh token and
// an error page in the user's language, device history in words, every button readable,
// the language switch and the composer's hint on a phone, the second operator's banner,
// tables as cards and the siren's STOPP in sight on a phone, a new organisation led to its
// shared channel, the history kept offline, and "Neue Gruppe" keeping whom it picked.
func TestFirstHourFixes(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	jw := Tab(t, b, s, "jwagner", 1366, 768)
	ms := Tab(t, b, s, "mschulz", 390, 844)
	tk := Tab(t, b, s, "tkeller", 1366, 768)
	for _, p := range []*Person{jw, ms, tk} {
		// Demo Blitz banners would cover what is looked at: acknowledge them first.
		p.Wait(`(async () => { for (const b of document.querySelectorAll('.flash-banner .ack-big')) b.click(); return !document.querySelector('.flash-banner'); })()`, "the demo Blitz acknowledged", 30*time.Second)
	}

	t.Run("top bar in one row at 1366 px, badge beside the short name", func(t *testing.T) {
		jw.t = t
		jw.Wait(`(() => { const h = document.querySelector('header.top'); const kids = [...h.children].filter(e => e.getClientRects().length);
			const tops = kids.map(e => e.getBoundingClientRect().top); return h.getBoundingClientRect().height < 80 && Math.max(...tops) - Math.min(...tops) < 24; })()`, "the top bar in one row")
		var overlap bool
		jw.Eval(`(() => { const b = document.querySelector('button.tenant'); b.querySelector('.badge')?.remove(); const g = document.createElement('span'); g.className = 'badge'; g.textContent = '99+'; b.append(g);
			const r1 = b.querySelector('.tenant-short').getBoundingClientRect(), r2 = g.getBoundingClientRect();
			const o = !(r2.left >= r1.right || r2.right <= r1.left || r2.top >= r1.bottom || r2.bottom <= r1.top); return o; })()`, &overlap)
		if overlap {
			t.Error(`the "99+" badge covers the organisation's short name`)
		}
		jw.Screenshot("firsthour-topbar-1366")
	})

	t.Run("read receipts sorted, filtered, remind", func(t *testing.T) {
		jw.t = t
		body := fmt.Sprintf("Bitte bestätigen: Lage 18:00 %d", time.Now().UnixNano())
		var rec struct{ Id string }
		if code := API(t, s, "jwagner", "POST", "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body, "ack_required": true}, &rec); code != 200 {
			t.Fatalf("post: %d", code)
		}
		if code := API(t, s, "kvogel", "POST", "/api/crisisroom/messages/"+rec.Id+"/ack", map[string]any{}, nil); code != 200 {
			t.Fatalf("kvogel's acknowledgement: %d", code)
		}
		jw.OpenChannel("Hochwasser Rhein")
		jw.Click(fmt.Sprintf(`[...document.querySelectorAll('article.msg[data-id]')].find(a => a.querySelector('.body')?.textContent === %q)?.querySelector('button.receipts')`, body), "the receipts of the message")
		jw.Wait(`document.querySelectorAll('table.receipts tbody tr').length >= 3`, "the receipts dialog")
		var order []string
		jw.Eval(`[...document.querySelectorAll('table.receipts tbody tr')].map(r => r.dataset.missing)`, &order)
		seenDone := false
		for _, m := range order {
			if m == "0" {
				seenDone = true
			} else if seenDone {
				t.Fatalf("those still missing are not listed first: %v", order)
			}
		}
		if !seenDone || order[0] != "1" {
			t.Fatalf("want the missing first and kvogel acknowledged: %v", order)
		}
		jw.Click(`document.querySelector('#receipts-missing')`, "the filter")
		jw.Wait(`[...document.querySelectorAll('table.receipts tbody tr')].every(r => r.hidden === (r.dataset.missing !== '1'))`, "only those missing")
		jw.Wait(`!document.querySelector('#remind').hidden`, "the remind button")
		jw.Screenshot("firsthour-receipts-1366")
		jw.Click(`document.querySelector('#remind')`, "remind")
		jw.Wait(`!!document.querySelector('.toast')`, "the answer to the reminder")
		jw.Run(chromedp.Evaluate(`document.querySelector('dialog[open]')?.close()`, nil))
	})

	t.Run("attachments open with a fresh token; a missing file is a sentence", func(t *testing.T) {
		jw.t = t
		var ok bool
		jw.Eval(`(async () => {
			const { upload } = await import('/js/api.js');
			const f = new FormData(); f.append('channel', `+JSString(flood)+`); f.append('author', JSON.parse(localStorage.pocketbase_auth).record.id);
			f.append('body', 'Lageplan'); f.append('attachments', new Blob(['%PDF-1.4 lageplan'], { type: 'application/pdf' }), 'Lageplan Nord.pdf');
			const rec = await upload('POST', '/api/collections/messages/records', f);
			const tl = await import('/js/messaging/timeline.js');
			let opened = '';
			const real = window.open;
			window.open = () => ({ set opener(v) {}, location: { set href(u) { opened = u; } }, close() {} });
			try { await tl.openFile('/api/files/messages/' + rec.id + '/' + encodeURIComponent(rec.attachments[0])); } finally { window.open = real; }
			if (!opened.includes('?token=')) return false;
			return (await fetch(opened)).ok;
		})()`, &ok)
		if !ok {
			t.Fatal("an attachment did not open with a fresh token")
		}
		jw.Eval(`(async () => { const real = window.open; window.open = () => null; const tl = await import('/js/messaging/timeline.js'); try { await tl.openFile('/api/files/messages/keinedatei0000/weg.pdf'); } finally { window.open = real; } return true; })()`, &ok)
		jw.Wait(`document.querySelector('dialog[open] .file-error')?.textContent.startsWith('Diese Datei gibt es nicht mehr')`, "the German error")
		jw.Screenshot("firsthour-file-error-1366")
		jw.Run(chromedp.Evaluate(`document.querySelector('dialog[open]')?.close()`, nil))
	})

	t.Run("device history in words; every button readable", func(t *testing.T) {
		jw.t = t
		var views []string
		jw.Eval(`[...document.querySelectorAll('button.navbtn')].map(b => b.dataset.view)`, &views)
		var low []string
		seen := 0
		for _, v := range views {
			jw.Click(`document.querySelector('button.navbtn[data-view=`+v+`]')`, v)
			jw.Wait(`document.querySelector('main#view').className === 'view-`+v+`' && !/Lädt …/.test(document.querySelector('main#view').innerText)`, v+" loaded")
			jw.Eval(settleJS, nil)
			var r struct {
				Seen int
				Bad  []string
			}
			jw.Eval(buttonContrastJS, &r)
			seen += r.Seen
			for _, x := range r.Bad {
				low = append(low, v+": "+x)
			}
		}
		if seen < 10*len(views)/2 {
			t.Fatalf("looked at only %d buttons in %d views: the check is broken", seen, len(views))
		}
		t.Logf("contrast: %d buttons in %d views", seen, len(views))
		if len(low) > 0 {
			t.Errorf("buttons below the contrast of WCAG 2.x AA:\n%s", strings.Join(low, "\n"))
		}
		jw.Click(`document.querySelector('button.navbtn[data-view=devices]')`, "devices")
		jw.Click(`document.querySelector('#devices tr[data-username=sirene-rathaus] td:last-child button.btn')`, "the siren's history")
		jw.Wait(`!!document.querySelector('dialog[open] h3')`, "the history dialog")
		var text string
		jw.Eval(`document.querySelector('dialog[open]').innerText`, &text)
		for _, raw := range []string{"devices.create", "siren.", "pending", "room_alarm", " / "} {
			if strings.Contains(text, raw) {
				t.Errorf("the device history shows %q:\n%s", raw, text)
			}
		}
		jw.Screenshot("firsthour-device-history-1366")
		jw.Run(chromedp.Evaluate(`document.querySelector('dialog[open]')?.close()`, nil))
	})

	t.Run("phone: language in the user menu, composer hint without Shift+Enter", func(t *testing.T) {
		ms.t = t
		ms.Click(`document.querySelector('#usermenu')`, "the user menu")
		ms.Wait(`(() => { const b = document.querySelector('#menu-lang'); if (!b) return false; const r = b.getBoundingClientRect(); return r.height > 0 && r.bottom <= innerHeight; })()`, "the language switch on the phone")
		ms.Screenshot("firsthour-usermenu-390")
		ms.Click(`document.querySelector('#menu-lang')`, "English")
		ms.Wait(`document.documentElement.lang === 'en' && document.querySelector('button.navbtn[data-view=messages]')?.textContent.includes('Messages')`, "the app in English")
		ms.Click(`document.querySelector('#usermenu')`, "the user menu")
		ms.Click(`document.querySelector('#menu-lang')`, "Deutsch")
		ms.Wait(`document.documentElement.lang === 'de'`, "the app in German again")
		ms.OpenChannel("Hochwasser Rhein")
		var ph string
		ms.Eval(`document.querySelector('#composer-text').placeholder`, &ph)
		if strings.Contains(ph, "Umschalt") || ph == "" {
			t.Errorf("the phone's composer says %q", ph)
		}
	})

	t.Run("second operator's banner wherever they are", func(t *testing.T) {
		ms.t = t
		var siren struct {
			Items []struct{ Id string } `json:"items"`
		}
		API(t, s, "jwagner", "GET", "/api/collections/devices/records?filter="+urlq("username='sirene-rathaus'"), nil, &siren)
		if len(siren.Items) != 1 {
			t.Fatal("the demo's outdoor siren is missing")
		}
		var act struct{ Id, State string }
		if code := API(t, s, "jwagner", "POST", "/api/collections/siren_activations/records", map[string]any{
			"device": siren.Items[0].Id, "signal": "warning", "duration": 60, "requested_by": s.Demo.Users["jwagner"].Id}, &act); code != 200 || act.State != "pending" {
			t.Fatalf("sounding the outdoor siren: %d %q", code, act.State)
		}
		ms.Wait(`(() => { const b = document.querySelector('.release-banner button.release'); if (!b) return false; const r = b.getBoundingClientRect(); return r.height > 0 && r.bottom <= innerHeight; })()`, "the banner with Freigeben in the messages view")
		var label string
		ms.Eval(`document.querySelector('.release-banner button.release').textContent`, &label)
		if label != "Freigeben …" {
			t.Errorf("the button says %q", label)
		}
		if r := ms.Contrast(`.release-banner button.release`); r < 4.5 {
			t.Errorf("Freigeben has a contrast of %.2f:1", r)
		}
		// The one who sounded it is not asked to confirm it himself.
		jw.t = t
		var mine bool
		jw.Eval(`!!document.querySelector('.release-banner')`, &mine)
		if mine {
			t.Error("the operator who sounded the siren is shown the release banner")
		}
		ms.Screenshot("firsthour-release-banner-390")
		// The banner names signal and duration; releasing takes the same deliberate act as
		// sounding: a dialog naming signal, duration, who asked and when, then holding.
		var bannerText string
		ms.Eval(`document.querySelector('.release-banner').textContent`, &bannerText)
		if !strings.Contains(bannerText, "Warnung") || !strings.Contains(bannerText, "60 Sekunden") || strings.Contains(bannerText, "Sirene Sirene") {
			t.Errorf("the release banner says %q", bannerText)
		}
		ms.Click(`document.querySelector('.release-banner button.release')`, "Freigeben")
		ms.Wait(`!!document.querySelector('#release-hold')`, "the release dialog")
		var dlgText string
		ms.Eval(`document.querySelector('dialog.dlg .dlg-body').textContent`, &dlgText)
		for _, want := range []string{"Warnung", "60 Sekunden", "Sirene Rathaus", "Zone „Rathaus“", "Jonas Wagner"} {
			if !strings.Contains(dlgText, want) {
				t.Errorf("the release dialog does not say %q: %q", want, dlgText)
			}
		}
		ms.Screenshot("firsthour-release-dialog-390")
		ms.Click(`document.querySelector('#release-hold')`, "a mere click on the hold button")
		time.Sleep(500 * time.Millisecond)
		if r, err := s.App.FindRecordById("siren_activations", act.Id); err != nil || r.GetString("confirmed_by") != "" {
			t.Fatal("a click released the outdoor siren")
		}
		ms.Eval(`(() => { document.querySelector('#release-hold').dispatchEvent(new PointerEvent('pointerdown', {bubbles: true})); return ''; })()`, &dlgText)
		testkit.Eventually(t, 10*time.Second, "the activation confirmed by the second operator", func() bool {
			r, err := s.App.FindRecordById("siren_activations", act.Id)
			return err == nil && r.GetString("confirmed_by") == s.Demo.Users["mschulz"].Id
		})
		ms.Wait(`!document.querySelector('.release-banner')`, "the banner gone")
		API(t, s, "jwagner", "PATCH", "/api/collections/siren_activations/records/"+act.Id, map[string]any{"state": "stopped"}, nil)
	})

	t.Run("phone: tables as cards, STOPP in sight", func(t *testing.T) {
		ms.t = t
		ms.Click(`document.querySelector('button.navbtn[data-view=devices]')`, "devices")
		ms.Wait(`document.querySelectorAll('#devices tr[data-device]').length >= 3`, "the device list")
		var fits bool
		ms.Eval(`[...document.querySelectorAll('#devices tr[data-device] td')].every(td => td.getBoundingClientRect().right <= innerWidth + 1 && td.dataset.label)`, &fits)
		if !fits {
			t.Error("a device table cell runs off the phone's screen or has no heading")
		}
		ms.Screenshot("firsthour-devices-390")
		ms.Click(`document.querySelector('button.navbtn[data-view=sirens]')`, "sirens")
		ms.Wait(`!!document.querySelector('#siren-form')`, "the siren form")
		ms.Wait(`(async () => { const r = await fetch('/api/collections/devices/records?filter=' + encodeURIComponent("username='alarmleuchte-stab'"), {headers: {Authorization: JSON.parse(localStorage.pocketbase_auth).token}}).then(r => r.json()); return r.items[0] && r.items[0].online; })()`, "the demo relay online", 20*time.Second)
		var relay struct {
			Items []struct{ Id string } `json:"items"`
		}
		API(t, s, "mschulz", "GET", "/api/collections/devices/records?filter="+urlq("username='alarmleuchte-stab'"), nil, &relay)
		var act struct{ Id, State string }
		if code := API(t, s, "mschulz", "POST", "/api/collections/siren_activations/records", map[string]any{
			"device": relay.Items[0].Id, "signal": "room_alarm", "duration": 30, "requested_by": s.Demo.Users["mschulz"].Id}, &act); code != 200 {
			t.Fatalf("room alarm: %d", code)
		}
		ms.Wait(`!!document.querySelector('#sirens-running .btn.stop')`, "the running alarm", 15*time.Second)
		ms.Run(chromedp.Evaluate(`(() => { const f = document.querySelector('#siren-form'); f.scrollIntoView({block: 'end'}); let n = f; while (n) { if (n.scrollHeight > n.clientHeight + 5) n.scrollTop = n.scrollHeight; n = n.parentElement; } })()`, nil))
		ms.Wait(`(() => { const r = document.querySelector('#sirens-running .btn.stop').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; })()`, "STOPP in sight after scrolling down")
		ms.Screenshot("firsthour-stop-in-sight-390")
		ms.Click(`document.querySelector('#sirens-running .btn.stop')`, "STOPP")
		ms.Wait(`!document.querySelector('#sirens-running .act')`, "stopped", 10*time.Second)
	})

	t.Run("a new organisation is led to its shared channel", func(t *testing.T) {
		tk.t = t
		name := "Deichverteidigung Nord"
		var ch struct{ Id string }
		if code := API(t, s, "jwagner", "POST", "/api/collections/channels/records", map[string]any{
			"organisation": s.Demo.Orgs["KS"].Id, "kind": "shared", "name": name, "organisations": []string{s.Demo.Orgs["KS"].Id, s.Demo.Orgs["POL"].Id}}, &ch); code != 200 {
			t.Fatalf("the shared channel: %d", code)
		}
		tk.Run(chromedp.Reload())
		tk.Wait(`!!document.querySelector('#tenants button.tenant')`, "the app")
		tk.SwitchTenant("POL")
		tk.Wait(fmt.Sprintf(`[...document.querySelectorAll('li.offer')].some(li => li.textContent.includes(%q) && li.querySelector('button.join-shared'))`, name), "the offered shared channel")
		tk.Screenshot("firsthour-offered-channel-1366")
		tk.Click(`document.querySelector('li.offer button.join-shared')`, "Beitreten")
		tk.Wait(fmt.Sprintf(`document.querySelector('#channel-title')?.textContent === %q`, name), "the joined channel open")
	})

	t.Run("offline, the history read stays with a mark", func(t *testing.T) {
		tk.t = t
		tk.OpenChannel("Hochwasser Rhein")
		var n int
		tk.Eval(`document.querySelectorAll('article.msg[data-id]').length`, &n)
		tk.OpenChannel("Deichverteidigung Nord")
		tk.Run(network.Enable(), network.EmulateNetworkConditions(true, 0, 0, 0))
		tk.Click(`[...document.querySelectorAll('button.chan')].find(b => b.querySelector('.chan-name').textContent === 'Hochwasser Rhein')`, "back to Hochwasser Rhein")
		tk.Wait(fmt.Sprintf(`!!document.querySelector('.msglist .offline-mark') && document.querySelectorAll('article.msg[data-id]').length >= %d`, min(n, 1)), "the history kept, marked offline", 20*time.Second)
		tk.Screenshot("firsthour-offline-1366")
		tk.Run(network.EmulateNetworkConditions(false, 0, -1, -1))
		tk.Run(chromedp.EmulateViewport(390, 844))
		tk.Wait(`!!document.querySelector('.msglist')`, "the phone layout")
		tk.Screenshot("firsthour-offline-390")
		tk.Run(chromedp.EmulateViewport(1366, 768))
	})

	t.Run("Neue Gruppe keeps whom it picked", func(t *testing.T) {
		tk.t = t
		tk.Click(`document.querySelector('#new-group')`, "Neue Gruppe")
		tk.Wait(`document.querySelectorAll('dialog[open] ul.people input[type=checkbox]').length >= 2`, "people to pick")
		tk.Click(`document.querySelector('dialog[open] ul.people input[type=checkbox]')`, "the first person")
		tk.Run(chromedp.SendKeys(`dialog[open] .peoplesearch input[type=search]`, "zzz", chromedp.ByQuery))
		tk.Wait(`document.querySelectorAll('dialog[open] .chosen .person-chip').length === 1 && !!document.querySelector('dialog[open] ul.people li.muted')`, "the chosen person still shown while the search finds nobody")
		tk.Screenshot("firsthour-new-group-1366")
		// Created, the group has a member list to manage: add a second person, remove one.
		tk.Run(chromedp.SendKeys(`#group-name`, "Lagezentrum Polizei", chromedp.ByQuery))
		tk.Click(`[...document.querySelectorAll('dialog[open] footer button')].find(b => b.textContent === 'Gruppe anlegen')`, "Gruppe anlegen")
		tk.Wait(`document.querySelector('#channel-title')?.textContent === 'Lagezentrum Polizei'`, "the new group open")
		tk.Click(`document.querySelector('#group-members')`, "Mitglieder")
		tk.Wait(`document.querySelectorAll('dialog[open] ul.group-members li').length === 2 && document.querySelectorAll('dialog[open] ul.people button.person').length >= 1`, "the two members and people to add")
		tk.Click(`(() => { const names = [...document.querySelectorAll('dialog[open] ul.group-members li')].map(li => li.textContent);
			return [...document.querySelectorAll('dialog[open] ul.people button.person')].find(b => { const n = b.querySelectorAll('span')[1]?.firstChild?.textContent.trim(); return n && !names.some(x => x.includes(n)); }); })()`, "a person not yet in the group")
		tk.Wait(`document.querySelectorAll('dialog[open] ul.group-members li').length === 3`, "three members")
		tk.Screenshot("firsthour-group-members-1366")
		tk.Click(`[...document.querySelectorAll('dialog[open] ul.group-members li button')].find(b => b.textContent === 'Entfernen')`, "remove one")
		tk.Wait(`document.querySelectorAll('dialog[open] ul.group-members li').length === 2`, "two members again")
		tk.Run(chromedp.Evaluate(`document.querySelector('dialog[open]')?.close()`, nil))
	})

}
