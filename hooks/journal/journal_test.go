package journal_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware/siren"
	"crisisroom/hooks/journal"
	"crisisroom/testkit"
)

func start(t *testing.T) *testkit.Server {
	t.Helper()
	return testkit.StartServer(t, testkit.Options{Demo: true})
}

func incidentOf(t *testing.T, s *testkit.Server) *core.Record {
	t.Helper()
	inc := journal.OpenIncident(s.App)
	if inc == nil {
		t.Fatal("the demo opened no operation")
	}
	return inc
}

// entries reads a journal in seq order.
func entries(t *testing.T, s *testkit.Server, org string) []journal.Sealed {
	t.Helper()
	es, err := journal.Entries(s.App, incidentOf(t, s).Id, s.Demo.Orgs[org].Id)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// holds fails the test unless every journal in the database verifies.
func holds(t *testing.T, s *testkit.Server) {
	t.Helper()
	rs, err := journal.VerifyDB(s.App, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Break != nil {
			t.Fatalf("journal %s/%s broken: %v", r.IncidentName, r.OrgShort, r.Break)
		}
	}
}

// added returns the entries written after the first n, checking seq runs on gaplessly.
func added(t *testing.T, s *testkit.Server, org string, n int) []journal.Sealed {
	t.Helper()
	es := entries(t, s, org)
	for i, e := range es {
		if e.Seq != i+1 {
			t.Fatalf("%s journal: entry %d has seq %d", org, i+1, e.Seq)
		}
	}
	if len(es) < n {
		t.Fatalf("%s journal shrank from %d to %d", org, n, len(es))
	}
	return es[n:]
}

func expectOne(t *testing.T, got []journal.Sealed, source, text string) {
	t.Helper()
	if len(got) != 1 || got[0].Source != source || !strings.Contains(got[0].Text, text) {
		var lines []string
		for _, e := range got {
			lines = append(lines, fmt.Sprintf("%d %s %q", e.Seq, e.Source, e.Text))
		}
		t.Fatalf("want exactly one %s entry with %q, got %d:\n%s", source, text, len(got), strings.Join(lines, "\n"))
	}
}

func TestJournalDemoOperation(t *testing.T) {
	s := start(t)
	es := entries(t, s, "KS")
	// Opening, then the demo's Sofort (police), Blitz (S3) and Sofort (utility)
	// messages of the shared channels, no plain chat; then the demo's situation items.
	if len(es) < 5 || es[4].Source != "situation" || es[0].Source != "incident" || !strings.Contains(es[0].Text, "Hochwasser Rhein") {
		t.Fatalf("host journal of the demo: %+v", es)
	}
	for i, e := range es[1:4] {
		if e.Source != "message" || !e.Shared || e.Seq != i+2 || e.PrevHash != es[i].Hash {
			t.Errorf("entry %d: %+v", e.Seq, e)
		}
	}
	if !strings.Contains(es[2].Text, "Blitz-Nachricht") || es[2].Mark != "W" || es[2].AuthorName != "Miriam Schulz" || es[2].AuthorFunction != "S3 Einsatz" {
		t.Errorf("Blitz entry: %+v", es[2])
	}
	if es[1].AuthorOrg != "Polizeipräsidium" {
		t.Errorf("the police's Sofort message is filed under %q", es[1].AuthorOrg)
	}
	holds(t, s)
}

func TestJournalEachSourceOnce(t *testing.T) {
	s := start(t)
	flood := s.Demo.Channels["Hochwasser Rhein"]
	ks := len(entries(t, s, "KS"))
	post := func(who, ch, body, prio string) {
		t.Helper()
		r := s.As(t, who).Do(t, "POST", "/api/collections/messages/records", map[string]any{"channel": ch, "body": body, "priority": prio, "author": s.Demo.Users[who].Id})
		if r.Status != 200 {
			t.Fatalf("post: %v", r)
		}
	}
	// Plain chat is not journaled; a Blitz is, once.
	post("sbraun", flood.Id, "Pumpe 3 läuft wieder.", "normal")
	if got := added(t, s, "KS", ks); len(got) != 0 {
		t.Fatalf("plain chat journaled: %+v", got)
	}
	post("sbraun", flood.Id, "Deichbruch bei Kilometer 4,2 – Großräumige Räumung nötig!", "flash")
	expectOne(t, added(t, s, "KS", ks), "message", "Deichbruch bei Kilometer 4,2")
	ks++
	// A message of a police channel is not in the host's journal.
	post("tkeller", s.Demo.Channels["POL intern"].Id, "Intern: Blitz", "flash")
	if got := added(t, s, "KS", ks); len(got) != 0 {
		t.Fatalf("an organisation's own channel landed in the host's journal: %+v", got)
	}

	// Situation items: published, changed, lifted.
	r := s.As(t, "jwagner").Do(t, "POST", "/api/collections/board_items/records", map[string]any{"title": "Pegel 9,10 m", "body": "Tendenz fallend", "severity": "warning"})
	if r.Status != 200 {
		t.Fatalf("board item: %v", r)
	}
	item := r.JSON(t)
	expectOne(t, added(t, s, "KS", ks), "situation", "Pegel 9,10 m — Tendenz fallend")
	ks++
	if inc, _ := item["incident"].(string); inc != incidentOf(t, s).Id {
		t.Errorf("situation item does not belong to the open operation: %v", item["incident"])
	}
	r = s.As(t, "jwagner").Do(t, "PATCH", "/api/collections/board_items/records/"+item["id"].(string), map[string]any{"title": "Pegel 9,20 m"})
	expectOne(t, added(t, s, "KS", ks), "situation", "Lagemeldung geändert")
	ks++

	// An organisation joins and is suspended.
	r = s.As(t, "abecker").Do(t, "POST", "/api/collections/organisations/records", map[string]any{"name": "Technisches Hilfswerk", "short": "THW", "kind": "ngo", "status": "active"})
	if r.Status != 200 {
		t.Fatalf("organisation: %v", r)
	}
	thw := r.JSON(t)["id"].(string)
	expectOne(t, added(t, s, "KS", ks), "organisation", "Technisches Hilfswerk")
	ks++
	s.As(t, "abecker").Do(t, "PATCH", "/api/collections/organisations/records/"+thw, map[string]any{"status": "suspended"})
	expectOne(t, added(t, s, "KS", ks), "organisation", "gesperrt")
	ks++

	// The ETB keeper of the police changes: an entry in the police's journal.
	pol := len(entries(t, s, "POL"))
	m, err := s.App.FindFirstRecordByFilter("memberships", "user = {:u}", dbx.Params{"u": s.Demo.Users["lneumann"].Id})
	if err != nil {
		t.Fatal(err)
	}
	r = s.As(t, "tkeller").Do(t, "PATCH", "/api/collections/memberships/records/"+m.Id, map[string]any{"function": "Lagedienst, ETB"})
	if r.Status != 200 {
		t.Fatalf("membership: %v", r)
	}
	expectOne(t, added(t, s, "POL", pol), "membership", "ETB-Führung übernimmt Laura Neumann")
	pol++

	// A fax received by the police's fax device.
	dev := newDevice(t, s, "fax-pol", "fax", "POL", false)
	fax := core.NewRecord(mustColl(t, s, "faxes"))
	fax.Set("device", dev.Id)
	fax.Set("direction", "in")
	fax.Set("remote_id", "+49 221 555")
	fax.Set("pages", 2)
	fax.Set("status", "received")
	if err := s.App.Save(fax); err != nil {
		t.Fatal(err)
	}
	expectOne(t, added(t, s, "POL", pol), "fax", "Fax empfangen")
	pol++
	out := core.NewRecord(mustColl(t, s, "faxes"))
	out.Set("device", dev.Id)
	out.Set("direction", "out")
	out.Set("number", "0221 12345")
	out.Set("status", "queued")
	out.Set("dispatched", true)
	if err := s.App.Save(out); err != nil {
		t.Fatal(err)
	}
	if got := added(t, s, "POL", pol); len(got) != 0 {
		t.Fatalf("a queued fax was journaled: %+v", got)
	}
	out.Set("status", "sent")
	out.Set("pages", 1)
	if err := s.App.Save(out); err != nil {
		t.Fatal(err)
	}
	expectOne(t, added(t, s, "POL", pol), "fax", "Fax gesendet")

	// The utility leaves the flood channel: the host's journal says so. (The channel is
	// read again: the demo's parts may have added organisations after the seed's copy.)
	flood, ferr := s.App.FindRecordById("channels", flood.Id)
	if ferr != nil {
		t.Fatal(ferr)
	}
	orgs := []string{}
	for _, o := range flood.GetStringSlice("organisations") {
		if o != s.Demo.Orgs["SW"].Id {
			orgs = append(orgs, o)
		}
	}
	if r := s.As(t, "jwagner").Do(t, "PATCH", "/api/collections/channels/records/"+flood.Id, map[string]any{"organisations": orgs}); r.Status != 200 {
		t.Fatalf("channel: %v", r)
	}
	expectOne(t, added(t, s, "KS", ks), "organisation", "Stadtwerke aus dem Lagekanal „Hochwasser Rhein“ entfernt")

	holds(t, s)
}

func mustColl(t *testing.T, s *testkit.Server, name string) *core.Collection {
	t.Helper()
	c, err := s.App.FindCollectionByNameOrId(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const devicePassword = "geraet-passwort-2026"

func newDevice(t *testing.T, s *testkit.Server, username, kind, org string, outdoor bool) *core.Record {
	t.Helper()
	d := core.NewRecord(mustColl(t, s, "devices"))
	d.Set("username", username)
	d.Set("name", "Test "+username)
	d.Set("organisation", s.Demo.Orgs[org].Id)
	d.Set("kind", kind)
	if kind == "siren" {
		d.Set("driver", "tasmota")
		d.Set("topic", strings.ReplaceAll(username, "-", "_"))
		d.Set("zone", "markt")
	}
	d.Set("outdoor", outdoor)
	d.SetPassword(devicePassword)
	if err := s.App.Save(d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestJournalSirenActivationConfirmationStop(t *testing.T) {
	s := start(t)
	d := newDevice(t, s, "sirene-markt", "siren", "KS", true)
	sim, err := siren.StartSimulator(siren.SimConfig{Broker: s.MQTTAddr, Username: "sirene-markt", Password: devicePassword,
		Driver: "tasmota", Topic: "sirene_markt", Zone: "markt"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Stop)
	sim.WaitFor("/POWER", "OFF", 5*time.Second)
	ks := len(entries(t, s, "KS"))
	r := s.As(t, "jwagner").Do(t, "POST", "/api/collections/siren_activations/records",
		map[string]any{"device": d.Id, "signal": "warning", "duration": 60, "requested_by": s.Demo.Users["jwagner"].Id})
	if r.Status != 200 {
		t.Fatalf("sound: %v", r)
	}
	id := r.JSON(t)["id"].(string)
	expectOne(t, added(t, s, "KS", ks), "siren", "Wartet auf Bestätigung")
	ks++
	path := "/api/collections/siren_activations/records/" + id
	if r := s.As(t, "mschulz").Do(t, "PATCH", path, map[string]any{"confirmed_by": s.Demo.Users["mschulz"].Id}); r.Status != 200 {
		t.Fatalf("confirm: %v", r)
	}
	// The second operator's confirmation, then the device's echo (which may come at once).
	testkit.Eventually(t, 10*time.Second, "the device's echo journaled", func() bool { return len(entries(t, s, "KS")) >= ks+2 })
	got := added(t, s, "KS", ks)
	expectOne(t, got[:1], "siren", "Auslösung der Sirene Test sirene-markt (Zone markt) bestätigt")
	expectOne(t, got[1:], "siren", "meldet EIN")
	ks += 2
	if r := s.As(t, "abecker").Do(t, "PATCH", path, map[string]any{"state": "stopped"}); r.Status != 200 {
		t.Fatalf("stop: %v", r)
	}
	testkit.Eventually(t, 10*time.Second, "the stop journaled", func() bool { return len(entries(t, s, "KS")) >= ks+1 })
	got = added(t, s, "KS", ks)
	expectOne(t, got, "siren", "gestoppt")
	if got[0].AuthorName != "Anna Becker" || got[0].Mark != "E" {
		t.Errorf("stop entry: %+v", got[0])
	}
	holds(t, s)
}

// An activation refused at once (the relay is offline) is journaled as refused, with
// the reason, not as an order that went out.
func TestJournalRefusedSirenActivation(t *testing.T) {
	s := start(t)
	d := newDevice(t, s, "sirene-hafen", "siren", "KS", false) // never connected: offline
	ks := len(entries(t, s, "KS"))
	r := s.As(t, "jwagner").Do(t, "POST", "/api/collections/siren_activations/records",
		map[string]any{"device": d.Id, "signal": "warning", "duration": 60, "requested_by": s.Demo.Users["jwagner"].Id})
	if r.Status != 200 || r.JSON(t)["state"] != "refused" {
		t.Fatalf("an activation of an offline siren: %v", r)
	}
	got := added(t, s, "KS", ks)
	expectOne(t, got, "siren", "abgelehnt")
	if strings.Contains(got[0].Text, "ausgelöst") || got[0].Mark == "B" {
		t.Errorf("a refused activation journaled as an order: %+v", got[0])
	}
	holds(t, s)
}

// A cause that fails writes no entry: the second message with the same client key of the
// same author fails at the unique index, inside the transaction its entry would share.
func TestJournalFailedCauseWritesNoEntry(t *testing.T) {
	s := start(t)
	ks := len(entries(t, s, "KS"))
	msg := func() *core.Record {
		m := core.NewRecord(mustColl(t, s, "messages"))
		m.Set("channel", s.Demo.Channels["Hochwasser Rhein"].Id)
		m.Set("author", s.Demo.Users["jwagner"].Id)
		m.Set("body", "Blitz: Räumung Altstadt")
		m.Set("priority", "flash")
		m.Set("source", "web")
		m.Set("client_key", "same-key-1")
		return m
	}
	if err := s.App.Save(msg()); err != nil {
		t.Fatal(err)
	}
	if err := s.App.Save(msg()); err == nil {
		t.Fatal("a duplicate client key was stored")
	}
	expectOne(t, added(t, s, "KS", ks), "message", "Räumung Altstadt")
	holds(t, s)
}

// Concurrent writers get gapless, unique numbers in one journal.
func TestJournalConcurrentWritesGapless(t *testing.T) {
	s := start(t)
	ks := len(entries(t, s, "KS"))
	const writers, each = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if i%2 == 0 {
					m := core.NewRecord(mustColl(t, s, "messages"))
					m.Set("channel", s.Demo.Channels["Hochwasser Rhein"].Id)
					m.Set("author", s.Demo.Users["mschulz"].Id)
					m.Set("body", fmt.Sprintf("Sofort %d/%d", w, i))
					m.Set("priority", "immediate")
					errs <- s.App.Save(m)
				} else {
					_, err := journal.Write(s.App, journal.Entry{Organisation: s.Demo.Orgs["KS"].Id, Kind: "manual", Source: "manual",
						Author: s.Demo.Users["jwagner"], Text: fmt.Sprintf("Handeintrag %d/%d", w, i)})
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := added(t, s, "KS", ks)
	if len(got) != writers*each {
		t.Fatalf("%d entries for %d writes", len(got), writers*each)
	}
	seen := map[string]bool{}
	for _, e := range got {
		if seen[e.Text] {
			t.Fatalf("entry written twice: %q", e.Text)
		}
		seen[e.Text] = true
	}
	holds(t, s)
}

// Journals cannot be changed or removed, by the records API (superuser included), by Go
// code, or in SQL; nor can their collection.
func TestJournalAppendOnly(t *testing.T) {
	s := start(t)
	es := entries(t, s, "KS")
	rec, err := s.App.FindRecordById("journal_entries", es[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("text", "umgeschrieben")
	if err := s.App.Save(rec); err == nil {
		t.Error("Go code changed a journal entry")
	}
	if err := s.App.Delete(rec); err == nil {
		t.Error("Go code deleted a journal entry")
	}
	if _, err := s.App.DB().NewQuery(`UPDATE journal_entries SET text = 'x' WHERE id = {:id}`).Bind(dbx.Params{"id": rec.Id}).Execute(); err == nil {
		t.Error("SQL changed a journal entry")
	}
	if _, err := s.App.DB().NewQuery(`DELETE FROM journal_entries`).Execute(); err == nil {
		t.Error("SQL deleted the journal")
	}
	c := mustColl(t, s, "journal_entries")
	c.Fields.RemoveByName("text")
	if err := s.App.Save(c); err == nil {
		t.Error("a field of the journal was removed")
	}
	if err := s.App.Delete(mustColl(t, s, "journal_entries")); err == nil {
		t.Error("the journal collection was deleted")
	}
	holds(t, s)
	if es2 := entries(t, s, "KS"); len(es2) != len(es) || es2[0].Text != es[0].Text {
		t.Error("the journal changed")
	}
}

// A clock that runs backwards is recorded, not hidden: the entry is flagged and keeps
// its place; the chain still holds.
func TestJournalClockBackFlagged(t *testing.T) {
	s := start(t)
	ks := s.Demo.Orgs["KS"].Id
	write := func(text string) journal.Sealed {
		t.Helper()
		r, err := journal.Write(s.App, journal.Entry{Organisation: ks, Kind: "manual", Source: "manual", Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return journal.SealedOf(r)
	}
	if e := write("Uhr richtig"); e.ClockBack {
		t.Fatal("an entry in order was flagged")
	}
	journal.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	back := write("Uhr eine Stunde zurückgestellt")
	journal.Now = time.Now
	if !back.ClockBack {
		t.Fatalf("an entry recorded before its predecessor was not flagged: %+v", back)
	}
	holds(t, s)
}

// sqlite runs SQL on the appliance's database with the sqlite3 command, as someone with
// the disk in hand would: the append-only triggers dropped first.
func sqlite(t *testing.T, s *testkit.Server, sql string) {
	t.Helper()
	out, err := exec.Command("sqlite3", filepath.Join(s.App.DataDir(), "data.db"),
		"PRAGMA busy_timeout = 5000; DROP TRIGGER IF EXISTS journal_entries_append_only_update; DROP TRIGGER IF EXISTS journal_entries_append_only_delete; "+sql).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3: %v: %s", err, out)
	}
}

// verifyOrg runs `etb verify --org SHORT` in process and returns its output and whether
// it asked to exit non-zero.
func verifyOrg(t *testing.T, s *testkit.Server, args ...string) (string, bool) {
	t.Helper()
	failed := false
	journal.Exit = func(int) { failed = true }
	defer func() { journal.Exit = os.Exit }()
	cmd := journal.Command(s.App)
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(append([]string{"verify"}, args...))
	_ = cmd.Execute()
	return out.String(), failed
}

// Tampering in SQL is found: a changed text, seq or time, a deleted entry and two
// entries swapped are each named at the first broken seq; the untouched chain verifies.
func TestJournalTamperFound(t *testing.T) {
	s := start(t)
	ks := s.Demo.Orgs["KS"].Id
	for i := 0; i < 6; i++ {
		if _, err := journal.Write(s.App, journal.Entry{Organisation: ks, Kind: "manual", Source: "manual", Author: s.Demo.Users["jwagner"],
			Text: fmt.Sprintf("Eintrag %d: Pegelstände geprüft, Maßnahmen läuft", i)}); err != nil {
			t.Fatal(err)
		}
	}
	n := len(entries(t, s, "KS"))
	if out, failed := verifyOrg(t, s, "--org", "KS"); failed || !strings.Contains(out, "Kette in Ordnung") {
		t.Fatalf("the untouched chain does not verify: %s", out)
	}
	sqlite(t, s, `CREATE TABLE etb_copy AS SELECT * FROM journal_entries;`)
	restore := func() {
		sqlite(t, s, `DELETE FROM journal_entries; INSERT INTO journal_entries SELECT * FROM etb_copy;`)
		if out, failed := verifyOrg(t, s, "--org", "KS"); failed {
			t.Fatalf("the restored chain does not verify: %s", out)
		}
	}
	where := fmt.Sprintf(`organisation = '%s' AND incident = '%s'`, ks, incidentOf(t, s).Id)
	cases := []struct {
		name, sql string
		seq       int
	}{
		{"text changed", `UPDATE journal_entries SET text = 'Nichts geschehen' WHERE seq = 9 AND ` + where, 9},
		{"seq changed", `UPDATE journal_entries SET seq = 100 WHERE seq = 7 AND ` + where, 7},
		{"time changed", `UPDATE journal_entries SET recorded_at = '2026-01-01 00:00:00.000Z' WHERE seq = 10 AND ` + where, 10},
		{"entry deleted", `DELETE FROM journal_entries WHERE seq = 6 AND ` + where, 6},
		{"two swapped", `UPDATE journal_entries SET seq = -1 WHERE seq = 8 AND ` + where + `; UPDATE journal_entries SET seq = 8 WHERE seq = 9 AND ` + where +
			`; UPDATE journal_entries SET seq = 9 WHERE seq = -1 AND ` + where, 8},
		{"last entry cut off behind a signed head", ``, n},
	}
	for _, c := range cases {
		if c.sql == "" {
			// Sign the head, then remove the last entry: only the signature shows it.
			if err := s.App.RunInTransaction(func(tx core.App) error { return journal.SignHeads(tx, "hourly") }); err != nil {
				t.Fatal(err)
			}
			sqlite(t, s, fmt.Sprintf(`DELETE FROM journal_entries WHERE seq = %d AND %s`, n, where))
		} else {
			sqlite(t, s, c.sql)
		}
		out, failed := verifyOrg(t, s, "--org", "KS")
		if !failed || !strings.Contains(out, fmt.Sprintf("broken at seq %d", c.seq)) {
			t.Errorf("%s: want a failure at seq %d, got (failed=%v): %s", c.name, c.seq, failed, out)
		}
		restore()
	}
}

// Wrong people read and write nothing of a journal that is not theirs; the author of an
// entry is whoever is signed in.
func TestJournalWrongPeople(t *testing.T) {
	s := start(t)
	pol := s.Demo.Orgs["POL"].Id
	// The police's keeper records something; the entry is the police's alone.
	m, err := s.App.FindFirstRecordByFilter("memberships", "user = {:u}", dbx.Params{"u": s.Demo.Users["lneumann"].Id})
	if err != nil {
		t.Fatal(err)
	}
	m.Set("function", "ETB")
	if err := s.App.Save(m); err != nil {
		t.Fatal(err)
	}
	r := s.As(t, "lneumann").Do(t, "POST", "/api/crisisroom/journal/entries", map[string]any{
		"organisation": pol, "text": "Zugriff Objekt 4 vorbereitet – vertraulich", "mark": "B", "author": s.Demo.Users["abecker"].Id, "author_name": "Anna Becker"})
	if r.Status != 200 {
		t.Fatalf("the police's keeper cannot write: %v", r)
	}
	e := r.JSON(t)
	if e["author"] != s.Demo.Users["lneumann"].Id || e["author_name"] != "Laura Neumann" {
		t.Fatalf("the author was forged: %v", e)
	}
	list := func(who, filter string) []any {
		t.Helper()
		r := s.As(t, who).Do(t, "GET", "/api/collections/journal_entries/records?perPage=500&filter="+url.QueryEscape(filter), nil)
		if r.Status != 200 {
			t.Fatalf("list as %s: %v", who, r)
		}
		items, _ := r.JSON(t)["items"].([]any)
		return items
	}
	polFilter := fmt.Sprintf(`organisation = "%s"`, pol)
	if n := len(list("tkeller", polFilter)); n != 2 { // keeper change + the entry
		t.Fatalf("the police's admin sees %d of its journal's 2 entries", n)
	}
	for _, who := range []string{"kvogel", "sbraun", "phoffmann", "jwagner", "gast.gutachter"} {
		if n := len(list(who, polFilter)); n != 0 {
			t.Errorf("%s reads %d entries of the police's journal", who, n)
		}
		if r := s.As(t, who).Do(t, "GET", "/api/collections/journal_entries/records/"+e["id"].(string), nil); r.Status != 404 {
			t.Errorf("%s views the police's entry: %v", who, r)
		}
		if r := s.As(t, who).Do(t, "POST", "/api/crisisroom/journal/entries", map[string]any{"organisation": pol, "text": "eingeschleust"}); r.Status != 403 {
			t.Errorf("%s writes into the police's journal: %v", who, r)
		}
		if r := s.As(t, who).Do(t, "GET", "/api/crisisroom/journal/export?format=json&organisation="+pol, nil); r.Status != 403 {
			t.Errorf("%s exports the police's journal: %v", who, r)
		}
	}
	// The host's journal: its shared-channel entries are read as the channel is read.
	host := fmt.Sprintf(`organisation = "%s" && shared = true`, s.Demo.Orgs["KS"].Id)
	// How many of the host's shared entries are about each channel, counted in the
	// database (the demo's parts journal their organisations joining, so the number
	// follows the demo).
	about := func(channels ...string) int {
		n := 0
		for _, c := range channels {
			var k int
			if err := s.App.DB().NewQuery("SELECT COUNT(*) FROM journal_entries WHERE organisation = {:o} AND shared = 1 AND channel = {:c}").
				Bind(map[string]any{"o": s.Demo.Orgs["KS"].Id, "c": c}).Row(&k); err != nil {
				t.Fatal(err)
			}
			n += k
		}
		return n
	}
	floodId, powerId := s.Demo.Channels["Hochwasser Rhein"].Id, s.Demo.Channels["Stromausfall Süd"].Id
	allShared := about(floodId, powerId)
	var sharedTotal int
	s.App.DB().NewQuery("SELECT COUNT(*) FROM journal_entries WHERE organisation = {:o} AND shared = 1").Bind(map[string]any{"o": s.Demo.Orgs["KS"].Id}).Row(&sharedTotal)
	if allShared != sharedTotal || about(floodId) == 0 || about(powerId) == 0 {
		t.Fatalf("the host's shared entries: %d about the two channels of %d, %d about the flood channel, %d about the power cut", allShared, sharedTotal, about(floodId), about(powerId))
	}
	if n, want := len(list("lneumann", host)), about(floodId); n != want { // the police is not in "Stromausfall Süd"
		t.Errorf("a police member of the flood channel reads %d of the host's %d entries about it", n, want)
	}
	if n, want := len(list("kvogel", host)), allShared; n != want {
		t.Errorf("a fire brigade member of both shared channels reads %d of the host's %d shared-channel entries", n, want)
	}
	if n := len(list("gast.gutachter", host)); n != 0 {
		t.Errorf("the guest reads %d of the host's entries", n)
	}
	if n := len(list("phoffmann", fmt.Sprintf(`organisation = "%s" && shared = false`, s.Demo.Orgs["KS"].Id))); n == 0 {
		t.Error("a host member does not read the host's own journal")
	}
	// Nobody writes through the records API, not even a host admin.
	r = s.As(t, "abecker").Do(t, "POST", "/api/collections/journal_entries/records", map[string]any{"incident": incidentOf(t, s).Id, "organisation": s.Demo.Orgs["KS"].Id,
		"seq": 99, "recorded_at": "2026-01-01 00:00:00.000Z", "kind": "manual", "source": "manual", "text": "x", "prev_hash": "0", "hash": "0"})
	if r.Status/100 == 2 {
		t.Errorf("a host admin created an entry through the records API: %v", r)
	}
	holds(t, s)
}

// Closing needs the keeper (or S2) and the head of staff; it signs every head and sets
// the retention. The JSON export verifies with the public key alone, and a changed
// export does not; the PDF holds every entry with its umlauts, with embedded fonts and
// "Seite n von N" matching the page count.
func TestJournalCloseSignExport(t *testing.T) {
	s := start(t)
	ks := s.Demo.Orgs["KS"].Id
	inc := incidentOf(t, s)
	// A correction, and enough entries for several pages.
	first := entries(t, s, "KS")[1]
	if r := s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/journal/entries", map[string]any{"organisation": ks, "corrects": first.ID,
		"text": "Sperrung erst ab 08:30 (Übermittlungsfehler)."}); r.Status != 200 {
		t.Fatalf("correction: %v", r)
	}
	correction := entries(t, s, "KS")
	if r := s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/journal/entries", map[string]any{"organisation": ks, "corrects": correction[len(correction)-1].ID,
		"text": "Berichtigung der Berichtigung"}); r.Status != 400 {
		t.Fatalf("a correction of a correction: %v", r)
	}
	for i := 0; i < 70; i++ {
		if r := s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/journal/entries", map[string]any{"organisation": ks, "mark": "A",
			"text": fmt.Sprintf("Lagebesprechung %d: Straßensperrung Kölner Straße, Überflutung Süd, Grüße an die Feuerwehr", i)}); r.Status != 200 {
			t.Fatalf("entry %d: %v", i, r)
		}
	}
	close := func(who string) testkit.Reply {
		return s.As(t, who).Do(t, "POST", "/api/crisisroom/incidents/"+inc.Id+"/close", nil)
	}
	if r := close("phoffmann"); r.Status != 403 {
		t.Fatalf("a plain host member closes: %v", r)
	}
	if r := close("jwagner"); r.Status != 200 {
		t.Fatalf("S2 asks to close: %v", r)
	}
	if r := close("jwagner"); r.Status != 200 || journal.OpenIncident(s.App) == nil {
		t.Fatalf("S2 alone closed the operation: %v", r)
	}
	if r := close("mschulz"); r.Status/100 == 2 || journal.OpenIncident(s.App) == nil {
		t.Fatalf("a second operator who is neither keeper nor head closed: %v", r)
	}
	if r := close("abecker"); r.Status != 200 {
		t.Fatalf("the head of staff confirms: %v", r)
	}
	inc, _ = s.App.FindRecordById("incidents", inc.Id)
	if inc.GetString("status") != "closed" {
		t.Fatalf("not closed: %v", inc)
	}
	if d := inc.GetDateTime("retain_until").Time().Sub(inc.GetDateTime("closed").Time()); d < 3650*24*time.Hour {
		t.Errorf("kept for %v", d)
	}
	if r := s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/journal/entries", map[string]any{"organisation": ks, "text": "nachträglich"}); r.Status/100 == 2 {
		t.Errorf("an entry after closing: %v", r)
	}
	// The next operation starts its own journals at 1; only one is open at a time.
	if r := s.As(t, "jwagner").Do(t, "POST", "/api/collections/incidents/records", map[string]any{"name": "Stromausfall Süd"}); r.Status != 200 {
		t.Fatalf("a host operator opens the next operation: %v", r)
	}
	if r := s.As(t, "mschulz").Do(t, "POST", "/api/collections/incidents/records", map[string]any{"name": "Zweiter Einsatz"}); r.Status/100 == 2 {
		t.Fatalf("a second operation opened while one is open: %v", r)
	}
	if r := s.As(t, "phoffmann").Do(t, "POST", "/api/collections/incidents/records", map[string]any{"name": "Fremder Einsatz"}); r.Status/100 == 2 {
		t.Fatalf("a plain host member opened an operation: %v", r)
	}
	next := journal.OpenIncident(s.App)
	if es, _ := journal.Entries(s.App, next.Id, ks); len(es) != 1 || es[0].Seq != 1 || es[0].PrevHash != journal.Genesis {
		t.Fatalf("the next operation's journal: %+v", es)
	}

	// JSON export, checked with the public key alone.
	r := s.As(t, "jwagner").Do(t, "GET", "/api/crisisroom/journal/export?format=json&organisation="+ks+"&incident="+inc.Id, nil)
	if r.Status != 200 {
		t.Fatalf("export: %v", r)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "etb.json")
	os.WriteFile(file, r.Body, 0o600)
	pubHex, err := os.ReadFile(filepath.Join(s.App.DataDir(), journal.PubFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := hex.DecodeString(strings.TrimSpace(string(pubHex)))
	res, err := journal.VerifyFile(file, pub)
	if err != nil || res.Break != nil || res.Signed < 1 {
		t.Fatalf("the export does not verify with the public key: %+v %v", res, err)
	}
	otherPub, _, _ := ed25519.GenerateKey(nil)
	if res, _ := journal.VerifyFile(file, otherPub); res.Break == nil {
		t.Error("the export verifies with another key")
	}
	forged := filepath.Join(dir, "forged.json")
	os.WriteFile(forged, []byte(strings.Replace(string(r.Body), "Straßensperrung Kölner Straße, Überflutung Süd", "Keine besonderen Vorkommnisse", 1)), 0o600)
	// The break is at the entry whose text was changed (its number depends on how many
	// entries the demo and the earlier steps wrote before it).
	var exported journal.Export
	if err := json.Unmarshal(r.Body, &exported); err != nil {
		t.Fatal(err)
	}
	changedSeq := 0
	for _, e := range exported.Entries {
		if strings.Contains(e.Text, "Straßensperrung Kölner Straße, Überflutung Süd") {
			changedSeq = e.Seq
			break
		}
	}
	if changedSeq == 0 {
		t.Fatal("the export lacks the entry to change")
	}
	if res, _ := journal.VerifyFile(forged, pub); res.Break == nil || res.Break.Seq != changedSeq {
		t.Errorf("a changed export: %+v, want a break at entry %d", res.Break, changedSeq)
	}

	// PDF.
	r = s.As(t, "jwagner").Do(t, "GET", "/api/crisisroom/journal/export?format=pdf&organisation="+ks+"&incident="+inc.Id, nil)
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "%PDF") {
		t.Fatalf("pdf: %d", r.Status)
	}
	pdf := filepath.Join(dir, "etb.pdf")
	os.WriteFile(pdf, r.Body, 0o600)
	column := func(xmm, wmm float64) string {
		t.Helper()
		// One column of the form, cropped (points: 72/25.4 per mm), so rows do not interleave.
		pt := func(mm float64) string { return fmt.Sprint(int(mm * 72 / 25.4)) }
		out, err := exec.Command("pdftotext", "-layout", "-x", pt(xmm), "-y", "0", "-W", pt(wmm), "-H", "842", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		return strings.Join(strings.Fields(string(out)), " ")
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	flat := strings.Join(strings.Fields(string(text)), " ")
	events := column(12+14+30, 98) // "Darstellung der Ereignisse"
	numbers := strings.Fields(column(12, 14))
	x, _ := journal.BuildExport(s.App, inc, ks)
	at := 0
	for _, e := range x.Entries {
		want := strings.Join(strings.Fields(e.Text), " ")
		i := strings.Index(events[at:], want)
		if i < 0 {
			t.Errorf("entry %d not in the PDF's events column (in order): %q", e.Seq, want)
			continue
		}
		at += i + len(want)
	}
	var seqs []string
	for _, f := range numbers {
		if _, err := strconv.Atoi(f); err == nil {
			seqs = append(seqs, f)
		}
	}
	if len(seqs) != len(x.Entries) || seqs[0] != "1" || seqs[len(seqs)-1] != fmt.Sprint(len(x.Entries)) {
		t.Errorf("numbers in the PDF: %v for %d entries", seqs, len(x.Entries))
	}
	for _, w := range []string{"Überflutung", "Grüße", "Straßensperrung", "Einsatztagebuch", "lfd. Nr.", "Darstellung der Ereignisse", "Bemerkungen", "Leitung des Stabes", "berichtigt durch Nr."} {
		if !strings.Contains(flat, w) {
			t.Errorf("the PDF lacks %q", w)
		}
	}
	fonts, _ := exec.Command("pdffonts", pdf).Output()
	lines := strings.Split(strings.TrimSpace(string(fonts)), "\n")
	if len(lines) < 3 {
		t.Fatalf("pdffonts: %s", fonts)
	}
	for _, l := range lines[2:] {
		if f := strings.Fields(l); len(f) < 5 || !strings.Contains(l, " yes ") {
			t.Errorf("a font is not embedded: %s", l)
		}
	}
	info, _ := exec.Command("pdfinfo", pdf).Output()
	pages := 0
	for _, l := range strings.Split(string(info), "\n") {
		if strings.HasPrefix(l, "Pages:") {
			fmt.Sscan(strings.TrimSpace(strings.TrimPrefix(l, "Pages:")), &pages)
		}
	}
	if pages < 2 {
		t.Fatalf("%d pages for %d entries", pages, len(x.Entries))
	}
	// A PDF reader shows the export's year as "created", not 1970.
	if year := strconv.Itoa(time.Now().UTC().Year()); !regexp.MustCompile(`(?m)^CreationDate:.*\b` + year + `\b`).Match(info) {
		t.Errorf("the PDF's creation date is not of %s: %s", year, info)
	}
	for p := 1; p <= pages; p++ {
		if !strings.Contains(flat, fmt.Sprintf("Seite %d von %d", p, pages)) {
			t.Errorf("page %d does not say \"Seite %d von %d\"", p, p, pages)
		}
	}
	if strings.Contains(flat, fmt.Sprintf("Seite %d von", pages+1)) {
		t.Error("more page numbers than pages")
	}
}

// The heads of growing journals are signed every SignInterval (an hour in service).
func TestJournalHeadsSignedPeriodically(t *testing.T) {
	journal.SignInterval = 100 * time.Millisecond
	defer func() { journal.SignInterval = time.Hour }()
	s := start(t)
	ks := s.Demo.Orgs["KS"].Id
	inc := incidentOf(t, s)
	signedAt := func(seq int) bool {
		r, err := s.App.FindFirstRecordByFilter("journal_heads", "incident = {:i} && organisation = {:o} && seq = {:s} && reason = 'hourly'",
			dbx.Params{"i": inc.Id, "o": ks, "s": seq})
		return err == nil && r != nil
	}
	n := len(entries(t, s, "KS"))
	testkit.Eventually(t, 10*time.Second, "the head signed", func() bool { return signedAt(n) })
	if _, err := journal.Write(s.App, journal.Entry{Organisation: ks, Kind: "manual", Source: "manual", Text: "noch ein Eintrag"}); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 10*time.Second, "the new head signed", func() bool { return signedAt(n + 1) })
	pub, _ := os.ReadFile(filepath.Join(s.App.DataDir(), journal.PubFile))
	if out, failed := verifyOrg(t, s, "--org", "KS", "--pubkey", strings.TrimSpace(string(pub))); failed || !strings.Contains(out, "Kette in Ordnung") {
		t.Fatalf("verify with signed heads: %s", out)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if out, failed := verifyOrg(t, s, "--org", "KS", "--pubkey", hex.EncodeToString(other)); !failed || !strings.Contains(out, "Signatur") {
		t.Fatalf("the heads verify with another key: %s", out)
	}
}
