package messaging_test

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/testkit"
)

// Messages written one right after another (several in one millisecond) get strictly
// increasing created times in the order they were stored, so every list ordered by created
// (the history's pages, the browser's list, which breaks ties by id) shows them in the
// order the events reached the subscribers. A created time set by hand (an import) is kept.
func TestCreatedFollowsWriteOrder(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"]
	author := s.Demo.Users["sbraun"]
	col, err := s.App.FindCollectionByNameOrId("messages")
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := range n {
		r := core.NewRecord(col)
		r.Set("channel", flood.Id)
		r.Set("author", author.Id)
		r.Set("author_org", s.Demo.Orgs["FW"].Id)
		r.Set("body", "Reihenfolge "+string(rune('A'+i%26)))
		if err := s.App.Save(r); err != nil {
			t.Fatal(err)
		}
	}
	var rows []struct {
		Created string `db:"created"`
	}
	if err := s.App.DB().NewQuery(`SELECT created FROM messages WHERE channel = {:c} AND body LIKE 'Reihenfolge %' ORDER BY rowid`).
		Bind(dbx.Params{"c": flood.Id}).All(&rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("%d rows, want %d", len(rows), n)
	}
	for i := 1; i < n; i++ {
		if rows[i].Created <= rows[i-1].Created {
			t.Fatalf("message %d stored after %d has created %s, not after %s", i, i-1, rows[i].Created, rows[i-1].Created)
		}
	}
	last, _ := types.ParseDateTime(rows[n-1].Created)
	if d := time.Until(last.Time()); d > time.Second {
		t.Fatalf("created ran %v ahead of the clock", d)
	}

	// A created time given by hand stays as it was.
	r := core.NewRecord(col)
	r.Set("channel", flood.Id)
	r.Set("author", author.Id)
	r.Set("author_org", s.Demo.Orgs["FW"].Id)
	r.Set("body", "Nachgetragen")
	past, _ := types.ParseDateTime("2026-11-30 08:00:00.000Z")
	r.SetRaw("created", past)
	if err := s.App.Save(r); err != nil {
		t.Fatal(err)
	}
	got, err := s.App.FindRecordById("messages", r.Id)
	if err != nil {
		t.Fatal(err)
	}
	if got.GetString("created") != "2026-11-30 08:00:00.000Z" {
		t.Fatalf("a created time set by hand became %s", got.GetString("created"))
	}
}
