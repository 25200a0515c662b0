package attack_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// snapshot is what the victim owns, as text, so that a test can tell after an attack
// whether anything of it changed.
type snapshot map[string]string

func (w *world) snapshot(t *testing.T) snapshot {
	t.Helper()
	app := w.s.App
	s := snapshot{}
	rows := func(key, coll, filter string, params dbx.Params, fields ...string) {
		recs, err := app.FindRecordsByFilter(coll, filter, "id", 0, 0, params)
		if err != nil {
			t.Fatalf("snapshot %s: %v", key, err)
		}
		var lines []string
		for _, r := range recs {
			line := r.Id
			for _, f := range fields {
				line += fmt.Sprintf(" %s=%v", f, r.Get(f))
			}
			lines = append(lines, line)
		}
		sort.Strings(lines)
		s[key] = strings.Join(lines, "\n")
	}
	// The expired guest's rows are left out: the appliance's minutely clean-up removes
	// them whenever it runs, which is no attack.
	pol := dbx.Params{"o": w.polOrg.Id, "x": w.expGuest}
	chans := dbx.Params{"a": w.chPOL.Id, "b": w.chSpecial.Id, "f": w.flood.Id, "x": w.expGuest}
	rows("POL memberships", "memberships", "organisation = {:o} && user != {:x}", pol, "user", "role", "function", "expires")
	rows("memberships of pol.innen", "memberships", "user = {:u}", dbx.Params{"u": w.polInnen.Id}, "organisation", "role")
	rows("victim channels", "channels", "id = {:a} || id = {:b}", chans, "name", "organisations", "archived", "topic")
	rows("channel members", "channel_members", "(channel = {:a} || channel = {:b} || channel = {:f}) && user != {:x}", chans, "user", "role", "expires")
	rows("victim messages", "messages", "channel = {:a} || channel = {:b}", chans, "body", "deleted", "attachments")
	rows("receipts of the victim's Blitz", "receipts", "message = {:m} || message = {:n}", dbx.Params{"m": w.msgPOL, "n": w.msgSpec}, "user", "acked_at", "read_at")
	rows("POL devices", "devices", "organisation = {:o}", pol, "username", "password", "tokenKey", "channel", "config")
	rows("POL faxes", "faxes", "device = {:a} || device = {:b}", dbx.Params{"a": w.devPOL.Id, "b": w.devPOLx.Id}, "status", "direction", "number")
	rows("POL invitations", "invitations", "organisation = {:o}", pol, "revoked", "uses", "expires")
	rows("organisations", "organisations", "id != ''", nil, "name", "status", "kind")
	rows("users", "users", "id != ''", nil, "name", "username", "tokenKey")
	rows("siren activations", "siren_activations", "id != ''", nil, "device", "state")
	rows("devices", "devices", "id != ''", nil, "username", "organisation")
	rows("journals", "journal_entries", "id != ''", nil, "organisation", "seq", "hash")
	rows("journal heads", "journal_heads", "id != ''", nil, "organisation", "seq")
	rows("incidents", "incidents", "id != ''", nil, "name", "status", "close_requested_by")
	return s
}

// requireUnchanged fails for every part of the victim's world that differs from before.
func (w *world) requireUnchanged(t *testing.T, before snapshot) {
	t.Helper()
	after := w.snapshot(t)
	for k, v := range before {
		if after[k] != v {
			gone, added := lineDiff(v, after[k])
			t.Errorf("the attacks changed %s:\nno longer there:\n%s\nnew:\n%s", k, gone, added)
		}
	}
	// The victim's session survives every sign-out attempt.
	if r := w.victim.Do(t, "GET", "/api/crisisroom/me", nil); r.Status != 200 {
		t.Errorf("the victim was signed out by an attacker: %s", r)
	}
}

// collectionAttack is how the suite attacks one collection's rules: the victim's
// record, what an attacker tries to create, and who may legitimately list it.
type collectionAttack struct {
	target  func(w *world) string         // a record of the victim's that no attacker may view, change or delete
	creates func(w *world, a actor) []any // bodies an attacker tries to create
	update  map[string]any                // what an attacker tries to change on target
	extra   func(w *world) []string       // more records no attacker may change or delete (not secrets: they may be visible)
	visible func(a actor) bool            // the target may be listed and viewed by a (org names, the board)
}

