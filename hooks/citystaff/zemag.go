package citystaff

import (
	"bytes"
	"crisisroom/apperr"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Categories of an attack, in the words of the Aachener Modell's examples.
var Categories = []string{
	"insult", "verbal", "objects", "scuffle", "violence", "threat", "coercion", "damage",
	"harassment", "weapon", "bomb", "rampage", "hostage", "robbery", "other",
}

// Report statuses, in the order of the ZKS review.
const (
	StatusReported       = "reported"
	StatusChecked        = "checked"
	StatusComplaintFiled = "complaint_filed"
	StatusEntered        = "entered"
	StatusNotEntered     = "not_entered"
)

var (
	errLevel        = apperr.BadRequest("citystaff.level_out_of_range")
	errCategory     = apperr.BadRequest("citystaff.unknown_category")
	errReportFields = apperr.BadRequest("citystaff.report_fields_missing")
	errStep         = apperr.BadRequest("citystaff.step_does_not_fit_state")
	errFileNo       = apperr.BadRequest("citystaff.complaint_file_number_missing")
	errBelow2       = apperr.BadRequest("citystaff.level_below_2")
	errNotStaff     = apperr.BadRequest("citystaff.only_attacks_on_own_staff")
	errOtherAuth    = apperr.BadRequest("citystaff.no_data_of_other_authorities")
	errGuidance     = apperr.BadRequest("citystaff.guidance_missing")
	errReason       = apperr.BadRequest("citystaff.reason_missing")
	errPersonName   = apperr.BadRequest("citystaff.full_name_needed")
	errPersonDOB    = apperr.BadRequest("citystaff.full_date_of_birth_needed")
	errEntryGone    = apperr.BadRequest("citystaff.entry_deleted")
)

type reportBody struct {
	Organisation       string `json:"organisation"`
	ClientKey          string `json:"client_key"`
	OccurredAt         string `json:"occurred_at"`
	Place              string `json:"place"`
	Department         string `json:"department"`
	What               string `json:"what"`
	Level              *int   `json:"level"`
	Category           string `json:"category"`
	PersonName         string `json:"person_name"`
	PersonDOB          string `json:"person_dob"`
	PersonAddress      string `json:"person_address"`
	Witnesses          string `json:"witnesses"`
	Injuries           string `json:"injuries"`
	PoliceFile         string `json:"police_file"`
	VictimNotCityStaff bool   `json:"victim_not_city_staff"`
	OtherAuthority     bool   `json:"other_authority"`
}

// parseWhen reads a time from a form (RFC 3339, or "2006-01-02T15:04" in local time).
func parseWhen(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	if t, err := types.ParseDateTime(s); err == nil && !t.IsZero() {
		return t.Time(), true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, time.Local); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// handleReport files a report of an attack. Any employee of the organisation reports;
// the same client_key from the same person answers the first report (the phone's outbox
// may send it twice). The reporter's direct supervisor and the ZKS get a banner at once.
func (m *module) handleReport(e *core.RequestEvent) error {
	var b reportBody
	if err := readJSON(e, &b); err != nil {
		return err
	}
	a, err := accessTo(e, b.Organisation, ModuleZeMAG)
	if err != nil {
		return err
	}
	key := clean(b.ClientKey, 64)
	if key != "" {
		if r, err := e.App.FindFirstRecordByFilter("zemag_reports", "reporter = {:u} && client_key = {:k}", dbx.Params{"u": a.user.Id, "k": key}); err == nil {
			return e.JSON(200, reportJSON(e.App, r))
		}
	}
	when, ok := parseWhen(b.OccurredAt)
	if !ok || strings.TrimSpace(b.Place) == "" || strings.TrimSpace(b.What) == "" || when.After(m.now().Add(time.Hour)) {
		return errReportFields
	}
	if b.Level == nil || *b.Level < 0 || *b.Level > 3 {
		return errLevel
	}
	if b.Category != "" && !slices.Contains(Categories, b.Category) {
		return errCategory
	}
	dob := ""
	if strings.TrimSpace(b.PersonDOB) != "" {
		if dob, err = NormaliseDOB(b.PersonDOB, m.now()); err != nil {
			return errPersonDOB
		}
	}
	dept := clean(b.Department, 200)
	if dept == "" && a.row != nil {
		dept = a.row.GetString("department")
	}
	c, err := e.App.FindCollectionByNameOrId("zemag_reports")
	if err != nil {
		return err
	}
	r := core.NewRecord(c)
	r.Load(map[string]any{
		"organisation": a.org, "reporter": a.user.Id, "client_key": key, "occurred_at": when.UTC(),
		"place": clean(b.Place, 300), "department": dept, "what": clean(b.What, 8000), "level": *b.Level,
		"category": b.Category, "person_name": clean(b.PersonName, 200), "person_dob": dob,
		"person_address": clean(b.PersonAddress, 500), "witnesses": clean(b.Witnesses, 2000),
		"injuries": clean(b.Injuries, 2000), "police_file": clean(b.PoliceFile, 60),
		"victim_not_city_staff": b.VictimNotCityStaff, "other_authority": b.OtherAuthority, "status": StatusReported,
	})
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(r); err != nil {
			return err
		}
		return journal(tx, a.org, ModuleZeMAG, a.user, "report", r.Id, fmt.Sprintf("Meldung Stufe %d, %s", *b.Level, dept))
	})
	if err != nil {
		return err
	}
	text := fmt.Sprintf("ZeMAG: %s meldet einen Angriff (Stufe %d, %s). / %s reports an attack (level %d).", userName(e.App, a.user.Id), *b.Level, r.GetString("place"), userName(e.App, a.user.Id), *b.Level)
	told := []string{}
	if row := roleRow(e.App, a.org, a.user.Id); row != nil && row.GetString("supervisor") != "" {
		told = append(told, row.GetString("supervisor"))
	}
	told = append(told, holders(e.App, a.org, RoleZKS)...)
	alerted := m.alert(e.App, a.org, told, "report", r.Id, text)
	if m.cfg.SendSMS != nil {
		for _, u := range alerted {
			if err := m.cfg.SendSMS(e.App, u, fmt.Sprintf("ZeMAG: neue Meldung Stufe %d. Bitte crisisroom öffnen.", *b.Level)); err != nil {
				e.App.Logger().Warn("zemag sms not sent", "error", err)
			}
		}
	}
	return e.JSON(200, reportJSON(e.App, r))
}

