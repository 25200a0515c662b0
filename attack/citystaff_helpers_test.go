package attack_test

import (
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/hooks/citystaff"
)

// canaryCity is a word only the city modules' records of the victim hold.
const canaryCity = "KANARIE-ZEMAG-3e81"

// The city modules' records the attacks aim at (hooks/citystaff): the victim's own
// organisation (POL) runs both modules here, with tkeller holding every role and
// pol.innen as the reporting employee and the officer of a complaint. Made once per world,
// directly, in the modules' own collections only (the snapshot of the world's
// organisations and users stays as it was).
var cityFixtures sync.Map // *world → map[string]string

func cityFixture(w *world, key string) string {
	if m, ok := cityFixtures.Load(w); ok {
		return m.(map[string]string)[key]
	}
	app := w.s.App
	org, boss, staff := w.polOrg.Id, w.userId("tkeller"), w.polInnen.Id
	m := map[string]string{}
	save := func(key, coll string, data map[string]any) {
		c, err := app.FindCollectionByNameOrId(coll)
		if err != nil {
			return
		}
		r := core.NewRecord(c)
		r.Load(data)
		if app.Save(r) == nil {
			m[key] = r.Id
		}
	}
	now := time.Now()
	save("settings", "citystaff_modules", map[string]any{"organisation": org, "zemag": true, "complaints": true, "review_months": 24, "interim_days": 14, "result_days": 42,
		"city": "Köln", "complaint_url": "https://stadt.example/" + canaryCity})
	save("role_boss", "citystaff_roles", map[string]any{"organisation": org, "user": boss, "roles": []string{"zks", "lookup", "dpo", "complaints", "legal"}, "department": "ZKS"})
	save("role_staff", "citystaff_roles", map[string]any{"organisation": org, "user": staff, "supervisor": boss, "department": "Innendienst"})
	pkey, _ := citystaff.PersonKey("Karl Kanarie", "1970-01-02", now)
	save("report", "zemag_reports", map[string]any{"organisation": org, "reporter": staff, "occurred_at": now.UTC(), "place": "Wache " + canaryCity,
		"what": "Angriff " + canaryCity, "level": 3, "category": "weapon", "person_name": "Karl Kanarie", "person_dob": "1970-01-02", "status": "entered"})
	save("entry", "zemag_entries", map[string]any{"organisation": org, "report": m["report"], "person_key": pkey, "person_name": "Karl Kanarie",
		"person_dob": "1970-01-02", "person_address": "Kanarienweg 1 " + canaryCity, "level": 3, "category": "weapon",
		"guidance": "Nur zu zweit " + canaryCity, "review_at": now.AddDate(2, 0, 0).UTC(), "status": "active"})
	save("lookup", "zemag_lookups", map[string]any{"organisation": org, "actor": boss, "actor_name": "Thomas Keller", "at": types.NowDateTime(),
		"reason": "Az. " + canaryCity, "hit": true, "entry": m["entry"]})
	save("log", "citystaff_log", map[string]any{"organisation": org, "module": "zemag", "at": types.NowDateTime(), "actor": boss, "action": "entry", "target": m["entry"], "text": "eingetragen " + canaryCity})
	save("alert", "citystaff_alerts", map[string]any{"organisation": org, "user": boss, "kind": "report", "target": m["report"], "text": "Meldung " + canaryCity})
	save("case", "complaint_cases", map[string]any{"organisation": org, "number": "BM-2026-0001", "citizen_name": "Bürgerin " + canaryCity,
		"citizen_contact": "Kanarienweg 2", "what": "Beschwerde " + canaryCity, "officer": staff, "supervisor": boss, "status": "signed",
		"statement": "Stellungnahme " + canaryCity, "due_interim": now.AddDate(0, 0, 14).UTC(), "due_result": now.AddDate(0, 0, 42).UTC(), "finding": "partly", "result": "Ergebnis " + canaryCity})
	actual, _ := cityFixtures.LoadOrStore(w, m)
	return actual.(map[string]string)[key]
}

// citySecrets are the words and ids of the city modules no attacker's answer may hold.
func citySecrets(w *world) []string {
	s := []string{canaryCity, "Karl Kanarie", "1970-01-02"}
	for _, k := range []string{"report", "entry", "lookup", "log", "alert", "case", "settings", "role_boss", "role_staff"} {
		s = append(s, cityFixture(w, k))
	}
	return s
}