func (w *world) userId(name string) string { return w.s.Demo.Users[name].Id }

// collectionAttacks lists every collection of the appliance. A collection that is not in
// it fails TestEveryCollectionIsAttacked.
func collectionAttacks() map[string]collectionAttack {
	self := func(a actor) string { return a.user }
	return map[string]collectionAttack{
		"users": {
			target: func(w *world) string { return w.polInnen.Id },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"username": "eindringling", "name": "Anna Becker", "password": "eindringling-2026", "passwordConfirm": "eindringling-2026"}}
			},
			update: map[string]any{"name": "Gekapert"},
			extra:  func(w *world) []string { return []string{w.userId("tkeller"), w.userId("abecker")} },
		},
		"organisations": {
			target: func(w *world) string { return w.polOrg.Id },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"name": "Zweiter Stab", "kind": "host"}, map[string]any{"name": "Schattenorg", "kind": "other"}}
			},
			update: map[string]any{"name": "Gekapert", "status": "suspended"},
			// Every signed-in person and device sees the organisations' names (the UI shows
			// them beside every name); none may change them.
			visible: func(a actor) bool { return a.client.Token != "" },
		},
		"memberships": {
			target: func(w *world) string { return membershipOf(w, w.polInnen.Id, w.polOrg.Id) },
			creates: func(w *world, a actor) []any {
				return []any{
					map[string]any{"user": self(a), "organisation": w.polOrg.Id, "role": "admin"},
					map[string]any{"user": w.polInnen.Id, "organisation": w.s.Demo.Orgs["FW"].Id, "role": "member"},
					map[string]any{"user": w.userId("lneumann"), "organisation": w.s.Demo.Orgs["FW"].Id, "role": "admin"},
				}
			},
			update: map[string]any{"role": "guest"},
			extra:  func(w *world) []string { return []string{membershipOf(w, w.userId("tkeller"), w.polOrg.Id)} },
		},
		"channels": {
			target: func(w *world) string { return w.chPOL.Id },
			creates: func(w *world, a actor) []any {
				return []any{
					map[string]any{"organisation": w.polOrg.Id, "kind": "org", "name": "POL geheim 2"},
					map[string]any{"organisation": w.s.Demo.Orgs["KS"].Id, "kind": "shared", "name": "Fremdlage", "organisations": []string{w.polOrg.Id}},
				}
			},
			update: map[string]any{"name": "Gekapert", "archived": true},
			extra:  func(w *world) []string { return []string{w.chSpecial.Id} },
		},
		"channel_members": {
			target: func(w *world) string { return channelRowOf(w, w.chPOL.Id, w.polInnen.Id) },
			creates: func(w *world, a actor) []any {
				return []any{
					map[string]any{"channel": w.chPOL.Id, "user": self(a), "role": "member"},
					map[string]any{"channel": w.chSpecial.Id, "user": self(a), "role": "member"},
					map[string]any{"channel": w.chSpecial.Id, "user": self(a), "role": "owner"},
				}
			},
			update: map[string]any{"role": "readonly"},
			// lneumann's (POL) row in the flood channel: other organisations see it, none changes it.
			extra: func(w *world) []string { return []string{w.floodRow, channelRowOf(w, w.chSpecial.Id, w.polInnen.Id)} },
		},
		"messages": {
			target: func(w *world) string { return w.msgPOL },
			creates: func(w *world, a actor) []any {
				return []any{
					map[string]any{"channel": w.chPOL.Id, "author": self(a), "body": "eingeschleust", "priority": "flash"},
					map[string]any{"channel": w.chSpecial.Id, "author": self(a), "body": "eingeschleust", "priority": "flash"},
					map[string]any{"channel": w.chPOL.Id, "author": w.userId("tkeller"), "body": "im Namen des Opfers"},
					// a reply in the attacker's own channel to the victim's message
					map[string]any{"channel": w.group.Id, "author": self(a), "body": "Antwort", "reply_to": w.msgPOL},
				}
			},
			update: map[string]any{"body": "verfälscht", "deleted": true},
			extra:  func(w *world) []string { return []string{w.msgSpec} },
		},
		"receipts": {
			target: func(w *world) string { return receiptOf(w, w.msgPOL, w.userId("lneumann")) },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"message": w.msgPOL, "user": self(a), "acked_at": "2026-01-01 00:00:00.000Z"},
					map[string]any{"message": w.msgSpec, "user": self(a), "acked_at": "2026-01-01 00:00:00.000Z"}}
			},
			update: map[string]any{"acked_at": "2020-01-01 00:00:00.000Z"},
		},
		"invitations": {
			target: func(w *world) string { return w.invite },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"kind": "member", "organisation": w.polOrg.Id, "role": "admin", "token_hash": "x", "expires": "2099-01-01 00:00:00.000Z"}}
			},
			update: map[string]any{"revoked": true},
		},
		"devices": {
			target: func(w *world) string { return w.devPOL.Id },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"username": "schattensirene", "organisation": w.polOrg.Id, "kind": "siren", "password": "schattensirene-1", "passwordConfirm": "schattensirene-1"}}
			},
			update: map[string]any{"channel": "", "config": map[string]any{"port": "/dev/ttyS0"}, "password": "uebernommen-1", "passwordConfirm": "uebernommen-1"},
			extra:  func(w *world) []string { return []string{w.devPOLx.Id, w.siren.Id} },
		},
		"faxes": {
			target: func(w *world) string { return w.faxPOL },
			creates: func(w *world, a actor) []any {
				return []any{
					map[string]any{"device": w.devPOL.Id, "direction": "out", "number": "0221 999", "channel": w.group.Id, "requested_by": self(a), "text": "fremd gefaxt"},
					map[string]any{"device": w.devPOLx.Id, "direction": "out", "number": "0221 999", "requested_by": self(a), "text": "ohne Kanal"},
				}
			},
			update: map[string]any{"status": "failed"},
			extra:  func(w *world) []string { return []string{w.faxPOLx} },
		},
		"siren_activations": {
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"device": w.siren.Id, "signal": "warning", "duration": 60, "requested_by": self(a)}}
			},
		},
		"board_items": {
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"title": "Falschmeldung", "body": "Evakuierung sofort", "severity": "critical"}}
			},
		},
		"audit": {
			target: func(w *world) string { return w.auditPOL },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"action": "gefälscht", "organisation": w.polOrg.Id}}
			},
			update: map[string]any{"action": "verwischt"},
		},
		"incidents": {
			// Every member of the staff sees the operation's name; only host operators open
			// one, and nobody changes or removes one through the records API.
			creates: func(w *world, a actor) []any { return []any{map[string]any{"name": "Falscher Einsatz"}} },
			update:  map[string]any{"status": "closed", "name": "Gekapert"},
			extra:   func(w *world) []string { return []string{w.incident} },
		},
		"journal_entries": {
			target: func(w *world) string { return w.etbPOL },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"incident": w.incident, "organisation": w.polOrg.Id, "seq": 99, "recorded_at": "2026-01-01 00:00:00.000Z",
					"kind": "manual", "source": "manual", "text": "eingeschleust", "author": w.userId("tkeller"), "prev_hash": "0", "hash": "0"}}
			},
			update: map[string]any{"text": "verfälscht", "seq": 1},
			extra:  func(w *world) []string { return []string{w.etbSpec} },
		},
		"journal_heads": {
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"incident": w.incident, "organisation": w.polOrg.Id, "seq": 1, "hash": "0", "signed_at": "2026-01-01 00:00:00.000Z"}}
			},
		},
		// Message forms (hooks/forms): closed to the records API for everyone; the routes
		// decide by step and function.
		"staff_functions": {
			target: func(w *world) string { return formFixture(w, "VB-POL") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.s.Demo.Orgs["KS"].Id, "code": "S7", "name": "Schatten", "kind": "stab", "holders": []string{self(a)}}}
			},
			update: map[string]any{"holders": []string{}},
			extra:  func(w *world) []string { return []string{formFixture(w, "S2")} },
		},
		"forms": {
			target: func(w *world) string { return formFixture(w, "draft") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.s.Demo.Orgs["KS"].Id, "direction": "in", "state": "closed", "priority": "blitz", "number": 1, "text": "x"}}
			},
			update: map[string]any{"state": "closed", "text": "verfälscht"},
		},
		"form_events": {
			target: func(w *world) string { return formFixture(w, "event") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"form": formFixture(w, "draft"), "action": "release"}}
			},
			update: map[string]any{"action": "forged"},
		},
		"tasks": {
			target: func(w *world) string { return formFixture(w, "task") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.s.Demo.Orgs["KS"].Id, "title": "x", "owner_function": formFixture(w, "S2"), "status": "offen"}}
			},
			update: map[string]any{"status": "erledigt"},
		},
		"briefings": {
			target: func(w *world) string { return formFixture(w, "briefing") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.s.Demo.Orgs["KS"].Id, "at": "2030-01-01 09:00:00.000Z"}}
			},
			update: map[string]any{"at": "2030-01-01 11:00:00.000Z"},
		},
		// the city modules (hooks/citystaff): sealed for everybody through the records API
		"citystaff_modules": {
			target: func(w *world) string { return cityFixture(w, "settings") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.polOrg.Id, "zemag": true}}
			},
			update: map[string]any{"zemag": false},
		},
		"citystaff_roles": {
			target: func(w *world) string { return cityFixture(w, "role_boss") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.polOrg.Id, "user": a.user, "roles": []string{"lookup", "dpo"}}}
			},
			update: map[string]any{"roles": []string{}},
			extra:  func(w *world) []string { return []string{cityFixture(w, "role_staff")} },
		},
		"citystaff_log": {
			target: func(w *world) string { return cityFixture(w, "log") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.polOrg.Id, "module": "zemag", "at": "2026-01-01 00:00:00.000Z", "action": "gefälscht"}}
			},
			update: map[string]any{"text": "verwischt"},
		},
		"citystaff_alerts": {
			target: func(w *world) string { return cityFixture(w, "alert") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.polOrg.Id, "user": w.userId("tkeller"), "kind": "report", "text": "falsch"}}
			},
			update: map[string]any{"seen_at": "2026-01-01 00:00:00.000Z"},
		},
		"zemag_reports": {
			target: func(w *world) string { return cityFixture(w, "report") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.polOrg.Id, "reporter": a.user, "occurred_at": "2026-01-01 00:00:00.000Z", "place": "x", "what": "x", "level": 3, "status": "entered"}}
			},
			update: map[string]any{"status": "not_entered", "person_name": ""},
		},
		"zemag_entries": {
			target: func(w *world) string { return cityFixture(w, "entry") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.polOrg.Id, "person_name": "Unschuldig Person", "level": 3, "guidance": "x", "review_at": "2030-01-01 00:00:00.000Z", "status": "active"}}
			},
			update: map[string]any{"status": "deleted", "guidance": "verfälscht"},
		},
		"zemag_lookups": {
			target: func(w *world) string { return cityFixture(w, "lookup") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.polOrg.Id, "actor": w.userId("tkeller"), "at": "2026-01-01 00:00:00.000Z", "reason": "gefälscht"}}
			},
			update: map[string]any{"reason": "verwischt", "hit": false},
		},
		"complaint_cases": {
			target: func(w *world) string { return cityFixture(w, "case") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.polOrg.Id, "number": "BM-X", "citizen_name": "x", "citizen_contact": "x", "what": "x", "officer": a.user, "status": "closed"}}
			},
			update: map[string]any{"status": "closed", "finding": "not_upheld"},
		},
		"sessions": {
			target: func(w *world) string { return sessionOf(w, w.userId("tkeller")) },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"user": w.userId("tkeller"), "user_agent": "x"}}
			},
			update: map[string]any{"user_agent": "x"},
		},
		"pins": {
			target: func(w *world) string { return victimPin(w, w.msgPOL) },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"channel": w.chPOL.Id, "message": w.msgPOL, "pinned_by": self(a)},
					map[string]any{"channel": w.chSpecial.Id, "message": w.msgSpec}}
			},
			update: map[string]any{"channel": w0(), "pinned_by": ""},
			extra:  func(w *world) []string { return []string{victimPin(w, w.msgSpec)} },
		},
		"notices": {
			target: func(w *world) string { return victimNotice(w, w.chPOL.Id, w.msgPOL, "lneumann") },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"user": self(a), "kind": "mention", "channel": w.chPOL.Id, "message": w.msgPOL},
					map[string]any{"user": w.userId("tkeller"), "kind": "blitz_reminder", "channel": w.chSpecial.Id, "message": w.msgSpec}}
			},
			update: map[string]any{"user": w0(), "data": map[string]any{"body": "verfälscht"}},
			extra:  func(w *world) []string { return []string{victimNotice(w, w.chSpecial.Id, w.msgSpec, "tkeller")} },
		},
		// SMS gateway and staff call-out: numbers only through /api/crisisroom/phones; the
		// SMS log, call-outs and groups for the host's admins and operators (and each
		// recipient their own row); records written by the appliance only.
		"user_phones": {
			target: func(w *world) string { return smsOf(w).phone },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"user": w.polInnen.Id, "number": "+4917099999999"}, map[string]any{"user": self(a), "number": "+4917099999998"}}
			},
			update: map[string]any{"number": "+4917099999999", "blitz_sms": false},
		},
		"sms_messages": {
			target: func(w *world) string { return smsOf(w).sms },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"device": w.devPOL.Id, "direction": "out", "number": "+4917099999999", "text": "x", "status": "pending"}}
			},
			update: map[string]any{"text": "verfälscht", "status": "delivered"},
		},
		"callouts": {
			target: func(w *world) string { return smsOf(w).callout },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.s.Demo.Orgs["KS"].Id, "text": "Falschalarm", "status": "active"}}
			},
			update: map[string]any{"status": "closed", "text": "verfälscht"},
		},
		"callout_recipients": {
			target: func(w *world) string { return smsOf(w).recipient },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"callout": smsOf(w).callout, "user": self(a), "answer": "coming"}}
			},
			update: map[string]any{"answer": "declined"},
		},
		"callout_groups": {
			target: func(w *world) string { return smsOf(w).group },
			creates: func(w *world, a actor) []any {
				return []any{map[string]any{"organisation": w.s.Demo.Orgs["KS"].Id, "name": "Schattengruppe", "users": []string{self(a)}},
					map[string]any{"organisation": w.polOrg.Id, "name": "POL-Gruppe"}}
			},
			update: map[string]any{"name": "Gekapert", "users": []string{}},
		},
	}
}

