package citystaff

import (
	"crisisroom/apperr"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	qrcode "github.com/skip2/go-qrcode"
)

// Complaint case statuses: intake by complaint management → the officer's
// counter-statement → the supervisor's sign-off → (the legal office in hard cases) →
// decided (result letter to both sides) → closed (after the follow-up analysis).
const (
	CaseIntake    = "intake"
	CaseStatement = "statement"
	CaseSigned    = "signed"
	CaseLegal     = "legal"
	CaseDecided   = "decided"
	CaseClosed    = "closed"
)

var (
	errCaseFields = apperr.BadRequest("citystaff.complaint_fields_missing")
	errNotSigned  = apperr.BadRequest("citystaff.statement_not_signed_off")
	errFinding    = apperr.BadRequest("citystaff.finding_invalid")
	errText       = apperr.BadRequest("citystaff.text_missing")
)

type intakeBody struct {
	Organisation   string `json:"organisation"`
	CitizenName    string `json:"citizen_name"`
	CitizenContact string `json:"citizen_contact"`
	What           string `json:"what"`
	OccurredAt     string `json:"occurred_at"`
	Place          string `json:"place"`
	Officer        string `json:"officer"`
}

func (a *access) days(field string, def int) int {
	if n := a.settings.GetInt(field); n > 0 {
		return n
	}
	return def
}

// handleIntake opens a complaint case (complaint management only). The officer and the
// officer's direct supervisor are told at once; the interim notice and the result get
// their due dates from the organisation's settings.
func (m *module) handleIntake(e *core.RequestEvent) error {
	var b intakeBody
	if err := readJSON(e, &b); err != nil {
		return err
	}
	a, err := accessTo(e, b.Organisation, ModuleComplaints)
	if err != nil {
		return err
	}
	if !a.has(RoleComplaints) {
		return errRole
	}
	if strings.TrimSpace(b.CitizenName) == "" || strings.TrimSpace(b.CitizenContact) == "" || strings.TrimSpace(b.What) == "" || b.Officer == "" {
		return errCaseFields
	}
	if !IsStaffOf(e.App, b.Officer, a.org) {
		return errBadPerson
	}
	c, err := e.App.FindCollectionByNameOrId("complaint_cases")
	if err != nil {
		return err
	}
	now := m.now()
	r := core.NewRecord(c)
	sup := ""
	if row := roleRow(e.App, a.org, b.Officer); row != nil {
		sup = row.GetString("supervisor")
	}
	r.Load(map[string]any{
		"organisation": a.org, "citizen_name": clean(b.CitizenName, 200), "citizen_contact": clean(b.CitizenContact, 500),
		"what": clean(b.What, 8000), "place": clean(b.Place, 300), "officer": b.Officer, "supervisor": sup, "status": CaseIntake,
		"due_interim": now.AddDate(0, 0, a.days("interim_days", DefaultInterimDays)).UTC(),
		"due_result":  now.AddDate(0, 0, a.days("result_days", DefaultResultDays)).UTC(),
	})
	if t, ok := parseWhen(b.OccurredAt); ok {
		r.Set("occurred_at", t.UTC())
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		n, err := tx.CountRecords("complaint_cases", dbx.HashExp{"organisation": a.org})
		if err != nil {
			return err
		}
		r.Set("number", fmt.Sprintf("BM-%d-%04d", now.Year(), n+1))
		if err := tx.Save(r); err != nil {
			return err
		}
		return journal(tx, a.org, ModuleComplaints, a.user, "intake", r.Id, "Beschwerde "+r.GetString("number")+" aufgenommen")
	})
	if err != nil {
		return err
	}
	m.alert(e.App, a.org, []string{b.Officer}, "complaint_statement", r.Id, "Beschwerde "+r.GetString("number")+": bitte Stellungnahme schreiben. / Please write your statement.")
	m.alert(e.App, a.org, []string{sup}, "complaint_new", r.Id, "Beschwerde "+r.GetString("number")+" über "+userName(e.App, b.Officer)+". / Complaint about your staff.")
	return e.JSON(200, m.caseJSON(e.App, a, r))
}

// IsStaffOf: userId is a live non-guest member of org.
func IsStaffOf(app core.App, userId, org string) bool {
	if _, err := app.FindRecordById("users", userId); err != nil {
		return false
	}
	return isStaff(app, userId, org)
}

