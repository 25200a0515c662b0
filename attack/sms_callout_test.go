package attack_test

// The victim's records of the SMS gateway and the staff call-out: a police member's
// mobile number, an SMS from it in the host's SMS log, a call-out of the police admin
// with his recipient row, and a saved call-out group. Made on first use by the tables
// of routes_test.go and state_test.go (callout* entries).

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware/smsgateway"
)

type smsScene struct {
	phone, number, sms, callout, recipient, group string
	// dual is a person of FW who also belongs to POL: FW's admin runs one of her
	// organisations, not all, and must not set her number (her POL Blitz would go to it).
	dual string
}

var (
	smsScenesMu sync.Mutex
	smsScenes   = map[*world]*smsScene{}
)

// smsOf builds (once per world) the victim's SMS and call-out records.
func smsOf(w *world) *smsScene {
	smsScenesMu.Lock()
	defer smsScenesMu.Unlock()
	if s := smsScenes[w]; s != nil {
		return s
	}
	app := w.s.App
	must := func(r *core.Record, err error) *core.Record {
		if err != nil {
			panic("sms scene: " + err.Error())
		}
		return r
	}
	save := func(coll string, fields map[string]any) *core.Record {
		c, err := app.FindCollectionByNameOrId(coll)
		if err != nil {
			panic("sms scene: " + err.Error())
		}
		r := core.NewRecord(c)
		r.Load(fields)
		if err := app.Save(r); err != nil {
			panic("sms scene " + coll + ": " + err.Error())
		}
		return r
	}
	s := &smsScene{number: "+4915155500077"}
	s.phone = save("user_phones", map[string]any{"user": w.polInnen.Id, "number": s.number, "blitz_sms": true}).Id
	dev := must(app.FindFirstRecordByData("devices", "username", smsgateway.DemoUsername))
	s.sms = save("sms_messages", map[string]any{"device": dev.Id, "direction": "in", "number": s.number, "text": "Lage POL " + canaryOrg,
		"status": "received", "person": w.polInnen.Id, "purpose": "other", "inbox_id": "attack-victim"}).Id
	host := w.s.Demo.Orgs["KS"]
	co := save("callouts", map[string]any{"organisation": host.Id, "text": "Zugriff " + canaryOrg, "priority": "flash", "created_by": w.userId("abecker"), "status": "active"})
	s.callout = co.Id
	s.recipient = save("callout_recipients", map[string]any{"callout": co.Id, "user": w.userId("tkeller"), "name": "Thomas Keller", "organisation_short": "POL", "sms": "none"}).Id
	save("user_phones", map[string]any{"user": w.dual.Id, "number": "+4915155500078", "blitz_sms": true})
	s.dual = w.dual.Id
	s.group = save("callout_groups", map[string]any{"organisation": host.Id, "name": "Stab Stufe 1", "users": []string{w.userId("tkeller"), w.polInnen.Id}}).Id
	smsScenes[w] = s
	return s
}
