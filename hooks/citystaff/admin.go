package citystaff

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/hooks/tenancy"
)

// jsonDecoder reads a body that must hold only known fields.
func jsonDecoder(e *core.RequestEvent) *json.Decoder {
	d := json.NewDecoder(e.Request.Body)
	d.DisallowUnknownFields()
	return d
}

func isStaff(app core.App, userId, org string) bool { return tenancy.IsStaff(app, userId, org) }

func isAdmin(app core.App, userId, org string) bool {
	return tenancy.RoleIn(app, userId, org) == "admin"
}

// orgAdmin: the signed-in person is a live admin of org, and org is not the host (the
// crisis staff runs the room, not a city's staff matters).
func orgAdmin(e *core.RequestEvent, org string) error {
	if org == "" || !isAdmin(e.App, e.Auth.Id, org) {
		return errNotFound
	}
	o, err := e.App.FindRecordById("organisations", org)
	if err != nil {
		return errNotFound
	}
	if o.GetString("kind") == "host" {
		return errNotCity
	}
	return nil
}

// handleGetSettings shows the organisation's admins the modules' settings (also before
// they are switched on: then the defaults).
func (m *module) handleGetSettings(e *core.RequestEvent) error {
	org := e.Request.URL.Query().Get("org")
	if err := orgAdmin(e, org); err != nil {
		return err
	}
	out := map[string]any{"organisation": org, "zemag": false, "complaints": false, "review_months": DefaultReviewMonths,
		"interim_days": DefaultInterimDays, "result_days": DefaultResultDays}
	if r := settingsOf(e.App, org); r != nil {
		for _, f := range []string{"zemag", "complaints"} {
			out[f] = r.GetBool(f)
		}
		for _, f := range []string{"review_months", "interim_days", "result_days"} {
			out[f] = r.GetInt(f)
		}
		for _, f := range []string{"city", "complaint_office", "complaint_address", "complaint_phone", "complaint_email", "complaint_url", "zks_address", "dpo_address"} {
			out[f] = r.GetString(f)
		}
	}
	return e.JSON(200, out)
}

type settingsBody struct {
	Organisation     string  `json:"organisation"`
	ZeMAG            *bool   `json:"zemag"`
	Complaints       *bool   `json:"complaints"`
	ReviewMonths     *int    `json:"review_months"`
	InterimDays      *int    `json:"interim_days"`
	ResultDays       *int    `json:"result_days"`
	City             *string `json:"city"`
	ComplaintOffice  *string `json:"complaint_office"`
	ComplaintAddress *string `json:"complaint_address"`
	ComplaintPhone   *string `json:"complaint_phone"`
	ComplaintEmail   *string `json:"complaint_email"`
	ComplaintURL     *string `json:"complaint_url"`
	ZKSAddress       *string `json:"zks_address"`
	DPOAddress       *string `json:"dpo_address"`
}

// handleSettings switches the modules on or off for an organisation and sets their
// options; only the organisation's own admins do (not the host's).
func (m *module) handleSettings(e *core.RequestEvent) error {
	var b settingsBody
	if err := jsonDecoder(e).Decode(&b); err != nil {
		return errBody
	}
	if err := orgAdmin(e, b.Organisation); err != nil {
		return err
	}
	r, err := SetSettings(e.App, b.Organisation, b)
	if err != nil {
		return errBody
	}
	_ = journal(e.App, b.Organisation, "roles", e.Auth, "settings", r.Id, fmt.Sprintf("ZeMAG %v, Beschwerden %v, Prüffrist %d Monate", r.GetBool("zemag"), r.GetBool("complaints"), r.GetInt("review_months")))
	return e.JSON(200, map[string]any{"zemag": r.GetBool("zemag"), "complaints": r.GetBool("complaints"), "review_months": r.GetInt("review_months")})
}

// SetSettings creates or changes the module settings of org; nil fields stay as they are.
func SetSettings(app core.App, org string, b settingsBody) (*core.Record, error) {
	r := settingsOf(app, org)
	if r == nil {
		c, err := app.FindCollectionByNameOrId("citystaff_modules")
		if err != nil {
			return nil, err
		}
		r = core.NewRecord(c)
		r.Set("organisation", org)
		r.Set("review_months", DefaultReviewMonths)
		r.Set("interim_days", DefaultInterimDays)
		r.Set("result_days", DefaultResultDays)
	}
	setB := func(f string, v *bool) {
		if v != nil {
			r.Set(f, *v)
		}
	}
	setI := func(f string, v *int) {
		if v != nil {
			r.Set(f, *v)
		}
	}
	setS := func(f string, v *string, max int) {
		if v != nil {
			r.Set(f, clean(*v, max))
		}
	}
	setB("zemag", b.ZeMAG)
	setB("complaints", b.Complaints)
	setI("review_months", b.ReviewMonths)
	setI("interim_days", b.InterimDays)
	setI("result_days", b.ResultDays)
	setS("city", b.City, 200)
	setS("complaint_office", b.ComplaintOffice, 200)
	setS("complaint_address", b.ComplaintAddress, 500)
	setS("complaint_phone", b.ComplaintPhone, 60)
	setS("complaint_email", b.ComplaintEmail, 200)
	setS("complaint_url", b.ComplaintURL, 300)
	setS("zks_address", b.ZKSAddress, 500)
	setS("dpo_address", b.DPOAddress, 500)
	return r, app.Save(r)
}

