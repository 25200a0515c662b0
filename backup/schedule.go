package backup

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"crisisroom/apperr"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Settings of the scheduled backup, kept in PocketBase's _params table (key
// "crisisroom_backup_settings") so that they need no schema change and survive restarts.
type Settings struct {
	Folder   string `json:"folder"`   // where archives go (a USB stick, a second disk); "" = off
	Interval int    `json:"interval"` // minutes between backups; 0 = off
	Keep     int    `json:"keep"`     // archives kept in Folder, newest first; 0 = all
}

// State is what the last backup left, kept in _params ("crisisroom_backup_state") so the
// health page also sees backups made by `crisisroom backup` in another process.
type State struct {
	Last      *Result   `json:"last,omitempty"`       // the last successful backup
	LastError string    `json:"last_error,omitempty"` // the last failed attempt's error
	ErrorAt   time.Time `json:"error_at,omitzero"`
	BoardItem string    `json:"board_item,omitempty"` // the "backup overdue" board item shown now
}

const (
	settingsKey = "crisisroom_backup_settings"
	stateKey    = "crisisroom_backup_state"
)

func loadParam(app core.App, key string, v any) error {
	var raw types.JSONRaw
	err := app.DB().Select("value").From("_params").Where(dbx.HashExp{"id": key}).Row(&raw)
	if err != nil {
		return nil // not set yet
	}
	return json.Unmarshal(raw, v)
}

func saveParam(app core.App, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	now := types.NowDateTime().String()
	_, err = app.DB().NewQuery("INSERT INTO _params (id, value, created, updated) VALUES ({:id}, {:v}, {:now}, {:now}) " +
		"ON CONFLICT(id) DO UPDATE SET value = excluded.value, updated = excluded.updated").
		Bind(dbx.Params{"id": key, "v": string(b), "now": now}).Execute()
	return err
}

// LoadSettings returns the stored settings (zero: no scheduled backup).
func LoadSettings(app core.App) (Settings, error) {
	var s Settings
	return s, loadParam(app, settingsKey, &s)
}

// SaveSettings checks and stores s: an interval needs a folder, which must be an absolute
// path; the interval is at least 5 minutes; keep is not negative. A refusal is a 400 API
// error with an apperr code (backup.*); a failure to store is the database's error.
func SaveSettings(app core.App, s Settings) error {
	if s.Interval < 0 || s.Keep < 0 {
		return apperr.BadRequest("backup.negative_settings")
	}
	if s.Interval > 0 && s.Interval < 5 {
		return apperr.BadRequest("backup.interval_too_short")
	}
	if s.Folder != "" && !filepath.IsAbs(s.Folder) {
		return apperr.BadRequest("backup.folder_not_absolute")
	}
	if s.Interval > 0 && s.Folder == "" {
		return apperr.BadRequest("backup.schedule_needs_folder")
	}
	return saveParam(app, settingsKey, s)
}

// LoadState returns what the last backup left.
func LoadState(app core.App) (State, error) {
	var s State
	return s, loadParam(app, stateKey, &s)
}

// Runner runs one backup at a time for an appliance and remembers its progress.
type Runner struct {
	app      core.App
	mu       sync.Mutex
	running  bool
	progress Progress
	stop     chan struct{}
	now      func() time.Time
}

// Status is a snapshot of the runner for the health page.
type Status struct {
	Settings Settings  `json:"settings"`
	State    State     `json:"state"`
	Running  bool      `json:"running"`
	Progress *Progress `json:"progress,omitempty"`
	Overdue  bool      `json:"overdue"` // a schedule is set and the last backup is older than its interval
}

// ErrRunning is returned when a backup is asked for while one runs.
var ErrRunning = errors.New("Es läuft schon eine Sicherung. / A backup is already running.")

// Start begins a backup to folder in the background; ErrRunning if one runs.
func (r *Runner) Start(folder string, keep int) error {
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return ErrRunning
	}
	r.running = true
	r.progress = Progress{Phase: "snapshot"}
	r.mu.Unlock()
	go r.run(folder, keep)
	return nil
}

func (r *Runner) run(folder string, keep int) {
	defer func() {
		r.mu.Lock()
		r.running = false
		r.mu.Unlock()
	}()
	res, err := Create(r.app, folder, func(p Progress) {
		r.mu.Lock()
		r.progress = p
		r.mu.Unlock()
	})
	r.record(res, err)
	if err == nil {
		if removed, err := Prune(folder, keep); err != nil {
			r.app.Logger().Warn("backup: removing old archives failed", "error", err)
		} else if len(removed) > 0 {
			r.app.Logger().Info("backup: old archives removed", "removed", removed)
		}
	}
}

