package forms

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
)

// Function codes of the host's staff (THW DV 1-101; FwDV 100). A Verbindungsstelle of
// another organisation has the code "VB-<short>".
const (
	Leiter     = "Leiter"
	S2         = "S2"
	S3         = "S3"
	Sichter    = "Sichter"
	LdF        = "LdF" // Leiter Fernmeldebetrieb
	Fernmelder = "Fernmelder"
	ETB        = "ETB"
)

type fnDef struct{ code, name, kind string }

// hostFunctions are the functions every host staff has, in the order of the briefing
// round and the distribution boxes of the form (field 16).
var hostFunctions = []fnDef{
	{Leiter, "Leiter des Stabes", "leitung"},
	{"S1", "S1 Personal / Innerer Dienst", "stab"},
	{S2, "S2 Lage", "stab"},
	{S3, "S3 Einsatz", "stab"},
	{"S4", "S4 Versorgung", "stab"},
	{"S5", "S5 Presse- und Medienarbeit", "stab"},
	{"S6", "S6 Information und Kommunikation", "stab"},
	{Sichter, "Sichter", "sichter"},
	{LdF, "Leiter Fernmeldebetrieb", "fernmelde"},
	{Fernmelder, "Fernmelder", "fernmelde"},
	{ETB, "ETB-Führung", "etb"},
	{"FB", "Fachberater", "fachberater"},
}

// Function is one staff function as the routes show it.
type Function struct {
	Id         string   `json:"id"`
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	LiaisonOrg string   `json:"liaison_org,omitempty"`
	Holders    []Holder `json:"holders"`
}

// Holder is a person holding a function.
type Holder struct {
	Id   string `json:"id"`
	Name string `json:"name"`
}

func holdersOf(r *core.Record) []string {
	var ids []string
	_ = json.Unmarshal([]byte(r.GetString("holders")), &ids)
	return ids
}

// functionOrg is the organisation whose live staff may hold r: the liaison's own
// organisation for a Verbindungsstelle, else the host.
func functionOrg(r *core.Record) string {
	if o := r.GetString("liaison_org"); o != "" {
		return o
	}
	return r.GetString("organisation")
}

