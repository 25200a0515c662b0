package attack_test

import (
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The message forms' records the attacks aim at (hooks/forms): a draft of the host's S2
// (only its author sees it, not even the communications post), an order owned by the
// police's Verbindungsstelle, and the function ids. Made once per world, directly.
var formFixtures sync.Map // *world → map[string]string

func formFixture(w *world, key string) string {
	if m, ok := formFixtures.Load(w); ok {
		return m.(map[string]string)[key]
	}
	app := w.s.App
	m := map[string]string{}
	fn := func(code string) string {
		return firstId(w, "staff_functions", "code = {:c}", dbx.Params{"c": code})
	}
	m["VB-POL"], m["S2"], m["S3"], m["Leiter"] = fn("VB-POL"), fn("S2"), fn("S3"), fn("Leiter")
	host := w.s.Demo.Orgs["KS"].Id
	if coll, err := app.FindCollectionByNameOrId("forms"); err == nil {
		r := core.NewRecord(coll)
		r.Load(map[string]any{"organisation": host, "incident": w.incident, "direction": "out", "state": "draft", "priority": "blitz",
			"counterpart": "Polizei", "subject": "Entwurf S2", "text": "Entwurf, noch nicht vorgelegt", "author": w.userId("jwagner"),
			"notes": map[string]any{}, "recipients": []any{}})
		if app.Save(r) == nil {
			m["draft"] = r.Id
		}
	}
	if coll, err := app.FindCollectionByNameOrId("tasks"); err == nil {
		r := core.NewRecord(coll)
		r.Load(map[string]any{"organisation": host, "incident": w.incident, "title": "Absperrung Süd melden", "owner_function": m["VB-POL"],
			"status": "offen", "created_by": w.userId("mschulz")})
		if app.Save(r) == nil {
			m["task"] = r.Id
		}
	}
	if coll, err := app.FindCollectionByNameOrId("briefings"); err == nil {
		r := core.NewRecord(coll)
		r.Load(map[string]any{"organisation": host, "incident": w.incident, "at": "2030-01-01 10:00:00.000Z", "set_by": w.userId("abecker")})
		if app.Save(r) == nil {
			m["briefing"] = r.Id
		}
	}
	if coll, err := app.FindCollectionByNameOrId("form_events"); err == nil {
		r := core.NewRecord(coll)
		r.Load(map[string]any{"form": m["draft"], "action": "draft", "actor": w.userId("jwagner"), "state": "draft"})
		if app.Save(r) == nil {
			m["event"] = r.Id
		}
	}
	actual, _ := formFixtures.LoadOrStore(w, m)
	return actual.(map[string]string)[key]
}