func reportJSON(app core.App, r *core.Record) map[string]any {
	out := map[string]any{"id": r.Id, "reporter_name": userName(app, r.GetString("reporter"))}
	for _, f := range []string{"organisation", "reporter", "client_key", "place", "department", "what", "category", "person_name",
		"person_dob", "person_address", "witnesses", "injuries", "police_file", "status", "complaint_file", "decision_reason", "entry"} {
		out[f] = r.GetString(f)
	}
	out["level"] = r.GetInt("level")
	out["occurred_at"] = r.GetDateTime("occurred_at")
	out["created"] = r.GetDateTime("created")
	out["victim_not_city_staff"] = r.GetBool("victim_not_city_staff")
	out["other_authority"] = r.GetBool("other_authority")
	return out
}

// handleReports lists reports: all of the organisation for the ZKS, those of the
// people one supervises for a supervisor, one's own for everybody else.
func (m *module) handleReports(e *core.RequestEvent) error {
	a, err := accessTo(e, e.Request.URL.Query().Get("org"), ModuleZeMAG)
	if err != nil {
		return err
	}
	rows, err := e.App.FindRecordsByFilter("zemag_reports", "organisation = {:o}", "-created", 500, 0, dbx.Params{"o": a.org})
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, r := range rows {
		rep := r.GetString("reporter")
		if a.has(RoleZKS) || rep == a.user.Id || a.supervises(rep) {
			out = append(out, reportJSON(e.App, r))
		}
	}
	return e.JSON(200, map[string]any{"items": out, "zks": a.has(RoleZKS)})
}

type reviewBody struct {
	Action             string `json:"action"`
	ComplaintFile      string `json:"complaint_file"`
	Guidance           string `json:"guidance"`
	Reason             string `json:"reason"`
	Level              *int   `json:"level"`
	Category           string `json:"category"`
	VictimNotCityStaff *bool  `json:"victim_not_city_staff"`
	OtherAuthority     *bool  `json:"other_authority"`
	PersonName         string `json:"person_name"`
	PersonDOB          string `json:"person_dob"`
	PersonAddress      string `json:"person_address"`
}

