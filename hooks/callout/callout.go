// Package callout is the staff call-out ("Stab alarmieren"): a host admin or operator
// calls a group of people (functions, organisations, a saved group such as "Stab
// Stufe 1", or named people) with a text and a priority; each gets it in the app
// (banner and tone, through their callout_recipients record) and, when they have no
// live connection, by SMS; they answer in the app or by SMS ("1 20" = coming in 20
// minutes, "2" = not coming); a second SMS goes to those who have not answered after
// a set time; the overview shows who comes when, live; all of it is journaled.
// It also carries people's mobile numbers and Blitz by SMS (see blitz.go).
package callout

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"crisisroom/apperr"
	"crisisroom/hardware/smsgateway"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/forms"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
)

// Timing knobs; tests shorten them.
var (
	// ReminderTick is how often due second SMS are looked for.
	ReminderTick = 10 * time.Second
	// BlitzDelay is how long a Blitz waits for an acknowledgement in the app before
	// it goes by SMS to those who asked for it and have no live connection.
	BlitzDelay = 60 * time.Second
	// AnswerWindow is how long after a call-out an SMS answer still counts for it.
	AnswerWindow = 24 * time.Hour
)

// MaxRecipients bounds one call-out.
const MaxRecipients = 500

type part struct {
	app  core.App
	gw   *smsgateway.Gateway
	stop chan struct{}

	// Work that runs after a request (SMS of a call-out, Blitz by SMS, reminders) is
	// counted, so that the appliance stops only after it (the database closes then).
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// begin counts a piece of background work; false once the appliance is stopping.
func (p *part) begin() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Add(1)
	return true
}

func (p *part) shutdown() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.stop)
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		p.app.Logger().Warn("call-out work still running at stop")
	}
}

// Register binds the call-out, the phone routes and Blitz by SMS to app; gw is the SMS
// gateway (smsgateway.Register). appliance.Register calls it once.
func Register(app core.App, gw *smsgateway.Gateway) {
	p := &part{app: app, gw: gw, stop: make(chan struct{})}
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		g := e.Router.Group("/api/crisisroom")
		g.Bind(apis.RequireAuth("users"))
		g.POST("/callouts", p.handleStart)
		g.POST("/callouts/{id}/answer", p.handleAnswer)
		g.POST("/callouts/{id}/close", p.handleClose)
		g.GET("/callouts/{id}/overview", p.handleOverview)
		g.GET("/callouts/functions", handleFunctions)
		g.POST("/callouts/preview", handlePreview)
		g.GET("/phones/{user}", handlePhoneGet)
		g.PUT("/phones/{user}", handlePhonePut)
		if p.begin() {
			go p.reminders()
		}
		return e.Next()
	})
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{Id: "crisisroom_callout_stop", Priority: -20, Func: func(e *core.TerminateEvent) error {
		p.shutdown()
		return e.Next()
	}})
	gw.OnInbound(p.inbound)
	gw.OnResult(p.smsResult)
	p.bindBlitz(app)
	app.OnRecordEnrich("sms_messages").BindFunc(smsLogEnrich)
	app.OnRecordEnrich("callouts").BindFunc(calloutEnrich)
	app.OnCollectionAfterCreateSuccess().BindFunc(calloutBackRelationsReset)
	app.OnCollectionAfterUpdateSuccess().BindFunc(calloutBackRelationsReset)
	app.OnCollectionAfterDeleteSuccess().BindFunc(calloutBackRelationsReset)
}

// StartRequest is the body of POST /api/crisisroom/callouts.
type StartRequest struct {
	Text     string `json:"text"`
	Priority string `json:"priority"` // normal, immediate, flash
	// Whom: the union of these (live, non-guest memberships).
	Functions     []string `json:"functions"`     // staff function codes ("S2", "VB-POL") or job titles ("Verbindungsbeamter")
	Organisations []string `json:"organisations"` // organisation ids or short names
	Group         string   `json:"group"`         // a callout_groups id
	Users         []string `json:"users"`         // user ids
	// RemindAfterMinutes: a second SMS to those who have not answered (0: none).
	RemindAfterMinutes int `json:"remind_after_minutes"`
}

