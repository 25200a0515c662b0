package ui

import (
	"testing"
)

// The external expert reads the shared channel and nothing else, cannot write, and sees
// until when the guest access runs.
func TestGuestReadsOnly(t *testing.T) {
	s, b := startDemo(t)
	g := SignIn(t, s, b, "gast.gutachter")
	g.OpenChannel("Hochwasser Rhein")
	g.Wait(`!document.querySelector('.readonly').hidden && document.querySelector('.composer-inner').hidden`, "the read-only note instead of the composer")
	var names []string
	g.Eval(`[...document.querySelectorAll('button.chan .chan-name')].map(n => n.textContent)`, &names)
	if len(names) != 1 || names[0] != "Hochwasser Rhein" {
		t.Fatalf("the guest's channel list: %v", names)
	}
	if code := API(t, s, "gast.gutachter", "POST", "/api/collections/messages/records", map[string]any{
		"channel": s.Demo.Channels["Hochwasser Rhein"].Id, "author": s.Demo.Users["gast.gutachter"].Id, "body": "Gast schreibt",
	}, nil); code < 400 {
		t.Fatalf("the guest could write: HTTP %d", code)
	}
	g.Click(`document.querySelector('#usermenu')`, "the user menu")
	g.Wait(`[...document.querySelectorAll('dialog[open] li')].some(li => li.textContent.includes('Gast') && li.textContent.includes('bis '))`, "the guest's end date")
}
