package citystaff

import (
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/demo"
	"crisisroom/hooks/tenancy"
)

// DemoOrg is the short name of the demo's city administration.
const DemoOrg = "SV"

// demoPeople are the city administration's people in the demo (password
// hooks.DemoPassword): role in the tenant, roles in the modules, supervisor, department.
var demoPeople = []struct {
	name, username, role, function string
	roles                          []string
	supervisor, department         string
}{
	{"Claudia Hartmann", "sv.hartmann", "admin", "Personal- und Organisationsamt", nil, "", "Personalamt"},
	{"Frank Krüger", "sv.krueger", "member", "Leitung Ordnungsdienst", nil, "", "Ordnungsamt"},
	{"Murat Yilmaz", "sv.yilmaz", "member", "Ordnungsdienst", nil, "sv.krueger", "Ordnungsamt"},
	{"Kevin Lorenz", "sv.lorenz", "member", "Ordnungsdienst", nil, "sv.krueger", "Ordnungsamt"},
	{"Sabine Otto", "sv.otto", "member", "Zentrum für Kriminalprävention und Sicherheit", []string{RoleZKS}, "", "ZKS"},
	{"Jan Peters", "sv.peters", "member", "Sozialamt, Außendienst", []string{RoleLookup}, "", "Sozialamt"},
	{"Dr. Ines Vogt", "sv.vogt", "member", "Datenschutzbeauftragte", []string{RoleDPO}, "", "Datenschutz"},
	{"Nina Albers", "sv.albers", "member", "Beschwerdestelle Ordnungsdienst", []string{RoleComplaints}, "", "Ordnungsamt"},
	{"Tobias Brandt", "sv.brandt", "member", "Justitiar", []string{RoleLegal}, "", "Rechtsamt"},
}

// SeedDemo adds the demo's city administration ("Stadtverwaltung", SV) with both
// modules on, its people and roles, a year of reports for the statistics, one entry
// and one complaint case. It is idempotent: a second run changes nothing. It returns
// the users by username.
func SeedDemo(app core.App) (map[string]*core.Record, error) {
	users := map[string]*core.Record{}
	err := app.RunInTransaction(func(tx core.App) error {
		org, err := tx.FindFirstRecordByData("organisations", "short", DemoOrg)
		fresh := err != nil
		if fresh {
			if org, err = tenancy.NewOrganisation(tx, "Stadtverwaltung", DemoOrg, "administration", "#6a1b9a"); err != nil {
				return fmt.Errorf("failed to create the demo city administration: %w", err)
			}
		}
		for _, p := range demoPeople {
			u, err := tx.FindFirstRecordByData("users", "username", p.username)
			if err != nil {
				if u, err = tenancy.NewUser(tx, p.name, p.username, demo.Password, ""); err != nil {
					return err
				}
			}
			users[p.username] = u
			if tenancy.Membership(tx, u.Id, org.Id) == nil {
				if _, err := tenancy.NewMembership(tx, u.Id, org.Id, p.role, p.function, nil); err != nil {
					return err
				}
			}
		}
		if err := seedDemoChannels(tx, org, users); err != nil {
			return err
		}
		if !fresh && settingsOf(tx, org.Id) != nil {
			return nil
		}
		t, f := true, false
		s := func(v string) *string { return &v }
		months := DefaultReviewMonths
		if _, err := SetSettings(tx, org.Id, settingsBody{ZeMAG: &t, Complaints: &t, ReviewMonths: &months,
			City: s("Köln"), ComplaintOffice: s("Stadt Köln, Beschwerdemanagement Ordnungsdienst"),
			ComplaintAddress: s("Willy-Brandt-Platz 2\n50679 Köln"), ComplaintPhone: s("0221 221-0"),
			ComplaintEmail: s("beschwerde-ordnungsdienst@stadt.example"), ComplaintURL: s("https://stadt.example/beschwerde-ordnungsdienst"),
			ZKSAddress: s("Stadt Köln, Zentrum für Kriminalprävention und Sicherheit (ZKS)\nWilly-Brandt-Platz 2\n50679 Köln"),
			DPOAddress: s("Stadt Köln, Datenschutzbeauftragte\nWilly-Brandt-Platz 2\n50679 Köln")}); err != nil {
			return err
		}
		_ = f
		for _, p := range demoPeople {
			sup := ""
			if p.supervisor != "" {
				sup = users[p.supervisor].Id
			}
			if _, err := SetRoles(tx, org.Id, users[p.username].Id, p.roles, sup, p.department); err != nil {
				return err
			}
		}
		return seedDemoHistory(tx, org.Id, users)
	})
	return users, err
}

