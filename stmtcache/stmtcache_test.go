package stmtcache_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"crisisroom/stmtcache"
)

// open returns a database of one connection (so every statement meets the same cache)
// whose connections keep size statements.
func open(t *testing.T, size int) *sql.DB {
	t.Helper()
	reg, err := sql.Open("sqlite", "")
	if err != nil {
		t.Fatal(err)
	}
	drv := reg.Driver()
	reg.Close()
	db := sql.OpenDB(stmtcache.NewConnector(drv, filepath.Join(t.TempDir(), "t.db")+"?_pragma=journal_mode(WAL)", size))
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func stats(t *testing.T, db *sql.DB) (hits, misses uint64) {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		sc, ok := dc.(*stmtcache.Conn)
		if !ok {
			return fmt.Errorf("connection is %T, not a *stmtcache.Conn", dc)
		}
		hits, misses = sc.Stats()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits, misses
}

func names(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(got, ",")
}

// A text run again on the connection uses the statement prepared the first time, with
// its new arguments, for queries and for writes.
func TestStatementKeptAndRunAgain(t *testing.T) {
	db := open(t, 8)
	h0, m0 := stats(t, db)
	for _, n := range []string{"a", "b", "c"} {
		if _, err := db.Exec(`INSERT INTO t (name) VALUES (?)`, n); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"a", "c", "zz"} {
		want := n
		if n == "zz" {
			want = ""
		}
		if got := names(t, db, `SELECT name FROM t WHERE name = ?`, n); got != want {
			t.Fatalf("name = %q: got %q, want %q", n, got, want)
		}
	}
	h, m := stats(t, db)
	if h-h0 != 4 || m-m0 != 2 {
		t.Fatalf("hits %d, misses %d; want 4 and 2 (one preparation per text)", h-h0, m-m0)
	}
}

// The same text inside the loop over its own open rows gets a statement of its own; both
// read what they should.
func TestNestedRunOfTheSameTextIsNotShared(t *testing.T) {
	db := open(t, 8)
	for _, n := range []string{"a", "b", "c"} {
		if _, err := db.Exec(`INSERT INTO t (name) VALUES (?)`, n); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin() // one connection: the inner query runs on the outer's connection
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT name FROM t WHERE name >= ? ORDER BY name`
	outer, err := tx.Query(q, "a")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var o string
		if err := outer.Scan(&o); err != nil {
			t.Fatal(err)
		}
		inner, err := tx.Query(q, o)
		if err != nil {
			t.Fatal(err)
		}
		var in []string
		for inner.Next() {
			var s string
			_ = inner.Scan(&s)
			in = append(in, s)
		}
		inner.Close()
		got = append(got, o+":"+strings.Join(in, ""))
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if s := strings.Join(got, " "); s != "a:abc b:bc c:c" {
		t.Fatalf("got %q", s)
	}
}

// A kept statement follows a change of the schema (SQLite prepares it again itself).
func TestKeptStatementSeesSchemaChange(t *testing.T) {
	db := open(t, 8)
	if _, err := db.Exec(`INSERT INTO t (name) VALUES ('a')`); err != nil {
		t.Fatal(err)
	}
	cols := func() string {
		rows, err := db.Query(`SELECT * FROM t`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, _ := rows.Columns()
		return strings.Join(c, ",")
	}
	if got := cols(); got != "id,name" {
		t.Fatalf("columns %q", got)
	}
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN extra TEXT`); err != nil {
		t.Fatal(err)
	}
	if got := cols(); got != "id,name,extra" {
		t.Fatalf("columns after ALTER TABLE %q", got)
	}
	if _, err := db.Exec(`DROP TABLE t`); err != nil {
		t.Fatalf("drop with kept statements: %v", err)
	}
	if _, err := db.Query(`SELECT * FROM t`); err == nil || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("query of a dropped table: %v", err)
	}
}

// A failed run (a constraint) leaves the statement usable; a rolled back transaction's
// write is gone; eviction keeps the results right.
func TestFailuresRollbackAndEviction(t *testing.T) {
	db := open(t, 2)
	const ins = `INSERT INTO t (name) VALUES (?)`
	if _, err := db.Exec(ins, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ins, "a"); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("duplicate insert: %v", err)
	}
	if _, err := db.Exec(ins, "b"); err != nil {
		t.Fatalf("insert after a failed one: %v", err)
	}
	tx, _ := db.Begin()
	if _, err := tx.Exec(ins, "c"); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	for i := range 20 { // more texts than the connection keeps
		q := fmt.Sprintf(`SELECT name FROM t WHERE id > %d ORDER BY id`, i%5)
		want := []string{"a,b", "b", "", "", ""}[i%5]
		if got := names(t, db, q); got != want {
			t.Fatalf("%s: %q, want %q", q, got, want)
		}
	}
	if got := names(t, db, `SELECT name FROM t ORDER BY id`); got != "a,b" {
		t.Fatalf("rows %q, want a,b", got)
	}
}

// A cancelled context ends the run and leaves the statement usable.
func TestCancelledRun(t *testing.T) {
	db := open(t, 8)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.QueryContext(ctx, `SELECT name FROM t`); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled query: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO t (name) VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	if got := names(t, db, `SELECT name FROM t`); got != "x" {
		t.Fatalf("got %q", got)
	}
}

var _ driver.Connector = (*stmtcache.Connector)(nil)

// A new text on a connection whose every kept statement is in use (rows open) runs with
// its new statement: it is not the one closed to make room (that ran a closed statement
// and panicked inside database/sql, leaving the transaction locked).
func TestNewStatementNotEvictedWhileOthersBusy(t *testing.T) {
	db := open(t, 1)
	if _, err := db.Exec(`INSERT INTO t (name) VALUES ('a'), ('b')`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin() // one connection: the second query meets the first's cache
	if err != nil {
		t.Fatal(err)
	}
	outer, err := tx.Query(`SELECT name FROM t ORDER BY name`) // kept, busy while open
	if err != nil {
		t.Fatal(err)
	}
	if !outer.Next() {
		t.Fatal("no row")
	}
	var n int
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("second text on the connection panicked: %v", p) // no Rollback: the Tx is locked
			}
		}()
		if err := tx.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("count: %d, %v", n, err)
		}
	}()
	outer.Close()
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}
