// Package standby keeps a warm standby appliance by Litestream (github.com/benbjohnson/litestream,
// used as a library, not a replication engine of our own): the primary streams data.db's WAL
// as LTX files into a replica folder that both boxes reach (a shared folder, an NFS or SMB
// mount), and copies the uploaded files (immutable once written) next to it; the standby
// restores from that folder and keeps following it, ready to serve.
//
// Replica folder layout:
//
//	FOLDER/data.db/…   Litestream's file replica of data.db (LTX files by level)
//	FOLDER/storage/…   the primary's storage/ (attachments, fax documents)
//
// auxiliary.db (PocketBase's request logs) is not replicated: a standby starts a fresh one.
package standby

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/benbjohnson/litestream"
	lsfile "github.com/benbjohnson/litestream/file"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/backup"
	"crisisroom/durability"
)

// MonitorInterval is how often the primary looks for new WAL frames to ship; with the file
// replica it bounds the replication lag (measured: see README, "Datensicherung").
const MonitorInterval = 200 * time.Millisecond

// FollowInterval is how often the standby looks for new LTX files.
const FollowInterval = 250 * time.Millisecond

const settingsKey = "crisisroom_replica"

// Settings of the primary's replication, in PocketBase's _params table.
type Settings struct {
	Folder string `json:"folder"` // the replica folder; "" = no replication
}

// LoadSettings returns the replication settings of app's data folder.
func LoadSettings(app core.App) (Settings, error) {
	var s Settings
	var raw types.JSONRaw
	if err := app.DB().Select("value").From("_params").Where(dbx.HashExp{"id": settingsKey}).Row(&raw); err != nil {
		return s, nil
	}
	return s, json.Unmarshal(raw, &s)
}

// SaveSettings stores the replication settings; a folder must be an absolute path.
func SaveSettings(app core.App, s Settings) error {
	if s.Folder != "" && !filepath.IsAbs(s.Folder) {
		return errors.New("Der Replikationsordner muss ein absoluter Pfad sein. / The replica folder must be an absolute path.")
	}
	b, _ := json.Marshal(s)
	now := types.NowDateTime().String()
	_, err := app.DB().NewQuery("INSERT INTO _params (id, value, created, updated) VALUES ({:id}, {:v}, {:now}, {:now}) " +
		"ON CONFLICT(id) DO UPDATE SET value = excluded.value, updated = excluded.updated").
		Bind(dbx.Params{"id": settingsKey, "v": string(b), "now": now}).Execute()
	return err
}

// primary runs Litestream for data.db and mirrors stored files while a replica folder is set.
type primary struct {
	app core.App

	mu       sync.Mutex
	folder   string
	store    *litestream.Store
	db       *litestream.DB
	files    chan string // data-folder-relative paths of stored files to copy
	pending  int
	lastErr  string
	cancel   context.CancelFunc
	behind   time.Time // since when the replica is behind the local position (zero: in sync)
	status   map[string]any
	stopOnce sync.Once
	quit     chan struct{}
}

// Register starts the replication when the appliance serves and a replica folder is set
// (`crisisroom standby replicate FOLDER`), checks the setting every 10 s, and feeds the
// health page's replication figures.
func Register(app core.App) {
	p := &primary{app: app, quit: make(chan struct{})}
	backup.ReplicationStatus = func(core.App) any { return p.Status() }
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{Id: "crisisroomStandby", Func: func(e *core.ServeEvent) error {
		p.apply()
		go func() {
			t := time.NewTicker(10 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-p.quit:
					return
				case <-t.C:
					p.apply()
				}
			}
		}()
		return e.Next()
	}})
	// A record's files go to the replica folder after they are written and before the record
	// commits: Litestream ships the commit within MonitorInterval, and a standby must never
	// get a message whose attachment is not there. A copy that fails (the shared folder is
	// away) does not fail the write; it is queued and retried.
	copyFiles := &hook.Handler[*core.RecordEvent]{Id: "crisisroomStandbyFiles", Priority: 1001, Func: func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		p.copyRecordFiles(e.Record)
		return nil
	}}
	app.OnRecordCreateExecute().Bind(copyFiles)
	app.OnRecordUpdateExecute().Bind(copyFiles)
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{Id: "crisisroomStandbyStop", Func: func(e *core.TerminateEvent) error {
		p.stopOnce.Do(func() { close(p.quit) })
		p.stop()
		return e.Next()
	}})
}

// apply starts or stops the replication to match the stored setting.
func (p *primary) apply() {
	s, _ := LoadSettings(p.app)
	p.mu.Lock()
	cur := p.folder
	p.mu.Unlock()
	if s.Folder == cur {
		return
	}
	p.stop()
	if s.Folder == "" {
		return
	}
	if err := p.start(s.Folder); err != nil {
		p.mu.Lock()
		p.lastErr = err.Error()
		p.mu.Unlock()
		p.app.Logger().Error("Replikation nicht gestartet / replication not started", "folder", s.Folder, "error", err)
	}
}

