// Package durability makes an acknowledged write survive a power cut: the appliance's
// SQLite databases (data.db, auxiliary.db) are opened with synchronous=FULL, and the files a
// record stores (attachments, fax documents) are fsynced before the record is committed.
//
// PocketBase's default is WAL with synchronous=NORMAL: SQLite then calls fsync only at a
// checkpoint, so a commit answered 200 may still sit in the page cache when the power goes.
// With synchronous=FULL in WAL mode SQLite syncs the WAL at every commit (SQLite docs,
// "PRAGMA synchronous": "FULL ... WAL mode ... the WAL file is synced after each transaction
// commit"), which is what an answer 200 has to mean here.
package durability

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	_ "modernc.org/sqlite" // the same pure-Go driver PocketBase registers as "sqlite"

	"crisisroom/stmtcache"
)

// SyncEnv names the environment variable that chooses SQLite's synchronous level: FULL (the
// default), NORMAL (PocketBase's own default, for measurements only: it loses acknowledged
// writes in a power cut) or EXTRA. It is read when a database is opened.
const SyncEnv = "CRISISROOM_SQLITE_SYNCHRONOUS"

// DefaultSync is the synchronous level the appliance runs with.
const DefaultSync = "FULL"

// Synchronous returns the level Connect uses: $CRISISROOM_SQLITE_SYNCHRONOUS when it names
// one of NORMAL, FULL, EXTRA (any case), otherwise DefaultSync.
func Synchronous() string {
	switch v := strings.ToUpper(strings.TrimSpace(os.Getenv(SyncEnv))); v {
	case "NORMAL", "FULL", "EXTRA":
		return v
	}
	return DefaultSync
}

// Pragmas returns the DSN query PocketBase's DefaultDBConnect uses (core/db_connect.go of
// v0.39), with synchronous set to level. busy_timeout comes first so that a connection waits
// for another one that is switching the file to WAL.
func Pragmas(level string) string {
	return "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
		"&_pragma=synchronous(" + level + ")&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-32000)"
}

// Connect opens the SQLite database at dbPath (a file path) like PocketBase's default, but with
// the synchronous level of Synchronous(). It is a core.DBConnectFunc: main passes it in
// pocketbase.Config.DBConnect and testkit in core.BaseAppConfig.DBConnect, so data.db and
// auxiliary.db of the appliance and of every test appliance are opened the same way.
//
// Each connection keeps the statements it prepared (stmtcache, stmtcache.DefaultSize per
// connection), so a query PocketBase or the appliance runs again skips SQLite's preparation.
func Connect(dbPath string) (*dbx.DB, error) {
	drv, err := sqliteDriver()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dbPath, err)
	}
	db := sql.OpenDB(stmtcache.NewConnector(drv, dbPath+Pragmas(Synchronous()), stmtcache.DefaultSize))
	return dbx.NewFromDB(db, "sqlite"), nil
}

// sqliteDriver returns the driver modernc.org/sqlite registered as "sqlite".
func sqliteDriver() (driver.Driver, error) {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Driver(), nil
}

var _ core.DBConnectFunc = Connect
