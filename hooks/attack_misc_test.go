package hooks_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks"
	"crisisroom/testkit"
)

// Wrong-person tests of the audit log, names, sign-in throttling, the append-only schema
// and the browser policy.

func mxSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// superuserClient creates a superuser in s and signs it in by token.
func superuserClient(t *testing.T, s *testkit.Server, email, password string) mxClient {
	t.Helper()
	c, err := s.App.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su, err := s.App.FindAuthRecordByEmail(c, email)
	if err != nil {
		su = core.NewRecord(c)
		su.SetEmail(email)
		su.SetPassword(password)
		if err := s.App.Save(su); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return mxClient{base: s.URL, token: tok}
}

// The police admin reads the police tenant's audit rows, and a POL–FW direct conversation
// is filed there; the FW member's words in it are not the admin's to read, not even
// through the audit of an edit or a delete.
func TestAttackAuditShowsNoContent(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	lneumann, kvogel, tkeller := mxAs(s, t, "lneumann"), mxAs(s, t, "kvogel"), mxAs(s, t, "tkeller")
	dm := lneumann.obj(t, 200, "POST", "/api/crisisroom/direct", map[string]any{"user": s.Demo.Users["kvogel"].Id})
	ch := mxStr(dm, "id")
	if ch == "" {
		t.Fatalf("direct conversation: %v", dm)
	}
	const first, second, third = "Zugang Nordtor Code 4711", "Zugang Südtor Code 0815", "Lage vertraulich Halle 3"
	m := kvogel.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": ch, "author": s.Demo.Users["kvogel"].Id, "body": first})
	id := mxStr(m, "id")
	kvogel.obj(t, 200, "PATCH", "/api/collections/messages/records/"+id, map[string]any{"body": second})
	m2 := kvogel.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": ch, "author": s.Demo.Users["kvogel"].Id, "body": third})
	kvogel.obj(t, 200, "PATCH", "/api/collections/messages/records/"+mxStr(m2, "id"), map[string]any{"deleted": true})

	_, _, raw := tkeller.call(t, "GET", "/api/collections/audit/records?perPage=500&filter="+
		"(action~'messages.')", nil)
	list := string(raw)
	if !strings.Contains(list, `"messages.edit"`) || !strings.Contains(list, `"messages.delete"`) {
		t.Fatalf("the police admin should see that a change happened (filed under POL): %s", list)
	}
	for _, words := range []string{"Nordtor", "Südtor", "S\\u00fcdtor", "4711", "0815", "Halle 3"} {
		if strings.Contains(list, words) {
			t.Errorf("the police admin reads %q of the FW member's message in the audit: %s", words, list)
		}
	}
	if !strings.Contains(list, mxSHA256(first)) || !strings.Contains(list, mxSHA256(second)) {
		t.Errorf("the edit is not evident by digests: %s", list)
	}
}

// Nobody, superusers included, empties an append-only collection through its schema:
// dropping fields, opening write rules, renaming, deleting, truncating, importing with
// deleteMissing. A harmless change (the list rule, a new field) still goes through.
func TestAttackAuditSchemaBackDoor(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	su := superuserClient(t, s, "it@example.org", "superuser-passwort-2026")
	hooks.Audit(s.App, hooks.AuditEntry{Action: "test.entry", Target: "x"})
	before, err := s.App.CountRecords("audit")
	if err != nil || before == 0 {
		t.Fatalf("demo audit rows: %d %v", before, err)
	}
	coll := su.obj(t, 200, "GET", "/api/collections/audit", nil)
	fields, _ := coll["fields"].([]any)
	var withoutData []any
	for _, f := range fields {
		if fm, _ := f.(map[string]any); fm["name"] != "data" {
			withoutData = append(withoutData, f)
		}
	}
	changedType := make([]any, len(fields))
	for i, f := range fields {
		fm := map[string]any{}
		for k, v := range f.(map[string]any) {
			fm[k] = v
		}
		if fm["name"] == "action" {
			fm["max"] = 3
		}
		changedType[i] = fm
	}
	all := su.obj(t, 200, "GET", "/api/collections?perPage=500", nil)
	var allButAudit []any
	for _, c := range mxItems(all) {
		if mxStr(c, "name") != "audit" {
			allButAudit = append(allButAudit, c)
		}
	}
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"drop a field", "PATCH", "/api/collections/audit", map[string]any{"fields": withoutData}},
		{"change a field", "PATCH", "/api/collections/audit", map[string]any{"fields": changedType}},
		{"open the create rule", "PATCH", "/api/collections/audit", map[string]any{"createRule": ""}},
		{"open the delete rule", "PATCH", "/api/collections/audit", map[string]any{"deleteRule": ""}},
		{"rename", "PATCH", "/api/collections/audit", map[string]any{"name": "audit_old"}},
		{"delete", "DELETE", "/api/collections/audit", nil},
		{"truncate", "DELETE", "/api/collections/audit/truncate", nil},
		{"import with deleteMissing", "PUT", "/api/collections/import", map[string]any{"collections": allButAudit, "deleteMissing": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, raw := su.call(t, c.method, c.path, c.body)
			if status < 400 {
				t.Errorf("superuser could %s: %d %s", c.name, status, raw)
			}
			got, err := s.App.FindCollectionByNameOrId("audit")
			if err != nil || got.Fields.GetByName("data") == nil || got.CreateRule != nil || got.DeleteRule != nil {
				t.Fatalf("audit after %s: %v", c.name, err)
			}
			if n, _ := s.App.CountRecords("audit"); n < before {
				t.Fatalf("audit rows after %s: %d < %d", c.name, n, before)
			}
		})
	}
	// What migrations do stays possible: a new field, a list rule.
	withExtra := append(append([]any{}, fields...), map[string]any{"name": "note", "type": "text"})
	su.obj(t, 200, "PATCH", "/api/collections/audit", map[string]any{"fields": withExtra})
	if status, _, raw := su.call(t, "GET", "/api/collections/audit", nil); status != http.StatusOK {
		t.Fatalf("audit collection: %d %s", status, raw)
	}
}
