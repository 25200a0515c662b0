package backup_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/backup"
	"crisisroom/testkit"
)

// The room's IT signs in on /health.html as a superuser, sets the backup folder, starts a
// backup and sees it as the last backup with its size; the page runs under the appliance's
// CSP without a violation (testkit fails the test on one). A demo person's sign-in there
// is refused.
func TestHealthPageInTheBrowser(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	col, err := s.App.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su := core.NewRecord(col)
	su.SetEmail("it@krisenstab.example")
	su.SetPassword("it-passwort-2026")
	if err := s.App.Save(su); err != nil {
		t.Fatal(err)
	}
	folder := t.TempDir()
	b := testkit.NewBrowser(t)
	ctx := b.NewContext(t, 90*time.Second)

	var msg string
	err = chromedp.Run(ctx,
		chromedp.Navigate(s.URL+"/health.html"),
		chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#email", "abecker@krisenstab.example"),
		chromedp.SendKeys("#password", "krisenstab2026"),
		chromedp.Click(`#login button[type="submit"]`),
		chromedp.Poll(`document.getElementById("login-msg").textContent.length > 0`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text("#login-msg", &msg),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg == "" {
		t.Fatal("a non-superuser sign-in showed nothing")
	}

	var last string
	err = chromedp.Run(ctx,
		chromedp.Evaluate(`document.getElementById("email").value = ""; document.getElementById("password").value = ""`, nil),
		chromedp.SendKeys("#email", "it@krisenstab.example"),
		chromedp.SendKeys("#password", "it-passwort-2026"),
		chromedp.Click(`#login button[type="submit"]`),
		chromedp.WaitVisible("#health"),
		chromedp.Evaluate(fmt.Sprintf(`document.getElementById("folder").value = %q; document.getElementById("interval").value = "0"; document.getElementById("keep").value = "3"`, folder), nil),
		chromedp.Click(`#settings button[type="submit"]`),
		chromedp.Poll(`document.getElementById("settings-msg").textContent.startsWith("Gespeichert")`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Click("#now"),
		chromedp.Poll(`document.getElementById("backup").textContent.includes("Dateien / files")`, nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Text("#backup", &last),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(last, "Nachrichten / messages") {
		t.Fatalf("last backup shown as %q", last)
	}
	if all, _ := backup.List(folder); len(all) != 1 {
		t.Fatalf("archives in the folder: %v", all)
	}
}
