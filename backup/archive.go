// Package backup makes verified online backups of the appliance while it keeps working, and
// restores them: `crisisroom backup DEST`, `crisisroom restore ARCHIVE`, a scheduled backup to
// a folder (a USB stick, a second disk) and the health figures the room's IT reads.
//
// An archive is a plain POSIX tar (no compression: attachments and fax PDFs do not shrink,
// and the CPU belongs to the room) holding
//
//	data.db, auxiliary.db   consistent snapshots made with SQLite's VACUUM INTO, a read
//	                        transaction: in WAL mode writers go on meanwhile
//	storage/…               the uploaded files (attachments, fax documents), which never change
//	                        once written
//	MANIFEST.json           last: format, times, and every other entry's size and SHA-256
//
// It is written as NAME.partial, read back and checked against its manifest, synced and only
// then renamed to NAME: an archive that exists under its final name is complete.
package backup

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Format names the archive layout in the manifest.
const Format = "crisisroom-backup/1"

// ManifestName is the archive's last entry.
const ManifestName = "MANIFEST.json"

// Manifest describes an archive. Times are UTC, RFC 3339.
type Manifest struct {
	Format   string    `json:"format"`
	Started  time.Time `json:"started"`  // before the database snapshots began
	Snapshot time.Time `json:"snapshot"` // when data.db's snapshot was taken
	Finished time.Time `json:"finished"`
	Messages int       `json:"messages"` // messages in the data.db snapshot
	Files    []Entry   `json:"files"`    // every entry but the manifest, in archive order
}

// Entry is one archived file: its slash path inside the archive, size in bytes, SHA-256 (hex).
type Entry struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Progress reports a running backup or restore. Bytes count file contents.
type Progress struct {
	Phase      string `json:"phase"` // "snapshot", "files", "verify", "done"
	Done       int64  `json:"done"`
	Total      int64  `json:"total"`
	Files      int    `json:"files"`
	FilesTotal int    `json:"files_total"`
}

// Result of a finished backup.
type Result struct {
	Path     string        `json:"path"`
	Size     int64         `json:"size"` // bytes of the archive
	Files    int           `json:"files"`
	Messages int           `json:"messages"`
	Started  time.Time     `json:"started"`
	Took     time.Duration `json:"took"`
}

// ArchiveName is the file name of a backup started at t: crisisroom-backup-20260130-154500.tar.
func ArchiveName(t time.Time) string {
	return "crisisroom-backup-" + t.UTC().Format("20060102-150405") + ".tar"
}

