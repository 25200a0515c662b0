package hooks

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	Actor        *core.Record // a user or a device record, or nil for the appliance itself
	Action       string
	Organisation string
	Target       string
	Data         map[string]any
}

// errAuditAppendOnly is returned for any attempt to change or remove an audit record,
// whoever makes it: the log has legal weight after the crisis.
var errAuditAppendOnly = router.NewBadRequestError("Protokolleinträge können nicht geändert oder gelöscht werden. / Audit records are append-only.", nil)

// Audit writes one audit record. Failures are logged, never returned: the action that
// is being audited has already happened.
func Audit(app core.App, e AuditEntry) {
	coll, err := app.FindCachedCollectionByNameOrId("audit")
	if err != nil {
		app.Logger().Error("audit collection missing", "error", err)
		return
	}
	r := core.NewRecord(coll)
	if e.Actor != nil {
		switch e.Actor.Collection().Name {
		case "devices":
			r.Set("device", e.Actor.Id)
			r.Set("actor_name", e.Actor.GetString("username"))
		case core.CollectionNameSuperusers:
			r.Set("actor_name", "superuser "+e.Actor.Email())
		default:
			r.Set("actor", e.Actor.Id)
			name := e.Actor.GetString("name")
			if name == "" {
				name = e.Actor.GetString("username")
			}
			r.Set("actor_name", name)
		}
	}
	r.Set("action", e.Action)
	r.Set("organisation", e.Organisation)
	r.Set("target", e.Target)
	if e.Data != nil {
		r.Set("data", e.Data)
	}
	if err := app.Save(r); err != nil {
		app.Logger().Error("audit write failed", "action", e.Action, "error", err)
	}
}

// auditedCollections are those whose every change through the API is privileged.
var auditedCollections = []string{
	"organisations", "memberships", "channels", "channel_members", "invitations",
	"devices", "siren_activations", "board_items", "users",
}

func registerAudit(app core.App) {
	// Model-level hooks also run for superusers and Go code: nobody rewrites history.
	app.OnRecordUpdate("audit").BindFunc(func(e *core.RecordEvent) error { return errAuditAppendOnly })
	app.OnRecordDelete("audit").BindFunc(func(e *core.RecordEvent) error { return errAuditAppendOnly })

	app.OnRecordCreateRequest(auditedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		Audit(e.App, AuditEntry{Actor: e.Auth, Action: e.Collection.Name + ".create", Organisation: orgOf(e.App, e.Record), Target: e.Record.Id, Data: auditData(e.Record)})
		return nil
	})
	app.OnRecordUpdateRequest(auditedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		before := e.Record.Original()
		if err := e.Next(); err != nil {
			return err
		}
		Audit(e.App, AuditEntry{Actor: e.Auth, Action: e.Collection.Name + ".update", Organisation: orgOf(e.App, e.Record), Target: e.Record.Id, Data: changes(before, e.Record)})
		return nil
	})
	app.OnRecordDeleteRequest(auditedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		org := orgOf(e.App, e.Record)
		data := auditData(e.Record)
		if err := e.Next(); err != nil {
			return err
		}
		Audit(e.App, AuditEntry{Actor: e.Auth, Action: e.Collection.Name + ".delete", Organisation: org, Target: e.Record.Id, Data: data})
		return nil
	})
}

// orgOf names the tenant a record belongs to, for filtering the audit log per tenant.
func orgOf(app core.App, r *core.Record) string {
	switch r.Collection().Name {
	case "organisations":
		return r.Id
	case "channel_members":
		if ch, err := app.FindRecordById("channels", r.GetString("channel")); err == nil {
			return ch.GetString("organisation")
		}
		return ""
	case "siren_activations":
		if d, err := app.FindRecordById("devices", r.GetString("device")); err == nil {
			return d.GetString("organisation")
		}
		return ""
	}
	return r.GetString("organisation")
}

// auditData keeps the visible fields of a record; secrets are hidden fields and stay out.
func auditData(r *core.Record) map[string]any {
	out := map[string]any{}
	for _, f := range r.Collection().Fields {
		if f.GetHidden() || f.Type() == core.FieldTypePassword || f.GetName() == "id" {
			continue
		}
		switch f.GetName() {
		case "tokenKey", "created", "updated":
			continue
		}
		if v := r.Get(f.GetName()); v != nil && v != "" {
			out[f.GetName()] = v
		}
	}
	return out
}

func changes(before, after *core.Record) map[string]any {
	out := map[string]any{}
	for k, v := range auditData(after) {
		if before == nil || before.GetString(k) != after.GetString(k) {
			out[k] = v
		}
	}
	return out
}
