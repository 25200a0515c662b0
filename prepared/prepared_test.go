package prepared_test

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	_ "github.com/pocketbase/pocketbase/migrations" // PocketBase's own tables

	"crisisroom/prepared"
)

func newApp(t *testing.T) core.App {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.ResetBootstrapState() })
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery(`CREATE TABLE t (k TEXT, v TEXT)`).Execute(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := app.DB().Insert("t", dbx.Params{"k": fmt.Sprint(i % 2), "v": fmt.Sprint("v", i)}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// Named parameters reach SQLite by name, concurrent callers share the statement, and no
// row is sql.ErrNoRows.
func TestStatementBindsByNameConcurrently(t *testing.T) {
	app := newApp(t)
	count := prepared.New(`SELECT COUNT(*) FROM t WHERE k = {:k} AND v != {:not}`)
	list := prepared.New(`SELECT v FROM t WHERE k = {:k} ORDER BY v`)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var n int
			if err := count.Row(app, dbx.Params{"k": "0", "not": "v0"}, &n); err != nil || n != 2 {
				errs <- fmt.Errorf("count: %d, %v", n, err)
			}
			vs, err := list.Column(app, dbx.Params{"k": "1"})
			if err != nil || fmt.Sprint(vs) != "[v1 v3]" {
				errs <- fmt.Errorf("list: %v, %v", vs, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var v string
	if err := prepared.New(`SELECT v FROM t WHERE k = {:k}`).Row(app, dbx.Params{"k": "none"}, &v); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("no row: %v", err)
	}
}

// Inside a transaction the statement runs on the transaction's connection and sees its
// uncommitted rows (a statement of the pool would not, or would wait for the writer).
func TestStatementInsideTransaction(t *testing.T) {
	app := newApp(t)
	count := prepared.New(`SELECT COUNT(*) FROM t WHERE k = {:k}`)
	err := app.RunInTransaction(func(tx core.App) error {
		if _, err := tx.DB().Insert("t", dbx.Params{"k": "tx", "v": "x"}).Execute(); err != nil {
			return err
		}
		var n int
		if err := count.Row(tx, dbx.Params{"k": "tx"}, &n); err != nil || n != 1 {
			return fmt.Errorf("inside: %d, %v", n, err)
		}
		vs, err := prepared.New(`SELECT v FROM t WHERE k = {:k}`).Column(tx, dbx.Params{"k": "tx"})
		if err != nil || len(vs) != 1 {
			return fmt.Errorf("column inside: %v, %v", vs, err)
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatal(err)
	}
	var n int
	if err := count.Row(app, dbx.Params{"k": "tx"}, &n); err != nil || n != 0 {
		t.Errorf("after the rollback: %d, %v", n, err)
	}
}
