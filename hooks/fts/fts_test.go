package fts_test

import (
	"database/sql"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"crisisroom/hooks/fts"
)

// index opens an in-memory table shaped like messages_fts (migrations 1796350100 and
// 1796700000).
func index(t testing.TB) *sql.DB {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: ":memory:" is one database per connection
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE VIRTUAL TABLE messages_fts USING fts5(body, ch, message UNINDEXED, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6 7 8 9 10 11 12')`); err != nil {
		t.Fatal(err)
	}
	return db
}

func count(t testing.TB, db *sql.DB, match string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?`, match).Scan(&n); err != nil {
		t.Fatalf("MATCH %q: %v", match, err)
	}
	return n
}

// TestQueryWords: what a word search finds, as the tokenizer decides it. Beginnings of
// words are found, parts inside a word are not; case and diacritics do not count, a
// spelled-out umlaut does.
func TestQueryWords(t *testing.T) {
	db := index(t)
	for _, b := range []string{"Deichbruch bei Kilometer 12", "Überflutung der Altstadt, Straße gesperrt", "Flussdeich hält"} {
		if _, err := db.Exec(`INSERT INTO messages_fts (body, ch, message) VALUES (?, 'c1', 'm')`, b); err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]int{
		"Deichbruch": 1, "deich": 1, "DEICH kilo": 1, "bruch": 0, "uberflutung": 1, "ÜBERFLUTUNG": 1, "überflut": 1,
		"ueberflutung": 0, "straße": 1, "STRASSE": 0, "Kilometer 12": 1, "Kilometer 13": 0, "deich OR altstadt": 0,
		`"Deichbruch`: 1, "body:deich": 0, "ch:c1": 0, "NEAR(deich kilometer)": 0, "hält": 1, "halt": 1,
	} {
		if got := count(t, db, fts.Match(fts.Query(q), "c1")); got != want {
			t.Errorf("%q (%s) found %d, want %d", q, fts.Query(q), got, want)
		}
	}
	// A channel id that is not one (the tokenizer would fold or drop its odd characters
	// and leave "c1") finds nothing.
	for _, ch := range []string{"c1\x00", "c1-", "C1", "c1 c2", `c1"`, ""} {
		if got := count(t, db, fts.Match(fts.Query("deich"), ch)); got != 0 {
			t.Errorf("channel %q found %d", ch, got)
		}
	}
	if fts.Query(`% "" -- ()`) != "" {
		t.Error("no word, yet a query")
	}
}

// FuzzQuery: no input is a syntax error of FTS5, and no input finds a row of another
// channel, whatever the channel id looks like.
func FuzzQuery(f *testing.F) {
	for _, s := range []string{`"`, `a AND b`, `body:x*`, `ch : x`, `NEAR(a b)`, `Pegel 9,40 m`, `ÄÖÜ ß`, "\x00\x02", `a" OR ch:"zq9x7other`, "𞤀 deich", "a\u0308b"} {
		f.Add(s, "c1")
	}
	db := index(f)
	f.Fuzz(func(t *testing.T, s, ch string) {
		q := fts.Query(s)
		for _, term := range strings.Fields(q) {
			if !strings.HasPrefix(term, `"`) || !strings.HasSuffix(term, `"*`) || strings.Count(term, `"`) != 2 {
				t.Fatalf("%q gives the term %q", s, term)
			}
		}
		if q == "" {
			return
		}
		if strings.Contains(strings.ToLower(ch), "zq9x7") {
			ch = "c1" // would be the other channel's id
		}
		if _, err := db.Exec(`DELETE FROM messages_fts`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO messages_fts (body, ch, message) VALUES (?, 'zq9x7other', 'm1')`, s); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, fts.Match(q, ch)); n != 0 {
			t.Fatalf("%q in channel %q found %d rows of another channel", s, ch, n)
		}
		if n := count(t, db, fts.Match(q, ch, "c2")); n != 0 {
			t.Fatalf("%q in channels %q, c2 found %d rows of another channel", s, ch, n)
		}
	})
}
