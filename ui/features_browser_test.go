package ui

import (
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"

	"crisisroom/hooks/demo"
	"crisisroom/testkit"
)

// What the staff asked for first, in two browsers: the police liaison on a laptop
// (1366×768) grants notifications, completes "@S2", is told of a mention in another
// channel, pins and forwards a message, searches all channels and jumps to a hit, sees
// the roster and changes the password; the fire brigade on a phone (390×844) completes a
// name, finds nothing of the police's own channel and sees its roster.
func TestStaffRoomFeatures(t *testing.T) {
	s, b := startDemo(t)
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	polIntern := s.Demo.Channels["POL intern"].Id
	floodMsg, err := s.App.FindFirstRecordByFilter("messages", "body ~ 'Sandsackfüllplatz'", nil)
	if err != nil {
		t.Fatal(err)
	}

	pol := SignIn(t, s, b, "tkeller")
	pol.Run(chromedp.EmulateViewport(1366, 768))
	pol.SwitchTenant("POL")

	// Notifications: not yet allowed; the browser grants them (as a person clicking
	// "Allow" would), the bell turns them on.
	var perm string
	pol.Eval(`Notification.permission`, &perm)
	if perm != "default" {
		t.Fatalf("a fresh browser has notification permission %q", perm)
	}
	pol.Wait(`document.querySelector('#notify-toggle')?.getAttribute('aria-pressed') === 'false'`, "the bell, off")
	pol.Run(browser.GrantPermissions([]browser.PermissionType{browser.PermissionTypeNotifications}).WithOrigin(s.URL))
	pol.Click(`document.querySelector('#notify-toggle')`, "the bell")
	pol.Wait(`document.querySelector('#notify-toggle').getAttribute('aria-pressed') === 'true' && Notification.permission === 'granted'`, "notifications on")

	// @S2 completes to the S2 of the channel (Jonas Wagner, "S2 Lage").
	pol.OpenChannel("Hochwasser Rhein")
	pol.Run(chromedp.Focus(`#composer-text`, chromedp.ByQuery), chromedp.SendKeys(`#composer-text`, "Bitte an @S2", chromedp.ByQuery))
	pol.Wait(`!!document.querySelector('#mention-box') && document.querySelector('#mention-box').textContent.includes('Jonas Wagner')`, "the completion list")
	pol.Screenshot("mention-completion-laptop")
	pol.Run(chromedp.KeyEvent("\r"))
	// DevTools' synthetic Enter may leave a newline behind (see Send): drop it.
	pol.Wait(`document.querySelector('#composer-text').value.replace(/\n/g, '') === 'Bitte an @S2 '`, "the picked function in the text")
	pol.Run(chromedp.Evaluate(`document.querySelector('#composer-text').value = 'Bitte an @S2 '`, nil))
	pol.Run(chromedp.SendKeys(`#composer-text`, "Sperrung steht.", chromedp.ByQuery))
	pol.Wait(`document.querySelector('#composer-text').value === 'Bitte an @S2 Sperrung steht.'`, "the whole text")
	pol.Run(chromedp.KeyEvent("\r"))
	pol.Wait(`[...document.querySelectorAll('article.msg mark.mention')].some(m => m.textContent === '@S2')`, "the mention highlighted")
	var n int64
	testkit.Eventually(t, 20*time.Second, "jwagner's mention notice", func() bool {
		n, _ = s.App.CountRecords("notices", dbx.HashExp{"user": s.Demo.Users["jwagner"].Id, "kind": "mention"})
		return n == 1
	})

	// A mention while another channel is open: a notification and "@1" beside the channel.
	pol.OpenChannel("POL intern")
	pol.Eval(`(window.__notes = [], document.addEventListener('crisisroom:notification', e => window.__notes.push(e.detail)), true)`, nil)
	if code := API(t, s, "jwagner", "POST", "/api/collections/messages/records", map[string]any{
		"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": "@tkeller Rückmeldung zur Sperrung bitte"}, nil); code != 200 {
		t.Fatalf("jwagner's mention: %d", code)
	}
	pol.Wait(`window.__notes.some(n => n.title.includes('Jonas Wagner') && n.body.includes('Rückmeldung'))`, "the mention notification")
	pol.Wait(`document.querySelector('button.chan[data-channel="`+flood+`"] .badge.mention')?.textContent === '@1'`, "the mention count beside the channel")
	pol.Screenshot("mention-notification-laptop")

	// A direct message notifies too; a muted channel's mentions do not (checked by a direct
	// message sent after the mention: events reach the page in the order they were made).
	dm := s.Demo.Channels["direct:abecker:tkeller"].Id
	postAs := func(user, channel, body string) {
		t.Helper()
		if code := API(t, s, user, "POST", "/api/collections/messages/records", map[string]any{
			"channel": channel, "author": s.Demo.Users[user].Id, "body": body}, nil); code != 200 {
			t.Fatalf("%s posts %q: %d", user, body, code)
		}
	}
	postAs("abecker", dm, "Lagebesprechung um 10:00 bestätigt?")
	pol.Wait(`window.__notes.some(n => n.title.includes('Anna Becker') && n.body.includes('Lagebesprechung'))`, "the direct message notification")
	pol.Eval(`import('/js/features/settings.js').then(m => m.toggleMute('`+flood+`')).then(() => true)`, nil)
	postAs("jwagner", flood, "@tkeller zweite Rückfrage")
	postAs("abecker", dm, "Danke.")
	pol.Wait(`window.__notes.some(n => n.body === 'Danke.')`, "the second direct message")
	var muted bool
	pol.Eval(`window.__notes.some(n => n.body.includes('zweite Rückfrage'))`, &muted)
	if muted {
		t.Error("a muted channel's mention was notified")
	}
	pol.Eval(`import('/js/features/settings.js').then(m => m.toggleMute('`+flood+`')).then(() => true)`, nil)

	// Pin and forward a message of the shared channel.
	pol.OpenChannel("Hochwasser Rhein")
	msgSel := `document.querySelector('article.msg[data-id="` + floodMsg.Id + `"]')`
	pol.Click(msgSel+`?.querySelector('[data-action="pin"]')`, "Anheften")
	pol.Wait(`document.querySelector('#pins-button')?.textContent.includes('(1)') && !!`+msgSel+`.querySelector('.pin-mark')`, "the pin")
	pol.Click(`document.querySelector('#pins-button')`, "the pin list")
	pol.Wait(`!!document.querySelector('dialog[open] .pin-item')`, "the pinned message listed")
	pol.Screenshot("pins-laptop")
	pol.Run(chromedp.Evaluate(`document.querySelector('dialog[open]').close()`, nil))
	pol.Click(msgSel+`?.querySelector('[data-action="forward"]')`, "Weiterleiten")
	pol.Wait(`!!document.querySelector('#forward-channel')`, "the forward dialog")
	pol.Run(chromedp.SetValue(`#forward-channel`, polIntern, chromedp.ByQuery))
	pol.Click(`document.querySelector('#forward-send')`, "forward")
	testkit.Eventually(t, 20*time.Second, "the forwarded copy in POL intern", func() bool {
		n, _ = s.App.CountRecords("messages", dbx.NewExp("channel = {:c} AND body LIKE '%Sandsackfüllplatz%'", dbx.Params{"c": polIntern}))
		return n == 1
	})

	// Search all channels; a hit opens its channel at the message.
	pol.Click(`document.querySelector('button.navbtn[data-view="search"]')`, "Suche")
	pol.Run(chromedp.SendKeys(`#search-all`, "Sandsack", chromedp.ByQuery), chromedp.Click(`.search-form button[type=submit]`, chromedp.ByQuery))
	pol.Wait(`document.querySelectorAll('.hit').length === 2 && !!document.querySelector('.hit mark')`, "both hits (the original and the forwarded copy)")
	pol.Screenshot("search-laptop")
	pol.Click(`document.querySelector('.hit button[data-id="`+floodMsg.Id+`"]')`, "the hit in the shared channel")
	pol.Wait(`document.querySelector('#channel-title')?.textContent === 'Hochwasser Rhein' && document.activeElement?.dataset?.id === '`+floodMsg.Id+`'`, "the channel open at the message")

	// The roster: by organisation and function, with presence.
	pol.Click(`document.querySelector('button.navbtn[data-view="roster"]')`, "Dienst")
	pol.Wait(`!!document.querySelector('tr[data-user="tkeller"] .presence.online') && !!document.querySelector('tr[data-user="jwagner"]')`, "the roster")
	pol.Screenshot("roster-laptop")

	// Profile: the password, changed by the person.
	pol.Click(`document.querySelector('#usermenu')`, "the user menu")
	pol.Click(`document.querySelector('#open-profile')`, "Profil und Einstellungen")
	pol.Run(chromedp.SendKeys(`#pw-old`, demo.Password, chromedp.ByQuery),
		chromedp.SendKeys(`#pw-new`, "hochwasser-2026-neu", chromedp.ByQuery),
		chromedp.SendKeys(`#pw-new2`, "hochwasser-2026-neu", chromedp.ByQuery),
		chromedp.Click(`#password-form button[type=submit]`, chromedp.ByQuery))
	pol.Wait(`document.querySelector('#password-form [role=status]').textContent === 'Das Passwort wurde geändert.'`, "the password changed")
	pol.Screenshot("profile-laptop")
	// The server ended the realtime connections of before the change; this tab signed in
	// anew and connects again with its new token, without being signed out.
	pol.Wait(`!!document.querySelector('.conn.online') && !!document.querySelector('#usermenu')`, "realtime back after the password change, still signed in")
	if code := API(t, s, "", "POST", "/api/collections/users/auth-with-password", map[string]any{"identity": "tkeller", "password": "hochwasser-2026-neu"}, nil); code != 200 {
		t.Errorf("the new password does not sign in: %d", code)
	}
	pol.Run(chromedp.Reload())
	pol.Wait(`!!document.querySelector('#tenants button.tenant')`, "still signed in after the change")

	// Close the laptop's chromium and wait until it has exited, so that its profile
	// folder is complete before the test's clean-up removes it.
	if err := chromedp.Cancel(pol.Ctx); err != nil {
		t.Logf("closing chromium: %v", err)
	}

	// The fire brigade on a phone.
	fw := SignIn(t, s, b, "kvogel")
	fw.Run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	fw.OpenChannel("Hochwasser Rhein")
	fw.Run(chromedp.Focus(`#composer-text`, chromedp.ByQuery), chromedp.SendKeys(`#composer-text`, "@tke", chromedp.ByQuery))
	fw.Wait(`!!document.querySelector('#mention-box') && document.querySelector('#mention-box').textContent.includes('Thomas Keller')`, "the completion list on the phone")
	fw.Screenshot("mention-completion-phone")
	fw.Run(chromedp.KeyEvent("\t"))
	fw.Wait(`document.querySelector('#composer-text').value.replace(/\n|\t/g, '') === '@tkeller '`, "the picked username")
	fw.Click(`document.querySelector('button.navbtn[data-view="search"]')`, "Suche")
	fw.Run(chromedp.SendKeys(`#search-all`, "Kräfteplanung", chromedp.ByQuery), chromedp.Click(`.search-form button[type=submit]`, chromedp.ByQuery))
	fw.Wait(`document.querySelector('.search-view [role=status]').textContent === 'Nichts gefunden.'`, "nothing of the police's own channel")
	fw.Screenshot("search-phone")
	fw.Click(`document.querySelector('button.navbtn[data-view="roster"]')`, "Dienst")
	fw.Wait(`!!document.querySelector('tr[data-user="kvogel"]') && !!document.querySelector('tr[data-user="tkeller"]')`, "the roster on the phone")
	fw.Screenshot("roster-phone")
	if err := chromedp.Cancel(fw.Ctx); err != nil {
		t.Logf("closing chromium: %v", err)
	}
}
