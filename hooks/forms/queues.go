package forms

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// visibleForms lists the host's forms of the open operation (or all, when none is
// open) that a may see, Blitz first.
func visibleForms(app core.App, a *access) []*core.Record {
	return visibleFormsWhere(app, a, "")
}

// visibleFormsWhere is visibleForms with one more filter condition ("" none).
func visibleFormsWhere(app core.App, a *access, extra string) []*core.Record {
	if a.host == "" {
		return nil
	}
	filter := "organisation = {:h}"
	if extra != "" {
		filter += " && " + extra
	}
	params := dbx.Params{"h": a.host}
	if inc := incidentId(app); inc != "" {
		filter += " && incident = {:i}"
		params["i"] = inc
	}
	rows, err := app.FindRecordsByFilter("forms", filter, "-created", 2000, 0, params)
	if err != nil {
		return nil
	}
	out := rows[:0]
	for _, f := range rows {
		if a.canSee(f) {
			out = append(out, f)
		}
	}
	sortForms(out)
	return out
}

// handleList: GET /api/crisisroom/forms?queue=sichten|uebermitteln|eingang|zurueck|mine|all
// &direction=in|out: the forms the caller may see, Blitz first, then Sofort, then
// einfach, oldest first within each. Nobody without a function or authorship sees any.
func handleList(e *core.RequestEvent) error {
	a := accessOf(e.App, e.Auth)
	q := e.Request.URL.Query()
	queue, dir := q.Get("queue"), q.Get("direction")
	out := []FormView{}
	for _, f := range visibleForms(e.App, a) {
		if dir != "" && f.GetString("direction") != dir {
			continue
		}
		switch queue {
		case "", "all":
		case "mine":
			if f.GetString("author") != a.user.Id {
				continue
			}
		default:
			if a.queue(f) != queue {
				continue
			}
		}
		out = append(out, a.view(e.App, f, false))
	}
	return e.JSON(200, out)
}

// Alert is something the caller must act on now: a Blitz form in one of their queues,
// an order due or overdue, the briefing in five minutes.
type Alert struct {
	Kind  string `json:"kind"` // form, task_due, task_overdue, briefing
	Id    string `json:"id"`
	Label string `json:"label"`
	Text  string `json:"text"`
	Queue string `json:"queue,omitempty"`
	At    string `json:"at,omitempty"`
}

// handleQueues: GET /api/crisisroom/forms/queues: the caller's queue counts ("Zu sichten:
// 3"), their functions, the Blitz forms waiting for them (the Blitz banner), the orders
// due for their functions (and overdue ones for S3), and the next Lagebesprechung. The
// UI polls it; it answers every signed-in person, with empty lists for those without a
// function.
func handleQueues(e *core.RequestEvent) error {
	a := accessOf(e.App, e.Auth)
	counts := map[string]int{"sichten": 0, "uebermitteln": 0, "eingang": 0, "zurueck": 0}
	alerts := []Alert{}
	// A closed form is in nobody's queue: leave it in the database.
	for _, f := range visibleFormsWhere(e.App, a, `state != "closed"`) {
		q := a.queue(f)
		if q == "" {
			continue
		}
		counts[q]++
		if f.GetString("priority") == "blitz" {
			alerts = append(alerts, Alert{Kind: "form", Id: f.Id, Label: Label(f), Text: subjectOf(f), Queue: q})
		}
	}
	open := 0
	for _, t := range visibleTasks(e.App, a) {
		if t.GetString("status") == "erledigt" {
			continue
		}
		if a.ids[t.GetString("owner_function")] {
			open++
		}
		if al, ok := taskAlert(a, t); ok {
			alerts = append(alerts, al)
		}
	}
	counts["auftraege"] = open
	mine := []string{}
	for _, r := range allOrdered(a) {
		mine = append(mine, r.GetString("code"))
	}
	var next any
	if a.hostStaff || len(a.fns) > 0 {
		if b := nextBriefing(e.App); b != nil {
			next = briefingView(b)
			if al, ok := briefingAlert(b); ok {
				alerts = append(alerts, al)
			}
		}
	}
	return e.JSON(200, map[string]any{"counts": counts, "functions": mine, "alerts": alerts, "briefing": next,
		"may_intake": a.mayIntake(), "may_author": a.hostStaff, "may_brief": a.mayBrief()})
}
