// Package citystaff holds two modules a city administration runs for its own people on
// its tenant of the appliance: the threat register ZeMAG ("Zentrales Melde- und
// Auskunftssystem bei Gefährdungen von Mitarbeitenden", Cologne since 2020, kept by the
// Zentrum für Kriminalprävention und Sicherheit, ZKS) and the complaint procedure of the
// public-order service. Both are enabled per organisation (citystaff_modules) and are
// invisible to every other tenant, the host included: their collections have no API
// rules, the records API and realtime refuse them even to superusers (seal.go), and
// every read and write goes through the routes here, which check the roles of the
// organisation's own people (citystaff_roles: ZKS, lookup, data-protection officer,
// complaint management, legal office; each person's direct supervisor).
//
// The register holds personal data of third persons. It has no specific legal basis
// yet (Behörden Spiegel on Cologne's ZeMAG): the appliance supports the city's
// data-protection decision, it does not replace it (README).
package citystaff

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// Roles a person can hold in an organisation's modules (citystaff_roles.roles).
const (
	RoleZKS        = "zks"        // Zentrum für Kriminalprävention und Sicherheit (prevention centre): reviews reports, keeps the register
	RoleLookup     = "lookup"     // may look a person up, case by case
	RoleDPO        = "dpo"        // Datenschutzbeauftragte(r): reads the lookup log and the module log
	RoleComplaints = "complaints" // Beschwerdemanagement: runs complaint cases
	RoleLegal      = "legal"      // Rechtsamt: gives opinions in hard cases
)

// Module names (citystaff_modules fields, citystaff_log.module).
const (
	ModuleZeMAG      = "zemag"
	ModuleComplaints = "complaints"
)

// Defaults of a module's settings when the organisation left them empty.
const (
	DefaultReviewMonths = 24 // an entry is reviewed two years after it was made
	DefaultInterimDays  = 14 // the interim notice of a complaint is due after two weeks
	DefaultResultDays   = 42 // the result of a complaint is due after six weeks
)

// Config holds the module's options.
type Config struct {
	// SendSMS, when set, also texts the reporter's supervisor and the ZKS about a new
	// report (the banner is always shown). userId is a users record id; text is short,
	// without personal data of the person reported. Nil: banners only. The alerting
	// gateway of the appliance plugs in here.
	SendSMS func(app core.App, userId, text string) error
	// Now is the clock (tests move it); nil is time.Now.
	Now func() time.Time
}

type module struct {
	cfg Config
}

func (m *module) now() time.Time {
	if m.cfg.Now != nil {
		return m.cfg.Now()
	}
	return time.Now()
}

// Register binds both modules to app: the seal on their collections, the routes under
// /api/crisisroom/zemag, /complaints and /citystaff, and the minutely reminders (interim
// notices due, entries due for review). cfg may be nil.
func Register(app core.App, cfg *Config) {
	m := &module{}
	if cfg != nil {
		m.cfg = *cfg
	}
	seal(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/crisisroom")
		g.Bind(apis.RequireAuth("users"))
		g.GET("/citystaff/me", m.handleMe)
		g.POST("/citystaff/alerts/{id}/seen", m.handleAlertSeen)
		g.GET("/citystaff/log", m.handleLog)
		g.GET("/citystaff/settings", m.handleGetSettings)
		g.PUT("/citystaff/settings", m.handleSettings)
		g.PUT("/citystaff/roles", m.handleRoles)
		g.GET("/citystaff/people", m.handlePeople)

		g.POST("/zemag/reports", m.handleReport)
		g.GET("/zemag/reports", m.handleReports)
		g.POST("/zemag/reports/{id}/review", m.handleReview)
		g.GET("/zemag/entries", m.handleEntries)
		g.POST("/zemag/entries/{id}/extend", m.handleExtend)
		g.POST("/zemag/entries/{id}/delete", m.handleDeleteEntry)
		g.POST("/zemag/entries/{id}/notice", m.handleNoticeSent)
		g.GET("/zemag/entries/{id}/letter", m.handleLetter)
		g.POST("/zemag/lookup", m.handleLookup)
		g.GET("/zemag/lookups", m.handleLookups)
		g.GET("/zemag/stats", m.handleStats)
		g.GET("/zemag/stats.svg", m.handleStatsSVG)

		g.POST("/complaints", m.handleIntake)
		g.GET("/complaints", m.handleCases)
		g.POST("/complaints/{id}/{step}", m.handleStep)
		g.GET("/complaints/{id}/letter", m.handleCaseLetter)
		g.GET("/complaints/card", m.handleCard)
		return se.Next()
	})
	app.Cron().MustAdd("citystaff_reminders", "* * * * *", func() { m.remind(app) })
}

