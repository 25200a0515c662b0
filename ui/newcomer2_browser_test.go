package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/citystaff"
	"crisisroom/hooks/demo"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// What a newcomer met in the city administration's channels, the Blitz follow-up, the
// pickers of functions nobody holds, the devices view, the duty roster and the ZeMAG
// date fields.
func TestNewcomerFindingsTwo(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, PublicDir: PublicDir()})
	b := testkit.NewBrowser(t)
	sv, _ := s.App.FindFirstRecordByData("organisations", "short", citystaff.DemoOrg)

	t.Run("the city administration's people have a channel, others don't read it", func(t *testing.T) {
		ch, err := s.App.FindFirstRecordByData("channels", "name", "SV intern")
		if err != nil || ch.GetString("organisation") != sv.Id {
			t.Fatalf("no channel SV intern of SV: %v", err)
		}
		intern := ch.Id
		if code := API(t, s, "sv.yilmaz", "GET", "/api/crisisroom/channels/"+intern+"/messages?limit=5", nil, nil); code != 200 {
			t.Errorf("sv.yilmaz reads SV intern: %d", code)
		}
		// The wrong people: the host's Leiterin and another organisation's admin.
		for _, u := range []string{"abecker", "tkeller"} {
			if code := API(t, s, u, "GET", "/api/crisisroom/channels/"+intern+"/messages?limit=5", nil, nil); code == 200 {
				t.Errorf("%s reads SV intern", u)
			}
		}
		flood := s.Demo.Channels["Hochwasser Rhein"]
		if code := API(t, s, "sv.hartmann", "GET", "/api/crisisroom/channels/"+flood.Id+"/messages?limit=5", nil, nil); code != 200 {
			t.Errorf("SV's admin reads Hochwasser Rhein: %d", code)
		}
		if code := API(t, s, "sv.yilmaz", "GET", "/api/crisisroom/channels/"+flood.Id+"/messages?limit=5", nil, nil); code == 200 {
			t.Error("an SV employee not added to Hochwasser Rhein reads it")
		}

		p := SignIn(t, s, b, "sv.yilmaz")
		p.Run(chromedp.EmulateViewport(390, 844))
		p.Wait(`!!document.querySelector('button.chan')`, "a channel in the list")
		p.Screenshot("newcomer2-sv-channels-390")

		// A person in no channel at all (a new organisation without channels) is told whom to ask.
		if err := s.App.RunInTransaction(func(tx core.App) error {
			org, err := tenancy.NewOrganisation(tx, "Gesundheitsamt", "GA", "administration", "#00695c")
			if err != nil {
				return err
			}
			for i, n := range []string{"Petra Adam", "Neue Kollegin"} {
				u, err := tenancy.NewUser(tx, n, []string{"ga.adam", "ga.neu"}[i], demo.Password, "")
				if err != nil {
					return err
				}
				if _, err = tenancy.NewMembership(tx, u.Id, org.Id, []string{"admin", "member"}[i], "", nil); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		n := SignIn(t, s, b, "ga.neu")
		n.Run(chromedp.EmulateViewport(1366, 768))
		n.Wait(`document.querySelector('.no-channels-help')?.textContent.includes('Petra Adam')`, "the empty state naming the admin")
		n.Screenshot("newcomer2-no-channels-1366")
	})

	var sb *Person
	t.Run("the Blitz sender sees who has not acknowledged", func(t *testing.T) {
		sb = SignIn(t, s, b, "sbraun")
		sb.Run(chromedp.EmulateViewport(1366, 768))
		tk := SignIn(t, s, b, "tkeller")
		tk.Run(chromedp.EmulateViewport(1366, 768))
		sb.Wait(`!!document.querySelector('button.chan')`, "sbraun's channels")
		tk.Wait(`!!document.querySelector('button.chan')`, "tkeller's channels")
		flood := s.Demo.Channels["Hochwasser Rhein"]
		msg, err := s.App.FindFirstRecordByFilter("messages", "channel = {:c} && author = {:a}", map[string]any{"c": flood.Id, "a": s.Demo.Users["sbraun"].Id})
		if err != nil {
			t.Fatal(err)
		}
		coll, _ := s.App.FindCollectionByNameOrId("notices")
		nt := core.NewRecord(coll)
		nt.Load(map[string]any{"user": s.Demo.Users["sbraun"].Id, "kind": "blitz_pending", "channel": flood.Id, "message": msg.Id,
			"data": map[string]any{"body": "Deich km 3,4 droht zu brechen", "pending": []map[string]any{{"name": "Katrin Vogel", "function": "S4"}, {"name": "Lukas Fischer"}}}})
		if err := s.App.Save(nt); err != nil {
			t.Fatal(err)
		}
		sb.Wait(`document.querySelector('.pending-banner')?.textContent.includes('Katrin Vogel (S4), Lukas Fischer')`, "the follow-up banner at the sender", 10*time.Second)
		sb.Screenshot("newcomer2-blitz-pending-1366")
		var other bool
		tk.Eval(`!!document.querySelector('.pending-banner')`, &other)
		if other {
			t.Error("another person is shown the sender's follow-up")
		}
		// After a reload (the notice came while the app was closed) it is still there.
		sb.Run(chromedp.Reload())
		sb.Wait(`!!document.querySelector('.pending-banner')`, "the follow-up banner after a reload", 10*time.Second)
		sb.Click(`[...document.querySelectorAll('.pending-banner button')].at(-1)`, "Ausblenden")
		sb.Run(chromedp.Reload())
		sb.Wait(`!!document.querySelector('button.chan')`, "sbraun's channels again")
		time.Sleep(800 * time.Millisecond)
		sb.Eval(`!!document.querySelector('.pending-banner')`, &other)
		if other {
			t.Error("a dismissed follow-up comes back")
		}
	})

	t.Run("orders to a function nobody holds ask first", func(t *testing.T) {
		ab := SignIn(t, s, b, "abecker")
		ab.Run(chromedp.EmulateViewport(1366, 768))
		ab.Click(`document.querySelector('button.navbtn[data-view=forms]')`, "Vordrucke")
		ab.Click(`document.querySelector('.fm-tab[data-queue=auftraege]')`, "Aufträge")
		ab.Wait(`[...(document.querySelector('#fm-task-owner')?.options || [])].some(o => o.dataset.vacant === '1')`, "a vacant function marked in the owner picker")
		var label string
		ab.Eval(`(() => { const s = document.querySelector('#fm-task-owner'); const o = [...s.options].find(o => o.dataset.vacant === '1'); s.value = o.value; return o.textContent; })()`, &label)
		if !strings.Contains(label, "(nicht besetzt)") {
			t.Errorf("the vacant function reads %q", label)
		}
		ab.Run(chromedp.SendKeys(`#fm-task-title`, "Sandsäcke nachbestellen", chromedp.ByQuery))
		ab.Click(`document.querySelector('#fm-task-form button[type=submit]')`, "Auftrag erteilen")
		ab.Wait(`document.querySelector('dialog.dlg')?.textContent.includes('nicht besetzt')`, "the question")
		ab.Screenshot("newcomer2-vacant-order-1366")
		ab.Click(`[...document.querySelectorAll('dialog.dlg footer button')][0]`, "Abbrechen")
		time.Sleep(300 * time.Millisecond)
		if n, _ := s.App.CountRecords("tasks", nil); n != 0 {
			if r, _ := s.App.FindFirstRecordByData("tasks", "title", "Sandsäcke nachbestellen"); r != nil {
				t.Error("the order was given although the question was cancelled")
			}
		}
	})

	t.Run("devices: the SMS modem in words, with its state; SMS can be added", func(t *testing.T) {
		jw := SignIn(t, s, b, "jwagner")
		jw.Run(chromedp.EmulateViewport(1366, 768))
		dev, err := s.App.FindFirstRecordByData("devices", "kind", "sms")
		if err != nil {
			t.Fatal(err)
		}
		dev.Set("sms_status", map[string]any{"state": "ready", "signal_dbm": -73, "signal_known": true, "updated": time.Now().UTC().Format(time.RFC3339)})
		if err := s.App.SaveNoValidate(dev); err != nil {
			t.Fatal(err)
		}
		jw.Click(`document.querySelector('button.navbtn[data-view=devices]')`, "Geräte")
		sel := `#devices tr[data-username=` + dev.GetString("username") + `]`
		jw.Wait(`document.querySelector('`+sel+`')?.textContent.includes('SMS-Modem') && document.querySelector('`+sel+` .dev-presence')?.textContent.includes('bereit · Signal -73 dBm')`, "the modem in words and ready")
		var raw bool
		jw.Eval(`document.querySelector('#devices').textContent.includes('dev_kind')`, &raw)
		if raw {
			t.Error("a raw kind key in the devices list")
		}
		jw.Screenshot("newcomer2-devices-sms-1366")
		jw.Run(chromedp.SendKeys(`#device-form input`, "SMS Reserve", chromedp.ByQuery))
		var n int
		jw.Eval(`(() => { const sel = document.querySelector('#device-form').querySelectorAll('select'); sel[0].value = 'sms'; sel[0].dispatchEvent(new Event('change')); return sel[1].value === 'sms-gsm' ? 1 : 0; })()`, &n)
		if n != 1 {
			t.Fatal("no SMS kind with the sms-gsm driver in the add form")
		}
		jw.Click(`document.querySelector('#device-form button[type=submit]')`, "Gerät hinzufügen")
		jw.Wait(`!!document.querySelector('#cred-password')`, "the new SMS device's credentials")
		if r, err := s.App.FindFirstRecordByData("devices", "username", "sms-reserve"); err != nil || r.GetString("kind") != "sms" || r.GetString("driver") != "sms-gsm" {
			t.Errorf("the SMS device was not stored as kind sms, driver sms-gsm: %v", err)
		}
		jw.Run(chromedp.KeyEvent("\x1b"))

		// The roster counts as its rows read.
		jw.Click(`document.querySelector('button.navbtn[data-view=roster]')`, "Dienst")
		jw.Wait(`!!document.querySelector('.roster-count')`, "the roster")
		var ok bool
		jw.Eval(`[...document.querySelectorAll('.roster-org')].every(o => { const rows = [...o.querySelectorAll('tbody tr .presence')];
			const c = k => rows.filter(r => r.classList.contains(k)).length;
			return o.querySelector('.roster-count').textContent.includes(c('online') + ' online · ' + c('away') + ' abwesend · ' + c('offline') + ' offline'); })`, &ok)
		if !ok {
			t.Error("a roster heading counts otherwise than its rows")
		}
		var unpin string
		jw.Eval(`import('/js/i18n.js').then(m => m.t('sr_unpin'))`, &unpin)
		if unpin != "Nicht mehr anheften" {
			t.Errorf("unpinning reads %q", unpin)
		}
	})

	t.Run("ZeMAG lookup takes a German birth date", func(t *testing.T) {
		lk := SignIn(t, s, b, "sv.peters")
		lk.Run(chromedp.EmulateViewport(390, 844))
		lk.Click(`document.querySelector('button.navbtn[data-view=zemag]')`, "ZeMAG")
		lk.Click(`document.querySelector('#zm-tab-lookup')`, "Abfrage")
		var typ, ph string
		lk.Eval(`document.querySelector('#zm-lk-dob').type`, &typ)
		lk.Eval(`document.querySelector('#zm-lk-dob').placeholder`, &ph)
		if typ != "text" || ph != "TT.MM.JJJJ" {
			t.Errorf("the birth date field is %q with %q", typ, ph)
		}
		lk.Run(chromedp.SendKeys(`#zm-lk-name`, "Bernd Beispiel", chromedp.ByQuery), chromedp.SendKeys(`#zm-lk-dob`, "12.04.1975", chromedp.ByQuery),
			chromedp.SendKeys(`#zm-lk-reason`, "Hausbesuch AZ 4711", chromedp.ByQuery))
		lk.Click(`document.querySelector('#zm-lk-ask')`, "Abfragen")
		lk.Wait(`!!document.querySelector('#zm-lk-result .cs-hit')`, "the hit for 12.04.1975")
		lk.Screenshot("newcomer2-zemag-dob-390")
	})
}
