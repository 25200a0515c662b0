package audit

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
)

// AuditEntry is one line of the append-only audit log.
type Entry struct {
	Actor        *core.Record // a user or a device record, or nil for the appliance itself
	Action       string
	Organisation string
	Target       string
	Data         map[string]any
}

// errAuditAppendOnly is returned for any attempt to change or remove an audit record,
// whoever makes it: the log has legal weight after the crisis.
var errAuditAppendOnly = apperr.BadRequest("audit.audit_records_append_only")

// Audit writes one audit record. Failures are logged, never returned: the action that
// is being audited has already happened.
//
// An audit row says who did what to which id and when, never what was written: it is
// filed under one organisation and read by that organisation's admins, who may not be
// allowed to read the conversation, fax or invitation it came from. Values under the
// keys of contentKeys are therefore replaced by their Digest before the row is stored,
// whatever the caller passed; callers pass ids, enumerations, counts and digests.
func Write(app core.App, e Entry) {
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
		r.Set("data", scrubAuditData(app, e.Data))
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

// AppendOnlyCollections are the collections whose records are never changed or removed,
// nor their schema weakened: records are written once and kept (audit, the
// Einsatztagebuch journal_entries and its signed journal_heads).
var AppendOnlyCollections = []string{"audit", "journal_entries", "journal_heads", "zemag_lookups", "citystaff_log"} // the last two: hooks/citystaff

// errSchemaAppendOnly answers an attempt to drop, change or open up an append-only
// collection: deleting its fields or the collection itself would erase the records.
var errSchemaAppendOnly = apperr.BadRequest("audit.append_only_collections_cannot")

func isAppendOnly(name string) bool {
	for _, n := range AppendOnlyCollections {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// checkAppendOnlySchema refuses an update of an append-only collection that renames it,
// changes its type, removes or changes an existing field, or sets a create, update or
// delete rule (every write goes through Go code, never the records API). Adding a field
// and changing the list and view rules stay possible (migrations).
func checkAppendOnlySchema(app core.App, updated *core.Collection) error {
	old, err := app.FindCollectionByNameOrId(updated.Id)
	if err != nil || !isAppendOnly(old.Name) {
		return nil
	}
	if updated.Name != old.Name || updated.Type != old.Type ||
		updated.CreateRule != nil || updated.UpdateRule != nil || updated.DeleteRule != nil {
		return errSchemaAppendOnly
	}
	for _, f := range old.Fields {
		nf := updated.Fields.GetById(f.GetId())
		if nf == nil {
			return errSchemaAppendOnly
		}
		a, _ := json.Marshal(f)
		b, _ := json.Marshal(nf)
		if string(a) != string(b) {
			return errSchemaAppendOnly
		}
	}
	return nil
}

func Register(app core.App) {
	// Model-level hooks also run for superusers and Go code: nobody rewrites history.
	// A truncate deletes record by record, so the record delete hook refuses it too.
	for _, name := range AppendOnlyCollections {
		app.OnRecordUpdate(name).BindFunc(func(e *core.RecordEvent) error { return errAuditAppendOnly })
		app.OnRecordDelete(name).BindFunc(func(e *core.RecordEvent) error { return errAuditAppendOnly })
	}
	app.OnRecordEnrich("audit").BindFunc(scrubStoredAudit)
	// The schema: untagged, so a rename cannot slip past a hook bound to the old name;
	// collections import (also with deleteMissing) saves and deletes through these too.
	app.OnCollectionUpdate().BindFunc(func(e *core.CollectionEvent) error {
		if err := checkAppendOnlySchema(e.App, e.Collection); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnCollectionDelete().BindFunc(func(e *core.CollectionEvent) error {
		if isAppendOnly(e.Collection.Name) {
			return errSchemaAppendOnly
		}
		return e.Next()
	})

	app.OnRecordCreateRequest(auditedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		Write(e.App, Entry{Actor: e.Auth, Action: e.Collection.Name + ".create", Organisation: OrgOf(e.App, e.Record), Target: e.Record.Id, Data: AuditData(e.App, e.Record)})
		return nil
	})
	app.OnRecordUpdateRequest(auditedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		before := e.Record.Original()
		if err := e.Next(); err != nil {
			return err
		}
		Write(e.App, Entry{Actor: e.Auth, Action: e.Collection.Name + ".update", Organisation: OrgOf(e.App, e.Record), Target: e.Record.Id, Data: changes(e.App, before, e.Record)})
		return nil
	})
	app.OnRecordDeleteRequest(auditedCollections...).BindFunc(func(e *core.RecordRequestEvent) error {
		org := OrgOf(e.App, e.Record)
		data := AuditData(e.App, e.Record)
		if err := e.Next(); err != nil {
			return err
		}
		Write(e.App, Entry{Actor: e.Auth, Action: e.Collection.Name + ".delete", Organisation: org, Target: e.Record.Id, Data: data})
		return nil
	})
}

// orgOf names the tenant a record belongs to, for filtering the audit log per tenant.
func OrgOf(app core.App, r *core.Record) string {
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

// auditData keeps the visible fields of a record that identify and classify it (ids,
// relations, enumerations, names, dates, numbers); secrets are hidden fields and stay
// out; content (free text such as a board item's body, JSON, e-mail addresses) is kept
// as its Digest only.
func AuditData(app core.App, r *core.Record) map[string]any {
	out := map[string]any{}
	for _, f := range r.Collection().Fields {
		if f.GetHidden() || f.Type() == core.FieldTypePassword || f.GetName() == "id" {
			continue
		}
		switch f.GetName() {
		case "tokenKey", "created", "updated":
			continue
		}
		v := r.Get(f.GetName())
		if v == nil || v == "" {
			continue
		}
		switch f.Type() {
		case core.FieldTypeJSON, core.FieldTypeEmail, core.FieldTypeEditor:
			v = Digest(app, r.GetString(f.GetName()))
		}
		if contentKeys[f.GetName()] {
			v = Digest(app, r.GetString(f.GetName()))
		}
		// A direct or group conversation is private to its members, its name included;
		// the audit row is read by the admins of the organisation it is filed under.
		if r.Collection().Name == "channels" && f.GetName() == "name" && r.GetString("kind") != "org" && r.GetString("kind") != "shared" {
			v = Digest(app, r.GetString("name"))
		}
		out[f.GetName()] = v
	}
	return out
}

// contentKeys name Data keys and record fields that carry what people wrote (messages,
// board items, faxes, labels, topics) or secrets (tokens, passwords, e-mail addresses).
// Audit stores only their Digest.
var contentKeys = map[string]bool{
	"body": true, "before": true, "after": true, "text": true, "title": true, "topic": true,
	"label": true, "token": true, "token_hash": true, "password": true, "passwordConfirm": true,
	"oldPassword": true, "secret": true, "email": true, "config": true, "content": true,
	"url": true, "link": true, "device_spec": true,
}

// Digest stands in for a content value in the audit log: its length in bytes (of the
// JSON encoding when v is not a string) and its HMAC-SHA256 (RFC 2104, FIPS 180-4) under
// the appliance's audit key. A change stays evident (the digest differs) without the
// words being readable, and, unlike a plain hash, a reader of the audit log cannot try
// guesses ("Ja", a door code) against it without the key, which stays in the data folder.
// An empty value gives {"len": 0}.
func Digest(app core.App, v any) map[string]any {
	var b []byte
	switch x := v.(type) {
	case nil:
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		b, _ = json.Marshal(x)
	}
	if len(b) == 0 {
		return map[string]any{"len": 0}
	}
	mac := hmac.New(sha256.New, auditKey(app))
	mac.Write(b)
	return map[string]any{"len": len(b), "hmac": hex.EncodeToString(mac.Sum(nil))}
}

const auditKeyStore = "crisisroom.auditKey"

// auditKey is the appliance's secret for Digest: 32 random bytes in <data dir>/audit.key
// (mode 0600), made on first use and kept, so that digests of the same text stay equal
// across restarts. Without a data folder (tools) the key lives for the process only.
func auditKey(app core.App) []byte {
	if k, ok := app.Store().Get(auditKeyStore).([]byte); ok {
		return k
	}
	return app.Store().GetOrSet(auditKeyStore, func() any {
		path := filepath.Join(app.DataDir(), "audit.key")
		if k, err := os.ReadFile(path); err == nil && len(k) == 32 {
			return k
		}
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		if err := os.WriteFile(path, k, 0o600); err != nil {
			app.Logger().Error("audit key not stored; digests change at the next start", "error", err)
		}
		return k
	}).([]byte)
}

// isDigest: v is already what Digest returns (callers may digest themselves).
func isDigest(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) > 2 {
		return false
	}
	_, hasLen := m["len"]
	return hasLen
}

// scrubAuditData replaces content values by their Digest; the caller's map is not changed.
func scrubAuditData(app core.App, data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		base := strings.TrimSuffix(strings.TrimSuffix(k, "_before"), "_after")
		if contentKeys[k] || contentKeys[base] {
			if !isDigest(v) {
				v = Digest(app, v)
			}
		}
		if list, ok := v.([]any); ok && base == "attachments" {
			v = len(list) // file names say what is in them
		}
		out[k] = v
	}
	return out
}

// scrubStoredAudit shows rows written before Audit scrubbed its data (they are append-
// only, so they keep what they hold) the way new rows are: API answers and realtime
// events carry the digests only.
func scrubStoredAudit(e *core.RecordEnrichEvent) error {
	var data map[string]any
	if raw := e.Record.GetString("data"); raw != "" && json.Unmarshal([]byte(raw), &data) == nil && data != nil {
		e.Record.Set("data", scrubAuditData(e.App, data))
	}
	return e.Next()
}

func changes(app core.App, before, after *core.Record) map[string]any {
	out := map[string]any{}
	for k, v := range AuditData(app, after) {
		if before == nil || before.GetString(k) != after.GetString(k) {
			out[k] = v
		}
	}
	return out
}
