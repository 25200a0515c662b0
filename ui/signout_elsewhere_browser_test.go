package ui

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"crisisroom/hooks/demo"
	"crisisroom/hooks/tenancy"
)

// The police admin presses "Überall abmelden" for a member who is also another
// organisation's admin: the server refuses, the screen says why and what to do instead
// (end the membership), in German, and the person stays signed in.
func TestSignOutRefusedForAPersonOfAnotherOrganisation(t *testing.T) {
	s, b := startDemo(t)
	tha, err := tenancy.NewOrganisation(s.App, "Technisches Hilfswerk Ahr", "THA", "ngo", "#0055aa")
	if err != nil {
		t.Fatal(err)
	}
	both, err := tenancy.NewUser(s.App, "Hanna Doppel", "hdoppel", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	for org, role := range map[string]string{s.Demo.Orgs["POL"].Id: "member", tha.Id: "admin"} {
		if _, err := tenancy.NewMembership(s.App, both.Id, org, role, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	hd := s.As(t, "hdoppel")

	admin := SignIn(t, s, b, "tkeller")
	admin.Click(`document.querySelector('button.navbtn[data-view=admin]')`, "Verwaltung")
	row := `document.querySelector('#members tr[data-user="` + both.Id + `"]')`
	admin.Wait(row+` !== null`, "Hanna Doppel in the member list")
	admin.Click(row+`.querySelectorAll('button')[0]`, "Überall abmelden")
	admin.Click(`document.querySelector('dialog[open] footer button.primary')`, "confirm")
	admin.Wait(`[...document.querySelectorAll('.toast')].some(e => e.textContent.includes('anderen Organisation') && e.textContent.includes('Mitgliedschaft'))`, "the refusal's text")
	var text string
	admin.Eval(`[...document.querySelectorAll('.toast')].map(e => e.textContent).join(' | ')`, &text)
	if strings.Contains(text, " / ") || strings.Contains(text, "belongs to") {
		t.Errorf("the refusal is not in German only: %q", text)
	}
	// The viewport as the admin sees it (a full-page capture leaves out the top layer
	// the toasts live in).
	var png []byte
	admin.Run(chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(ScreenshotPath(t, "signout-refused"), png, 0o644); err != nil {
		t.Error(err)
	}
	if r := hd.Do(t, "GET", "/api/crisisroom/me", nil); r.Status != 200 {
		t.Fatalf("the refused sign-out ended the person's session: %s", r)
	}
}