// Errors users see. Everything outside the modules answers "not found": a person who
// holds no role must not learn whether a register, a case or a person exists.
var (
	errNotFound  = apperr.NotFound("citystaff.not_found")
	errRole      = apperr.Forbidden("citystaff.role_missing")
	errBody      = apperr.BadRequest("citystaff.data_incomplete")
	errNotCity   = apperr.BadRequest("citystaff.not_a_city")
	errBadPerson = apperr.BadRequest("citystaff.person_not_on_staff")
)

// access is what the signed-in person may do in one organisation's modules.
type access struct {
	app      core.App
	user     *core.Record
	org      string
	settings *core.Record
	row      *core.Record // citystaff_roles of the user (nil: a plain employee)
}

func (a *access) has(role string) bool {
	return a.row != nil && slices.Contains(a.row.GetStringSlice("roles"), role)
}

// enabled tells whether module is switched on for the organisation.
func (a *access) enabled(module string) bool { return a.settings != nil && a.settings.GetBool(module) }

// supervises: the signed-in person is the direct supervisor of userId.
func (a *access) supervises(userId string) bool {
	r := roleRow(a.app, a.org, userId)
	return r != nil && r.GetString("supervisor") == a.user.Id
}

func (a *access) months() int {
	if n := a.settings.GetInt("review_months"); n > 0 {
		return n
	}
	return DefaultReviewMonths
}

// accessTo returns the person's access to org's module, or errNotFound when the person
// is not a live non-guest member of org or the module is off there.
func accessTo(e *core.RequestEvent, org, module string) (*access, error) {
	if e.Auth == nil || e.Auth.Collection().Name != "users" || org == "" {
		return nil, errNotFound
	}
	if !tenancy.IsStaff(e.App, e.Auth.Id, org) {
		return nil, errNotFound
	}
	s := settingsOf(e.App, org)
	if s == nil || (module != "" && !s.GetBool(module)) {
		return nil, errNotFound
	}
	return &access{app: e.App, user: e.Auth, org: org, settings: s, row: roleRow(e.App, org, e.Auth.Id)}, nil
}

func settingsOf(app core.App, org string) *core.Record {
	r, err := app.FindFirstRecordByFilter("citystaff_modules", "organisation = {:o}", dbx.Params{"o": org})
	if err != nil {
		return nil
	}
	return r
}

func roleRow(app core.App, org, user string) *core.Record {
	if org == "" || user == "" {
		return nil
	}
	r, err := app.FindFirstRecordByFilter("citystaff_roles", "organisation = {:o} && user = {:u}", dbx.Params{"o": org, "u": user})
	if err != nil {
		return nil
	}
	return r
}

// holders lists the live staff of org holding role.
func holders(app core.App, org, role string) []string {
	rows, _ := app.FindRecordsByFilter("citystaff_roles", "organisation = {:o} && roles ~ {:r}", "", 0, 0, dbx.Params{"o": org, "r": role})
	var out []string
	for _, r := range rows {
		if slices.Contains(r.GetStringSlice("roles"), role) && tenancy.IsStaff(app, r.GetString("user"), org) {
			out = append(out, r.GetString("user"))
		}
	}
	return out
}

func userName(app core.App, id string) string {
	if id == "" {
		return ""
	}
	u, err := app.FindRecordById("users", id)
	if err != nil {
		return ""
	}
	if n := u.GetString("name"); n != "" {
		return n
	}
	return u.GetString("username")
}

// journal appends one line to the modules' own log (citystaff_log, append-only). It
// never holds the name, birth date or address of a person in the register: it names
// records by id, so deleting an entry's personal data leaves a log without it.
func journal(app core.App, org, module string, actor *core.Record, action, target, text string) error {
	c, err := app.FindCollectionByNameOrId("citystaff_log")
	if err != nil {
		return err
	}
	r := core.NewRecord(c)
	r.Set("organisation", org)
	r.Set("module", module)
	r.Set("at", types.NowDateTime())
	if actor != nil {
		r.Set("actor", actor.Id)
		r.Set("actor_name", userName(app, actor.Id))
	}
	r.Set("action", action)
	r.Set("target", target)
	r.Set("text", text)
	return app.Save(r)
}

// alert shows a banner to each of users (once per kind and target) and tells their open
// connections to fetch it. It returns the users it newly alerted.
func (m *module) alert(app core.App, org string, users []string, kind, target, text string) []string {
	c, err := app.FindCollectionByNameOrId("citystaff_alerts")
	if err != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, u := range users {
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		if _, err := app.FindFirstRecordByFilter("citystaff_alerts", "user = {:u} && kind = {:k} && target = {:t}", dbx.Params{"u": u, "k": kind, "t": target}); err == nil {
			continue
		}
		r := core.NewRecord(c)
		r.Set("organisation", org)
		r.Set("user", u)
		r.Set("kind", kind)
		r.Set("target", target)
		r.Set("text", text)
		if err := app.Save(r); err != nil {
			app.Logger().Warn("citystaff alert not saved", "kind", kind, "error", err)
			continue
		}
		out = append(out, u)
	}
	notify(app, out)
	return out
}

