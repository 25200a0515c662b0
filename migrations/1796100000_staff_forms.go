package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The staff's message flow (THW DV 1-101 ch. 4.3; FwDV 100):
//   - staff_functions: the functions of the host's staff (Leiter, S1–S6, Sichter,
//     Leiter Fernmeldebetrieb, Fernmelder, ETB, Fachberater) and one Verbindungsstelle per
//     organisation, each held by people (holders; a person may hold several);
//   - forms: the Nachrichtenvordruck (Vierfachvordruck), incoming and outgoing, with its
//     numbered fields, the step it is at and its distribution;
//   - form_events: every step of every form, append-only (SQLite refuses UPDATE and
//     DELETE, like the journal);
//   - tasks: orders (Aufträge) with owner function, due time and status;
//   - briefings: the next Lagebesprechung.
//
// Every collection is closed to the records API (nil rules: superusers only): who may
// read and change a form depends on the step it is at and on the person's functions,
// which the routes of hooks/forms check in Go. People and forms are kept as ids in text
// fields, not relations, so that removing a person never rewrites or deletes a record.
func init() {
	m.Register(upStaffForms, downStaffForms, "1796100000_staff_forms.go")
}

var formTriggers = []string{
	`CREATE TRIGGER IF NOT EXISTS form_events_append_only_update BEFORE UPDATE ON form_events
	BEGIN SELECT RAISE(ABORT, 'form events are append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS form_events_append_only_delete BEFORE DELETE ON form_events
	BEGIN SELECT RAISE(ABORT, 'form events are append-only'); END`,
}

