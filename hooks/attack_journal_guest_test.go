package hooks_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// The journal and message-form holes of the attacker run: a guest's words lose their
// guest mark when copied, the open operation shown to people who read no journal, and
// journal entries cut or dated where nobody can correct them in place.

// A guest's message copied into another channel, a message form and two journals says
// in the stored text that its author is a guest of KS, not KS's staff.
func TestAttackGuestMarkSurvivesCopies(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	guest := f.user(t, "gast.gutachter")
	name := guest.GetString("name")
	mark := name + " (Gast, eingeladen von KS)"
	msg := f.save(t, "messages", map[string]any{"channel": f.flood.Id, "author": guest.Id, "body": "Gastnachricht " + unique("mk"), "priority": "normal", "source": "web"})

	// Forward into "KS intern" as the host's admin.
	r := f.as("hostAdmin").do(t, "POST", "/api/crisisroom/messages/"+msg.Id+"/forward", map[string]any{"channel": f.hostIntern(t)})
	if r.status != 200 {
		t.Fatalf("forward: %s", r)
	}
	fwd, err := f.app.FindRecordById("messages", r.json(t)["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fwd.GetString("body"), "↪ "+mark+", ") {
		t.Errorf("the forwarded copy quotes the guest without the mark: %q", fwd.GetString("body"))
	}

	// Taken in as a message form by the host's communications post.
	r = f.as("hostMember").do(t, "POST", "/api/crisisroom/forms/capture", map[string]any{"message": msg.Id})
	if r.status != 201 && r.status != 200 {
		t.Fatalf("capture: %s", r)
	}
	form, err := f.app.FindFirstRecordByFilter("forms", "message = {:m}", dbx.Params{"m": msg.Id})
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"sender", "counterpart"} {
		if got := form.GetString(field); got != mark {
			t.Errorf("form %s: %q, want %q", field, got, mark)
		}
	}

	// Into the host's journal (ETB keeper) and the police's (its admin, staff of POL).
	for _, c := range []struct{ actor, org string }{{"hostOp", f.ks.Id}, {"adminA", f.pol.Id}} {
		r = f.as(c.actor).do(t, "POST", "/api/crisisroom/journal/mark", map[string]any{"message": msg.Id, "organisation": c.org})
		if r.status != 200 {
			t.Fatalf("%s marks into the journal: %s", c.actor, r)
		}
		if text, _ := r.json(t)["text"].(string); !strings.Contains(text, "Nachricht von "+mark+" in ") {
			t.Errorf("%s's journal entry names the guest without the mark: %q", c.actor, text)
		}
	}

	// An entry the guest's own message causes (a Sofort message in a shared channel)
	// keeps the mark in its author's name.
	row := rowOf(t, f.app, f.flood.Id, guest.Id)
	row.Set("role", "member")
	if err := f.app.Save(row); err != nil {
		t.Fatal(err)
	}
	sofort := f.save(t, "messages", map[string]any{"channel": f.flood.Id, "author": guest.Id, "body": "Sofort vom Gast", "priority": "immediate", "source": "web"})
	en, err := f.app.FindFirstRecordByFilter("journal_entries", "source = 'message' && source_id = {:m}", dbx.Params{"m": sofort.Id})
	if err != nil {
		t.Fatalf("no journal entry of the guest's Sofort message: %v", err)
	}
	if got := en.GetString("author_name"); got != mark {
		t.Errorf("journal author_name %q, want %q", got, mark)
	}
}