// resolve marks every open banner of these kinds about target as seen: its cause is done.
func resolve(app core.App, target string, kinds ...string) {
	for _, k := range kinds {
		rows, _ := app.FindRecordsByFilter("citystaff_alerts", "target = {:t} && kind = {:k} && seen_at = ''", "", 0, 0, dbx.Params{"t": target, "k": k})
		for _, r := range rows {
			r.Set("seen_at", types.NowDateTime())
			if err := app.Save(r); err != nil {
				app.Logger().Warn("citystaff alert not resolved", "error", err)
			}
		}
	}
}

// RealtimeTopic is the realtime subscription on which a signed-in person hears that a
// banner of the modules waits ({"action":"alert"}); the banner itself is fetched from
// GET /api/crisisroom/citystaff/me, so the event carries nothing.
const RealtimeTopic = "citystaff/alerts"

func notify(app core.App, users []string) {
	if len(users) == 0 {
		return
	}
	want := map[string]bool{}
	for _, u := range users {
		want[u] = true
	}
	data, _ := json.Marshal(map[string]string{"action": "alert"})
	for _, c := range app.SubscriptionsBroker().Clients() {
		if !c.HasSubscription(RealtimeTopic) {
			continue
		}
		auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
		if auth == nil || auth.Collection().Name != "users" || !want[auth.Id] {
			continue
		}
		c.Send(subscriptions.Message{Name: RealtimeTopic, Data: data})
	}
}

// readJSON decodes the request body into v; a body of another shape (a list where one
// value is wanted) is refused whole.
func readJSON(e *core.RequestEvent, v any) error {
	dec := json.NewDecoder(e.Request.Body)
	if err := dec.Decode(v); err != nil {
		return errBody
	}
	return nil
}

func clean(s string, max int) string {
	s = strings.TrimSpace(s)
	if len([]rune(s)) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

func (m *module) handleAlertSeen(e *core.RequestEvent) error {
	r, err := e.App.FindRecordById("citystaff_alerts", e.Request.PathValue("id"))
	if err != nil || r.GetString("user") != e.Auth.Id {
		return errNotFound
	}
	if r.GetDateTime("seen_at").IsZero() {
		r.Set("seen_at", types.NowDateTime())
		if err := e.App.Save(r); err != nil {
			return err
		}
	}
	return e.JSON(200, map[string]any{"ok": true})
}

// handleMe answers the organisations in which the person takes part in a module, with
// their roles and open banners; for everybody else an empty list.
func (m *module) handleMe(e *core.RequestEvent) error {
	out := []map[string]any{}
	mems, _ := e.App.FindRecordsByFilter("memberships", "user = {:u}", "", 0, 0, dbx.Params{"u": e.Auth.Id})
	for _, mem := range mems {
		org := mem.GetString("organisation")
		a, err := accessTo(e, org, "")
		if err != nil || (!a.enabled(ModuleZeMAG) && !a.enabled(ModuleComplaints)) {
			continue
		}
		roles := []string{}
		if a.row != nil {
			roles = a.row.GetStringSlice("roles")
		}
		staff, _ := e.App.FindRecordsByFilter("citystaff_roles", "organisation = {:o} && supervisor = {:u}", "", 0, 0, dbx.Params{"o": org, "u": e.Auth.Id})
		alerts := []map[string]any{}
		rows, _ := e.App.FindRecordsByFilter("citystaff_alerts", "user = {:u} && organisation = {:o} && seen_at = ''", "-created", 50, 0, dbx.Params{"u": e.Auth.Id, "o": org})
		for _, r := range rows {
			alerts = append(alerts, map[string]any{"id": r.Id, "kind": r.GetString("kind"), "target": r.GetString("target"), "text": r.GetString("text"), "created": r.GetDateTime("created")})
		}
		out = append(out, map[string]any{
			"organisation": org, "zemag": a.enabled(ModuleZeMAG), "complaints": a.enabled(ModuleComplaints),
			"roles": roles, "supervisor": len(staff) > 0, "admin": mem.GetString("role") == "admin", "alerts": alerts,
			"department": func() string {
				if a.row != nil {
					return a.row.GetString("department")
				}
				return ""
			}(),
		})
	}
	return e.JSON(200, map[string]any{"modules": out})
}