type rolesBody struct {
	Organisation string   `json:"organisation"`
	User         string   `json:"user"`
	Roles        []string `json:"roles"`
	Supervisor   string   `json:"supervisor"`
	Department   string   `json:"department"`
}

// handleRoles gives a person of the organisation roles, a direct supervisor and a
// department; only the organisation's own admins do, and every change is logged for the
// data-protection officer.
func (m *module) handleRoles(e *core.RequestEvent) error {
	var b rolesBody
	if err := jsonDecoder(e).Decode(&b); err != nil {
		return errBody
	}
	if err := orgAdmin(e, b.Organisation); err != nil {
		return err
	}
	if settingsOf(e.App, b.Organisation) == nil {
		return errNotFound
	}
	r, err := SetRoles(e.App, b.Organisation, b.User, b.Roles, b.Supervisor, b.Department)
	if err != nil {
		return err
	}
	_ = journal(e.App, b.Organisation, "roles", e.Auth, "roles", b.User, fmt.Sprintf("%s: Rollen %s, Vorgesetzte(r) %s, %s", userName(e.App, b.User), strings.Join(r.GetStringSlice("roles"), ","), userName(e.App, b.Supervisor), r.GetString("department")))
	return e.JSON(200, map[string]any{"user": b.User, "roles": r.GetStringSlice("roles"), "supervisor": r.GetString("supervisor"), "department": r.GetString("department")})
}

// SetRoles writes the role row of user in org. user and supervisor must be live staff
// of org, and nobody supervises themselves.
func SetRoles(app core.App, org, user string, roles []string, supervisor, department string) (*core.Record, error) {
	if !IsStaffOf(app, user, org) || (supervisor != "" && (supervisor == user || !IsStaffOf(app, supervisor, org))) {
		return nil, errBadPerson
	}
	for _, x := range roles {
		if !slices.Contains([]string{RoleZKS, RoleLookup, RoleDPO, RoleComplaints, RoleLegal}, x) {
			return nil, errBody
		}
	}
	r := roleRow(app, org, user)
	if r == nil {
		c, err := app.FindCollectionByNameOrId("citystaff_roles")
		if err != nil {
			return nil, err
		}
		r = core.NewRecord(c)
		r.Set("organisation", org)
		r.Set("user", user)
	}
	r.Set("roles", roles)
	r.Set("supervisor", supervisor)
	r.Set("department", clean(department, 200))
	return r, app.Save(r)
}

// handlePeople lists the organisation's staff for the modules' pickers (name and
// department); the organisation's admins and the data-protection officer also see roles
// and supervisors.
func (m *module) handlePeople(e *core.RequestEvent) error {
	a, err := accessTo(e, e.Request.URL.Query().Get("org"), "")
	if err != nil {
		return err
	}
	full := a.has(RoleDPO) || isAdmin(e.App, a.user.Id, a.org)
	mems, err := e.App.FindRecordsByFilter("memberships", "organisation = {:o} && role != 'guest'", "", 0, 0, dbx.Params{"o": a.org})
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, mem := range mems {
		u := mem.GetString("user")
		if !tenancy.LiveMembership(e.App, mem) {
			continue
		}
		p := map[string]any{"id": u, "name": userName(e.App, u), "department": ""}
		if row := roleRow(e.App, a.org, u); row != nil {
			p["department"] = row.GetString("department")
			if full {
				p["roles"] = row.GetStringSlice("roles")
				p["supervisor"] = row.GetString("supervisor")
			}
		}
		out = append(out, p)
	}
	return e.JSON(200, map[string]any{"items": out})
}

// remind raises the banners that fall due with time: interim notices of complaint cases
// not sent by their date (complaint management), entries past their review date (ZKS).
// Each is raised once (citystaff_alerts is unique per person, kind and record).
func (m *module) remind(app core.App) {
	now := types.NowDateTime()
	mods, _ := app.FindRecordsByFilter("citystaff_modules", "complaints = true || zemag = true", "", 0, 0, nil)
	for _, s := range mods {
		org := s.GetString("organisation")
		if s.GetBool("complaints") {
			cases, _ := app.FindRecordsByFilter("complaint_cases",
				"organisation = {:o} && interim_sent_at = '' && due_interim < {:n} && status != 'decided' && status != 'closed'", "", 0, 0, dbx.Params{"o": org, "n": now.String()})
			for _, c := range cases {
				m.alert(app, org, holders(app, org, RoleComplaints), "interim_due", c.Id,
					"Beschwerde "+c.GetString("number")+": Zwischennachricht ist fällig. / The interim notice is due.")
			}
		}
		if s.GetBool("zemag") {
			entries, _ := app.FindRecordsByFilter("zemag_entries", "organisation = {:o} && status = 'active' && review_at < {:n}", "", 0, 0, dbx.Params{"o": org, "n": now.String()})
			for _, en := range entries {
				m.alert(app, org, holders(app, org, RoleZKS), "review_due", en.Id, "ZeMAG: Ein Eintrag ist zur Prüfung fällig. / An entry is due for review.")
			}
		}
	}
}

// Remind runs the reminders once now (the cron runs them every minute).
func Remind(app core.App) { (&module{}).remind(app) }
