package durability

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Disk problem kinds returned by DiskProblem.
const (
	DiskFull     = "full"     // SQLITE_FULL, ENOSPC
	DiskReadOnly = "readonly" // SQLITE_READONLY, EROFS
	DiskIO       = "io"       // SQLITE_IOERR, EIO: the disk refuses writes for another reason
)

// DiskProblem tells whether err (or the error an ApiError carries) comes from storage that
// cannot take a write: DiskFull, DiskReadOnly, DiskIO, or "" for any other error. It knows
// SQLite's result codes as modernc.org/sqlite words them ("database or disk is full (13)",
// "attempt to write a readonly database (8)", "disk I/O error (10…)") and the errno values of
// file writes (ENOSPC, EDQUOT, EROFS, EIO).
func DiskProblem(err error) string {
	if err == nil {
		return ""
	}
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		if raw, ok := apiErr.RawData().(error); ok {
			if k := DiskProblem(raw); k != "" {
				return k
			}
		}
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return DiskFull
	case errors.Is(err, syscall.EROFS):
		return DiskReadOnly
	case errors.Is(err, syscall.EIO):
		return DiskIO
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "database or disk is full"), strings.Contains(msg, "no space left on device"), strings.Contains(msg, "disk quota exceeded"):
		return DiskFull
	case strings.Contains(msg, "readonly database"), strings.Contains(msg, "read-only file system"):
		return DiskReadOnly
	case strings.Contains(msg, "disk I/O error"), strings.Contains(msg, "input/output error"):
		return DiskIO
	}
	return ""
}

// DiskMessage is the user-facing text for a disk problem kind: German first, English second.
func DiskMessage(kind string) string {
	switch kind {
	case DiskFull:
		return "Der Speicher der Anlage ist voll: nichts wurde gespeichert, bitte später erneut senden. Lesen geht weiter; die IT muss Platz schaffen. / " +
			"The appliance's storage is full: nothing was stored, please send again later. Reading still works; IT must free space."
	case DiskReadOnly:
		return "Der Speicher der Anlage ist schreibgeschützt: nichts wurde gespeichert. Lesen geht weiter; die IT muss den Datenträger prüfen. / " +
			"The appliance's storage is read-only: nothing was stored. Reading still works; IT must check the disk."
	default:
		return "Der Speicher der Anlage nimmt keine Daten an (Schreibfehler): nichts wurde gespeichert. Lesen geht weiter; die IT muss den Datenträger prüfen. / " +
			"The appliance's storage refuses writes (I/O error): nothing was stored. Reading still works; IT must check the disk."
	}
}

// DiskState is the last disk problem the appliance met (for the health page).
type DiskState struct {
	Kind  string    `json:"kind,omitempty"` // "" when none since the start
	At    time.Time `json:"at,omitzero"`
	Count int       `json:"count"` // refused writes since the start
}

var (
	diskMu   sync.Mutex
	diskLast DiskState
)

// LastDiskProblem returns the last disk problem since the process started.
func LastDiskProblem() DiskState {
	diskMu.Lock()
	defer diskMu.Unlock()
	return diskLast
}

func noteDiskProblem(app core.App, kind, what string, err error) {
	diskMu.Lock()
	diskLast.Kind, diskLast.At = kind, time.Now().UTC()
	diskLast.Count++
	diskMu.Unlock()
	// The logger writes to auxiliary.db, which may be on the same full disk: the line also
	// goes to stderr (the journal of systemd) through the standard logger.
	msg := DiskMessage(kind)
	app.Logger().Error(msg, "write", what, "error", err.Error())
	stdLog(msg + " [" + what + ": " + err.Error() + "]")
}

// registerDiskErrors turns a write refused by a full or read-only disk into a clear answer
// (507 Insufficient Storage for a full disk, 503 otherwise, RFC 4918 §11.5 / RFC 9110) and a
// log line, whichever path wrote: REST, MQTT channel posts, received faxes. SQLite rolls the
// transaction back and PocketBase deletes the files it had uploaded for the record, so nothing
// half-written stays; reads go on, and the next write simply tries again once there is space.
func registerDiskErrors(app core.App) {
	onErr := func(e *core.RecordErrorEvent) error {
		if k := DiskProblem(e.Error); k != "" {
			noteDiskProblem(e.App, k, e.Record.Collection().Name+" "+e.Type, e.Error)
		}
		return e.Next()
	}
	app.OnRecordAfterCreateError().BindFunc(onErr)
	app.OnRecordAfterUpdateError().BindFunc(onErr)
	app.OnRecordAfterDeleteError().BindFunc(onErr)
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{Id: "crisisroomDiskErrors", Func: func(e *core.ServeEvent) error {
		e.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id: "crisisroomDiskErrors",
			// Inside the panic recovery, outside everything that writes.
			Priority: apis.DefaultPanicRecoverMiddlewarePriority + 5,
			Func: func(re *core.RequestEvent) error {
				err := re.Next()
				k := DiskProblem(err)
				if k == "" {
					return err
				}
				if d := LastDiskProblem(); d.At.IsZero() || time.Since(d.At) > time.Second {
					noteDiskProblem(re.App, k, re.Request.Method+" "+re.Request.URL.Path, err)
				}
				status := http.StatusServiceUnavailable
				if k == DiskFull {
					status = http.StatusInsufficientStorage
				}
				return router.NewApiError(status, DiskMessage(k), nil)
			},
		})
		return e.Next()
	}})
}
