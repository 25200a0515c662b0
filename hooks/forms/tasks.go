package forms

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// Task statuses (Aufträge): offen, in Arbeit, erledigt.
var taskStatuses = []string{"offen", "in_arbeit", "erledigt"}

// TaskBody is the body of POST /api/crisisroom/tasks.
type TaskBody struct {
	Title   string `json:"title"`
	Text    string `json:"text"`
	Owner   string `json:"owner"` // staff function id
	Due     string `json:"due"`   // RFC 3339 or "2006-01-02 15:04:05.000Z"; "" none
	Form    string `json:"form"`
	Message string `json:"message"`
}

// TaskView is an order as the routes answer it.
type TaskView struct {
	Id          string `json:"id"`
	Title       string `json:"title"`
	Text        string `json:"text"`
	Owner       string `json:"owner"`
	OwnerCode   string `json:"owner_code"`
	Due         string `json:"due"`
	Status      string `json:"status"`
	CreatedBy   string `json:"created_by_name"`
	ConfirmedBy string `json:"confirmed_by_name"`
	DoneAt      string `json:"done_at"`
	Form        string `json:"form"`
	Message     string `json:"message"`
	Overdue     bool   `json:"overdue"`
	Mine        bool   `json:"mine"`
	Created     string `json:"created"`
}

// mayOrder: who gives orders: the host's staff holding Leiter or S3, and every holder
// of a function (an order of S4 to S1 is staff work too); a liaison never orders the
// host's staff.
func (a *access) mayOrder() bool {
	for _, r := range a.fns {
		if r.GetString("liaison_org") == "" {
			return a.hostStaff
		}
	}
	return false
}

// visibleTasks: the host's staff with a function see every order of the operation; a
// liaison sees the orders owned by its Verbindungsstelle.
func visibleTasks(app core.App, a *access) []*core.Record {
	if a.host == "" || len(a.fns) == 0 {
		return nil
	}
	filter := "organisation = {:h}"
	params := dbx.Params{"h": a.host}
	if inc := incidentId(app); inc != "" {
		filter += " && incident = {:i}"
		params["i"] = inc
	}
	rows, err := app.FindRecordsByFilter("tasks", filter, "due,created", 2000, 0, params)
	if err != nil {
		return nil
	}
	if a.mayOrder() {
		return rows
	}
	out := rows[:0]
	for _, t := range rows {
		if a.ids[t.GetString("owner_function")] {
			out = append(out, t)
		}
	}
	return out
}

func taskView(app core.App, a *access, t *core.Record) TaskView {
	v := TaskView{Id: t.Id, Title: t.GetString("title"), Text: t.GetString("text"), Owner: t.GetString("owner_function"),
		Status: t.GetString("status"), CreatedBy: t.GetString("created_by_name"), ConfirmedBy: t.GetString("confirmed_by_name"),
		Form: t.GetString("form"), Message: t.GetString("message"), Mine: a.ids[t.GetString("owner_function")],
		Created: t.GetDateTime("created").String()}
	if fn := functionById(app, v.Owner); fn != nil {
		v.OwnerCode = fn.GetString("code")
	}
	if d := t.GetDateTime("due"); !d.IsZero() {
		v.Due = d.String()
		v.Overdue = v.Status != "erledigt" && d.Time().Before(time.Now())
	}
	if d := t.GetDateTime("done_at"); !d.IsZero() {
		v.DoneAt = d.String()
	}
	return v
}

// taskAlert: a reminder for the owner when an order is due, and for S3 when it is
// overdue (ten minutes past due: S3 tracks the orders).
func taskAlert(a *access, t *core.Record) (Alert, bool) {
	d := t.GetDateTime("due")
	if d.IsZero() || t.GetString("status") == "erledigt" || time.Now().Before(d.Time()) {
		return Alert{}, false
	}
	if a.ids[t.GetString("owner_function")] {
		return Alert{Kind: "task_due", Id: t.Id, Label: "Auftrag fällig", Text: t.GetString("title"), At: d.String()}, true
	}
	if a.has(S3) && time.Since(d.Time()) > 10*time.Minute {
		return Alert{Kind: "task_overdue", Id: t.Id, Label: "Auftrag überfällig", Text: t.GetString("title"), At: d.String()}, true
	}
	return Alert{}, false
}

func parseDue(s string) (types.DateTime, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return types.DateTime{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return types.ParseDateTime(t.UTC())
	}
	d, err := types.ParseDateTime(s)
	if err != nil || d.IsZero() {
		return d, apperr.New(http.StatusBadRequest, "forms.time_invalid", err)
	}
	return d, nil
}

