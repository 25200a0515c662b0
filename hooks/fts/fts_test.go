package fts_test

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	_ "modernc.org/sqlite"

	"crisisroom/hooks/fts"
)

// index opens an in-memory table shaped like messages_fts (migration 1796350100) with
// its vocabulary messages_fts_terms (1796700000).
func index(t testing.TB) *sql.DB {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one connection: ":memory:" is one database per connection
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE VIRTUAL TABLE messages_fts USING fts5(body, ch, message UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE VIRTUAL TABLE messages_fts_terms USING fts5vocab(messages_fts, row)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// rows are the rowids match finds, in order.
func rows(t testing.TB, db *sql.DB, match string) []int64 {
	t.Helper()
	if match == "" {
		return nil
	}
	r, err := db.Query(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC`, match)
	if err != nil {
		t.Fatalf("MATCH %q: %v", match, err)
	}
	defer r.Close()
	var out []int64
	for r.Next() {
		var id int64
		_ = r.Scan(&id)
		out = append(out, id)
	}
	return out
}

// expand is fts.Expand over db.
func expand(t testing.TB, db *sql.DB, s string) string {
	t.Helper()
	q, err := fts.Expand(dbx.NewFromDB(db, "sqlite"), s)
	if err != nil {
		t.Fatalf("Expand(%q): %v", s, err)
	}
	return q
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
		got := 0
		if e := expand(t, db, q); e != "" {
			got = count(t, db, fts.Match(e, "c1"))
		}
		if got != want {
			t.Errorf("%q expanded (%s) found %d, want %d", q, expand(t, db, q), got, want)
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
		// Expand finds what Query finds, in the index's own words.
		if _, err := db.Exec(`INSERT INTO messages_fts (body, ch, message) VALUES (?, 'c1', 'm2'), ('Deichbruch Pegelstand', 'c1', 'm3')`, s); err != nil {
			t.Fatal(err)
		}
		for _, in := range []string{s, s + " deich", "pegel " + s} {
			e := expand(t, db, in)
			got := rows(t, db, "")
			if e != "" {
				got = rows(t, db, fts.Match(e, "c1"))
			}
			if want := rows(t, db, fts.Match(wholeSingles(fts.Query(in)), "c1")); !slices.Equal(got, want) {
				t.Fatalf("%q: Expand (%s) finds %v, Query (%s) %v", in, e, got, wholeSingles(fts.Query(in)), want)
			}
		}
	})
}

// TestExpand: a word becomes itself and the longer words of the index that begin so; a
// word of one character is a whole word; words with letters fold does not know and
// beginnings of too many words stay prefix terms.
func TestExpand(t *testing.T) {
	db := index(t)
	for i, b := range []string{"Deichbruch Deichabschnitt Deich", "Pegelstand Pegel", "Straße Øresund Ærø", "Überflutung"} {
		if _, err := db.Exec(`INSERT INTO messages_fts (rowid, body, ch, message) VALUES (?, ?, 'c1', 'm')`, i+1, b); err != nil {
			t.Fatal(err)
		}
	}
	for in, want := range map[string]string{
		"Deich":           `("deich" OR "deichabschnitt" OR "deichbruch")`,
		"deichb PEGEL":    `("deichb" OR "deichbruch") AND ("pegel" OR "pegelstand")`,
		"ÜBERfl":          `("uberfl" OR "uberflutung")`,
		"de":              `("de" OR "deich" OR "deichabschnitt" OR "deichbruch")`,
		"Pegel 9 m":       `("pegel" OR "pegelstand") AND "9" AND "m"`,
		"Straße":          `"Straße"*`,
		"Øresund":         `"Øresund"*`,
		"Deich Sturmflut": `("deich" OR "deichabschnitt" OR "deichbruch") AND ("sturmflut")`,
		"%":               "",
	} {
		if got := expand(t, db, in); got != want {
			t.Errorf("Expand(%q) = %s, want %s", in, got, want)
		}
	}
	var many strings.Builder
	for i := range fts.MaxExpansion + 1 {
		many.WriteString("viel" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + " ")
	}
	if _, err := db.Exec(`INSERT INTO messages_fts (rowid, body, ch, message) VALUES (99, ?, 'c1', 'm')`, many.String()); err != nil {
		t.Fatal(err)
	}
	if got := expand(t, db, "Viel"); got != `"viel"*` {
		t.Errorf("a beginning of %d words: %s", fts.MaxExpansion+1, got)
	}
}

// TestFoldAsTheTokenizer: every letter fold knows is stored by the tokenizer as fold
// says, so a word looked up in the vocabulary is the word the index holds.
func TestFoldAsTheTokenizer(t *testing.T) {
	db := index(t)
	for _, w := range []string{"ÀÁÂÃÄÅàáâãäåĀāĂăĄą", "ÇçĆćĈĉĊċČč", "Ďď", "ÈÉÊËèéêëĒēĔĕĖėĘęĚě", "ĜĝĞğĠġĢģ", "Ĥĥ",
		"ÌÍÎÏìíîïĨĩĪīĬĭĮį", "Ĵĵ", "Ķķ", "ĹĺĻļĽľ", "ÑñŃńŅņŇň", "ÒÓÔÕÖòóôõöŌōŎŏŐő", "ŔŕŖŗŘř", "ŚśŜŝŞşŠš", "ŢţŤť",
		"ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", "Ŵŵ", "ÝýÿŶŷŸ", "ŹźŻżŽž"} {
		for _, r := range w {
			word := "Xq" + string(r) + "zz"
			if _, err := db.Exec(`DELETE FROM messages_fts`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`INSERT INTO messages_fts (body, ch, message) VALUES (?, 'c1', 'm')`, word); err != nil {
				t.Fatal(err)
			}
			var stored string
			if err := db.QueryRow(`SELECT term FROM messages_fts_terms WHERE term != 'c1'`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			e := expand(t, db, word)
			if e != `("`+stored+`")` {
				t.Errorf("%c: the tokenizer stores %q, Expand looks up %s", r, stored, e)
			}
		}
	}
}

// wholeSingles is a Query with its one-character terms as whole words, as Expand has them.
func wholeSingles(q string) string {
	terms := strings.Fields(q)
	for i, t := range terms {
		if utf8.RuneCountInString(t) == 4 { // "x"*
			terms[i] = strings.TrimSuffix(t, "*")
		}
	}
	return strings.Join(terms, " ")
}
