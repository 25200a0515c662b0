package durability

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Register binds the hooks that make a record's stored files durable before the record is,
// and those that answer a write refused by a full or read-only disk clearly (see
// registerDiskErrors). Files:
// after PocketBase has written the files of a create or update (FileField uploads them just
// before the row is written) and before the transaction commits, every file of the record and
// the folders that name it are fsynced. Without this a power cut could leave a committed
// message whose attachment or fax document is empty or missing.
func Register(app core.App) {
	h := &hook.Handler[*core.RecordEvent]{
		Id: "crisisroomSyncFiles",
		// Late: run around the actual write, after the appliance's own checks.
		Priority: 1000,
		Func: func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			return SyncRecordFiles(e.App, e.Record)
		},
	}
	app.OnRecordCreateExecute().Bind(h)
	app.OnRecordUpdateExecute().Bind(h)
	registerDiskErrors(app)
}

// SyncRecordFiles fsyncs the files of record's file fields in the local storage
// (DataDir/storage/<collection>/<record>/<name>), their folder and the folders above it up to
// storage. It does nothing when files are kept in S3 or the record has no file field. An error
// names the file; a file that is missing is skipped (it was deleted in the same save).
func SyncRecordFiles(app core.App, record *core.Record) error {
	if app.Settings().S3.Enabled {
		return nil
	}
	names := RecordFileNames(record)
	if len(names) == 0 {
		return nil
	}
	storage := filepath.Join(app.DataDir(), core.LocalStorageDirName)
	dir := filepath.Join(storage, filepath.FromSlash(record.BaseFilesPath()))
	for _, n := range names {
		if err := syncPath(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sync %s: %w", n, err)
		}
	}
	// The new directory entries: the record's folder, its collection's, storage itself.
	for d := dir; ; d = filepath.Dir(d) {
		if err := syncPath(d); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sync %s: %w", d, err)
		}
		if d == storage || d == filepath.Dir(d) {
			break
		}
	}
	return nil
}

// RecordFileNames returns the stored file names of record's file fields. While a save runs,
// a field holds the names of kept files and *filesystem.File values for new uploads (named
// by then); GetStringSlice would drop the latter.
func RecordFileNames(record *core.Record) []string {
	var names []string
	for _, f := range record.Collection().Fields {
		if f.Type() != core.FieldTypeFile {
			continue
		}
		var vals []any
		switch v := record.GetRaw(f.GetName()).(type) {
		case []any:
			vals = v
		case []string:
			for _, s := range v {
				vals = append(vals, s)
			}
		case nil:
		default:
			vals = []any{v}
		}
		for _, v := range vals {
			switch x := v.(type) {
			case string:
				if x != "" {
					names = append(names, x)
				}
			case *filesystem.File:
				names = append(names, x.Name)
			}
		}
	}
	return names
}

// syncPath opens path read-only and fsyncs it (a file's data or a folder's entries).
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// stdLog writes a line to stderr with a timestamp (journald keeps it when auxiliary.db cannot).
func stdLog(msg string) { log.Println("crisisroom:", msg) }