func (p *part) handleStart(re *core.RequestEvent) error {
	if !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return apperr.Forbidden("callout.operators_only_call_out")
	}
	var req StartRequest
	if err := re.BindBody(&req); err != nil {
		return apperr.New(http.StatusBadRequest, "common.invalid_request", err)
	}
	req.Text = strings.TrimSpace(req.Text)
	if req.Text == "" || len([]rune(req.Text)) > 600 {
		return apperr.BadRequest("callout.text_missing")
	}
	switch req.Priority {
	case "":
		req.Priority = "immediate"
	case "normal", "immediate", "flash":
	default:
		return apperr.BadRequest("callout.unknown_priority")
	}
	if req.RemindAfterMinutes < 0 || req.RemindAfterMinutes > 24*60 {
		return apperr.BadRequest("callout.reminder_out_of_range")
	}
	host := tenancy.HostOrganisation(re.App)
	sel, err := resolve(re.App, host, req)
	if err != nil {
		return resolveError(re, err)
	}
	people, words := sel.people, sel.words
	if len(people) == 0 {
		return apperr.BadRequest("callout.nobody_selected")
	}
	if len(people) > MaxRecipients {
		return apperr.BadRequest("callout.too_many_recipients", MaxRecipients)
	}
	var co *core.Record
	var recs []*core.Record
	err = re.App.RunInTransaction(func(tx core.App) error {
		coll, err := tx.FindCollectionByNameOrId("callouts")
		if err != nil {
			return err
		}
		co = core.NewRecord(coll)
		co.Set("organisation", host.Id)
		co.Set("text", req.Text)
		co.Set("priority", req.Priority)
		co.Set("created_by", re.Auth.Id)
		co.Set("status", "active")
		co.Set("remind_after", req.RemindAfterMinutes*60)
		co.Set("selection", clip(strings.Join(words, ", "), 400))
		if err := tx.Save(co); err != nil {
			return err
		}
		rc, err := tx.FindCollectionByNameOrId("callout_recipients")
		if err != nil {
			return err
		}
		for _, pp := range people {
			r := core.NewRecord(rc)
			r.Set("callout", co.Id)
			r.Set("user", pp.user.Id)
			r.Set("name", pp.user.GetString("name"))
			r.Set("organisation_short", pp.orgShort)
			r.Set("function", pp.function)
			r.Set("connected", Connected(tx, pp.user.Id))
			r.Set("sms", "none")
			if err := tx.Save(r); err != nil {
				return err
			}
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		return apperr.Internal(err)
	}
	audit.Write(re.App, audit.Entry{Actor: re.Auth, Action: "callout.start", Organisation: host.Id, Target: co.Id,
		Data: map[string]any{"recipients": len(recs)}})
	// SMS to those without a live connection, after the commit and after the answer:
	// the banners are already out, each SMS is logged before it is handed to the driver
	// (whose queue is its own persistent store), and the overview shows each state live.
	// A stop of the appliance waits for this loop (shutdown), so no one is left out.
	actor := re.Auth
	if !p.begin() {
		return re.JSON(200, overview(re.App, co))
	}
	go func() {
		defer p.wg.Done()
		smsCount, noNumber := 0, 0
		for _, r := range recs {
			if r.GetBool("connected") {
				continue
			}
			switch p.sendTo(r, co, "callout") {
			case "queued":
				smsCount++
			case "no_number":
				noNumber++
			}
		}
		journalWrite(p.app, journal.Entry{Organisation: host.Id, Kind: "auto", Source: journalSource, SourceID: co.Id, Author: actor,
			Text: fmt.Sprintf("Stab alarmiert (%s): %q an %s (%s); per SMS: %d, ohne Mobilnummer und ohne Verbindung: %d.",
				priorityWord(req.Priority), req.Text, Personen(len(recs)), co.GetString("selection"), smsCount, noNumber)})
	}()
	return re.JSON(200, overview(re.App, co))
}

// Personen is a count of people in German words: "1 Person", "0 Personen", "4 Personen".
func Personen(n int) string {
	if n == 1 {
		return "1 Person"
	}
	return strconv.Itoa(n) + " Personen"
}

func priorityWord(p string) string {
	switch p {
	case "flash":
		return "Blitz"
	case "immediate":
		return "Sofort"
	}
	return "Normal"
}

// SMSText is what a call-out SMS says: sender, text, and the expected answers.
func SMSText(hostName, text string, reminder bool) string {
	head := "STAB-ALARM " + hostName + ": "
	if reminder {
		head = "ERINNERUNG STAB-ALARM " + hostName + ": "
	}
	return head + text + " -- Antwort per SMS: 1 <Minuten> = ich komme (z.B. 1 20), 2 = ich komme nicht."
}

// sendTo sends the call-out (or reminder) SMS to a recipient and returns the
// recipient's sms state: queued, no_number, or failed (no device).
func (p *part) sendTo(r, co *core.Record, purpose string) string {
	state := "no_number"
	phone := PhoneOf(p.app, r.GetString("user"))
	if phone != nil && phone.GetString("number") != "" {
		host := tenancy.HostOrganisation(p.app)
		name := "Krisenstab"
		if host != nil {
			name = host.GetString("name")
		}
		u, _ := p.app.FindRecordById("users", r.GetString("user"))
		_, err := p.gw.Send(smsgateway.SendOptions{Number: phone.GetString("number"), Text: SMSText(name, co.GetString("text"), purpose == "reminder"),
			Person: u, Purpose: purpose, Ref: co.Id})
		state = "queued"
		if err != nil {
			state = "failed"
		}
	}
	err := p.app.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById("callout_recipients", r.Id)
		if err != nil {
			return err
		}
		if state == "queued" {
			fresh.Set("sms_count", fresh.GetInt("sms_count")+1)
		}
		if fresh.GetString("sms") != "delivered" || state != "queued" {
			fresh.Set("sms", state)
		}
		return tx.Save(fresh)
	})
	if err != nil {
		p.app.Logger().Warn("call-out recipient not updated", "error", err)
	}
	return state
}