// handleReview is the ZKS's review: reported → checked (level, category and the
// person's data may be corrected) → criminal complaint filed (file number) → entry
// decided: entered, or not entered with a reason. The server refuses an entry below
// level 2, for an attack on someone not employed by the city, or from another
// authority's data.
func (m *module) handleReview(e *core.RequestEvent) error {
	r, err := e.App.FindRecordById("zemag_reports", e.Request.PathValue("id"))
	if err != nil {
		return errNotFound
	}
	a, err := accessTo(e, r.GetString("organisation"), ModuleZeMAG)
	if err != nil {
		return err
	}
	if !a.has(RoleZKS) {
		if r.GetString("reporter") == a.user.Id || a.supervises(r.GetString("reporter")) {
			return errRole
		}
		return errNotFound
	}
	var b reviewBody
	if err := readJSON(e, &b); err != nil {
		return err
	}
	status := r.GetString("status")
	var entry *core.Record
	logText := ""
	switch b.Action {
	case "check":
		if status != StatusReported {
			return errStep
		}
		if b.Level != nil {
			if *b.Level < 0 || *b.Level > 3 {
				return errLevel
			}
			r.Set("level", *b.Level)
		}
		if b.Category != "" {
			if !slices.Contains(Categories, b.Category) {
				return errCategory
			}
			r.Set("category", b.Category)
		}
		if b.VictimNotCityStaff != nil {
			r.Set("victim_not_city_staff", *b.VictimNotCityStaff)
		}
		if b.OtherAuthority != nil {
			r.Set("other_authority", *b.OtherAuthority)
		}
		if strings.TrimSpace(b.PersonName) != "" {
			r.Set("person_name", clean(b.PersonName, 200))
		}
		if strings.TrimSpace(b.PersonDOB) != "" {
			d, err := NormaliseDOB(b.PersonDOB, m.now())
			if err != nil {
				return errPersonDOB
			}
			r.Set("person_dob", d)
		}
		if strings.TrimSpace(b.PersonAddress) != "" {
			r.Set("person_address", clean(b.PersonAddress, 500))
		}
		r.Set("status", StatusChecked)
		logText = fmt.Sprintf("geprüft: Stufe %d, %s", r.GetInt("level"), r.GetString("category"))
	case "complaint":
		if status != StatusChecked {
			return errStep
		}
		f := clean(b.ComplaintFile, 60)
		if f == "" {
			return errFileNo
		}
		r.Set("complaint_file", f)
		r.Set("status", StatusComplaintFiled)
		logText = "Strafanzeige erstattet, Az. " + f
	case "enter":
		if status != StatusComplaintFiled {
			return errStep
		}
		switch {
		case r.GetInt("level") < 2:
			return errBelow2
		case r.GetBool("victim_not_city_staff"):
			return errNotStaff
		case r.GetBool("other_authority"):
			return errOtherAuth
		}
		guidance := clean(b.Guidance, 500)
		if guidance == "" {
			return errGuidance
		}
		if _, err := NormaliseName(r.GetString("person_name")); err != nil {
			return errPersonName
		}
		key, err := PersonKey(r.GetString("person_name"), r.GetString("person_dob"), m.now())
		if err != nil {
			return errPersonDOB
		}
		c, err := e.App.FindCollectionByNameOrId("zemag_entries")
		if err != nil {
			return err
		}
		entry = core.NewRecord(c)
		entry.Load(map[string]any{
			"organisation": a.org, "report": r.Id, "person_key": key, "person_name": r.GetString("person_name"),
			"person_dob": r.GetString("person_dob"), "person_address": r.GetString("person_address"),
			"level": r.GetInt("level"), "category": r.GetString("category"), "department": r.GetString("department"),
			"guidance": guidance, "review_at": m.now().AddDate(0, a.months(), 0).UTC(), "status": "active",
			"occurred_at": r.GetDateTime("occurred_at"),
		})
		r.Set("status", StatusEntered)
		logText = fmt.Sprintf("eingetragen: Stufe %d, Prüfung nach %d Monaten", r.GetInt("level"), a.months())
	case "not_enter":
		if status != StatusChecked && status != StatusComplaintFiled {
			return errStep
		}
		reason := clean(b.Reason, 2000)
		if reason == "" {
			return errReason
		}
		r.Set("decision_reason", reason)
		r.Set("status", StatusNotEntered)
		// Not entered: the person's data has no purpose here any more.
		r.Set("person_name", "")
		r.Set("person_dob", "")
		r.Set("person_address", "")
		logText = "nicht eingetragen: " + reason
	default:
		return errBody
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		if entry != nil {
			if err := tx.Save(entry); err != nil {
				return err
			}
			r.Set("entry", entry.Id)
			if err := journal(tx, a.org, ModuleZeMAG, a.user, "entry", entry.Id, logText); err != nil {
				return err
			}
		}
		if err := tx.Save(r); err != nil {
			return err
		}
		return journal(tx, a.org, ModuleZeMAG, a.user, b.Action, r.Id, logText)
	})
	if err != nil {
		return err
	}
	return e.JSON(200, reportJSON(e.App, r))
}