// seedDemoChannels gives the city administration what every other demo organisation has:
// its own channel "SV intern" with all its people and a first message, and a seat in the
// host's shared channel "Hochwasser Rhein" (when the demo has it) for its admin and the head
// of the Ordnungsdienst, as the others' people sit in the shared channels of their
// organisation. Without it an SV employee signs in to "Keine Kanäle".
func seedDemoChannels(tx core.App, org *core.Record, users map[string]*core.Record) error {
	name := DemoOrg + " intern"
	if _, err := tx.FindFirstRecordByData("channels", "name", name); err == nil {
		return nil
	}
	ch, err := tenancy.NewChannel(tx, org.Id, "org", name, "Interner Kanal: Stadtverwaltung", nil, users["sv.hartmann"].Id)
	if err != nil {
		return err
	}
	for _, p := range demoPeople {
		tenancy.AddChannelMember(tx, ch.Id, users[p.username].Id, "member", nil)
	}
	coll, err := tx.FindCachedCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	m := core.NewRecord(coll)
	m.Load(map[string]any{"channel": ch.Id, "author": users["sv.krueger"].Id, "priority": "normal", "source": "web",
		"body": "Ordnungsdienst: zwei Streifen unterstützen heute die Absperrung am Rheinufer. Lage zum Hochwasser bitte im Kanal „Hochwasser Rhein“ verfolgen."})
	if err := tx.Save(m); err != nil {
		return err
	}
	flood, err := tx.FindFirstRecordByData("channels", "name", "Hochwasser Rhein")
	if err != nil {
		return nil // a demo without the host's shared channel
	}
	orgs := flood.GetStringSlice("organisations")
	if !slices.Contains(orgs, org.Id) {
		flood.Set("organisations", append(orgs, org.Id))
		if err := tx.Save(flood); err != nil {
			return err
		}
	}
	for _, u := range []string{"sv.hartmann", "sv.krueger"} {
		tenancy.AddChannelMember(tx, flood.Id, users[u].Id, "member", nil)
	}
	return nil
}

// seedDemoHistory adds a year of decided reports (without the personal data of those not
// entered), one entry and one complaint case waiting for its statement.
func seedDemoHistory(tx core.App, org string, users map[string]*core.Record) error {
	rc, err := tx.FindCollectionByNameOrId("zemag_reports")
	if err != nil {
		return err
	}
	now := time.Now()
	hist := []struct {
		monthsAgo, level int
		cat, dept, place string
	}{
		{11, 1, "insult", "Ordnungsamt", "Neumarkt"}, {9, 2, "threat", "Sozialamt", "Bürgeramt Chorweiler"},
		{7, 1, "verbal", "Jugendamt", "Hausbesuch Kalk"}, {5, 3, "weapon", "Ordnungsamt", "Ebertplatz"},
		{4, 0, "other", "Kasse", "Stadtkasse"}, {2, 2, "violence", "Rettungsdienst", "Einsatz Mülheim"},
		{1, 1, "objects", "Sozialamt", "Sozialamt Porz"},
	}
	for i, h := range hist {
		r := core.NewRecord(rc)
		r.Load(map[string]any{"organisation": org, "reporter": users["sv.yilmaz"].Id, "client_key": fmt.Sprintf("demo-%d", i),
			"occurred_at": now.AddDate(0, -h.monthsAgo, 0).UTC(), "place": h.place, "department": h.dept,
			"what": "Beispielmeldung der Demo", "level": h.level, "category": h.cat, "status": StatusNotEntered,
			"decision_reason": "Demo: ohne Eintrag"})
		if h.level >= 2 {
			r.Set("status", StatusEntered)
			r.Set("complaint_file", fmt.Sprintf("ST/2026/%05d", 120+i))
		}
		if err := tx.Save(r); err != nil {
			return err
		}
		if h.level == 3 {
			ec, err := tx.FindCollectionByNameOrId("zemag_entries")
			if err != nil {
				return err
			}
			key, _ := PersonKey("Bernd Beispiel", "1975-04-12", now)
			en := core.NewRecord(ec)
			en.Load(map[string]any{"organisation": org, "report": r.Id, "person_key": key, "person_name": "Bernd Beispiel",
				"person_dob": "1975-04-12", "person_address": "Musterstraße 1\n50667 Köln", "level": 3, "category": "weapon",
				"department": h.dept, "guidance": "Kontakt nur zu zweit; ZKS informieren", "status": "active",
				"review_at": now.AddDate(0, DefaultReviewMonths-h.monthsAgo, 0).UTC(), "occurred_at": r.GetDateTime("occurred_at"),
				"notice_sent_at": now.AddDate(0, -h.monthsAgo, 7).UTC()})
			if err := tx.Save(en); err != nil {
				return err
			}
			r.Set("entry", en.Id)
			r.Set("person_name", "Bernd Beispiel")
			r.Set("person_dob", "1975-04-12")
			if err := tx.Save(r); err != nil {
				return err
			}
		}
	}
	return nil
}
