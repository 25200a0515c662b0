package backup

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
	"crisisroom/durability"
)

// Health is what the room's IT sees at GET /api/crisisroom/health (superusers only).
// Sizes are bytes, ages seconds.
type Health struct {
	Backup struct {
		Status
		AgeSeconds float64 `json:"age_seconds,omitempty"` // since the last successful backup started; 0 without one
	} `json:"backup"`
	Disk struct {
		Path  string `json:"path"`
		Free  uint64 `json:"free"`  // available to the appliance
		Total uint64 `json:"total"` // of the file system holding the data folder
		// Problem is the last write a full, read-only or failing disk refused since the start.
		Problem durability.DiskState `json:"problem"`
	} `json:"disk"`
	Database struct {
		Data      int64 `json:"data"`      // data.db
		DataWAL   int64 `json:"data_wal"`  // data.db-wal
		Auxiliary int64 `json:"auxiliary"` // auxiliary.db (+ its WAL)
	} `json:"database"`
	Replication any    `json:"replication"` // the standby's figures (lag) or null when none is set up
	Time        string `json:"time"`
}

// ReplicationStatus, when set (by the standby replication), gives the replication figures of
// the health page.
var ReplicationStatus func(app core.App) any

// Register binds the scheduled backup and the routes of the health page:
//
//	GET  /api/crisisroom/health            Health
//	GET  /api/crisisroom/backup            Status (progress while a backup runs)
//	POST /api/crisisroom/backup            start a backup now into the configured folder (202)
//	PUT  /api/crisisroom/backup/settings   Settings
//
// All of them only for superusers (the room's IT): 401 without a sign-in, 403 for anyone
// else. It returns the runner (tests drive it).
func Register(app core.App) *Runner {
	r := &Runner{app: app, now: time.Now, stop: make(chan struct{})}
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{Id: "crisisroomBackup", Func: func(e *core.ServeEvent) error {
		g := e.Router.Group("/api/crisisroom")
		g.Bind(apis.RequireSuperuserAuth())
		g.GET("/health", func(re *core.RequestEvent) error { return re.JSON(http.StatusOK, r.Health()) })
		g.GET("/backup", func(re *core.RequestEvent) error { return re.JSON(http.StatusOK, r.Status()) })
		g.POST("/backup", func(re *core.RequestEvent) error {
			set, _ := LoadSettings(re.App)
			if set.Folder == "" {
				return apperr.BadRequest("backup.folder_not_set")
			}
			if err := os.MkdirAll(set.Folder, 0o755); err != nil {
				return apperr.New(http.StatusBadRequest, "backup.folder_unavailable", err)
			}
			if err := r.Start(set.Folder, set.Keep); err != nil {
				if errors.Is(err, ErrRunning) {
					return apperr.New(http.StatusConflict, "backup.already_running", nil)
				}
				return err
			}
			return re.JSON(http.StatusAccepted, r.Status())
		})
		g.PUT("/backup/settings", func(re *core.RequestEvent) error {
			var s Settings
			if err := re.BindBody(&s); err != nil {
				return apperr.New(http.StatusBadRequest, "backup.settings_invalid", err)
			}
			if err := SaveSettings(re.App, s); err != nil {
				var refusal *router.ApiError
				if errors.As(err, &refusal) {
					return refusal
				}
				return apperr.Internal(err)
			}
			r.checkOverdue()
			return re.JSON(http.StatusOK, s)
		})
		go r.loop()
		return e.Next()
	}})
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{Id: "crisisroomBackupStop", Func: func(e *core.TerminateEvent) error {
		r.mu.Lock()
		select {
		case <-r.stop:
		default:
			close(r.stop)
		}
		r.mu.Unlock()
		return e.Next()
	}})
	return r
}

// loop checks the schedule every 30 s until the appliance stops.
func (r *Runner) loop() {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	r.tick()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.tick()
		}
	}
}

// Health gathers the health page's figures.
func (r *Runner) Health() Health {
	var h Health
	h.Backup.Status = r.Status()
	if l := h.Backup.State.Last; l != nil {
		h.Backup.AgeSeconds = r.now().Sub(l.Started).Seconds()
	}
	dir := r.app.DataDir()
	h.Disk.Path = dir
	var fs syscall.Statfs_t
	if syscall.Statfs(dir, &fs) == nil {
		h.Disk.Free = fs.Bavail * uint64(fs.Bsize)
		h.Disk.Total = fs.Blocks * uint64(fs.Bsize)
	}
	size := func(n string) int64 {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return st.Size()
		}
		return 0
	}
	h.Disk.Problem = durability.LastDiskProblem()
	h.Database.Data = size("data.db")
	h.Database.DataWAL = size("data.db-wal")
	h.Database.Auxiliary = size("auxiliary.db") + size("auxiliary.db-wal")
	if ReplicationStatus != nil {
		h.Replication = ReplicationStatus(r.app)
	}
	h.Time = r.now().UTC().Format(time.RFC3339)
	return h
}
