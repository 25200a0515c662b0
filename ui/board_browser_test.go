package ui

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/testkit"
)

// The kiosk board signs in with its device credentials, shows the situation in large
// type, and follows changes without a reload.
func TestBoardKiosk(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, PublicDir: filepath.Join(repoRoot(), "pb_public")})
	save := func(r *core.Record) {
		t.Helper()
		if err := s.App.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	devices, _ := s.App.FindCollectionByNameOrId("devices")
	board := core.NewRecord(devices)
	board.Set("username", "tafel-test")
	board.Set("name", "Lagetafel Lagezentrum")
	board.Set("organisation", s.Demo.Orgs["KS"].Id)
	board.Set("kind", "board")
	board.Set("driver", "kiosk")
	board.Set("config", map[string]any{"channels": []string{s.Demo.Channels["Hochwasser Rhein"].Id}})
	board.SetPassword("tafel-passwort-2026")
	save(board)

	// A clean slate instead of the demo's items: the test knows exactly what is shown.
	if old, err := s.App.FindAllRecords("board_items"); err == nil {
		for _, r := range old {
			if err := s.App.Delete(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	items, _ := s.App.FindCollectionByNameOrId("board_items")
	item := func(title, body, severity string) *core.Record {
		r := core.NewRecord(items)
		r.Set("title", title)
		r.Set("body", body)
		r.Set("severity", severity)
		r.Set("organisation", s.Demo.Orgs["KS"].Id)
		r.Set("created_by", s.Demo.Users["jwagner"].Id)
		save(r)
		return r
	}
	item("Pegel Rhein 9,12 m", "Steigend um 5 cm/h. Scheitel morgen früh bei 9,60 m erwartet.", "warning")
	item("Evakuierung Pflegeheim Rheinblick", "62 Bewohner, Abschluss bis 14:00. Busse über Stadtwerke.", "critical")
	item("Notstrom Klinikum Mitte", "Diesel reicht 36 Stunden. Nachschub angefordert.", "info")

	// The demo's alarm light (a simulated Shelly) sounds the room alarm: the board shows it.
	var light *core.Record
	testkit.Eventually(t, 20*time.Second, "the demo alarm light never came online", func() bool {
		var err error
		light, err = s.App.FindFirstRecordByData("devices", "username", "alarmleuchte-stab")
		return err == nil && light.GetBool("online")
	})
	acts, _ := s.App.FindCollectionByNameOrId("siren_activations")
	alarm := core.NewRecord(acts)
	alarm.Set("device", light.Id)
	alarm.Set("signal", "room_alarm")
	alarm.Set("duration", 120)
	alarm.Set("requested_by", s.Demo.Users["jwagner"].Id)
	save(alarm)
	if alarm.GetString("state") != "on" {
		t.Fatalf("room alarm %s: %s", alarm.GetString("state"), alarm.GetString("reason"))
	}

	b := testkit.NewBrowser(t)
	p := &kiosk{ctx: b.NewContext(t, 90*time.Second), t: t}
	p.Run(chromedp.EmulateViewport(1600, 900),
		chromedp.Navigate(s.URL+"/board/tafel-test"),
		chromedp.WaitVisible(`#b-pass`, chromedp.ByQuery))
	var user string
	p.Run(chromedp.Value(`#b-user`, &user, chromedp.ByQuery))
	if user != "tafel-test" {
		t.Fatalf("device name from the address: %q", user)
	}

	// A wrong password gets a clear answer and no board.
	p.Run(chromedp.SendKeys(`#b-pass`, "falsch", chromedp.ByQuery), chromedp.Click(`#signin button`, chromedp.ByQuery))
	p.Wait(`!document.querySelector('#b-error').hidden && document.querySelector('#board').hidden`, "the refusal")

	var cleared bool
	p.Eval(`(document.querySelector('#b-pass').value = '') === ''`, &cleared)
	p.Run(chromedp.SendKeys(`#b-pass`, "tafel-passwort-2026", chromedp.ByQuery), chromedp.Click(`#signin button`, chromedp.ByQuery))
	p.Wait(`document.querySelectorAll('#items .card').length === 3`, "three board items")
	p.Wait(`[...document.querySelectorAll('#messages .card')].some(c => c.textContent.includes('Deichabschnitt 3 sickert'))`, "the demo's Blitz message")
	p.Wait(`document.querySelector('#sirens .siren')?.textContent.includes('RAUMALARM') && document.querySelector('#sirens .siren').textContent.includes('vom Gerät bestätigt')`, "the confirmed room alarm banner")
	var first, clock string
	p.Run(chromedp.Text(`#items .card h3`, &first, chromedp.ByQuery), chromedp.Text(`#clock`, &clock, chromedp.ByQuery))
	if first != "Evakuierung Pflegeheim Rheinblick" {
		t.Errorf("the critical item is not first: %q", first)
	}
	if len(clock) != 8 {
		t.Errorf("clock %q", clock)
	}
	// Readable across the room: item titles at least 40 px on a 1600 px wide screen.
	var size float64
	p.Eval(`parseFloat(getComputedStyle(document.querySelector('#items .card h3')).fontSize)`, &size)
	if size < 40 {
		t.Errorf("item title %.0f px", size)
	}

	path := ScreenshotPath(t, "board")
	var png []byte
	p.Run(chromedp.CaptureScreenshot(&png))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}

	// S2 adds an item and expires another: the board follows within a poll.
	item("Deich Abschnitt 3 gesichert", "Sandsäcke verbaut, Sickerstelle unter Beobachtung.", "info")
	p.Wait(`[...document.querySelectorAll('#items .card h3')].some(h => h.textContent === 'Deich Abschnitt 3 gesichert')`, "the new item", 10*time.Second)
	old, err := s.App.FindFirstRecordByData("board_items", "title", "Notstrom Klinikum Mitte")
	if err != nil {
		t.Fatal(err)
	}
	old.Set("expires", time.Now().Add(-time.Minute))
	save(old)
	p.Wait(`![...document.querySelectorAll('#items .card h3')].some(h => h.textContent === 'Notstrom Klinikum Mitte')`, "the expired item gone", 10*time.Second)
}

// kiosk is a browser showing a board; it signs in with device credentials, not as a person.
type kiosk struct {
	ctx context.Context
	t   *testing.T
}

func (k *kiosk) Run(actions ...chromedp.Action) {
	k.t.Helper()
	if err := chromedp.Run(k.ctx, actions...); err != nil {
		k.t.Fatal(err)
	}
}

func (k *kiosk) Eval(js string, out any) {
	k.t.Helper()
	k.Run(chromedp.Evaluate(js, out))
}

// Wait polls a JavaScript expression until it is truthy (default 15 s).
func (k *kiosk) Wait(js, what string, timeout ...time.Duration) {
	k.t.Helper()
	d := 15 * time.Second
	if len(timeout) > 0 {
		d = timeout[0]
	}
	var ok bool
	err := chromedp.Run(k.ctx, chromedp.Poll(js, &ok, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil || !ok {
		var body string
		_ = chromedp.Run(k.ctx, chromedp.Evaluate(`document.body.innerText.slice(0, 1500)`, &body))
		k.t.Fatalf("waited %v for %s: %v\npage text:\n%s", d, what, err, body)
	}
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	for d := filepath.Dir(file); d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
	}
	return "."
}