type person struct {
	user     *core.Record
	orgShort string
	function string
}

// selPart is one named part of a selection and the users it reaches (see PreviewPart).
type selPart struct {
	kind, key, label string
	users            map[string]bool
}

// selection is what a request resolves to: the people (by name), the words that
// describe it for the overview and the journal, and its parts for the preview.
type selection struct {
	people []person
	words  []string
	parts  []*selPart
}

// resolve turns a request into people: live, non-guest memberships matching any of
// the functions, organisations, the saved group, or the named users. A function is a
// staff function's code (its current holders, forms.StaffFunctions) or else a job title
// (memberships.function; see functions.go). Errors are API errors with an apperr code:
// a function of the request that is neither (callout.unknown_function: it would silently
// call nobody), an unknown organisation or group. A name in a saved group that is
// neither is no error: the group calls the rest and the preview shows that name as
// reaching nobody ("unknown").
func resolve(app core.App, host *core.Record, req StartRequest) (*selection, error) {
	sel := &selection{}
	newPart := func(kind, key, label string) *selPart {
		p := &selPart{kind: kind, key: key, label: label, users: map[string]bool{}}
		sel.parts = append(sel.parts, p)
		return p
	}
	staff := map[string]forms.Function{}
	for _, f := range forms.StaffFunctions(app) {
		staff[strings.ToLower(f.Code)] = f
	}
	titles := map[string]bool{}
	for _, f := range HeldFunctions(app) {
		titles[strings.ToLower(f.Function)] = true
	}
	// fnCodes: user id + "|" + organisation id → the codes of the staff functions named
	// that the user holds for that organisation (the liaison's own one, else the host).
	fnCodes := map[string][]string{}
	titleParts := map[string][]*selPart{}
	done := map[string]bool{}
	addFunction := func(name string, fromGroup bool) error {
		name = strings.TrimSpace(name)
		k := strings.ToLower(name)
		if name == "" || done[k] {
			return nil
		}
		done[k] = true
		switch f, ok := staff[k]; {
		case ok:
			p := newPart("function", f.Code, staffLabel(f))
			org := f.LiaisonOrg
			if org == "" && host != nil {
				org = host.Id
			}
			for _, h := range f.Holders {
				fnCodes[h.Id+"|"+org] = append(fnCodes[h.Id+"|"+org], f.Code)
				p.users[h.Id] = true
			}
			sel.words = append(sel.words, f.Code)
		case titles[k]:
			titleParts[k] = append(titleParts[k], newPart("title", name, name))
			sel.words = append(sel.words, name)
		case fromGroup:
			newPart(kindUnknown, name, name)
		default:
			return apperr.BadRequest("callout.unknown_function", name)
		}
		return nil
	}
	for _, f := range req.Functions {
		if err := addFunction(f, false); err != nil {
			return nil, err
		}
	}
	orgParts := map[string]*selPart{}
	addOrg := func(org *core.Record) {
		if orgParts[org.Id] == nil {
			orgParts[org.Id] = newPart("organisation", org.GetString("short"), org.GetString("name"))
			sel.words = append(sel.words, org.GetString("short"))
		}
	}
	for _, o := range req.Orgs() {
		org, err := app.FindRecordById("organisations", o)
		if err != nil {
			org, err = app.FindFirstRecordByData("organisations", "short", o)
		}
		if err != nil {
			return nil, apperr.BadRequest("callout.unknown_organisation", o)
		}
		addOrg(org)
	}
	want := map[string]bool{}
	if req.Group != "" {
		g, err := app.FindRecordById("callout_groups", req.Group)
		if err != nil || host == nil || g.GetString("organisation") != host.Id {
			return nil, apperr.BadRequest("callout.unknown_group")
		}
		sel.words = append(sel.words, g.GetString("name"))
		var fs []string
		_ = g.UnmarshalJSONField("functions", &fs)
		for _, f := range fs {
			_ = addFunction(f, true)
		}
		for _, o := range g.GetStringSlice("organisations") {
			// An organisation deleted since the group was saved calls nobody.
			if org, err := app.FindRecordById("organisations", o); err == nil {
				addOrg(org)
			}
		}
		for _, u := range g.GetStringSlice("users") {
			want[u] = true
		}
	}
	for _, u := range req.Users {
		want[u] = true
	}
	var usersPart *selPart
	if len(want) > 0 {
		usersPart = newPart("users", "", "Personen")
	}
	if len(req.Users) > 0 {
		sel.words = append(sel.words, Personen(len(req.Users)))
	}
	ms, err := app.FindAllRecords("memberships", dbx.NewExp("role != 'guest'"))
	if err != nil {
		return nil, err
	}
	at := map[string]int{} // user id → index in sel.people
	for _, m := range ms {
		uid, oid := m.GetString("user"), m.GetString("organisation")
		codes := fnCodes[uid+"|"+oid]
		tps := titleParts[strings.ToLower(strings.TrimSpace(m.GetString("function")))]
		if !(want[uid] || orgParts[oid] != nil || len(codes) > 0 || len(tps) > 0) {
			continue
		}
		if !tenancy.LiveMembership(app, m) {
			continue
		}
		if want[uid] {
			usersPart.users[uid] = true
		}
		if p := orgParts[oid]; p != nil {
			p.users[uid] = true
		}
		for _, p := range tps {
			p.users[uid] = true
		}
		// The overview's function column: the staff functions called, else the job title.
		fn := m.GetString("function")
		if len(codes) > 0 {
			fn = strings.Join(codes, ", ")
		}
		if i, seen := at[uid]; seen {
			if len(codes) > 0 {
				sel.people[i].function = fn
			}
			continue
		}
		u, err := app.FindRecordById("users", uid)
		if err != nil {
			continue
		}
		short := ""
		if org, _ := app.FindRecordById("organisations", oid); org != nil {
			short = org.GetString("short")
		}
		at[uid] = len(sel.people)
		sel.people = append(sel.people, person{user: u, orgShort: short, function: fn})
	}
	sort.Slice(sel.people, func(a, b int) bool {
		return sel.people[a].user.GetString("name") < sel.people[b].user.GetString("name")
	})
	return sel, nil
}

