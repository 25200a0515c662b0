package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The city administration's modules for its own staff (hooks/citystaff):
//   - citystaff_modules: per organisation, whether the threat register (ZeMAG) and the
//     complaint procedure are on, and their settings;
//   - citystaff_roles: the roles of the organisation's people in them (ZKS, lookup,
//     data-protection officer, complaint management, legal office) and each person's
//     direct supervisor and department: roles are data, per organisation;
//   - zemag_reports, zemag_entries: reports of attacks and the register's entries;
//   - zemag_lookups: every case-by-case lookup (who, when, reason, hit or not);
//   - citystaff_log: the modules' own journal (review steps, entries, extensions,
//     deletions, letters, role changes), kept apart from the Einsatztagebuch because it
//     concerns third persons and staff matters that S2 and the ETB keeper must not read;
//   - citystaff_alerts: the banners for supervisors, ZKS and complaint management;
//   - complaint_cases: complaints about public-order officers.
//
// Every rule is nil and stays nil: nobody reaches these records through the records API
// or realtime (hooks/citystaff refuses even superusers there); every read and write goes
// through the routes under /api/crisisroom/zemag, /complaints and /citystaff, which
// check the roles. The lookup log and the module log are append-only in SQLite itself.
func init() {
	m.Register(upCitystaff, downCitystaff, "1796400000_citystaff.go")
}

var citystaffTriggers = []string{
	`CREATE TRIGGER IF NOT EXISTS zemag_lookups_append_only_update BEFORE UPDATE ON zemag_lookups
	BEGIN SELECT RAISE(ABORT, 'the lookup log is append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS zemag_lookups_append_only_delete BEFORE DELETE ON zemag_lookups
	BEGIN SELECT RAISE(ABORT, 'the lookup log is append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS citystaff_log_append_only_update BEFORE UPDATE ON citystaff_log
	BEGIN SELECT RAISE(ABORT, 'the module log is append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS citystaff_log_append_only_delete BEFORE DELETE ON citystaff_log
	BEGIN SELECT RAISE(ABORT, 'the module log is append-only'); END`,
}

