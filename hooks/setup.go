package hooks

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	qrcode "github.com/skip2/go-qrcode"
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

func registerSetup(app core.App, cfg *Config) {
	st := &setupState{}
	SetupToken = func() string {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.token
	}

	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if HostOrganisation(e.App) == nil {
			st.mu.Lock()
			st.token = randomHex(16)
			st.mu.Unlock()
			if !cfg.Quiet {
				printSetupBanner(*cfg, st.token)
			}
		}
		e.Router.GET("/api/crisisroom/setup", func(re *core.RequestEvent) error {
			return re.JSON(http.StatusOK, map[string]any{"needed": HostOrganisation(re.App) == nil})
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
		return e.BadRequestError("Die Anfrage ist unlesbar / The request could not be read: "+err.Error(), nil)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if HostOrganisation(e.App) != nil || st.token == "" {
		return e.ForbiddenError("Setup is already done. / Die Einrichtung ist bereits abgeschlossen.", nil)
	}
	if subtle.ConstantTimeCompare([]byte(req.Token), []byte(st.token)) != 1 {
		Audit(e.App, AuditEntry{Action: "setup.refused", Data: map[string]any{"ip": e.RealIP()}})
		return e.ForbiddenError("Der Einrichtungslink ist ungültig. Bitte den im Terminal angezeigten Link verwenden. / The setup link is not valid. Use the link printed in the terminal.", nil)
	}
	if strings.TrimSpace(req.Organisation) == "" || strings.TrimSpace(req.Name) == "" {
		return e.BadRequestError("Organisation und Name sind Pflichtfelder. / Organisation and name are required.", nil)
	}
	if len(req.Password) < 10 {
		return e.BadRequestError("Das Passwort braucht mindestens 10 Zeichen. / The password needs at least 10 characters.", nil)
	}

	var user *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		org, err := NewOrganisation(tx, req.Organisation, req.Short, "host", "#b71c1c")
		if err != nil {
			return err
		}
		user, err = NewUser(tx, req.Name, req.Username, req.Password, req.Email)
		if err != nil {
			return err
		}
		if _, err := NewMembership(tx, user.Id, org.Id, "admin", "Leiter Stab", nil); err != nil {
			return err
		}
		if _, err := NewChannel(tx, org.Id, "org", "Stab intern", "Interner Kanal des Krisenstabs", nil, user.Id); err != nil {
			return err
		}
		Audit(tx, AuditEntry{Actor: user, Action: "setup.done", Organisation: org.Id, Target: org.Id, Data: map[string]any{"organisation": org.GetString("name")}})
		return nil
	})
	if err != nil {
		return e.BadRequestError("Setup failed: "+err.Error(), err)
	}
	st.token = ""
	return apis.RecordAuthResponse(e, user, "password", nil)
}

// NewOrganisation creates a tenant.
func NewOrganisation(app core.App, name, short, kind, color string) (*core.Record, error) {
	coll, err := app.FindCachedCollectionByNameOrId("organisations")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("name", strings.TrimSpace(name))
	if short == "" {
		// A short name nobody chose must not make the organisation fail to exist:
		// when the abbreviation reads like another's, number it.
		base := abbreviate(name)
		short = base
		for i := 2; i < 100 && shortTaken(app, short); i++ {
			short = fmt.Sprintf("%s%d", base, i)
		}
	}
	r.Set("short", short)
	r.Set("kind", kind)
	r.Set("status", "active")
	r.Set("color", color)
	return r, app.Save(r)
}

// NewUser creates a person's account; email may be empty.
func NewUser(app core.App, name, username, password, email string) (*core.Record, error) {
	coll, err := app.FindCachedCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("name", strings.TrimSpace(name))
	r.Set("username", strings.TrimSpace(username))
	r.Set("email", strings.TrimSpace(email))
	r.Set("locale", "de")
	r.SetPassword(password)
	return r, app.Save(r)
}

// NewMembership adds user to org with role; expires may be nil.
func NewMembership(app core.App, userId, orgId, role, function string, expires any) (*core.Record, error) {
	coll, err := app.FindCachedCollectionByNameOrId("memberships")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("user", userId)
	r.Set("organisation", orgId)
	r.Set("role", role)
	r.Set("function", function)
	if expires != nil {
		r.Set("expires", expires)
	}
	return r, app.Save(r)
}

// NewChannel creates a channel and makes its creator the owner.
func NewChannel(app core.App, orgId, kind, name, topic string, participants []string, creator string) (*core.Record, error) {
	coll, err := app.FindCachedCollectionByNameOrId("channels")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("organisation", orgId)
	r.Set("kind", kind)
	r.Set("name", name)
	r.Set("topic", topic)
	r.Set("organisations", participants)
	if creator != "" {
		r.Set("created_by", creator)
	}
	if err := app.Save(r); err != nil {
		return nil, err
	}
	if creator != "" {
		addChannelMember(app, r.Id, creator, "owner", nil)
	}
	return r, nil
}

func abbreviate(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		for _, c := range w {
			b.WriteRune(c)
			break
		}
		if b.Len() >= 6 {
			break
		}
	}
	return strings.ToUpper(b.String())
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness is gone: nothing is safe any more
	}
	return hex.EncodeToString(b)
}

func printSetupBanner(cfg Config, token string) {
	base := cfg.PublicURL
	if base == "" {
		base = "http://" + LinkHost(cfg.HTTPAddr)
	}
	link := base + "/setup.html#" + token
	fmt.Fprintf(os.Stderr, "\n  crisisroom: noch nicht eingerichtet / not set up yet\n")
	fmt.Fprintf(os.Stderr, "  Einrichtung (einmalig) / one-time setup:\n  %s\n\n", link)
	if q, err := qrcode.New(link, qrcode.Medium); err == nil {
		fmt.Fprintln(os.Stderr, q.ToSmallString(false))
	}
}

// LinkHost turns a listen address into one a person can type: the first LAN address
// for a wildcard host, and the port unchanged.
func LinkHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
		if ips := LANAddresses(); len(ips) > 0 {
			host = ips[0].String()
		}
	}
	return net.JoinHostPort(host, port)
}

// LANAddresses lists the machine's non-loopback unicast IPv4 addresses.
func LANAddresses() []net.IP {
	var out []net.IP
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil && !ipn.IP.IsLinkLocalUnicast() {
			out = append(out, ipn.IP)
		}
	}
	return out
}

// shortTaken reports whether short reads like another organisation's short or name.
func shortTaken(app core.App, short string) bool {
	o, _ := orgLike(app, short, "")
	return o != nil
}
