package ui

import (
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"crisisroom/hooks/tenancy"
)

// The channel list is always the list of the organisation in view: when the answer for
// an organisation the person has already left the view of comes late (a busy appliance),
// it is dropped instead of showing that organisation's channels under the other's name.
func TestChannelListFollowsTheOrganisationInView(t *testing.T) {
	s, b := startDemo(t)
	if _, err := tenancy.NewMembership(s.App, s.Demo.Users["tkeller"].Id, s.Demo.Orgs["FW"].Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}
	p := SignIn(t, s, b, "tkeller")
	p.SwitchTenant("POL")
	p.Wait(listHas("POL intern"), "the police's own channel in the list")
	// The fire brigade's list answers 1.5 s late.
	p.Run(chromedp.Evaluate(`(() => {
		const slow = 'org=' + `+JSString(s.Demo.Orgs["FW"].Id)+`, real = window.fetch.bind(window);
		window.fetch = (u, o) => String(u).includes(slow) ? new Promise(r => setTimeout(r, 1500)).then(() => real(u, o)) : real(u, o);
	})()`, nil))
	p.SwitchTenant("FW")
	p.SwitchTenant("POL")
	p.Wait(listHas("POL intern"), "the police's list again")
	time.Sleep(2500 * time.Millisecond) // the fire brigade's answer has come meanwhile
	var shown struct {
		Tenant string   `json:"tenant"`
		Names  []string `json:"names"`
	}
	p.Eval(`({ tenant: document.querySelector('button.tenant[aria-pressed="true"] .tenant-short')?.textContent, names: [...document.querySelectorAll('button.chan .chan-name')].map(e => e.textContent) })`, &shown)
	if shown.Tenant != "POL" {
		t.Fatalf("organisation in view %q, want POL", shown.Tenant)
	}
	for _, n := range shown.Names {
		if n == "FW intern" {
			t.Fatalf("the police's view lists the fire brigade's channel: %q", shown.Names)
		}
	}
	if !slices.Contains(shown.Names, "POL intern") {
		t.Fatalf("the police's view lacks its own channel: %q", shown.Names)
	}
	// The fire brigade's own view still gets its list.
	p.SwitchTenant("FW")
	p.Wait(listHas("FW intern"), "the fire brigade's own channel once it is in view")
}

// listHas is a JS expression: the channel list shows a channel of this name.
func listHas(name string) string {
	return `[...document.querySelectorAll('button.chan .chan-name')].some(e => e.textContent === ` + JSString(name) + `)`
}