// caseView says what a person sees of a case: "" nothing, "officer" (without the
// citizen's contact), "full".
func caseView(a *access, r *core.Record) string {
	switch {
	case a.has(RoleComplaints):
		return "full"
	case a.has(RoleLegal) && r.GetBool("legal"):
		return "full"
	case r.GetString("officer") == a.user.Id, r.GetString("supervisor") == a.user.Id:
		return "officer"
	}
	return ""
}

func (m *module) caseJSON(app core.App, a *access, r *core.Record) map[string]any {
	out := map[string]any{"id": r.Id, "officer_name": userName(app, r.GetString("officer")), "supervisor_name": userName(app, r.GetString("supervisor")),
		"signed_by_name": userName(app, r.GetString("signed_by"))}
	for _, f := range []string{"number", "what", "place", "officer", "supervisor", "status", "statement", "signed_by", "sign_note",
		"legal_question", "legal_opinion", "finding", "result", "analysis"} {
		out[f] = r.GetString(f)
	}
	for _, f := range []string{"occurred_at", "statement_at", "signed_at", "due_interim", "interim_sent_at", "due_result", "result_sent_at", "analysis_at", "created"} {
		out[f] = r.GetDateTime(f)
	}
	out["legal"] = r.GetBool("legal")
	if caseView(a, r) == "full" {
		out["citizen_name"] = r.GetString("citizen_name")
		out["citizen_contact"] = r.GetString("citizen_contact")
	}
	open := r.GetString("status") != CaseDecided && r.GetString("status") != CaseClosed
	out["interim_overdue"] = open && r.GetDateTime("interim_sent_at").IsZero() && r.GetDateTime("due_interim").Time().Before(m.now())
	out["result_overdue"] = open && r.GetDateTime("due_result").Time().Before(m.now())
	out["me_officer"] = r.GetString("officer") == a.user.Id
	out["me_supervisor"] = r.GetString("supervisor") == a.user.Id
	return out
}

func (m *module) handleCases(e *core.RequestEvent) error {
	a, err := accessTo(e, e.Request.URL.Query().Get("org"), ModuleComplaints)
	if err != nil {
		return err
	}
	rows, err := e.App.FindRecordsByFilter("complaint_cases", "organisation = {:o}", "-created", 500, 0, dbx.Params{"o": a.org})
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, r := range rows {
		if caseView(a, r) != "" {
			out = append(out, m.caseJSON(e.App, a, r))
		}
	}
	roles := []string{}
	if a.row != nil {
		roles = a.row.GetStringSlice("roles")
	}
	return e.JSON(200, map[string]any{"items": out, "roles": roles})
}