func (p *primary) start(folder string) error {
	if err := os.MkdirAll(filepath.Join(folder, "storage"), 0o755); err != nil {
		return err
	}
	db := litestream.NewDB(filepath.Join(p.app.DataDir(), "data.db"))
	db.MonitorInterval = MonitorInterval
	client := lsfile.NewReplicaClient(filepath.Join(folder, "data.db"))
	r := litestream.NewReplicaWithClient(db, client)
	r.SyncInterval = MonitorInterval // Litestream's default (1 s) would add to the lag
	db.Replica = r
	client.Replica = r
	store := litestream.NewStore([]*litestream.DB{db}, litestream.CompactionLevels{
		{Level: 0},
		{Level: 1, Interval: 30 * time.Second},
		{Level: 2, Interval: 5 * time.Minute},
	})
	// Litestream reports every compaction at INFO; the appliance's terminal gets warnings only.
	store.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db.SetLogger(store.Logger)
	ctx, cancel := context.WithCancel(context.Background())
	if err := store.Open(ctx); err != nil {
		cancel()
		return fmt.Errorf("litestream: %w", err)
	}
	files := make(chan string, 4096)
	p.mu.Lock()
	p.folder, p.store, p.db, p.files, p.cancel, p.lastErr = folder, store, db, files, cancel, ""
	p.mu.Unlock()
	go p.copyFiles(ctx, folder, files)
	go p.sweep(ctx, files)
	go p.watch(ctx)
	p.app.Logger().Info("Replikation läuft / replication running", "folder", folder)
	return nil
}

func (p *primary) stop() {
	p.mu.Lock()
	store, cancel := p.store, p.cancel
	p.folder, p.store, p.db, p.files, p.cancel = "", nil, nil, nil, nil
	p.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if store != nil {
		ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
		defer done()
		store.Close(ctx)
	}
}

// copyRecordFiles copies a saved record's stored files into the replica folder, handing the
// ones that fail to the background copier.
func (p *primary) copyRecordFiles(rec *core.Record) {
	p.mu.Lock()
	files, folder := p.files, p.folder
	p.mu.Unlock()
	if files == nil || p.app.Settings().S3.Enabled {
		return
	}
	for _, n := range durability.RecordFileNames(rec) {
		rel := filepath.Join(core.LocalStorageDirName, filepath.FromSlash(rec.BaseFilesPath()), n)
		if err := copyIfMissing(filepath.Join(p.app.DataDir(), rel), filepath.Join(folder, rel)); err == nil {
			continue
		}
		select {
		case files <- rel:
			p.mu.Lock()
			p.pending++
			p.mu.Unlock()
		default: // a full queue: the next start's sweep copies it
		}
	}
}

// sweep queues every stored file once at the start (files written before replication began).
func (p *primary) sweep(ctx context.Context, files chan string) {
	root := p.app.DataDir()
	filepath.WalkDir(filepath.Join(root, core.LocalStorageDirName), func(path string, d fs.DirEntry, err error) error {
		if err != nil || ctx.Err() != nil {
			return ctx.Err()
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, path)
			select {
			case files <- rel:
				p.mu.Lock()
				p.pending++
				p.mu.Unlock()
			case <-ctx.Done():
			}
		}
		return nil
	})
}

// copyFiles copies queued stored files into the replica folder (skipping ones already there
// with the same size), each written to a temporary name, synced and renamed.
func (p *primary) copyFiles(ctx context.Context, folder string, files chan string) {
	for {
		select {
		case <-ctx.Done():
			return
		case rel := <-files:
			if err := copyIfMissing(filepath.Join(p.app.DataDir(), rel), filepath.Join(folder, rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				p.mu.Lock()
				p.lastErr = err.Error()
				p.mu.Unlock()
			}
			p.mu.Lock()
			p.pending--
			p.mu.Unlock()
		}
	}
}

// copyIfMissing copies src to dst unless dst exists with src's size.
func copyIfMissing(src, dst string) error {
	si, err := os.Stat(src)
	if err != nil {
		return err
	}
	if di, err := os.Stat(dst); err == nil && di.Size() == si.Size() {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := dst + ".part"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(tmp)
		return err
	}
	out.Close()
	return os.Rename(tmp, dst)
}

// watch computes the replication figures every half second.
func (p *primary) watch(ctx context.Context) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p.mu.Lock()
		db := p.db
		p.mu.Unlock()
		if db == nil {
			continue
		}
		st, err := db.SyncStatus(ctx)
		now := time.Now()
		p.mu.Lock()
		if err == nil {
			if st.InSync {
				p.behind = time.Time{}
			} else if p.behind.IsZero() {
				p.behind = now
			}
			lag := 0.0
			if !p.behind.IsZero() {
				lag = now.Sub(p.behind).Seconds()
			}
			p.status = map[string]any{
				"local_txid": st.LocalTXID.String(), "replica_txid": st.RemoteTXID.String(), "in_sync": st.InSync,
				"lag_seconds": lag, "last_sync": db.LastSuccessfulSyncAt().UTC().Format(time.RFC3339Nano),
			}
		} else {
			p.lastErr = err.Error()
		}
		p.mu.Unlock()
	}
}

// Status returns the replication figures for the health page, or nil when none is set up.
func (p *primary) Status() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.folder == "" && p.lastErr == "" {
		return nil
	}
	out := map[string]any{"folder": p.folder, "files_pending": p.pending, "error": p.lastErr}
	for k, v := range p.status {
		out[k] = v
	}
	return out
}
