package forms

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
)

// BriefingReminder is how long before a Lagebesprechung everybody is reminded.
const BriefingReminder = 5 * time.Minute

// Titles of the board items this package keeps on the host's boards.
const (
	boardBriefing = "Nächste Lagebesprechung"
	boardTasks    = "Offene Aufträge"
)

func localTime(d types.DateTime) string { return d.Time().In(journal.Zone()).Format("02.01. 15:04") }

func journalEntry(a *access, t *core.Record, mark, text string) journal.Entry {
	return journal.Entry{Incident: t.GetString("incident"), Organisation: t.GetString("organisation"), Kind: "auto", Source: "form",
		SourceID: t.Id, Author: a.user, Text: text, Mark: mark}
}

// mayBrief: the head of staff and S3 set the next Lagebesprechung (S3 runs it).
func (a *access) mayBrief() bool { return a.hostStaff && a.has(Leiter, S3) }

// nextBriefing is the next briefing not yet held, or nil.
func nextBriefing(app core.App) *core.Record {
	host := tenancy.HostOrganisation(app)
	if host == nil {
		return nil
	}
	r, err := app.FindFirstRecordByFilter("briefings", "organisation = {:h} && held = false", dbx.Params{"h": host.Id})
	if err != nil {
		return nil
	}
	return r
}

func briefingView(b *core.Record) map[string]any {
	return map[string]any{"id": b.Id, "at": b.GetDateTime("at").String(), "set_by_name": b.GetString("set_by_name")}
}

func briefingAlert(b *core.Record) (Alert, bool) {
	at := b.GetDateTime("at").Time()
	left := time.Until(at)
	if left > BriefingReminder || left < -15*time.Minute {
		return Alert{}, false
	}
	return Alert{Kind: "briefing", Id: b.Id, Label: boardBriefing, Text: "um " + at.In(journal.Zone()).Format("15:04"), At: b.GetDateTime("at").String()}, true
}

// handleBriefing: GET /api/crisisroom/briefing: the next Lagebesprechung (null when none
// is set), for live non-guest staff of any organisation.
func handleBriefing(e *core.RequestEvent) error {
	if !isStaffAnywhere(e.App, e.Auth.Id) {
		return apperr.Forbidden("forms.staff_members_only")
	}
	var out any
	if b := nextBriefing(e.App); b != nil {
		out = briefingView(b)
	}
	return e.JSON(200, map[string]any{"briefing": out, "may_brief": accessOf(e.App, e.Auth).mayBrief()})
}

// handleSetBriefing: POST /api/crisisroom/briefing {at}: Leiter or S3 set the time of the
// next Lagebesprechung (RFC 3339); it is journaled and shown on every board.
func handleSetBriefing(e *core.RequestEvent) error {
	var b struct {
		At string `json:"at"`
	}
	if err := e.BindBody(&b); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_not_json", err)
	}
	a := accessOf(e.App, e.Auth)
	if !a.mayBrief() {
		return apperr.Forbidden("forms.briefing_set_by_head_or_s3")
	}
	at, err := parseDue(b.At)
	if err != nil || at.IsZero() {
		return apperr.New(http.StatusBadRequest, "forms.briefing_time_missing", err)
	}
	var r *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		r = nextBriefing(tx)
		if r == nil {
			coll, err := tx.FindCachedCollectionByNameOrId("briefings")
			if err != nil {
				return err
			}
			r = core.NewRecord(coll)
			r.Set("organisation", a.host)
			r.Set("held", false)
		}
		r.Set("incident", incidentId(tx))
		r.Set("at", at)
		r.Set("set_by", a.user.Id)
		r.Set("set_by_name", userName2(a.user))
		if err := tx.Save(r); err != nil {
			return err
		}
		if err := journalWrite(tx, journal.Entry{Organisation: a.host, Kind: "auto", Source: "form", SourceID: r.Id, Author: a.user,
			Text: "Nächste Lagebesprechung: " + localTime(at) + " Uhr."}); err != nil {
			return err
		}
		return upsertBoard(tx, boardBriefing, boardBriefing+" "+at.Time().In(journal.Zone()).Format("15:04"), "", "info", at.Time().Add(30*time.Minute))
	})
	if err != nil {
		return err
	}
	return e.JSON(200, briefingView(r))
}

// ResultsBody is the body of POST /api/crisisroom/briefing/results: the results of the
// briefing, each becoming an ETB entry, and the orders it gave.
type ResultsBody struct {
	Results []string   `json:"results"`
	Orders  []TaskBody `json:"orders"`
	Next    string     `json:"next"` // the next briefing's time (RFC 3339), announced at the end
}