// handleStep moves a case on. Steps and who takes them:
//
//	statement  the officer concerned: the counter-statement ({"text"})
//	sign       the officer's direct supervisor: the sign-off ({"text"}: a note)
//	interim    complaint management: the interim notice went to both sides today
//	legal      complaint management: the legal office is asked ({"text"}: the question)
//	opinion    the legal office: its opinion ({"text"})
//	result     complaint management: the finding and the result ({"finding","text"}),
//	           only after the signed statement; the result letters go to both sides
//	analysis   complaint management: the follow-up with the officer ({"text"}), for an
//	           upheld or partly upheld complaint; closes the case
func (m *module) handleStep(e *core.RequestEvent) error {
	r, err := e.App.FindRecordById("complaint_cases", e.Request.PathValue("id"))
	if err != nil {
		return errNotFound
	}
	a, err := accessTo(e, r.GetString("organisation"), ModuleComplaints)
	if err != nil {
		return err
	}
	if caseView(a, r) == "" {
		return errNotFound
	}
	var b struct {
		Text    string `json:"text"`
		Finding string `json:"finding"`
	}
	if err := readJSON(e, &b); err != nil {
		return err
	}
	text := clean(b.Text, 8000)
	now := types.NowDateTime()
	status := r.GetString("status")
	closed := status == CaseDecided || status == CaseClosed
	step := e.Request.PathValue("step")
	logText := ""
	var tellUsers []string
	tellText := ""
	switch step {
	case "statement":
		if r.GetString("officer") != a.user.Id {
			return errRole
		}
		if status != CaseIntake && status != CaseStatement {
			return errStep
		}
		if text == "" {
			return errText
		}
		r.Set("statement", text)
		r.Set("statement_at", now)
		r.Set("status", CaseStatement)
		logText = "Stellungnahme der Dienstkraft"
		tellUsers, tellText = []string{r.GetString("supervisor")}, "Beschwerde "+r.GetString("number")+": Stellungnahme bitte abzeichnen. / Please sign off the statement."
	case "sign":
		if r.GetString("supervisor") != a.user.Id || r.GetString("supervisor") == r.GetString("officer") {
			return errRole
		}
		if status != CaseStatement {
			return errStep
		}
		r.Set("signed_by", a.user.Id)
		r.Set("signed_at", now)
		r.Set("sign_note", text)
		r.Set("status", CaseSigned)
		logText = "Stellungnahme abgezeichnet"
		tellUsers, tellText = holders(e.App, a.org, RoleComplaints), "Beschwerde "+r.GetString("number")+": Stellungnahme abgezeichnet. / Statement signed off."
	case "interim":
		if !a.has(RoleComplaints) {
			return errRole
		}
		if closed {
			return errStep
		}
		r.Set("interim_sent_at", now)
		logText = "Zwischennachricht an Bürger/in und Dienstkraft"
	case "legal":
		if !a.has(RoleComplaints) {
			return errRole
		}
		if closed {
			return errStep
		}
		if text == "" {
			return errText
		}
		r.Set("legal", true)
		r.Set("legal_question", text)
		if status == CaseSigned {
			r.Set("status", CaseLegal)
		}
		logText = "Rechtsamt beteiligt"
		tellUsers, tellText = holders(e.App, a.org, RoleLegal), "Beschwerde "+r.GetString("number")+": Bitte um rechtliche Stellungnahme. / The legal office is asked."
	case "opinion":
		if !a.has(RoleLegal) || !r.GetBool("legal") {
			return errRole
		}
		if closed || text == "" {
			return errText
		}
		r.Set("legal_opinion", text)
		logText = "Stellungnahme des Rechtsamts"
		tellUsers, tellText = holders(e.App, a.org, RoleComplaints), "Beschwerde "+r.GetString("number")+": Rechtsamt hat Stellung genommen. / The legal office has answered."
	case "result":
		if !a.has(RoleComplaints) {
			return errRole
		}
		if status != CaseSigned && status != CaseLegal {
			return errNotSigned
		}
		if !slices.Contains([]string{"upheld", "partly", "not_upheld"}, b.Finding) || text == "" {
			return errFinding
		}
		r.Set("finding", b.Finding)
		r.Set("result", text)
		r.Set("result_sent_at", now)
		r.Set("status", CaseDecided)
		if b.Finding == "not_upheld" {
			r.Set("status", CaseClosed)
		}
		logText = "Ergebnis an Bürger/in und Dienstkraft: " + findingLabel[b.Finding]
		tellUsers, tellText = []string{r.GetString("officer")}, "Beschwerde "+r.GetString("number")+": Ergebnis liegt vor. / The result is out."
	case "analysis":
		if !a.has(RoleComplaints) {
			return errRole
		}
		if status != CaseDecided {
			return errStep
		}
		if text == "" {
			return errText
		}
		r.Set("analysis", text)
		r.Set("analysis_at", now)
		r.Set("status", CaseClosed)
		logText = "Nachbetrachtung mit der Dienstkraft"
	default:
		return errNotFound
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(r); err != nil {
			return err
		}
		return journal(tx, a.org, ModuleComplaints, a.user, step, r.Id, r.GetString("number")+": "+logText)
	})
	if err != nil {
		return err
	}
	// A step done ends the banners that asked for it.
	switch step {
	case "statement":
		resolve(e.App, r.Id, "complaint_statement")
	case "sign":
		resolve(e.App, r.Id, "complaint_statement", "complaint_new")
	case "interim", "result":
		resolve(e.App, r.Id, "interim_due")
	}
	if len(tellUsers) > 0 {
		m.alert(e.App, a.org, tellUsers, "complaint_"+step, r.Id, tellText)
	}
	return e.JSON(200, m.caseJSON(e.App, a, r))
}

var findingLabel = map[string]string{"upheld": "begründet", "partly": "teilweise begründet", "not_upheld": "unbegründet"}

// handleCaseLetter renders the interim notice or the result letter (?kind=interim|result)
// to the citizen or the officer (?to=citizen|officer), for complaint management.
func (m *module) handleCaseLetter(e *core.RequestEvent) error {
	r, err := e.App.FindRecordById("complaint_cases", e.Request.PathValue("id"))
	if err != nil {
		return errNotFound
	}
	a, err := accessTo(e, r.GetString("organisation"), ModuleComplaints)
	if err != nil {
		return err
	}
	if !a.has(RoleComplaints) {
		return errNotFound
	}
	q := e.Request.URL.Query()
	kind, to := q.Get("kind"), q.Get("to")
	if (kind != "interim" && kind != "result") || (to != "citizen" && to != "officer") {
		return errBody
	}
	if kind == "result" && r.GetString("finding") == "" {
		return errNotSigned
	}
	pdf, err := CaseLetter(a.settings, r, kind, to, userName(e.App, r.GetString("officer")), m.now())
	if err != nil {
		return err
	}
	e.Response.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s-%s-%s.pdf"`, r.GetString("number"), kind, to))
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, "application/pdf", pdf)
}