func firstId(w *world, coll, filter string, p dbx.Params) string {
	r, err := w.s.App.FindFirstRecordByFilter(coll, filter, p)
	if err != nil {
		return ""
	}
	return r.Id
}

func membershipOf(w *world, user, org string) string {
	return firstId(w, "memberships", "user = {:u} && organisation = {:o}", dbx.Params{"u": user, "o": org})
}

func channelRowOf(w *world, ch, user string) string {
	return firstId(w, "channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": ch, "u": user})
}

func receiptOf(w *world, msg, user string) string {
	return firstId(w, "receipts", "message = {:m} && user = {:u}", dbx.Params{"m": msg, "u": user})
}

func sessionOf(w *world, user string) string {
	return firstId(w, "sessions", "user = {:u}", dbx.Params{"u": user})
}

// appCollections are the collections the appliance defines (PocketBase's own start with _).
func appCollections(t *testing.T, app core.App) []string {
	t.Helper()
	cs, err := app.FindAllCollections()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		if !c.System && !strings.HasPrefix(c.Name, "_") {
			names = append(names, c.Name)
		}
	}
	sort.Strings(names)
	return names
}

// lineDiff returns the lines only in a and those only in b.
func lineDiff(a, b string) (onlyA, onlyB string) {
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(a, "\n") {
		inA[l] = true
	}
	for _, l := range strings.Split(b, "\n") {
		inB[l] = true
		if !inA[l] {
			onlyB += l + "\n"
		}
	}
	for _, l := range strings.Split(a, "\n") {
		if !inB[l] {
			onlyA += l + "\n"
		}
	}
	return onlyA, onlyB
}