// record stores the outcome of a backup in the state and logs it.
func (r *Runner) record(res Result, err error) {
	RecordOutcome(r.app, res, err)
	r.checkOverdue()
}

// RecordOutcome stores a backup's outcome (also for `crisisroom backup` in another process)
// and logs it.
func RecordOutcome(app core.App, res Result, err error) {
	st, _ := LoadState(app)
	if err != nil {
		st.LastError = err.Error()
		st.ErrorAt = time.Now().UTC()
		app.Logger().Error("Datensicherung fehlgeschlagen / backup failed", "error", err)
	} else {
		st.Last = &res
		st.LastError = ""
		app.Logger().Info("Datensicherung fertig / backup done", "path", res.Path, "size", res.Size, "files", res.Files, "took", res.Took.String())
	}
	if serr := saveParam(app, stateKey, st); serr != nil {
		app.Logger().Error("backup: state not saved", "error", serr)
	}
}

// Status returns the runner's state now.
func (r *Runner) Status() Status {
	s := Status{}
	s.Settings, _ = LoadSettings(r.app)
	s.State, _ = LoadState(r.app)
	r.mu.Lock()
	s.Running = r.running
	if r.running {
		p := r.progress
		s.Progress = &p
	}
	r.mu.Unlock()
	s.Overdue = overdue(s.Settings, s.State, r.now())
	return s
}

func overdue(set Settings, st State, now time.Time) bool {
	if set.Interval <= 0 || set.Folder == "" {
		return false
	}
	if st.Last == nil {
		return true
	}
	return now.Sub(st.Last.Started) > time.Duration(set.Interval)*time.Minute
}

// tick starts a due scheduled backup and keeps the status board's warning in step.
func (r *Runner) tick() {
	set, err := LoadSettings(r.app)
	if err != nil || set.Interval <= 0 || set.Folder == "" {
		r.checkOverdue()
		return
	}
	st, _ := LoadState(r.app)
	last := time.Time{}
	if st.Last != nil {
		last = st.Last.Started
	}
	// A failed attempt is retried after a minute, not at once in a loop.
	due := r.now().Sub(last) >= time.Duration(set.Interval)*time.Minute && r.now().Sub(st.ErrorAt) >= time.Minute
	if due {
		if err := os.MkdirAll(set.Folder, 0o755); err != nil {
			r.record(Result{}, fmt.Errorf("Sicherungsordner %s nicht verfügbar: %v / backup folder not available", set.Folder, err))
		} else if err := r.Start(set.Folder, set.Keep); err != nil && !errors.Is(err, ErrRunning) {
			r.app.Logger().Error("backup: start failed", "error", err)
		}
	}
	r.checkOverdue()
}

// checkOverdue shows a warning on the status board while the last backup is older than the
// interval, and removes it once a backup succeeded.
func (r *Runner) checkOverdue() {
	set, _ := LoadSettings(r.app)
	st, _ := LoadState(r.app)
	late := overdue(set, st, r.now())
	switch {
	case late && st.BoardItem == "":
		id, err := postOverdue(r.app, set, st)
		if err != nil {
			r.app.Logger().Warn("backup: overdue warning not posted", "error", err)
			return
		}
		st.BoardItem = id
		saveParam(r.app, stateKey, st)
	case !late && st.BoardItem != "":
		if rec, err := r.app.FindRecordById("board_items", st.BoardItem); err == nil {
			r.app.Delete(rec)
		}
		st.BoardItem = ""
		saveParam(r.app, stateKey, st)
	}
}

// postOverdue creates the board item that tells the room the backup is overdue.
func postOverdue(app core.App, set Settings, st State) (string, error) {
	col, err := app.FindCollectionByNameOrId("board_items")
	if err != nil {
		return "", err
	}
	rec := core.NewRecord(col)
	rec.Set("title", "Datensicherung überfällig / Backup overdue")
	last := "noch keine / none yet"
	if st.Last != nil {
		last = st.Last.Started.Local().Format("02.01.2006 15:04")
	}
	rec.Set("body", fmt.Sprintf("Letzte Sicherung: %s; Intervall %d min. IT bitte prüfen (Sicherungsordner %s). / Last backup: %s; interval %d min. IT please check.",
		last, set.Interval, set.Folder, last, set.Interval))
	rec.Set("severity", "warning")
	if host, err := app.FindFirstRecordByFilter("organisations", "kind = 'host'"); err == nil {
		rec.Set("organisation", host.Id)
	}
	if err := app.Save(rec); err != nil {
		return "", err
	}
	return rec.Id, nil
}