func entryJSON(r *core.Record) map[string]any {
	out := map[string]any{"id": r.Id}
	for _, f := range []string{"report", "person_name", "person_dob", "person_address", "category", "department", "guidance", "status"} {
		out[f] = r.GetString(f)
	}
	out["level"] = r.GetInt("level")
	out["review_at"] = r.GetDateTime("review_at")
	out["notice_sent_at"] = r.GetDateTime("notice_sent_at")
	out["created"] = r.GetDateTime("created")
	return out
}

// zksEntry finds an entry for its ZKS: someone outside the module learns nothing
// (404), a member of it without the ZKS role is refused.
func zksEntry(e *core.RequestEvent) (*access, *core.Record, error) {
	r, err := e.App.FindRecordById("zemag_entries", e.Request.PathValue("id"))
	if err != nil {
		return nil, nil, errNotFound
	}
	a, err := accessTo(e, r.GetString("organisation"), ModuleZeMAG)
	if err != nil {
		return nil, nil, err
	}
	if !a.has(RoleZKS) {
		return nil, nil, errNotFound
	}
	return a, r, nil
}

// handleEntries lists the register for its keepers, the ZKS (review dates, letters).
func (m *module) handleEntries(e *core.RequestEvent) error {
	a, err := accessTo(e, e.Request.URL.Query().Get("org"), ModuleZeMAG)
	if err != nil {
		return err
	}
	if !a.has(RoleZKS) {
		return errRole
	}
	rows, err := e.App.FindRecordsByFilter("zemag_entries", "organisation = {:o}", "review_at", 1000, 0, dbx.Params{"o": a.org})
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, r := range rows {
		out = append(out, entryJSON(r))
	}
	return e.JSON(200, map[string]any{"items": out, "review_months": a.months()})
}

// handleExtend keeps an entry for another review period (months, default the
// organisation's), with a reason.
func (m *module) handleExtend(e *core.RequestEvent) error {
	a, r, err := zksEntry(e)
	if err != nil {
		return err
	}
	var b struct {
		Reason string `json:"reason"`
		Months int    `json:"months"`
	}
	if err := readJSON(e, &b); err != nil {
		return err
	}
	if r.GetString("status") != "active" {
		return errEntryGone
	}
	reason := clean(b.Reason, 2000)
	if reason == "" {
		return errReason
	}
	months := b.Months
	if months <= 0 || months > 60 {
		months = a.months()
	}
	r.Set("review_at", m.now().AddDate(0, months, 0).UTC())
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(r); err != nil {
			return err
		}
		return journal(tx, a.org, ModuleZeMAG, a.user, "extend", r.Id, fmt.Sprintf("verlängert um %d Monate: %s", months, reason))
	})
	if err != nil {
		return err
	}
	return e.JSON(200, entryJSON(r))
}