// GET /api/crisisroom/journal/me shows the open operation only to those the incidents
// collection shows it to: a guest, an expired guest and a person without membership get
// the answer of "none open".
func TestAttackJournalMeOnlyForJournalReaders(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	inc := journal.OpenIncident(f.app)
	if inc == nil {
		t.Fatal("the demo has no open operation")
	}
	check := func(who string, a api, wantOpen bool) {
		t.Helper()
		r := a.do(t, "GET", "/api/crisisroom/journal/me", nil)
		if r.status != 200 {
			t.Fatalf("%s: %s", who, r)
		}
		var me struct {
			Incident  json.RawMessage  `json:"incident"`
			Incidents []map[string]any `json:"incidents"`
		}
		if err := json.Unmarshal(r.body, &me); err != nil {
			t.Fatal(err)
		}
		shown := string(me.Incident) != "null" || len(me.Incidents) > 0
		if shown != wantOpen {
			t.Errorf("%s: operation shown %v, want %v: %s", who, shown, wantOpen, r)
		}
		if !wantOpen && (strings.Contains(string(r.body), inc.GetString("opened_by")) || strings.Contains(string(r.body), inc.GetString("name"))) {
			t.Errorf("%s sees who opened %q: %s", who, inc.GetString("name"), r)
		}
	}
	check("a member of the host", f.as("hostMember"), true)
	check("the guest", f.as("guest"), false)
	_, nobody := attackPerson(t, f)
	check("a person without membership", nobody, false)
	guest := f.user(t, "gast.gutachter")
	m := tenancy.Membership(f.app, guest.Id, f.ks.Id)
	m.Set("expires", time.Now().Add(-time.Second).UTC())
	if err := f.app.Save(m); err != nil {
		t.Fatal(err)
	}
	check("the guest after its invitation ended", f.as("guest"), false)
}

// A manual journal entry with an event time long before the operation, or a text over
// the limit, is refused with its code and nothing is stored; a text at the limit is kept
// whole.
func TestAttackJournalEntryRefusesWhatItCannotKeep(t *testing.T) {
	f := newFixture(t, testkit.Options{NoMQTT: true})
	inc := journal.OpenIncident(f.app)
	if inc == nil {
		t.Fatal("the demo has no open operation")
	}
	count := func() int {
		n, err := f.app.CountRecords("journal_entries", dbx.HashExp{"incident": inc.Id, "organisation": f.ks.Id})
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	keeper := f.as("hostOp")
	post := func(body map[string]any) reply {
		body["organisation"] = f.ks.Id
		return keeper.do(t, "POST", "/api/crisisroom/journal/entries", body)
	}
	code := func(r reply) string {
		var b struct {
			Data struct {
				Code string `json:"code"`
			} `json:"data"`
		}
		_ = json.Unmarshal(r.body, &b)
		return b.Data.Code
	}
	before := count()
	if r := post(map[string]any{"text": "ok", "mark": "E", "occurred_at": "1900-01-01T00:00:00Z"}); r.status != 400 || code(r) != "journal.event_time_before_operation" {
		t.Errorf("an event in 1900: %s", r)
	}
	early := inc.GetDateTime("opened").Time().Add(-journal.EventTimeBefore - time.Minute).UTC().Format(time.RFC3339)
	if r := post(map[string]any{"text": "ok", "occurred_at": early}); r.status != 400 || code(r) != "journal.event_time_before_operation" {
		t.Errorf("an event a day and a minute before the operation: %s", r)
	}
	long := strings.Repeat("Ä", 75000)
	if r := post(map[string]any{"text": long}); r.status != 400 || code(r) != "journal.entry_text_too_long" || !strings.Contains(string(r.body), "4000") {
		t.Errorf("a 75,000-character text: %s", r)
	}
	if r := post(map[string]any{"text": strings.Repeat("€", journal.MaxManualText+1)}); r.status != 400 || code(r) != "journal.entry_text_too_long" {
		t.Errorf("a text one character over the limit: %s", r)
	}
	if n := count(); n != before {
		t.Fatalf("refused entries stored: %d → %d", before, n)
	}

	// At the limit, in four-byte characters, and as a correction: kept whole.
	full := strings.Repeat("😀", journal.MaxManualText)
	r := post(map[string]any{"text": full, "occurred_at": inc.GetDateTime("opened").Time().Add(-time.Hour).UTC().Format(time.RFC3339)})
	if r.status != 200 {
		t.Fatalf("an entry at the limit: %s", r)
	}
	id := r.json(t)["id"].(string)
	got, err := f.app.FindRecordById("journal_entries", id)
	if err != nil || got.GetString("text") != full {
		t.Errorf("the entry at the limit was changed (%d characters kept)", len([]rune(got.GetString("text"))))
	}
	r = post(map[string]any{"text": full, "corrects": id})
	if r.status != 200 {
		t.Fatalf("a correction at the limit: %s", r)
	}
	if text, _ := r.json(t)["text"].(string); !strings.HasSuffix(text, ": "+full) {
		t.Errorf("the correction at the limit was cut to %d characters", len([]rune(text)))
	}
}