func upCitystaff(app core.App) error {
	orgText := func() *core.TextField { return &core.TextField{Name: "organisation", Required: true, Max: 15} }
	save := func(c *core.Collection) error {
		timestamps(c)
		return app.Save(c)
	}

	modules := core.NewBaseCollection("citystaff_modules")
	modules.Fields.Add(
		orgText(),
		&core.BoolField{Name: "zemag"},
		&core.BoolField{Name: "complaints"},
		&core.NumberField{Name: "review_months", OnlyInt: true, Min: csNum(1), Max: csNum(120)},
		&core.NumberField{Name: "interim_days", OnlyInt: true, Min: csNum(1), Max: csNum(365)},
		&core.NumberField{Name: "result_days", OnlyInt: true, Min: csNum(1), Max: csNum(730)},
		&core.TextField{Name: "city", Max: 200},
		&core.TextField{Name: "complaint_office", Max: 200},
		&core.TextField{Name: "complaint_address", Max: 500},
		&core.TextField{Name: "complaint_phone", Max: 60},
		&core.TextField{Name: "complaint_email", Max: 200},
		&core.TextField{Name: "complaint_url", Max: 300},
		&core.TextField{Name: "zks_address", Max: 500},
		&core.TextField{Name: "dpo_address", Max: 500},
	)
	modules.AddIndex("idx_citystaff_modules_org", true, "organisation", "")
	if err := save(modules); err != nil {
		return err
	}

	roles := core.NewBaseCollection("citystaff_roles")
	roles.Fields.Add(
		orgText(),
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.SelectField{Name: "roles", MaxSelect: 5, Values: []string{"zks", "lookup", "dpo", "complaints", "legal"}},
		&core.TextField{Name: "supervisor", Max: 15},
		&core.TextField{Name: "department", Max: 200},
		&core.TextField{Name: "phone", Max: 40},
	)
	roles.AddIndex("idx_citystaff_roles_user", true, "organisation, user", "")
	if err := save(roles); err != nil {
		return err
	}

	reports := core.NewBaseCollection("zemag_reports")
	reports.Fields.Add(
		orgText(),
		&core.TextField{Name: "reporter", Required: true, Max: 15},
		&core.TextField{Name: "client_key", Max: 64},
		&core.DateField{Name: "occurred_at", Required: true},
		&core.TextField{Name: "place", Required: true, Max: 300},
		&core.TextField{Name: "department", Max: 200},
		&core.TextField{Name: "what", Required: true, Max: 8000},
		&core.NumberField{Name: "level", OnlyInt: true, Min: csNum(0), Max: csNum(3)},
		&core.TextField{Name: "category", Max: 60},
		&core.TextField{Name: "person_name", Max: 200},
		&core.TextField{Name: "person_dob", Max: 10},
		&core.TextField{Name: "person_address", Max: 500},
		&core.TextField{Name: "witnesses", Max: 2000},
		&core.TextField{Name: "injuries", Max: 2000},
		&core.TextField{Name: "police_file", Max: 60},
		&core.BoolField{Name: "victim_not_city_staff"},
		&core.BoolField{Name: "other_authority"},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"reported", "checked", "complaint_filed", "entered", "not_entered"}},
		&core.TextField{Name: "complaint_file", Max: 60},
		&core.TextField{Name: "decision_reason", Max: 2000},
		&core.TextField{Name: "entry", Max: 15},
	)
	reports.AddIndex("idx_zemag_reports_key", true, "reporter, client_key", "client_key != ''")
	reports.AddIndex("idx_zemag_reports_org", false, "organisation, status", "")
	if err := save(reports); err != nil {
		return err
	}

	entries := core.NewBaseCollection("zemag_entries")
	entries.Fields.Add(
		orgText(),
		&core.TextField{Name: "report", Max: 15},
		&core.TextField{Name: "person_key", Max: 64},
		&core.TextField{Name: "person_name", Max: 200},
		&core.TextField{Name: "person_dob", Max: 10},
		&core.TextField{Name: "person_address", Max: 500},
		&core.NumberField{Name: "level", OnlyInt: true, Min: csNum(2), Max: csNum(3)},
		&core.TextField{Name: "category", Max: 60},
		&core.TextField{Name: "department", Max: 200},
		&core.TextField{Name: "guidance", Required: true, Max: 500},
		&core.DateField{Name: "review_at", Required: true},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"active", "deleted"}},
		&core.DateField{Name: "notice_sent_at"},
		&core.DateField{Name: "occurred_at"},
	)
	entries.AddIndex("idx_zemag_entries_key", false, "organisation, person_key", "")
	if err := save(entries); err != nil {
		return err
	}

	lookups := core.NewBaseCollection("zemag_lookups")
	lookups.Fields.Add(
		orgText(),
		&core.TextField{Name: "actor", Required: true, Max: 15},
		&core.TextField{Name: "actor_name", Max: 200},
		&core.DateField{Name: "at", Required: true},
		&core.TextField{Name: "reason", Max: 500},
		&core.BoolField{Name: "hit"},
		&core.TextField{Name: "entry", Max: 15},
		&core.BoolField{Name: "refused"},
	)
	lookups.AddIndex("idx_zemag_lookups", false, "organisation, at", "")
	if err := save(lookups); err != nil {
		return err
	}

	logc := core.NewBaseCollection("citystaff_log")
	logc.Fields.Add(
		orgText(),
		&core.SelectField{Name: "module", Required: true, MaxSelect: 1, Values: []string{"zemag", "complaints", "roles"}},
		&core.DateField{Name: "at", Required: true},
		&core.TextField{Name: "actor", Max: 15},
		&core.TextField{Name: "actor_name", Max: 200},
		&core.TextField{Name: "action", Required: true, Max: 40},
		&core.TextField{Name: "target", Max: 15},
		&core.TextField{Name: "text", Max: 2000},
	)
	logc.AddIndex("idx_citystaff_log", false, "organisation, module, at", "")
	if err := save(logc); err != nil {
		return err
	}

	alerts := core.NewBaseCollection("citystaff_alerts")
	alerts.Fields.Add(
		orgText(),
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "kind", Required: true, Max: 40},
		&core.TextField{Name: "target", Max: 15},
		&core.TextField{Name: "text", Max: 500},
		&core.DateField{Name: "seen_at"},
	)
	alerts.AddIndex("idx_citystaff_alerts", false, "user, seen_at", "")
	alerts.AddIndex("idx_citystaff_alerts_once", true, "user, kind, target", "")
	if err := save(alerts); err != nil {
		return err
	}

	cases := core.NewBaseCollection("complaint_cases")
	cases.Fields.Add(
		orgText(),
		&core.TextField{Name: "number", Required: true, Max: 20},
		&core.TextField{Name: "citizen_name", Required: true, Max: 200},
		&core.TextField{Name: "citizen_contact", Required: true, Max: 500},
		&core.TextField{Name: "what", Required: true, Max: 8000},
		&core.DateField{Name: "occurred_at"},
		&core.TextField{Name: "place", Max: 300},
		&core.TextField{Name: "officer", Required: true, Max: 15},
		&core.TextField{Name: "supervisor", Max: 15},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"intake", "statement", "signed", "legal", "decided", "closed"}},
		&core.TextField{Name: "statement", Max: 8000},
		&core.DateField{Name: "statement_at"},
		&core.TextField{Name: "signed_by", Max: 15},
		&core.DateField{Name: "signed_at"},
		&core.TextField{Name: "sign_note", Max: 2000},
		&core.DateField{Name: "due_interim", Required: true},
		&core.DateField{Name: "interim_sent_at"},
		&core.DateField{Name: "due_result", Required: true},
		&core.BoolField{Name: "legal"},
		&core.TextField{Name: "legal_question", Max: 2000},
		&core.TextField{Name: "legal_opinion", Max: 4000},
		&core.SelectField{Name: "finding", MaxSelect: 1, Values: []string{"upheld", "partly", "not_upheld"}},
		&core.TextField{Name: "result", Max: 8000},
		&core.DateField{Name: "result_sent_at"},
		&core.TextField{Name: "analysis", Max: 8000},
		&core.DateField{Name: "analysis_at"},
	)
	cases.AddIndex("idx_complaint_cases_number", true, "organisation, number", "")
	if err := save(cases); err != nil {
		return err
	}

	for _, q := range citystaffTriggers {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downCitystaff(app core.App) error {
	for _, q := range []string{
		`DROP TRIGGER IF EXISTS zemag_lookups_append_only_update`, `DROP TRIGGER IF EXISTS zemag_lookups_append_only_delete`,
		`DROP TRIGGER IF EXISTS citystaff_log_append_only_update`, `DROP TRIGGER IF EXISTS citystaff_log_append_only_delete`,
	} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	for _, name := range []string{"complaint_cases", "citystaff_alerts", "citystaff_log", "zemag_lookups", "zemag_entries", "zemag_reports", "citystaff_roles", "citystaff_modules"} {
		if c, err := app.FindCollectionByNameOrId(name); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func csNum(f float64) *float64 { return &f }