// Create writes a backup of app's data to dest while the appliance keeps serving. dest is
// either an existing folder (the archive gets ArchiveName in it) or the archive's file path.
// progress, if not nil, is called from the calling goroutine as the work advances. The archive
// is verified before Create returns; on any error the partial file is removed and nothing
// under the final name exists.
func Create(app core.App, dest string, progress func(Progress)) (Result, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	started := time.Now().UTC()
	res := Result{Started: started}
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		dest = filepath.Join(dest, ArchiveName(started))
	}
	res.Path = dest
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return res, err
	}
	work, err := os.MkdirTemp(filepath.Dir(dest), ".crisisroom-backup-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)

	// 1. Database snapshots (a read transaction each; writers are not held).
	progress(Progress{Phase: "snapshot"})
	m := Manifest{Format: Format, Started: started}
	snaps := []struct {
		name string
		db   dbx.Builder
	}{{"data.db", app.DB()}, {"auxiliary.db", app.AuxDB()}}
	for _, s := range snaps {
		if _, err := s.db.NewQuery("VACUUM INTO {:path}").Bind(dbx.Params{"path": filepath.Join(work, s.name)}).Execute(); err != nil {
			return res, fmt.Errorf("snapshot of %s: %w", s.name, err)
		}
		if s.name == "data.db" {
			m.Snapshot = time.Now().UTC()
		}
	}
	if n, err := countMessages(filepath.Join(work, "data.db")); err == nil {
		m.Messages = n
	}

	// 2. The list of stored files, taken after the snapshot: every file a snapshot record
	// names was written (and synced) before the record committed, so it is there now.
	storage := filepath.Join(app.DataDir(), core.LocalStorageDirName)
	type item struct {
		src, name string
		size      int64
	}
	var items []item
	for _, s := range snaps {
		st, err := os.Stat(filepath.Join(work, s.name))
		if err != nil {
			return res, err
		}
		items = append(items, item{filepath.Join(work, s.name), s.name, st.Size()})
	}
	err = filepath.WalkDir(storage, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil // deleted meanwhile
		}
		rel, _ := filepath.Rel(app.DataDir(), p)
		items = append(items, item{p, filepath.ToSlash(rel), info.Size()})
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("listing the stored files: %w", err)
	}
	var total int64
	for _, it := range items {
		total += it.size
	}

	// 3. The archive, hashed while written.
	partial := dest + ".partial"
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return res, err
	}
	fail := func(err error) (Result, error) {
		f.Close()
		os.Remove(partial)
		return res, err
	}
	tw := tar.NewWriter(f)
	pr := Progress{Phase: "files", Total: total, FilesTotal: len(items)}
	progress(pr)
	buf := make([]byte, 256<<10)
	for _, it := range items {
		e, err := addFile(tw, it.src, it.name, buf)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a stored file deleted after the listing; its record is gone too
		}
		if err != nil {
			return fail(fmt.Errorf("archiving %s: %w", it.name, err))
		}
		m.Files = append(m.Files, e)
		pr.Done += e.Size
		pr.Files++
		progress(pr)
	}
	m.Finished = time.Now().UTC()
	mb, _ := json.MarshalIndent(m, "", " ")
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Mode: 0o600, Size: int64(len(mb)), ModTime: m.Finished, Typeflag: tar.TypeReg}); err != nil {
		return fail(err)
	}
	if _, err := tw.Write(mb); err != nil {
		return fail(err)
	}
	if err := tw.Close(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(partial)
		return res, err
	}

	// 4. Read it back (it is what the stick holds) and check it before it gets its name.
	progress(Progress{Phase: "verify", Total: total, FilesTotal: len(m.Files)})
	if _, err := Verify(partial, nil); err != nil {
		os.Remove(partial)
		return res, err
	}
	if err := os.Rename(partial, dest); err != nil {
		os.Remove(partial)
		return res, err
	}
	syncDir(filepath.Dir(dest))
	st, _ := os.Stat(dest)
	res.Size = st.Size()
	res.Files = len(m.Files)
	res.Messages = m.Messages
	res.Took = time.Since(started)
	progress(Progress{Phase: "done", Done: total, Total: total, Files: len(m.Files), FilesTotal: len(m.Files)})
	return res, nil
}