// CaseLetter is the interim notice or the result letter of a complaint case to the
// citizen or the officer concerned.
func CaseLetter(settings, r *core.Record, kind, to, officerName string, now time.Time) ([]byte, error) {
	city := orDefault(settings.GetString("city"), "Stadt")
	office := orDefault(settings.GetString("complaint_office"), city+", Beschwerdemanagement")
	l := &letter{sender: office + " · " + strings.ReplaceAll(settings.GetString("complaint_address"), "\n", " · "), place: city, date: now,
		footer: "Beschwerde " + r.GetString("number")}
	received := r.GetDateTime("created").Time().Local().Format("02.01.2006")
	if to == "citizen" {
		l.recipient = append([]string{r.GetString("citizen_name")}, lines(r.GetString("citizen_contact"))...)
	} else {
		l.recipient = []string{officerName, "– persönlich –"}
	}
	switch kind {
	case "interim":
		l.subject = "Zwischennachricht zu Ihrer Beschwerde " + r.GetString("number")
		if to == "officer" {
			l.subject = "Zwischennachricht zur Beschwerde " + r.GetString("number")
		}
		l.paragraphs = []string{
			"Guten Tag,",
			fmt.Sprintf("die Beschwerde vom %s (Aktenzeichen %s) ist bei uns in Bearbeitung. Die Prüfung dauert länger als gewöhnlich; wir bitten um Geduld.", received, r.GetString("number")),
			fmt.Sprintf("Wir rechnen mit einem Ergebnis bis zum %s und melden uns dann schriftlich.", r.GetDateTime("due_result").Time().Local().Format("02.01.2006")),
			"Mit freundlichen Grüßen", office,
		}
	case "result":
		l.subject = "Ergebnis der Prüfung der Beschwerde " + r.GetString("number")
		l.paragraphs = []string{
			"Guten Tag,",
			fmt.Sprintf("wir haben die Beschwerde vom %s geprüft, die Stellungnahme der Dienstkraft eingeholt und von deren Vorgesetzten abzeichnen lassen.", received),
			"## Ergebnis: Die Beschwerde ist " + findingLabel[r.GetString("finding")] + ".",
			r.GetString("result"),
		}
		if r.GetString("finding") != "not_upheld" {
			l.paragraphs = append(l.paragraphs, "Das Verhalten wird mit der Dienstkraft nachbesprochen, damit sich Vergleichbares nicht wiederholt.")
		}
		l.paragraphs = append(l.paragraphs, "Mit freundlichen Grüßen", office)
	}
	return l.render()
}

// CardQR is what the QR code on the officers' contact cards holds: the complaint
// address as a link (complaint_url), or else the e-mail as mailto:, or else the postal
// address.
func CardQR(settings *core.Record) string {
	if u := strings.TrimSpace(settings.GetString("complaint_url")); u != "" {
		return u
	}
	if m := strings.TrimSpace(settings.GetString("complaint_email")); m != "" {
		return "mailto:" + m
	}
	return orDefault(settings.GetString("complaint_office"), "Beschwerdemanagement") + "\n" + settings.GetString("complaint_address")
}

// handleCard answers what a printed contact card shows: office, address, phone,
// e-mail and the QR code (PNG data URL), for the organisation's staff.
func (m *module) handleCard(e *core.RequestEvent) error {
	a, err := accessTo(e, e.Request.URL.Query().Get("org"), ModuleComplaints)
	if err != nil {
		return err
	}
	png, err := qrcode.Encode(CardQR(a.settings), qrcode.Medium, 512)
	if err != nil {
		return err
	}
	return e.JSON(200, map[string]any{
		"office": a.settings.GetString("complaint_office"), "address": a.settings.GetString("complaint_address"),
		"phone": a.settings.GetString("complaint_phone"), "email": a.settings.GetString("complaint_email"),
		"url": a.settings.GetString("complaint_url"), "city": a.settings.GetString("city"),
		"qr": "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), "qr_text": CardQR(a.settings),
	})
}