// EnsureFunctions creates the host's functions and one Verbindungsstelle per other
// organisation where missing. The first time (no function exists yet) it takes the
// holders from the free-text memberships.function of the existing people, so an
// appliance that kept "S2 Lage" in a membership keeps that person as S2. Idempotent.
func EnsureFunctions(app core.App) error {
	host := tenancy.HostOrganisation(app)
	if host == nil {
		return nil
	}
	coll, err := app.FindCachedCollectionByNameOrId("staff_functions")
	if err != nil {
		return err
	}
	existing, err := app.FindRecordsByFilter(coll, "organisation = {:h}", "", 0, 0, dbx.Params{"h": host.Id})
	if err != nil {
		return err
	}
	first := len(existing) == 0
	have := map[string]*core.Record{}
	for _, r := range existing {
		have[r.GetString("code")] = r
	}
	add := func(code, name, kind, liaison string, sort int) (*core.Record, error) {
		if r := have[code]; r != nil {
			return r, nil
		}
		r := core.NewRecord(coll)
		r.Load(map[string]any{"organisation": host.Id, "code": code, "name": name, "kind": kind, "liaison_org": liaison, "holders": []string{}, "sort": sort})
		if err := app.Save(r); err != nil {
			return nil, err
		}
		have[code] = r
		return r, nil
	}
	for i, f := range hostFunctions {
		if _, err := add(f.code, f.name, f.kind, "", i); err != nil {
			return err
		}
	}
	orgs, err := app.FindRecordsByFilter("organisations", `kind != "host"`, "name", 0, 0)
	if err != nil {
		return err
	}
	for i, o := range orgs {
		code := liaisonCode(o)
		if _, err := add(code, "Verbindungsstelle "+o.GetString("name"), "verbindung", o.Id, 100+i); err != nil {
			return err
		}
	}
	if !first {
		return nil
	}
	ms, err := app.FindRecordsByFilter("memberships", `function != "" && role != "guest"`, "", 0, 0)
	if err != nil {
		return err
	}
	for _, m := range ms {
		for _, code := range codesFromText(app, m, host.Id) {
			if r := have[code]; r != nil && functionOrg(r) == m.GetString("organisation") {
				ids := holdersOf(r)
				if !slices.Contains(ids, m.GetString("user")) {
					r.Set("holders", append(ids, m.GetString("user")))
					if err := app.Save(r); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func liaisonCode(o *core.Record) string {
	s := strings.ToUpper(strings.TrimSpace(o.GetString("short")))
	if s == "" {
		s = o.Id
	}
	return "VB-" + s
}

var (
	sRe       = regexp.MustCompile(`(?i)(^|[^\pL\d])S([1-6])([^\d]|$)`)
	leiterRe  = regexp.MustCompile(`(?i)^leiter(in)?( des)? stab|^leitung stab|^stabsleit`)
	liaisonRe = regexp.MustCompile(`(?i)verbindung`)
)

// codesFromText reads the function codes a free-text membership function names.
func codesFromText(app core.App, m *core.Record, hostId string) []string {
	f := m.GetString("function")
	var out []string
	if m.GetString("organisation") != hostId {
		if liaisonRe.MatchString(f) {
			if o, err := app.FindRecordById("organisations", m.GetString("organisation")); err == nil {
				out = append(out, liaisonCode(o))
			}
		}
		return out
	}
	if x := sRe.FindStringSubmatch(f); x != nil {
		out = append(out, "S"+x[2])
	}
	if leiterRe.MatchString(strings.TrimSpace(f)) {
		out = append(out, Leiter)
	}
	low := strings.ToLower(f)
	if strings.Contains(low, "sichter") {
		out = append(out, Sichter)
	}
	if strings.Contains(low, "fernmelder") {
		out = append(out, Fernmelder)
	}
	if journal.IsKeeperFunction(f) {
		out = append(out, ETB)
	}
	return out
}

// liveHolder: user holds r now: named among its holders and a live, non-guest member of
// the organisation the function belongs to (a function never outlives the membership).
func liveHolder(app core.App, r *core.Record, userId string) bool {
	return slices.Contains(holdersOf(r), userId) && tenancy.IsStaff(app, userId, functionOrg(r))
}

// functionsOf returns the staff functions the user holds now, by code.
func functionsOf(app core.App, userId string) map[string]*core.Record {
	out := map[string]*core.Record{}
	host := tenancy.HostOrganisation(app)
	if host == nil || userId == "" {
		return out
	}
	rows, err := app.FindRecordsByFilter("staff_functions", "organisation = {:h} && holders ~ {:u}", "sort", 0, 0,
		dbx.Params{"h": host.Id, "u": `"` + userId + `"`})
	if err != nil {
		return out
	}
	for _, r := range rows {
		if liveHolder(app, r, userId) {
			out[r.GetString("code")] = r
		}
	}
	return out
}

func allFunctions(app core.App) []*core.Record {
	host := tenancy.HostOrganisation(app)
	if host == nil {
		return nil
	}
	rows, _ := app.FindRecordsByFilter("staff_functions", "organisation = {:h}", "sort", 0, 0, dbx.Params{"h": host.Id})
	return rows
}

func functionByCode(app core.App, code string) *core.Record {
	for _, r := range allFunctions(app) {
		if r.GetString("code") == code {
			return r
		}
	}
	return nil
}

func functionById(app core.App, id string) *core.Record {
	host := tenancy.HostOrganisation(app)
	if host == nil || id == "" {
		return nil
	}
	r, err := app.FindRecordById("staff_functions", id)
	if err != nil || r.GetString("organisation") != host.Id {
		return nil
	}
	return r
}

func userName(app core.App, id string) string {
	u, err := app.FindRecordById("users", id)
	if err != nil {
		return ""
	}
	if n := u.GetString("name"); n != "" {
		return n
	}
	return u.GetString("username")
}

func viewFunction(app core.App, r *core.Record) Function {
	f := Function{Id: r.Id, Code: r.GetString("code"), Name: r.GetString("name"), Kind: r.GetString("kind"), LiaisonOrg: r.GetString("liaison_org"), Holders: []Holder{}}
	for _, id := range holdersOf(r) {
		if tenancy.IsStaff(app, id, functionOrg(r)) {
			f.Holders = append(f.Holders, Holder{id, userName(app, id)})
		}
	}
	return f
}

// mayAssign: who gives and takes functions: the host's admins and the holders of
// Leiter and S1 (personnel).
func mayAssign(app core.App, userId string) bool {
	host := tenancy.HostOrganisation(app)
	if host == nil {
		return false
	}
	if tenancy.RoleIn(app, userId, host.Id) == "admin" {
		return true
	}
	mine := functionsOf(app, userId)
	return mine[Leiter] != nil || mine["S1"] != nil
}

// mayAssignThis: beyond mayAssign, the host's admins alone give or take the Leiter
// function and a function of their own; S1 and Leiter holders give the other functions
// to others (so S1 cannot make himself head of staff or remove her).
func mayAssignThis(app core.App, by string, fn *core.Record, userId string) error {
	if host := tenancy.HostOrganisation(app); host != nil && tenancy.RoleIn(app, by, host.Id) == "admin" {
		return nil
	}
	if fn.GetString("code") == Leiter {
		return apperr.Forbidden("forms.head_of_staff_by_admins")
	}
	if userId == by {
		return apperr.Forbidden("forms.own_functions_by_admins")
	}
	return nil
}

var errNoFunction = apperr.NotFound("forms.function_not_found")

// SetHolder gives (add true) or takes the function fn to or from user, as by; the
// change is journaled in the host's Einsatztagebuch and audited. Errors: the person is
// not a live non-guest member of the function's organisation (400).
func SetHolder(app core.App, fn *core.Record, userId string, add bool, by *core.Record) error {
	if add && !tenancy.IsStaff(app, userId, functionOrg(fn)) {
		return apperr.BadRequest("forms.person_not_in_function_org")
	}
	return app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindRecordById("staff_functions", fn.Id)
		if err != nil {
			return err
		}
		ids := holdersOf(r)
		has := slices.Contains(ids, userId)
		if add == has {
			return nil
		}
		if add {
			ids = append(ids, userId)
		} else {
			ids = slices.DeleteFunc(ids, func(s string) bool { return s == userId })
		}
		r.Set("holders", ids)
		if err := tx.Save(r); err != nil {
			return err
		}
		verb := "übernimmt"
		if !add {
			verb = "gibt ab"
		}
		text := "Funktion " + r.GetString("name") + ": " + userName(tx, userId) + " " + verb + "."
		if err := journalWrite(tx, journal.Entry{Organisation: r.GetString("organisation"), Kind: "auto", Source: "membership", SourceID: r.Id, Author: by, Text: text}); err != nil {
			return err
		}
		audit.Write(tx, audit.Entry{Actor: by, Action: "staff_functions.holder", Organisation: r.GetString("organisation"), Target: r.Id,
			Data: map[string]any{"user": userId, "add": add}})
		return nil
	})
}

// journalWrite writes e, and is quiet when no operation is open: staff work goes on
// between operations, only without a journal.
func journalWrite(app core.App, e journal.Entry) error {
	if _, err := journal.Write(app, e); err != nil && !errors.Is(err, journal.ErrNoIncident) {
		return err
	}
	return nil
}

type holderBody struct {
	User   string `json:"user"`
	Remove bool   `json:"remove"`
}

// handleFunctions answers GET /api/crisisroom/functions: every function of the staff
// with its holders, and the caller's own ("mine", codes). For live non-guest members of
// any organisation (the staff and the liaison posts); others get 403.
func handleFunctions(e *core.RequestEvent) error {
	if !isStaffAnywhere(e.App, e.Auth.Id) {
		return apperr.Forbidden("forms.only_staff_see_functions")
	}
	_ = EnsureFunctions(e.App)
	out := []Function{}
	for _, r := range allFunctions(e.App) {
		out = append(out, viewFunction(e.App, r))
	}
	mine := []string{}
	for code := range functionsOf(e.App, e.Auth.Id) {
		mine = append(mine, code)
	}
	slices.Sort(mine)
	res := map[string]any{"functions": out, "mine": mine, "may_assign": mayAssign(e.App, e.Auth.Id)}
	if res["may_assign"] == true {
		res["people"] = candidates(e.App)
	}
	return e.JSON(200, res)
}

// handleHolder: POST /api/crisisroom/functions/{id}/holders {user, remove?} gives or
// takes a function (host admins, Leiter, S1; see mayAssignThis).
func handleHolder(e *core.RequestEvent) error {
	if !mayAssign(e.App, e.Auth.Id) {
		return apperr.Forbidden("forms.functions_given_by_head_s1_admins")
	}
	fn := functionById(e.App, e.Request.PathValue("id"))
	if fn == nil {
		return errNoFunction
	}
	var b holderBody
	if err := e.BindBody(&b); err != nil || b.User == "" {
		return apperr.New(http.StatusBadRequest, "forms.person_missing", err)
	}
	if err := mayAssignThis(e.App, e.Auth.Id, fn, b.User); err != nil {
		return err
	}
	if err := SetHolder(e.App, fn, b.User, !b.Remove, e.Auth); err != nil {
		return err
	}
	fn, _ = e.App.FindRecordById("staff_functions", fn.Id)
	return e.JSON(200, viewFunction(e.App, fn))
}

func isStaffAnywhere(app core.App, userId string) bool {
	ms, err := app.FindRecordsByFilter("memberships", `user = {:u} && role != "guest"`, "", 0, 0, dbx.Params{"u": userId})
	if err != nil {
		return false
	}
	for _, m := range ms {
		if tenancy.LiveMembership(app, m) {
			return true
		}
	}
	return false
}

// candidates: for whoever gives functions, the people who may hold them, by
// organisation id: the live non-guest members of the host and of each liaison's
// organisation.
func candidates(app core.App) map[string][]Holder {
	out := map[string][]Holder{}
	ms, err := app.FindRecordsByFilter("memberships", `role != "guest"`, "", 0, 0)
	if err != nil {
		return out
	}
	for _, m := range ms {
		if !tenancy.LiveMembership(app, m) {
			continue
		}
		o := m.GetString("organisation")
		out[o] = append(out[o], Holder{m.GetString("user"), userName(app, m.GetString("user"))})
	}
	for o := range out {
		slices.SortFunc(out[o], func(a, b Holder) int { return strings.Compare(a.Name, b.Name) })
	}
	return out
}