// addFile copies src into the archive as name and returns its manifest entry.
func addFile(tw *tar.Writer, src, name string, buf []byte) (Entry, error) {
	in, err := os.Open(src)
	if err != nil {
		return Entry{}, err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return Entry{}, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return Entry{}, err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(tw, h), io.LimitReader(in, st.Size()), buf)
	if err != nil {
		return Entry{}, err
	}
	if n != st.Size() {
		return Entry{}, fmt.Errorf("%s shrank while it was copied", name)
	}
	return Entry{Path: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// DamagedError is returned for an archive that must not be restored. Its message is German
// first, English second, and names what is wrong.
type DamagedError struct{ Detail string }

func (e *DamagedError) Error() string {
	return "Die Sicherung ist beschädigt oder unvollständig und wird nicht wiederhergestellt: " + e.Detail +
		" / The backup archive is damaged or incomplete and will not be restored: " + e.Detail
}

func damaged(format string, a ...any) error { return &DamagedError{Detail: fmt.Sprintf(format, a...)} }

// Verify reads the whole archive at path, hashes every entry and checks it against the
// manifest: every listed file present once with its size and SHA-256, nothing unlisted, a
// known format, nothing outside the data folder. each, if not nil, is called with every
// verified entry and a reader of its content (restore extracts in the same pass it checks).
// A damaged archive gives a *DamagedError.
func Verify(path string, each func(e Entry, r io.Reader) error) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	seen := map[string]Entry{}
	var order []string
	var mb []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, damaged("tar-Struktur nach %d Einträgen unlesbar (%v)", len(order), err)
		}
		name := h.Name
		if h.Typeflag != tar.TypeReg || !safeName(name) {
			return nil, damaged("unerwarteter Eintrag %q", name)
		}
		if _, dup := seen[name]; dup || (name == ManifestName && mb != nil) {
			return nil, damaged("Eintrag %q doppelt", name)
		}
		if name == ManifestName {
			if mb, err = io.ReadAll(io.LimitReader(tr, 64<<20)); err != nil {
				return nil, damaged("Manifest unlesbar (%v)", err)
			}
			continue
		}
		hsh := sha256.New()
		var r io.Reader = io.TeeReader(tr, hsh)
		if each != nil {
			if err := each(Entry{Path: name, Size: h.Size}, r); err != nil {
				return nil, err
			}
		}
		n, err := io.Copy(io.Discard, r)
		if err != nil {
			return nil, damaged("%s unlesbar (%v)", name, err)
		}
		_ = n
		seen[name] = Entry{Path: name, Size: h.Size, SHA256: hex.EncodeToString(hsh.Sum(nil))}
		order = append(order, name)
	}
	if mb == nil {
		return nil, damaged("kein %s (Archiv abgeschnitten?)", ManifestName)
	}
	var m Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		return nil, damaged("%s ist kein gültiges JSON (%v)", ManifestName, err)
	}
	if m.Format != Format {
		return nil, damaged("unbekanntes Format %q", m.Format)
	}
	listed := map[string]bool{}
	for _, e := range m.Files {
		got, ok := seen[e.Path]
		switch {
		case !ok:
			return nil, damaged("%s fehlt", e.Path)
		case got.Size != e.Size:
			return nil, damaged("%s hat %d statt %d Bytes", e.Path, got.Size, e.Size)
		case got.SHA256 != e.SHA256:
			return nil, damaged("Prüfsumme von %s stimmt nicht (SHA-256 %s statt %s)", e.Path, short(got.SHA256), short(e.SHA256))
		}
		listed[e.Path] = true
	}
	for _, n := range order {
		if !listed[n] {
			return nil, damaged("%s steht nicht im Manifest", n)
		}
	}
	if !listed["data.db"] {
		return nil, damaged("data.db fehlt")
	}
	return &m, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12] + "…"
	}
	return h
}

// safeName accepts data.db, auxiliary.db and storage/… paths that stay inside the data folder.
func safeName(name string) bool {
	if name == ManifestName || name == "data.db" || name == "auxiliary.db" {
		return true
	}
	clean := path.Clean(name)
	return clean == name && strings.HasPrefix(name, core.LocalStorageDirName+"/") && !strings.Contains(name, "..") && !strings.HasPrefix(name, "/")
}

// List returns the archives in folder (newest first by name, which holds the UTC time).
func List(folder string) ([]string, error) {
	all, err := filepath.Glob(filepath.Join(folder, "crisisroom-backup-*.tar"))
	if err != nil {
		return nil, err
	}
	sort.Sort(sort.Reverse(sort.StringSlice(all)))
	return all, nil
}

// Prune keeps the newest keep archives in folder and removes the older ones; it returns the
// removed paths. keep < 1 keeps everything.
func Prune(folder string, keep int) ([]string, error) {
	if keep < 1 {
		return nil, nil
	}
	all, err := List(folder)
	if err != nil || len(all) <= keep {
		return nil, err
	}
	var removed []string
	for _, p := range all[keep:] {
		if err := os.Remove(p); err != nil {
			return removed, err
		}
		removed = append(removed, p)
	}
	return removed, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