// Orgs are the request's organisations, trimmed.
func (r StartRequest) Orgs() []string {
	var out []string
	for _, o := range r.Organisations {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// POST /api/crisisroom/callouts/{id}/answer {"answer": "coming"|"declined", "eta_minutes": 20}
func (p *part) handleAnswer(re *core.RequestEvent) error {
	var body struct {
		Answer     string `json:"answer"`
		ETAMinutes int    `json:"eta_minutes"`
	}
	if err := re.BindBody(&body); err != nil {
		return apperr.New(http.StatusBadRequest, "common.invalid_request", err)
	}
	if body.Answer != "coming" && body.Answer != "declined" {
		return apperr.BadRequest("callout.answer_invalid")
	}
	if body.ETAMinutes < 0 || body.ETAMinutes > 24*60 {
		return apperr.BadRequest("callout.arrival_out_of_range")
	}
	r, err := re.App.FindFirstRecordByFilter("callout_recipients", "callout = {:c} && user = {:u}", dbx.Params{"c": re.Request.PathValue("id"), "u": re.Auth.Id})
	if err != nil {
		return apperr.NotFound("callout.not_for_you")
	}
	co, err := re.App.FindRecordById("callouts", r.GetString("callout"))
	if err != nil || co.GetString("status") != "active" {
		return apperr.BadRequest("callout.ended")
	}
	if err := p.answer(r.Id, body.Answer, body.ETAMinutes, "app"); err != nil {
		return apperr.Internal(err)
	}
	return re.JSON(200, map[string]any{"ok": true})
}

// answer records an answer (the latest counts) and journals it.
func (p *part) answer(recipientId, answer string, eta int, via string) error {
	var r *core.Record
	err := p.app.RunInTransaction(func(tx core.App) error {
		var err error
		if r, err = tx.FindRecordById("callout_recipients", recipientId); err != nil {
			return err
		}
		r.Set("answer", answer)
		r.Set("eta_minutes", 0)
		if answer == "coming" {
			r.Set("eta_minutes", eta)
		}
		r.Set("answered_at", time.Now().UTC())
		r.Set("answered_via", via)
		return tx.Save(r)
	})
	if err != nil {
		return err
	}
	word := "kommt nicht"
	if answer == "coming" {
		word = "kommt"
		if eta > 0 {
			word += " in " + strconv.Itoa(eta) + " Minuten"
		}
	}
	host := tenancy.HostOrganisation(p.app)
	if host != nil {
		u, _ := p.app.FindRecordById("users", r.GetString("user"))
		journalWrite(p.app, journal.Entry{Organisation: host.Id, Kind: "auto", Source: journalSource, SourceID: r.GetString("callout"), Author: u,
			Text: fmt.Sprintf("Rückmeldung zur Alarmierung (%s): %s %s.", map[string]string{"app": "App", "sms": "SMS"}[via], r.GetString("name"), word)})
	}
	return nil
}

func (p *part) handleClose(re *core.RequestEvent) error {
	if !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return apperr.Forbidden("callout.operators_only_end")
	}
	co, err := re.App.FindRecordById("callouts", re.Request.PathValue("id"))
	if err != nil {
		return apperr.NotFound("callout.not_found")
	}
	if co.GetString("status") != "closed" {
		co.Set("status", "closed")
		if err := re.App.Save(co); err != nil {
			return apperr.Internal(err)
		}
		o := overview(re.App, co)
		journalWrite(re.App, journal.Entry{Organisation: co.GetString("organisation"), Kind: "auto", Source: journalSource, SourceID: co.Id, Author: re.Auth,
			Text: fmt.Sprintf("Alarmierung beendet: %d %s, %d %s, %d ohne Antwort.", o.Coming, kommen(o.Coming), o.Declined, kommen(o.Declined)+" nicht", o.Open)})
	}
	return re.JSON(200, overview(re.App, co))
}

// kommen is the verb of a count of people coming: "1 kommt", "3 kommen".
func kommen(n int) string {
	if n == 1 {
		return "kommt"
	}
	return "kommen"
}

// Overview is the live picture of a call-out.
type Overview struct {
	ID         string          `json:"id"`
	Text       string          `json:"text"`
	Priority   string          `json:"priority"`
	Status     string          `json:"status"`
	Created    string          `json:"created"`
	Selection  string          `json:"selection"`
	Total      int             `json:"total"`
	Coming     int             `json:"coming"`
	Declined   int             `json:"declined"`
	Open       int             `json:"open"`
	Recipients []RecipientView `json:"recipients"`
}

// RecipientView is one line of the overview. ArrivesAt is answered_at plus the
// minutes given (RFC 3339), for "who comes when".
type RecipientView struct {
	ID           string `json:"id"`
	User         string `json:"user"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Function     string `json:"function"`
	Answer       string `json:"answer"`
	ETAMinutes   int    `json:"eta_minutes"`
	ArrivesAt    string `json:"arrives_at,omitempty"`
	AnsweredVia  string `json:"answered_via"`
	Connected    bool   `json:"connected"`
	SMS          string `json:"sms"`
	SMSCount     int    `json:"sms_count"`
}

func overview(app core.App, co *core.Record) Overview {
	o := Overview{ID: co.Id, Text: co.GetString("text"), Priority: co.GetString("priority"), Status: co.GetString("status"),
		Created: co.GetDateTime("created").Time().UTC().Format(time.RFC3339), Selection: co.GetString("selection")}
	rs, _ := app.FindRecordsByFilter("callout_recipients", "callout = {:c}", "name", 0, 0, dbx.Params{"c": co.Id})
	for _, r := range rs {
		v := RecipientView{ID: r.Id, User: r.GetString("user"), Name: r.GetString("name"), Organisation: r.GetString("organisation_short"),
			Function: r.GetString("function"), Answer: r.GetString("answer"), ETAMinutes: r.GetInt("eta_minutes"),
			AnsweredVia: r.GetString("answered_via"), Connected: r.GetBool("connected"), SMS: r.GetString("sms"), SMSCount: r.GetInt("sms_count")}
		switch v.Answer {
		case "coming":
			o.Coming++
			v.ArrivesAt = r.GetDateTime("answered_at").Time().Add(time.Duration(v.ETAMinutes) * time.Minute).UTC().Format(time.RFC3339)
		case "declined":
			o.Declined++
		default:
			o.Open++
		}
		o.Recipients = append(o.Recipients, v)
	}
	o.Total = len(rs)
	return o
}

func (p *part) handleOverview(re *core.RequestEvent) error {
	if !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return apperr.Forbidden("callout.operators_only_overview")
	}
	co, err := re.App.FindRecordById("callouts", re.Request.PathValue("id"))
	if err != nil {
		return apperr.NotFound("callout.not_found")
	}
	return re.JSON(200, overview(re.App, co))
}

// answerRe reads an SMS answer: "1", "1 20", "1,20", "1 20 min", "2". Anything else
// is not an answer.
var answerRe = regexp.MustCompile(`(?i)^\s*([12])(?:\s*[ ,;:.\-]\s*(\d{1,4}))?\s*(?:min(?:uten|utes)?\.?)?\s*$`)

// ParseAnswer reads a call-out answer SMS: ok is false when text is not one.
func ParseAnswer(text string) (answer string, eta int, ok bool) {
	m := answerRe.FindStringSubmatch(text)
	if m == nil {
		return "", 0, false
	}
	if m[1] == "2" {
		if m[2] != "" {
			return "", 0, false // "2 20" is no answer: perhaps a mistyped "1 20"
		}
		return "declined", 0, true
	}
	if m[2] != "" {
		eta, _ = strconv.Atoi(m[2])
		if eta > 24*60 {
			return "", 0, false
		}
	}
	return "coming", eta, true
}

// inbound takes SMS answers: call-out answers and Blitz acknowledgements. An SMS from
// a number nobody has (or two people share) answers nothing. A number that someone else
// than its person entered (an admin, EnteredByOther) answers only the call-out SMS that
// went to that very number: an admin who points a person's number at another phone after
// the call-out went out cannot answer it in the person's name from there.
func (p *part) inbound(app core.App, in smsgateway.Inbound) bool {
	if in.Unknown || in.Person == nil {
		return false
	}
	text := strings.TrimSpace(in.Text)
	if strings.EqualFold(strings.Trim(text, ".! "), "OK") {
		return p.ackBlitz(in)
	}
	answer, eta, ok := ParseAnswer(text)
	if !ok {
		return false
	}
	// The latest active call-out this person was called by, within the answer window.
	since := time.Now().Add(-AnswerWindow).UTC().Format("2006-01-02 15:04:05.000Z")
	rs, err := app.FindRecordsByFilter("callout_recipients", "user = {:u} && callout.status = 'active' && created >= {:since}", "-created", 1, 0,
		dbx.Params{"u": in.Person.Id, "since": since})
	if err != nil || len(rs) == 0 {
		return false
	}
	if EnteredByOther(app, in.Person.Id) && !sentTo(app, in.From, in.Person.Id, rs[0].GetString("callout"), "callout", "reminder") {
		return false
	}
	if err := p.answer(rs[0].Id, answer, eta, "sms"); err != nil {
		app.Logger().Warn("SMS answer not saved", "error", err)
		return false
	}
	rec := in.Record
	rec.Set("ref", rs[0].GetString("callout"))
	return true
}

// smsResult carries the SMS state of call-out and reminder SMS into the recipient.
func (p *part) smsResult(app core.App, rec *core.Record) {
	purpose := rec.GetString("purpose")
	if purpose != "callout" && purpose != "reminder" {
		return
	}
	state := map[string]string{"sent": "sent", "delivered": "delivered", "failed": "failed", "undelivered": "failed"}[rec.GetString("status")]
	if state == "" {
		return
	}
	_ = app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindFirstRecordByFilter("callout_recipients", "callout = {:c} && user = {:u}", dbx.Params{"c": rec.GetString("ref"), "u": rec.GetString("person")})
		if err != nil || r.GetString("sms") == state || (r.GetString("sms") == "delivered" && state == "sent") {
			return nil
		}
		r.Set("sms", state)
		return tx.Save(r)
	})
}

// reminders sends the second SMS of call-outs whose time has come.
func (p *part) reminders() {
	defer p.wg.Done()
	t := time.NewTicker(ReminderTick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.remindDue()
		}
	}
}

func (p *part) remindDue() {
	cos, err := p.app.FindRecordsByFilter("callouts", "status = 'active' && remind_after > 0 && reminded_at = ''", "", 50, 0)
	if err != nil {
		return
	}
	for _, co := range cos {
		if time.Since(co.GetDateTime("created").Time()) < time.Duration(co.GetInt("remind_after"))*time.Second {
			continue
		}
		co.Set("reminded_at", time.Now().UTC())
		if err := p.app.Save(co); err != nil {
			continue
		}
		rs, _ := p.app.FindRecordsByFilter("callout_recipients", "callout = {:c} && answer = ''", "", 0, 0, dbx.Params{"c": co.Id})
		n := 0
		for _, r := range rs {
			if p.sendTo(r, co, "reminder") == "queued" {
				n++
			}
		}
		journalWrite(p.app, journal.Entry{Organisation: co.GetString("organisation"), Kind: "auto", Source: journalSource, SourceID: co.Id,
			Text: fmt.Sprintf("Zweite SMS zur Alarmierung an %d von %s ohne Antwort.", n, Personen(len(rs)))})
	}
}

// journalSource is the Einsatztagebuch source of call-out and Blitz-by-SMS entries:
// "message", since both are messages to the staff (the journal's sources are fixed:
// journal_entries is append-only, schema included); SourceID names the call-out or the
// Blitz message.
const journalSource = "message"

// journalWrite writes to the Einsatztagebuch when an operation is open (without one
// there is no journal; the audit log still has the call-out).
func journalWrite(app core.App, e journal.Entry) {
	if _, err := journal.Write(app, e); err != nil && !errors.Is(err, journal.ErrNoIncident) {
		app.Logger().Warn("call-out not journaled", "error", err)
	}
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