// handleDeleteEntry deletes an entry with a reason: its personal data (and that of the
// report behind it) is erased at once; the record stays, without it, so that the log's
// reference and the statistics stay whole.
func (m *module) handleDeleteEntry(e *core.RequestEvent) error {
	a, r, err := zksEntry(e)
	if err != nil {
		return err
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if err := readJSON(e, &b); err != nil {
		return err
	}
	reason := clean(b.Reason, 2000)
	if reason == "" {
		return errReason
	}
	if r.GetString("status") != "active" {
		return errEntryGone
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		for _, f := range []string{"person_key", "person_name", "person_dob", "person_address"} {
			r.Set(f, "")
		}
		r.Set("status", "deleted")
		if err := tx.Save(r); err != nil {
			return err
		}
		if rep, err := tx.FindRecordById("zemag_reports", r.GetString("report")); err == nil {
			for _, f := range []string{"person_name", "person_dob", "person_address"} {
				rep.Set(f, "")
			}
			if err := tx.Save(rep); err != nil {
				return err
			}
		}
		return journal(tx, a.org, ModuleZeMAG, a.user, "delete", r.Id, "gelöscht: "+reason)
	})
	if err != nil {
		return err
	}
	return e.JSON(200, entryJSON(r))
}

// handleNoticeSent records the date the written notice went to the person
// ({"sent_at":"YYYY-MM-DD"}, default today).
func (m *module) handleNoticeSent(e *core.RequestEvent) error {
	a, r, err := zksEntry(e)
	if err != nil {
		return err
	}
	var b struct {
		SentAt string `json:"sent_at"`
	}
	if err := readJSON(e, &b); err != nil {
		return err
	}
	if r.GetString("status") != "active" {
		return errEntryGone
	}
	day := m.now()
	if strings.TrimSpace(b.SentAt) != "" {
		t, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(b.SentAt), time.Local)
		if err != nil || t.After(m.now()) {
			return errBody
		}
		day = t
	}
	r.Set("notice_sent_at", day.UTC())
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(r); err != nil {
			return err
		}
		return journal(tx, a.org, ModuleZeMAG, a.user, "notice", r.Id, "Mitteilung an die Person versandt am "+day.Format("02.01.2006"))
	})
	if err != nil {
		return err
	}
	return e.JSON(200, entryJSON(r))
}

// handleLetter renders the written notice to the person entered (PDF).
func (m *module) handleLetter(e *core.RequestEvent) error {
	a, r, err := zksEntry(e)
	if err != nil {
		return err
	}
	if r.GetString("status") != "active" {
		return errEntryGone
	}
	pdf, err := NoticeLetter(a.settings, r, m.now())
	if err != nil {
		return err
	}
	_ = journal(e.App, a.org, ModuleZeMAG, a.user, "letter", r.Id, "Mitteilungsschreiben erstellt")
	e.Response.Header().Set("Content-Disposition", `inline; filename="zemag-mitteilung.pdf"`)
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, "application/pdf", pdf)
}

// Lookup limits: a person with the lookup role may ask LookupBurst times within
// LookupWindow; more is refused (429) and logged.
var (
	LookupBurst  = 10
	LookupWindow = 10 * time.Minute
)

var (
	errLookupRate = apperr.TooManyRequests("citystaff.too_many_lookups")
	errLookupWhy  = apperr.BadRequest("citystaff.lookup_needs_reason")
)