// NewTask creates an order in tx and journals it with the THW mark B (order given).
func NewTask(tx core.App, a *access, b TaskBody, briefing string) (*core.Record, error) {
	b.Title = strings.TrimSpace(strings.ToValidUTF8(b.Title, "\uFFFD"))
	if b.Title == "" || utf8.RuneCountInString(b.Title) > 300 || utf8.RuneCountInString(b.Text) > 4000 {
		return nil, apperr.BadRequest("forms.order_text_missing")
	}
	owner := functionById(tx, b.Owner)
	if owner == nil {
		return nil, apperr.BadRequest("forms.owning_function_missing")
	}
	due, err := parseDue(b.Due)
	if err != nil {
		return nil, err
	}
	coll, err := tx.FindCachedCollectionByNameOrId("tasks")
	if err != nil {
		return nil, err
	}
	t := core.NewRecord(coll)
	t.Load(map[string]any{"organisation": a.host, "incident": incidentId(tx), "title": b.Title, "text": strings.TrimSpace(b.Text),
		"owner_function": owner.Id, "status": "offen", "created_by": a.user.Id, "created_by_name": userName2(a.user),
		"form": b.Form, "message": b.Message, "briefing": briefing})
	if !due.IsZero() {
		t.Set("due", due)
	}
	if err := tx.Save(t); err != nil {
		return nil, err
	}
	text := fmt.Sprintf("Auftrag an %s: %s", owner.GetString("code"), b.Title)
	if !due.IsZero() {
		text += " (bis " + localTime(due) + ")"
	}
	if err := journalWrite(tx, journalEntry(a, t, "B", text)); err != nil {
		return nil, err
	}
	publishTasks(tx)
	return t, nil
}

// handleTasks: GET /api/crisisroom/tasks: the orders the caller may see (see
// visibleTasks), due first.
func handleTasks(e *core.RequestEvent) error {
	a := accessOf(e.App, e.Auth)
	out := []TaskView{}
	for _, t := range visibleTasks(e.App, a) {
		out = append(out, taskView(e.App, a, t))
	}
	slices.SortStableFunc(out, func(x, y TaskView) int {
		if (x.Status == "erledigt") != (y.Status == "erledigt") {
			if x.Status == "erledigt" {
				return 1
			}
			return -1
		}
		return 0
	})
	return e.JSON(200, out)
}

// handleCreateTask: POST /api/crisisroom/tasks {title, text?, owner, due?, form?, message?}:
// an order by hand, from a form the caller sees, or from a message of a channel the
// caller is in.
func handleCreateTask(e *core.RequestEvent) error {
	var b TaskBody
	if err := e.BindBody(&b); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_not_json", err)
	}
	a := accessOf(e.App, e.Auth)
	if !a.mayOrder() {
		return apperr.Forbidden("forms.only_functions_give_orders")
	}
	if b.Form != "" {
		if _, err := loadFor(e.App, a, b.Form); err != nil {
			return err
		}
	}
	if b.Message != "" {
		m, err := e.App.FindRecordById("messages", b.Message)
		if err != nil || m.GetBool("deleted") || tenancy.ChannelMember(e.App, m.GetString("channel"), a.user.Id) == nil {
			return apperr.NotFound("common.message_not_found")
		}
		if strings.TrimSpace(b.Text) == "" {
			b.Text = m.GetString("body")
		}
		if strings.TrimSpace(b.Title) == "" {
			b.Title = firstLine(m.GetString("body"), 120)
		}
	}
	var t *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		var err error
		t, err = NewTask(tx, a, b, "")
		return err
	})
	if err != nil {
		return err
	}
	return e.JSON(201, taskView(e.App, a, t))
}

func firstLine(s string, max int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + " …"
	}
	return s
}

// handleTaskStatus: POST /api/crisisroom/tasks/{id}/status {status}: a holder of the
// owning function, or S3 and the Leiter (who track orders), moves an order; erledigt
// names who confirmed it and is journaled with the mark E. A done order stays done.
func handleTaskStatus(e *core.RequestEvent) error {
	var b struct {
		Status string `json:"status"`
	}
	if err := e.BindBody(&b); err != nil || !slices.Contains(taskStatuses, b.Status) {
		return apperr.New(http.StatusBadRequest, "forms.task_status_invalid", err)
	}
	a := accessOf(e.App, e.Auth)
	var t *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		var err error
		t, err = tx.FindRecordById("tasks", e.Request.PathValue("id"))
		if err != nil || !slices.ContainsFunc(visibleTasks(tx, a), func(r *core.Record) bool { return r.Id == t.Id }) {
			return apperr.NotFound("forms.order_not_found")
		}
		if !a.ids[t.GetString("owner_function")] && !(a.hostStaff && a.has(S3, Leiter)) {
			return apperr.Forbidden("forms.order_status_not_yours")
		}
		if t.GetString("status") == "erledigt" {
			return apperr.BadRequest("forms.order_done")
		}
		if t.GetString("status") == b.Status {
			return nil
		}
		t.Set("status", b.Status)
		if b.Status == "erledigt" {
			t.Set("confirmed_by", a.user.Id)
			t.Set("confirmed_by_name", userName2(a.user))
			t.Set("done_at", types.NowDateTime())
		}
		if err := tx.Save(t); err != nil {
			return err
		}
		if b.Status == "erledigt" {
			code := ""
			if fn := functionById(tx, t.GetString("owner_function")); fn != nil {
				code = fn.GetString("code")
			}
			if err := journalWrite(tx, journalEntry(a, t, "E", fmt.Sprintf("Auftrag an %s erledigt: %s", code, t.GetString("title")))); err != nil {
				return err
			}
		}
		publishTasks(tx)
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(200, taskView(e.App, a, t))
}