// handleResults: POST /api/crisisroom/briefing/results (Leiter, S3): the briefing is
// held; every result is an ETB entry (mark W), every order a task (mark B).
func handleResults(e *core.RequestEvent) error {
	var b ResultsBody
	if err := e.BindBody(&b); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_not_json", err)
	}
	a := accessOf(e.App, e.Auth)
	if !a.mayBrief() {
		return apperr.Forbidden("forms.briefing_results_by_head_or_s3")
	}
	if len(b.Results) > 50 || len(b.Orders) > 50 {
		return apperr.BadRequest("forms.too_many_results")
	}
	tasks := []TaskView{}
	err := e.App.RunInTransaction(func(tx core.App) error {
		br := nextBriefing(tx)
		id := ""
		if br != nil {
			id = br.Id
			var lines []string
			for _, s := range b.Results {
				lines = append(lines, strings.TrimSpace(s))
			}
			br.Set("held", true)
			br.Set("results", strings.Join(lines, "\n"))
			if err := tx.Save(br); err != nil {
				return err
			}
		}
		for _, s := range b.Results {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if utf8.RuneCountInString(s) > 4000 {
				return apperr.BadRequest("forms.result_too_long")
			}
			if err := journalWrite(tx, journal.Entry{Organisation: a.host, Kind: "auto", Source: "form", SourceID: id, Author: a.user,
				Text: "Lagebesprechung: " + s, Mark: "W"}); err != nil {
				return err
			}
		}
		for _, o := range b.Orders {
			t, err := NewTask(tx, a, o, id)
			if err != nil {
				return err
			}
			tasks = append(tasks, taskView(tx, a, t))
		}
		if b.Next != "" {
			at, err := parseDue(b.Next)
			if err != nil {
				return err
			}
			coll, _ := tx.FindCachedCollectionByNameOrId("briefings")
			n := core.NewRecord(coll)
			n.Load(map[string]any{"organisation": a.host, "incident": incidentId(tx), "at": at, "set_by": a.user.Id, "set_by_name": userName2(a.user), "held": false})
			if err := tx.Save(n); err != nil {
				return err
			}
			return upsertBoard(tx, boardBriefing, boardBriefing+" "+at.Time().In(journal.Zone()).Format("15:04"), "", "info", at.Time().Add(30*time.Minute))
		}
		return upsertBoard(tx, boardBriefing, "", "", "", time.Time{})
	})
	if err != nil {
		return err
	}
	return e.JSON(200, map[string]any{"tasks": tasks})
}

// upsertBoard keeps one board item of the host with the given title prefix; an empty
// title removes it. Items of the host reach every board (hardware/boards.go).
func upsertBoard(tx core.App, prefix, title, body, severity string, expires time.Time) error {
	host := tenancy.HostOrganisation(tx)
	if host == nil {
		return nil
	}
	items, _ := tx.FindRecordsByFilter("board_items", "organisation = {:h} && title ~ {:p} && created_by = ''", "", 0, 0,
		dbx.Params{"h": host.Id, "p": prefix + "%"})
	if title == "" {
		for _, it := range items {
			if err := tx.Delete(it); err != nil {
				return err
			}
		}
		return nil
	}
	var it *core.Record
	if len(items) > 0 {
		it = items[0]
	} else {
		coll, err := tx.FindCachedCollectionByNameOrId("board_items")
		if err != nil {
			return err
		}
		it = core.NewRecord(coll)
		it.Set("organisation", host.Id)
	}
	it.Set("title", title)
	it.Set("body", body)
	it.Set("severity", severity)
	if !expires.IsZero() {
		d, _ := types.ParseDateTime(expires.UTC())
		it.Set("expires", d)
	} else {
		it.Set("expires", "")
	}
	return tx.Save(it)
}

// publishTasks puts the open orders per function on the host's boards.
func publishTasks(tx core.App) {
	host := tenancy.HostOrganisation(tx)
	if host == nil {
		return
	}
	filter := `organisation = {:h} && status != "erledigt"`
	params := dbx.Params{"h": host.Id}
	if inc := incidentId(tx); inc != "" {
		filter += " && incident = {:i}"
		params["i"] = inc
	}
	rows, _ := tx.FindRecordsByFilter("tasks", filter, "", 0, 0, params)
	per := map[string]int{}
	for _, t := range rows {
		code := "?"
		if fn := functionById(tx, t.GetString("owner_function")); fn != nil {
			code = fn.GetString("code")
		}
		per[code]++
	}
	if len(per) == 0 {
		_ = upsertBoard(tx, boardTasks, "", "", "", time.Time{})
		return
	}
	var codes []string
	for c := range per {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%s: %d", c, per[c]))
	}
	_ = upsertBoard(tx, boardTasks, fmt.Sprintf("%s: %d", boardTasks, len(rows)), strings.Join(parts, " · "), "info", time.Time{})
}