// handleLookup answers one case-by-case question: is this person (exact full name and
// date of birth) in the register? Only people with the lookup role ask, each time with a
// case reference or reason; the answer is the level and the guidance, nothing more.
// Every question is logged, refused ones too. There is no way to list, search or browse.
func (m *module) handleLookup(e *core.RequestEvent) error {
	var b struct {
		Organisation string `json:"organisation"`
		Name         string `json:"name"`
		DOB          string `json:"dob"`
		Reason       string `json:"reason"`
	}
	// One question per request: unknown fields (a list of names) and anything after the
	// object are refused. The body is read whole first, because PocketBase's reader
	// starts over at its end.
	raw, err := io.ReadAll(io.LimitReader(e.Request.Body, 4096))
	if err != nil {
		return errBody
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return errBody
	}
	if _, err := dec.Token(); err != io.EOF {
		return errBody
	}
	a, err := accessTo(e, b.Organisation, ModuleZeMAG)
	if err != nil {
		return err
	}
	reason := clean(b.Reason, 500)
	logIt := func(hit bool, entry string, refused bool, why string) error {
		c, err := e.App.FindCollectionByNameOrId("zemag_lookups")
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		text := reason
		if refused {
			text = strings.TrimSpace(why + " " + reason)
		}
		r.Load(map[string]any{"organisation": a.org, "actor": a.user.Id, "actor_name": userName(e.App, a.user.Id),
			"at": types.NowDateTime(), "reason": clean(text, 500), "hit": hit, "entry": entry, "refused": refused})
		return e.App.Save(r)
	}
	if !a.has(RoleLookup) {
		_ = logIt(false, "", true, "[ohne Abfragerolle]")
		return errRole
	}
	since := types.NowDateTime().Add(-LookupWindow)
	n, err := e.App.CountRecords("zemag_lookups", dbx.HashExp{"actor": a.user.Id}, dbx.NewExp("at > {:s}", dbx.Params{"s": since.String()}))
	if err != nil {
		return err
	}
	if int(n) >= LookupBurst {
		return errLookupRate
	}
	if len([]rune(reason)) < 5 {
		_ = logIt(false, "", true, "[ohne Anlass]")
		return errLookupWhy
	}
	if _, err := NormaliseName(b.Name); err != nil {
		_ = logIt(false, "", true, "[unvollständiger Name]")
		return errPersonName
	}
	key, err := PersonKey(b.Name, b.DOB, m.now())
	if err != nil {
		_ = logIt(false, "", true, "[ohne Geburtsdatum]")
		return errPersonDOB
	}
	rows, err := e.App.FindRecordsByFilter("zemag_entries", "organisation = {:o} && person_key = {:k} && status = 'active'", "-level,-created", 0, 0, dbx.Params{"o": a.org, "k": key})
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		if err := logIt(false, "", false, ""); err != nil {
			return err
		}
		return e.JSON(200, map[string]any{"hit": false})
	}
	best := rows[0]
	if err := logIt(true, best.Id, false, ""); err != nil {
		return err
	}
	return e.JSON(200, map[string]any{"hit": true, "level": best.GetInt("level"), "guidance": best.GetString("guidance")})
}

// handleLookups shows the lookup log to the data-protection officer only.
func (m *module) handleLookups(e *core.RequestEvent) error {
	a, err := accessTo(e, e.Request.URL.Query().Get("org"), ModuleZeMAG)
	if err != nil {
		return err
	}
	if !a.has(RoleDPO) {
		return errRole
	}
	rows, err := e.App.FindRecordsByFilter("zemag_lookups", "organisation = {:o}", "-at", 1000, 0, dbx.Params{"o": a.org})
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, r := range rows {
		out = append(out, map[string]any{"id": r.Id, "at": r.GetDateTime("at"), "actor": r.GetString("actor"), "actor_name": r.GetString("actor_name"),
			"reason": r.GetString("reason"), "hit": r.GetBool("hit"), "refused": r.GetBool("refused")})
	}
	return e.JSON(200, map[string]any{"items": out})
}

// handleLog shows the modules' log: the ZeMAG part to the ZKS and the data-protection
// officer, the complaint part to complaint management and the data-protection officer,
// the role changes to the data-protection officer and the organisation's admins.
func (m *module) handleLog(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	a, err := accessTo(e, q.Get("org"), "")
	if err != nil {
		return err
	}
	module := q.Get("module")
	ok := false
	switch module {
	case ModuleZeMAG:
		ok = a.enabled(ModuleZeMAG) && (a.has(RoleZKS) || a.has(RoleDPO))
	case ModuleComplaints:
		ok = a.enabled(ModuleComplaints) && (a.has(RoleComplaints) || a.has(RoleDPO))
	case "roles":
		ok = a.has(RoleDPO) || isAdmin(e.App, a.user.Id, a.org)
	}
	if !ok {
		return errRole
	}
	rows, err := e.App.FindRecordsByFilter("citystaff_log", "organisation = {:o} && module = {:m}", "-at", 1000, 0, dbx.Params{"o": a.org, "m": module})
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, r := range rows {
		out = append(out, map[string]any{"at": r.GetDateTime("at"), "actor_name": r.GetString("actor_name"), "action": r.GetString("action"), "target": r.GetString("target"), "text": r.GetString("text")})
	}
	return e.JSON(200, map[string]any{"items": out})
}