func upStaffForms(app core.App) error {
	fns := core.NewBaseCollection("staff_functions")
	fns.Fields.Add(
		&core.TextField{Name: "organisation", Required: true, Max: 15}, // the host
		&core.TextField{Name: "code", Required: true, Max: 40},         // "S2", "Sichter", "VB-POL"
		&core.TextField{Name: "name", Required: true, Max: 120},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"leitung", "stab", "sichter", "fernmelde", "etb", "fachberater", "verbindung"}},
		&core.TextField{Name: "liaison_org", Max: 15},       // the organisation of a Verbindungsstelle
		&core.JSONField{Name: "holders", MaxSize: 16 << 10}, // user ids
		&core.NumberField{Name: "sort", OnlyInt: true},
	)
	timestamps(fns)
	fns.AddIndex("idx_staff_functions_code", true, "organisation, code", "")
	if err := app.Save(fns); err != nil {
		return err
	}

	forms := core.NewBaseCollection("forms")
	forms.Fields.Add(
		&core.TextField{Name: "organisation", Required: true, Max: 15},
		&core.TextField{Name: "incident", Max: 15},
		&core.SelectField{Name: "direction", Required: true, MaxSelect: 1, Values: []string{"in", "out"}},
		&core.NumberField{Name: "number", OnlyInt: true}, // 0 until given (intake or dispatch)
		&core.SelectField{Name: "state", Required: true, MaxSelect: 1, Values: []string{"draft", "triage", "returned", "to_send", "sent", "distributed", "closed"}},
		&core.SelectField{Name: "medium", MaxSelect: 1, Values: []string{"funk", "telefon", "fax", "email", "melder", "messenger", "persoenlich"}},
		&core.SelectField{Name: "kind", MaxSelect: 1, Values: []string{"durchsage", "spruch", "gespraechsnotiz"}},
		&core.SelectField{Name: "priority", Required: true, MaxSelect: 1, Values: []string{"einfach", "sofort", "blitz"}},
		&core.TextField{Name: "counterpart", Max: 200},
		&core.TextField{Name: "counterpart_number", Max: 60},
		&core.TextField{Name: "subject", Max: 200},
		&core.TextField{Name: "text", Max: 20000},
		&core.TextField{Name: "sender", Max: 200},
		&core.TextField{Name: "written_at", Max: 40},
		&core.TextField{Name: "author", Max: 15},
		&core.TextField{Name: "author_name", Max: 200},
		&core.TextField{Name: "author_function", Max: 120},
		&core.JSONField{Name: "notes", MaxSize: 16 << 10}, // intake, acceptance, transmission, triage, receipt: {at, by, sign, function}
		&core.TextField{Name: "return_reason", Max: 2000},
		&core.TextField{Name: "lead", Max: 15},                 // staff function id
		&core.JSONField{Name: "recipients", MaxSize: 64 << 10}, // [{function, role, read_at, read_by, done_at, done_by}]
		&core.TextField{Name: "remarks", Max: 4000},
		&core.TextField{Name: "completion", Max: 4000},
		&core.TextField{Name: "reply_to", Max: 15},
		&core.TextField{Name: "fax", Max: 15},     // the received fax of an incoming form
		&core.TextField{Name: "message", Max: 15}, // the message it was captured from
		&core.TextField{Name: "sent_via", Max: 20},
		&core.TextField{Name: "sent_ref", Max: 15}, // the fax or message it went out as
	)
	timestamps(forms)
	forms.AddIndex("idx_forms_number", true, "organisation, incident, direction, number", "number > 0")
	forms.AddIndex("idx_forms_state", false, "organisation, state", "")
	if err := app.Save(forms); err != nil {
		return err
	}

	events := core.NewBaseCollection("form_events")
	events.Fields.Add(
		&core.TextField{Name: "form", Required: true, Max: 15},
		&core.TextField{Name: "action", Required: true, Max: 30},
		&core.TextField{Name: "actor", Max: 15},
		&core.TextField{Name: "actor_name", Max: 200},
		&core.TextField{Name: "function", Max: 120},
		&core.TextField{Name: "state", Max: 20},
		&core.JSONField{Name: "data", MaxSize: 64 << 10},
	)
	timestamps(events)
	events.AddIndex("idx_form_events_form", false, "form", "")
	if err := app.Save(events); err != nil {
		return err
	}

	tasks := core.NewBaseCollection("tasks")
	tasks.Fields.Add(
		&core.TextField{Name: "organisation", Required: true, Max: 15},
		&core.TextField{Name: "incident", Max: 15},
		&core.TextField{Name: "title", Required: true, Max: 300},
		&core.TextField{Name: "text", Max: 4000},
		&core.TextField{Name: "owner_function", Required: true, Max: 15},
		&core.DateField{Name: "due"},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"offen", "in_arbeit", "erledigt"}},
		&core.TextField{Name: "created_by", Max: 15},
		&core.TextField{Name: "created_by_name", Max: 200},
		&core.TextField{Name: "confirmed_by", Max: 15},
		&core.TextField{Name: "confirmed_by_name", Max: 200},
		&core.DateField{Name: "done_at"},
		&core.TextField{Name: "form", Max: 15},
		&core.TextField{Name: "message", Max: 15},
		&core.TextField{Name: "briefing", Max: 15},
	)
	timestamps(tasks)
	if err := app.Save(tasks); err != nil {
		return err
	}

	briefings := core.NewBaseCollection("briefings")
	briefings.Fields.Add(
		&core.TextField{Name: "organisation", Required: true, Max: 15},
		&core.TextField{Name: "incident", Max: 15},
		&core.DateField{Name: "at", Required: true},
		&core.TextField{Name: "set_by", Max: 15},
		&core.TextField{Name: "set_by_name", Max: 200},
		&core.BoolField{Name: "held"},
		&core.TextField{Name: "results", Max: 20000},
	)
	timestamps(briefings)
	if err := app.Save(briefings); err != nil {
		return err
	}
	for _, q := range formTriggers {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downStaffForms(app core.App) error {
	for _, q := range []string{`DROP TRIGGER IF EXISTS form_events_append_only_update`, `DROP TRIGGER IF EXISTS form_events_append_only_delete`} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	for _, name := range []string{"briefings", "tasks", "form_events", "forms", "staff_functions"} {
		if c, err := app.FindCollectionByNameOrId(name); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
	}
	return nil
}
