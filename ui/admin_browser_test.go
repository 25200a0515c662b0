package ui

import (
	"fmt"
	"testing"

	"github.com/pocketbase/dbx"
)

// The police admin manages their people in "Verwaltung": a function change reaches the
// server, and "Überall abmelden" ends a member's session in their own browser at once,
// leaving nothing stored there. A plain member does not get the screen at all.
func TestAdminManagesMembersAndSignsOut(t *testing.T) {
	s, b := startDemo(t)
	admin := SignIn(t, s, b, "tkeller")
	member := SignIn(t, s, b, "lneumann")
	member.OpenChannel("POL intern")

	var memberHasAdmin bool
	member.Eval(`!!document.querySelector('button.navbtn[data-view=admin]')`, &memberHasAdmin)
	if memberHasAdmin {
		t.Fatal("a plain member sees the administration screen")
	}

	admin.Click(`document.querySelector('button.navbtn[data-view=admin]')`, "Verwaltung")
	row := `document.querySelector('#members tr[data-user="` + s.Demo.Users["lneumann"].Id + `"]')`
	admin.Wait(row+` !== null`, "Laura Neumann in the member list")
	admin.Run(evalJS(row + `.querySelector('input').value = 'S2 Lagekarte'; ` + row + `.querySelector('input').dispatchEvent(new Event('change')); true`))
	admin.Wait(`[...document.querySelectorAll('.toast')].some(e => e.textContent === 'Gespeichert.')`, "saved")
	m, err := s.App.FindFirstRecordByFilter("memberships", "user = {:u}", dbx.Params{"u": s.Demo.Users["lneumann"].Id})
	if err != nil || m.GetString("function") != "S2 Lagekarte" {
		t.Fatalf("function on the server: %q (%v)", m.GetString("function"), err)
	}
	admin.Screenshot("admin")

	// A new org channel reaches every member of the organisation; archiving keeps it.
	admin.Run(evalJS(`(() => { const f = [...document.querySelectorAll('form.grid-form')].find(f => f.closest('section').querySelector('h2').textContent.startsWith('Kanäle'));
		const [name, topic] = f.querySelectorAll('input'); name.value = 'POL Fahndung'; topic.value = 'Vermisste Personen'; f.requestSubmit(); return true; })()`))
	member.Wait(`[...document.querySelectorAll('button.chan .chan-name')].some(n => n.textContent === 'POL Fahndung')`, "the new org channel at the member, live")
	admin.Click(`[...document.querySelectorAll('tr[data-channel]')].find(r => r.querySelector('input').value === 'POL Fahndung')?.querySelectorAll('button')[1]`, "Archivieren")
	admin.Click(`document.querySelector('dialog[open] footer button.primary')`, "confirm")
	admin.Wait(`[...document.querySelectorAll('tr[data-channel]')].some(r => r.querySelector('input').value === 'POL Fahndung' && r.textContent.includes('archiviert'))`, "the channel shown as archived")
	fahndung, err := s.App.FindFirstRecordByData("channels", "name", "POL Fahndung")
	if err != nil || !fahndung.GetBool("archived") {
		t.Fatalf("the channel is not archived on the server (%v)", err)
	}
	member.Wait(`![...document.querySelectorAll('button.chan .chan-name')].some(n => n.textContent === 'POL Fahndung')`, "the archived channel gone from the member's list, live")

	admin.Click(row+`.querySelectorAll('button')[0]`, "Überall abmelden")
	admin.Click(`document.querySelector('dialog[open] footer button.primary')`, "confirm")
	member.Wait(`!!document.querySelector('#identity')`, "the sign-in form on the signed-out member's screen")
	member.Wait(`localStorage.getItem('pocketbase_auth') === null`, "the stored sign-in gone")
	var dbs int
	member.Eval(`indexedDB.databases().then(d => d.length)`, &dbs)
	if dbs != 0 {
		t.Errorf("%d IndexedDB databases left after signing out", dbs)
	}
	member.Wait(`caches.keys().then(k => k.length === 0)`, "the caches emptied")
}

// A host operator opens a shared crisis channel for two organisations; the police admin
// then adds one of their own people to it.
func TestSharedChannelByHostAndOwnPeople(t *testing.T) {
	s, b := startDemo(t)
	host := SignIn(t, s, b, "jwagner")
	host.Click(`document.querySelector('button.navbtn[data-view=admin]')`, "Verwaltung")
	host.Wait(`!!document.querySelector('#shared-admin')`, "the shared channels")
	host.Run(evalJS(`(() => {
		const f = [...document.querySelectorAll('form')].find(f => f.querySelector('h3'));
		const [name, topic] = f.querySelectorAll('input:not([type=checkbox])');
		name.value = 'Übung Sturmtief'; topic.value = 'Gemeinsame Übung';
		for (const cb of f.querySelectorAll('input[type=checkbox]')) cb.checked = ['KS', 'POL', 'FW'].includes(cb.parentElement.querySelector('.chip').textContent);
		f.requestSubmit();
		return true; })()`))
	host.Wait(`[...document.querySelectorAll('#shared-admin input')].some(i => i.value === 'Übung Sturmtief')`, "the new shared channel listed")
	host.Screenshot("admin-shared")
	ch, err := s.App.FindFirstRecordByData("channels", "name", "Übung Sturmtief")
	if err != nil {
		t.Fatal(err)
	}
	if ch.GetString("kind") != "shared" || len(ch.GetStringSlice("organisations")) != 3 {
		t.Fatalf("channel kind %q, participants %v", ch.GetString("kind"), ch.GetStringSlice("organisations"))
	}

	pol := SignIn(t, s, b, "tkeller")
	pol.Click(`document.querySelector('button.navbtn[data-view=admin]')`, "Verwaltung")
	block := fmt.Sprintf(`document.querySelector('.shared-block[data-channel="%s"]')`, ch.Id)
	pol.Wait(block+` !== null`, "the new channel among the police's shared channels")
	lneumann := s.Demo.Users["lneumann"].Id
	pol.Run(evalJS(block + `.querySelector('select').value = '` + lneumann + `'; true`))
	pol.Click(block+`.querySelector('.grid-form button')`, "add")
	pol.Wait(fmt.Sprintf(`[...document.querySelectorAll('.shared-block[data-channel="%s"] li')].some(li => li.textContent.includes('Laura Neumann'))`, ch.Id), "Laura Neumann in the channel")
	if _, err := s.App.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": ch.Id, "u": lneumann}); err != nil {
		t.Fatalf("Laura Neumann is not a member on the server: %v", err)
	}
}
