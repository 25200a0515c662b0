package backup

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	_ "modernc.org/sqlite" // "sqlite", the driver PocketBase uses
)

// ErrDataPresent is returned by Restore when the data folder already holds an appliance's
// data and force is not set.
var ErrDataPresent = errors.New("Der Datenordner enthält schon Daten einer Anlage; mit --force werden sie beiseitegelegt und ersetzt. / " +
	"The data folder already holds an appliance's data; --force moves it aside and replaces it.")

// Restore checks the archive against its manifest and only then puts its databases and files
// into dataDir (the appliance must not be running on it). A damaged archive gives a
// *DamagedError and leaves dataDir untouched. Data already in dataDir is refused unless force,
// which moves it to a sibling folder "<dataDir>-vor-wiederherstellung-<time>" first (returned
// as aside). The restored data.db must pass PRAGMA integrity_check.
func Restore(archive, dataDir string, force bool, progress func(Progress)) (m *Manifest, aside string, err error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	progress(Progress{Phase: "verify"})
	if m, err = Verify(archive, nil); err != nil {
		return nil, "", err
	}
	var total int64
	for _, e := range m.Files {
		total += e.Size
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, "", err
	}
	if HasData(filepath.Join(dataDir, "data.db")) {
		if !force {
			return nil, "", ErrDataPresent
		}
		aside = strings.TrimRight(dataDir, string(os.PathSeparator)) + "-vor-wiederherstellung-" + time.Now().UTC().Format("20060102-150405")
		if err := os.MkdirAll(aside, 0o755); err != nil {
			return nil, "", err
		}
	}
	// Whatever a previous appliance left (including the empty databases a command's start
	// creates) goes aside or away, so nothing stale mixes with the restored files.
	for _, n := range []string{"data.db", "data.db-wal", "data.db-shm", "auxiliary.db", "auxiliary.db-wal", "auxiliary.db-shm", core.LocalStorageDirName} {
		p := filepath.Join(dataDir, n)
		if _, err := os.Lstat(p); err != nil {
			continue
		}
		if aside != "" {
			err = os.Rename(p, filepath.Join(aside, n))
		} else {
			err = os.RemoveAll(p)
		}
		if err != nil {
			return nil, aside, err
		}
	}

	// Second pass: extract while checking again; files are written under a staging folder and
	// moved into place only when the whole archive checked out.
	stage, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return nil, aside, err
	}
	defer os.RemoveAll(stage)
	pr := Progress{Phase: "files", Total: total, FilesTotal: len(m.Files)}
	buf := make([]byte, 256<<10)
	_, err = Verify(archive, func(e Entry, r io.Reader) error {
		dst := filepath.Join(stage, filepath.FromSlash(e.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.CopyBuffer(out, r, buf); err != nil {
			out.Close()
			return err
		}
		if err := out.Sync(); err != nil {
			out.Close()
			return err
		}
		pr.Done += e.Size
		pr.Files++
		progress(pr)
		return out.Close()
	})
	if err != nil {
		return nil, aside, err
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return nil, aside, err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(dataDir, e.Name())); err != nil {
			return nil, aside, err
		}
	}
	syncDir(dataDir)
	if err := integrityCheck(filepath.Join(dataDir, "data.db")); err != nil {
		return nil, aside, err
	}
	progress(Progress{Phase: "done", Done: total, Total: total, Files: len(m.Files), FilesTotal: len(m.Files)})
	return m, aside, nil
}

// HasData tells whether the SQLite file at p holds an appliance's data (an organisation, a
// message or a superuser), as opposed to being absent or the empty database a start creates.
func HasData(p string) bool {
	if st, err := os.Stat(p); err != nil || st.Size() == 0 {
		return false
	}
	db, err := sql.Open("sqlite", "file:"+p+"?mode=ro")
	if err != nil {
		return true // unreadable: treat as data, never overwrite it silently
	}
	defer db.Close()
	for _, table := range []string{"organisations", "messages", "_superusers"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err == nil && n > 0 {
			return true
		}
	}
	return false
}

// integrityCheck runs PRAGMA integrity_check on the SQLite file at p.
func integrityCheck(p string) error {
	db, err := sql.Open("sqlite", p)
	if err != nil {
		return err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil {
		return err
	}
	if ok != "ok" {
		return fmt.Errorf("PRAGMA integrity_check der wiederhergestellten data.db: %s / integrity check of the restored data.db: %s", ok, ok)
	}
	return nil
}

// countMessages counts the messages in the SQLite file at p.
func countMessages(p string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+p+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	err = db.QueryRow("SELECT count(*) FROM messages").Scan(&n)
	return n, err
}
