package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"crisisroom/testkit"
)

func readQR(t *testing.T, dataURL string) string {
	t.Helper()
	text, err := testkit.DecodeQRDataURL(dataURL)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// The police admin invites a colleague from the "Einladungen" screen: the QR code shown
// holds the link shown, the A4 sheet carries the same code, and withdrawing it in the
// list reaches the server. A plain member does not get the screen.
func TestInvitationsView(t *testing.T) {
	s, b := startDemo(t)
	member := SignIn(t, s, b, "lneumann")
	var memberSees bool
	member.Eval(`!!document.querySelector('button.navbtn[data-view=invitations]')`, &memberSees)
	if memberSees {
		t.Fatal("a plain member sees the invitations screen")
	}

	admin := SignIn(t, s, b, "tkeller")
	admin.Click(`document.querySelector('button.navbtn[data-view=invitations]')`, "Einladungen")
	admin.Wait(`!!document.querySelector('#inv-kind') && !!document.querySelector('#inv-function')`, "the invitation form")
	admin.Run(chromedp.SendKeys(`#inv-function`, "S2 Lage", chromedp.ByQuery),
		chromedp.SendKeys(`#inv-label`, "Frau Sommer", chromedp.ByQuery),
		chromedp.Click(`#inv-create`, chromedp.ByQuery))
	admin.Wait(`document.querySelector('#inv-qr')?.complete && !!document.querySelector('#inv-url')`, "the QR code")
	var qr, url string
	admin.Eval(`document.querySelector('#inv-qr').src`, &qr)
	admin.Eval(`document.querySelector('#inv-url').textContent`, &url)
	if got := readQR(t, qr); got != url || !strings.Contains(url, "/join#") {
		t.Fatalf("QR holds %q, page shows %q", got, url)
	}
	inv, err := s.App.FindFirstRecordByData("invitations", "label", "Frau Sommer")
	if err != nil || inv.GetString("function") != "S2 Lage" || inv.GetString("organisation") != s.Demo.Orgs["POL"].Id {
		t.Fatalf("invitation on the server: %v %v", inv, err)
	}

	// The print sheet, in this tab (it reads the code from this tab's session storage).
	admin.Run(chromedp.Navigate(s.URL + "/invite-print.html#" + inv.Id))
	admin.Wait(`!document.getElementById('sheet').hidden && document.getElementById('qr').complete`, "the print sheet")
	var sheetQR, org string
	admin.Eval(`document.getElementById('qr').src`, &sheetQR)
	admin.Eval(`document.getElementById('org').textContent`, &org)
	if got := readQR(t, sheetQR); got != url || org != "Polizeipräsidium" {
		t.Fatalf("sheet: QR %q, organisation %q", got, org)
	}
	if err := testkit.Screenshot(admin.Ctx, filepath.Join(os.TempDir(), "crisisroom-invite-sheet.png")); err != nil {
		t.Log(err)
	}

	admin.Run(chromedp.Navigate(s.URL + "/#invitations"))
	row := `document.querySelector('#invite-list tr[data-id="` + inv.Id + `"]')`
	admin.Wait(row+`?.dataset.state === 'active'`, "the invitation in the list")
	admin.Click(row+`.querySelector('button')`, "Zurückziehen")
	admin.Click(`document.querySelector('dialog[open] footer button.primary')`, "confirm")
	admin.Wait(row+`?.dataset.state === 'revoked'`, "the invitation withdrawn")
	inv, _ = s.App.FindRecordById("invitations", inv.Id)
	if !inv.GetBool("revoked") {
		t.Fatal("not withdrawn on the server")
	}
}
