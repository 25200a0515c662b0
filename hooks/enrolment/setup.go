package enrolment

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	qrcode "github.com/skip2/go-qrcode"

	"crisisroom/apperr"
	"crisisroom/hooks"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// First start: no host organisation exists yet. The appliance prints a one-time link
// (and its QR code) to the terminal; whoever holds it creates the crisis staff and its
// first admin. The token lives in memory only: a restart prints a new one.
type setupState struct {
	mu    sync.Mutex
	token string
}

// SetupToken returns the current one-time setup token ("" when setup is done). Tests and
// the terminal banner use it.
var SetupToken func() string

func RegisterSetup(app core.App, cfg *hooks.Config) {
	st := &setupState{}
	SetupToken = func() string {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.token
	}

	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if tenancy.HostOrganisation(e.App) == nil {
			st.mu.Lock()
			st.token = randomHex(16)
			st.mu.Unlock()
			if !cfg.Quiet {
				printSetupBanner(*cfg, st.token)
			}
		}
		e.Router.GET("/api/crisisroom/setup", func(re *core.RequestEvent) error {
			return re.JSON(http.StatusOK, map[string]any{"needed": tenancy.HostOrganisation(re.App) == nil})
		})
		e.Router.POST("/api/crisisroom/setup", func(re *core.RequestEvent) error {
			return handleSetup(re, st)
		}).Bind(apis.BodyLimit(64 << 10))
		return e.Next()
	})
}

type setupRequest struct {
	Token        string `json:"token"`
	Organisation string `json:"organisation"`
	Short        string `json:"short"`
	Name         string `json:"name"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	Email        string `json:"email"`
}

func handleSetup(e *core.RequestEvent, st *setupState) error {
	var req setupRequest
	dec := json.NewDecoder(e.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_could_not_read", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if tenancy.HostOrganisation(e.App) != nil || st.token == "" {
		return apperr.Forbidden("enrolment.setup_already_done")
	}
	if subtle.ConstantTimeCompare([]byte(req.Token), []byte(st.token)) != 1 {
		audit.Write(e.App, audit.Entry{Action: "setup.refused", Data: map[string]any{"ip": e.RealIP()}})
		return apperr.Forbidden("enrolment.setup_link_not_valid")
	}
	if strings.TrimSpace(req.Organisation) == "" || strings.TrimSpace(req.Name) == "" {
		return apperr.BadRequest("enrolment.organisation_name_required")
	}
	if len(req.Password) < 10 {
		return apperr.BadRequest("enrolment.password_needs_least_characters")
	}

	var user *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		org, err := tenancy.NewOrganisation(tx, req.Organisation, req.Short, "host", "#b71c1c")
		if err != nil {
			return err
		}
		user, err = tenancy.NewUser(tx, req.Name, req.Username, req.Password, req.Email)
		if err != nil {
			return err
		}
		if _, err := tenancy.NewMembership(tx, user.Id, org.Id, "admin", "Leiter Stab", nil); err != nil {
			return err
		}
		if _, err := tenancy.NewChannel(tx, org.Id, "org", "Stab intern", "Interner Kanal des Krisenstabs", nil, user.Id); err != nil {
			return err
		}
		audit.Write(tx, audit.Entry{Actor: user, Action: "setup.done", Organisation: org.Id, Target: org.Id, Data: map[string]any{"organisation": org.GetString("name")}})
		return nil
	})
	if err != nil {
		return e.BadRequestError("Setup failed: "+err.Error(), err)
	}
	st.token = ""
	return apis.RecordAuthResponse(e, user, "password", nil)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness is gone: nothing is safe any more
	}
	return hex.EncodeToString(b)
}

func printSetupBanner(cfg hooks.Config, token string) {
	base := cfg.PublicURL
	if base == "" {
		base = "http://" + hooks.LinkHost(cfg.HTTPAddr)
	}
	link := base + "/setup.html#" + token
	fmt.Fprintf(os.Stderr, "\n  crisisroom: noch nicht eingerichtet / not set up yet\n")
	fmt.Fprintf(os.Stderr, "  Einrichtung (einmalig) / one-time setup:\n  %s\n\n", link)
	if q, err := qrcode.New(link, qrcode.Medium); err == nil {
		fmt.Fprintln(os.Stderr, q.ToSmallString(false))
	}
}
