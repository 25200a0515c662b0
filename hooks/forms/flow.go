package forms

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// FormBody is the body of POST /api/crisisroom/forms and PATCH …/forms/{id}: the
// content fields (5–14) of the form. Times and signs are never taken from it.
type FormBody struct {
	Direction         string  `json:"direction"` // in (intake by the communications post) or out (a draft)
	Medium            *string `json:"medium"`
	Kind              *string `json:"kind"`
	Priority          *string `json:"priority"`
	Counterpart       *string `json:"counterpart"`
	CounterpartNumber *string `json:"counterpart_number"`
	Subject           *string `json:"subject"`
	Text              *string `json:"text"`
	Sender            *string `json:"sender"`
	Remarks           *string `json:"remarks"`
	ReplyTo           string  `json:"reply_to"`
}

var fieldMax = map[string]int{"counterpart": 200, "counterpart_number": 60, "subject": 200, "text": 20000, "sender": 200, "remarks": 4000}

// apply sets the fields of b the caller may change (allowed) on f; a field given but
// not allowed is refused, not dropped, so nobody believes a change was made.
func (b FormBody) apply(f *core.Record, allowed []string) error {
	set := map[string]*string{"medium": b.Medium, "kind": b.Kind, "priority": b.Priority, "counterpart": b.Counterpart,
		"counterpart_number": b.CounterpartNumber, "subject": b.Subject, "text": b.Text, "sender": b.Sender, "remarks": b.Remarks}
	for name, v := range set {
		if v == nil {
			continue
		}
		if !slices.Contains(allowed, name) {
			if f.GetString(name) == strings.TrimSpace(*v) {
				continue // unchanged: the editor sends the whole form
			}
			return apperr.Forbidden("forms.field_locked_at_step", name)
		}
		val := strings.TrimSpace(strings.ToValidUTF8(*v, "\uFFFD"))
		switch name {
		case "medium":
			if val != "" && !slices.Contains(media, val) {
				return apperr.BadRequest("forms.unknown_medium")
			}
		case "kind":
			if val != "" && !slices.Contains(kinds, val) {
				return apperr.BadRequest("forms.unknown_kind")
			}
		case "priority":
			if !slices.Contains(priorities, val) {
				return apperr.BadRequest("forms.priority_invalid")
			}
		default:
			if utf8.RuneCountInString(val) > fieldMax[name] {
				return apperr.BadRequest("forms.field_too_long", name, fieldMax[name])
			}
		}
		f.Set(name, val)
	}
	return nil
}

func functionLabel(a *access) string {
	var codes []string
	for _, r := range allOrdered(a) {
		codes = append(codes, r.GetString("code"))
	}
	return strings.Join(codes, ", ")
}

func allOrdered(a *access) []*core.Record {
	var list []*core.Record
	for _, r := range a.fns {
		list = append(list, r)
	}
	slices.SortFunc(list, func(x, y *core.Record) int { return x.GetInt("sort") - y.GetInt("sort") })
	return list
}

func (a *access) mayIntake() bool { return a.hostStaff && a.has(Fernmelder, LdF) }

// handleCreate: POST /api/crisisroom/forms. direction "out": any live non-guest member of
// the host writes a draft (author, sign and function from the account). direction "in":
// the Fernmelder (or Leiter Fernmeldebetrieb) takes a message in; the form gets the next
// incoming number and the intake note at once and goes to the Sichter.
func handleCreate(e *core.RequestEvent) error {
	var b FormBody
	if err := e.BindBody(&b); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_not_json", err)
	}
	a := accessOf(e.App, e.Auth)
	f, err := create(e.App, a, b, "", "")
	if err != nil {
		return err
	}
	return e.JSON(201, a.view(e.App, f, true))
}

// create makes a form for the direction of b; fax and message name what it was taken
// from (the received fax, the captured message).
func create(app core.App, a *access, b FormBody, fax, message string) (*core.Record, error) {
	switch b.Direction {
	case "out":
		if !a.hostStaff {
			return nil, apperr.Forbidden("forms.only_staff_write_forms")
		}
	case "in":
		if !a.mayIntake() && a.user != nil {
			return nil, apperr.Forbidden("forms.only_fernmelder_takes_in")
		}
	default:
		return nil, apperr.BadRequest("forms.direction_invalid")
	}
	coll, err := app.FindCachedCollectionByNameOrId("forms")
	if err != nil {
		return nil, err
	}
	f := core.NewRecord(coll)
	f.Set("organisation", tenancy.HostOrganisation(app).Id)
	f.Set("direction", b.Direction)
	f.Set("priority", "einfach")
	if b.Priority == nil {
		p := "einfach"
		b.Priority = &p
	}
	if err := b.apply(f, append(slices.Clone(contentFields), "remarks")); err != nil {
		return nil, err
	}
	if strings.TrimSpace(f.GetString("text")) == "" && strings.TrimSpace(f.GetString("subject")) == "" && fax == "" {
		return nil, apperr.BadRequest("forms.subject_or_text_missing")
	}
	if b.ReplyTo != "" {
		orig, err := app.FindRecordById("forms", b.ReplyTo)
		if err != nil || !a.canSee(orig) {
			return nil, errNotFound()
		}
		if b.Direction != "out" {
			return nil, apperr.BadRequest("forms.reply_must_be_outgoing")
		}
		f.Set("reply_to", orig.Id)
	}
	f.Set("fax", fax)
	f.Set("message", message)
	err = app.RunInTransaction(func(tx core.App) error {
		f.Set("incident", incidentId(tx))
		notes := map[string]Note{}
		if a.user != nil {
			f.Set("author", a.user.Id)
			f.Set("author_name", userName2(a.user))
			f.Set("author_function", functionLabel(a))
			f.Set("written_at", now())
		}
		if b.Direction == "in" {
			n, err := nextNumber(tx, f.GetString("organisation"), f.GetString("incident"), "in")
			if err != nil {
				return err
			}
			f.Set("number", n)
			f.Set("state", StateTriage)
			if a.user != nil {
				notes["intake"] = note(a.user, functionLabel(a))
			} else {
				notes["intake"] = Note{At: now(), Name: "Faxgerät", Sign: "FAX", Function: "automatisch"}
			}
		} else {
			f.Set("state", StateDraft)
		}
		f.Set("notes", notes)
		f.Set("recipients", []Recipient{})
		if err := tx.Save(f); err != nil {
			return err
		}
		action := "draft"
		if b.Direction == "in" {
			action = "intake"
		}
		return event(tx, f, action, a.user, functionLabel(a), map[string]any{"number": f.GetInt("number"), "fax": fax, "message": message, "reply_to": b.ReplyTo})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// loadFor finds a form the caller may see; one the caller may not see is "not found",
// so its existence leaks nothing.
func loadFor(app core.App, a *access, id string) (*core.Record, error) {
	f, err := app.FindRecordById("forms", id)
	if err != nil || !a.canSee(f) {
		return nil, errNotFound()
	}
	return f, nil
}

// handleGet: GET /api/crisisroom/forms/{id}: the form with its steps.
func handleGet(e *core.RequestEvent) error {
	a := accessOf(e.App, e.Auth)
	f, err := loadFor(e.App, a, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	return e.JSON(200, a.view(e.App, f, true))
}

// handleUpdate: PATCH /api/crisisroom/forms/{id}: the fields the caller may change at
// the form's step (FormView.editable); anything else is refused.
func handleUpdate(e *core.RequestEvent) error {
	var b FormBody
	if err := e.BindBody(&b); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_not_json", err)
	}
	a := accessOf(e.App, e.Auth)
	var out *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		f, err := loadFor(tx, a, e.Request.PathValue("id"))
		if err != nil {
			return err
		}
		allowed := a.editable(f)
		if len(allowed) == 0 {
			if f.GetString("state") == StateClosed {
				return apperr.BadRequest("forms.form_closed")
			}
			return apperr.Forbidden("forms.form_locked_at_step")
		}
		before := map[string]any{}
		for _, n := range allowed {
			before[n] = f.GetString(n)
		}
		if err := b.apply(f, allowed); err != nil {
			return err
		}
		changed := map[string]any{}
		for _, n := range allowed {
			if f.GetString(n) != before[n] {
				changed[n] = f.GetString(n)
			}
		}
		if len(changed) == 0 {
			out = f
			return nil
		}
		if err := tx.Save(f); err != nil {
			return err
		}
		out = f
		return event(tx, f, "edit", a.user, functionLabel(a), changed)
	})
	if err != nil {
		return err
	}
	return e.JSON(200, a.view(e.App, out, true))
}

// StepBody is the body of POST /api/crisisroom/forms/{id}/{action}.
type StepBody struct {
	Reason     string   `json:"reason"`     // return: required
	Lead       string   `json:"lead"`       // distribute: the lead function's id
	Info       []string `json:"info"`       // distribute: functions for information
	Way        string   `json:"way"`        // transmit: fax, channel, funk, telefon, melder, email, messenger, persoenlich
	Fax        string   `json:"fax"`        // transmit by fax: the fax record sent through the fax path
	Channel    string   `json:"channel"`    // transmit into a channel
	Completion string   `json:"completion"` // done: remarks on completion (field 17)
}

// handleStep: POST /api/crisisroom/forms/{id}/{action}, the enforced flow. Each action
// checks the form's step and the caller's function (see access.actions); a step not
// open to the caller is 403, a closed form 400.
func handleStep(e *core.RequestEvent) error {
	var b StepBody
	if e.Request.ContentLength != 0 {
		if err := e.BindBody(&b); err != nil {
			return apperr.New(http.StatusBadRequest, "common.request_not_json", err)
		}
	}
	action := e.Request.PathValue("action")
	a := accessOf(e.App, e.Auth)
	var out *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		f, err := loadFor(tx, a, e.Request.PathValue("id"))
		if err != nil {
			return err
		}
		if !slices.Contains([]string{"submit", "release", "return", "transmit", "distribute", "read", "done"}, action) {
			return errNotFound()
		}
		if !slices.Contains(a.actions(f), action) {
			if f.GetString("state") == StateClosed {
				return apperr.BadRequest("forms.form_closed")
			}
			if (action == "release" || action == "return" || action == "distribute") && a.authored(f) && a.has(Sichter) {
				return apperr.Forbidden("forms.four_eyes_triage")
			}
			return stepRefusal(action)
		}
		out = f
		return step(tx, a, f, action, b)
	})
	if err != nil {
		return err
	}
	return e.JSON(200, a.view(e.App, out, true))
}

// stepRefusal is the 403 answer to a step that is not the caller's.
func stepRefusal(action string) *router.ApiError {
	switch action {
	case "release", "return", "distribute":
		return apperr.Forbidden("forms.step_for_sichter")
	case "transmit":
		return apperr.Forbidden("forms.step_for_fernmelder")
	case "submit":
		return apperr.Forbidden("forms.step_for_author")
	}
	return apperr.Forbidden("forms.step_not_yours")
}

func step(tx core.App, a *access, f *core.Record, action string, b StepBody) error {
	notes := notesOf(f)
	fn := functionLabel(a)
	data := map[string]any{}
	switch action {
	case "submit":
		if strings.TrimSpace(f.GetString("counterpart")) == "" {
			return apperr.BadRequest("forms.addressee_missing")
		}
		f.Set("state", StateTriage)
		f.Set("return_reason", "")
	case "return":
		reason := strings.TrimSpace(b.Reason)
		if reason == "" {
			return apperr.BadRequest("forms.return_reason_missing")
		}
		if utf8.RuneCountInString(reason) > 2000 {
			return apperr.BadRequest("forms.return_reason_too_long")
		}
		f.Set("state", StateReturned)
		f.Set("return_reason", reason)
		data["reason"] = reason
	case "release":
		notes["triage"] = note(a.user, fn)
		f.Set("state", StateToSend)
	case "transmit":
		if err := transmit(tx, a, f, b, notes, data); err != nil {
			return err
		}
	case "distribute":
		if err := distribute(tx, f, b, data); err != nil {
			return err
		}
		notes["triage"] = note(a.user, fn)
	case "read", "done":
		rs := recipientsOf(f)
		for i := range rs {
			if !a.ids[rs[i].Function] {
				continue
			}
			if rs[i].ReadAt == "" {
				rs[i].ReadAt, rs[i].ReadBy = now(), userName2(a.user)
				if _, ok := notes["receipt"]; !ok && rs[i].Role == "lead" {
					notes["receipt"] = note(a.user, rs[i].Code)
				}
			}
			if action == "done" && rs[i].DoneAt == "" {
				rs[i].DoneAt, rs[i].DoneBy = now(), userName2(a.user)
				if c := strings.TrimSpace(b.Completion); c != "" {
					if utf8.RuneCountInString(c) > 4000 {
						return apperr.BadRequest("forms.completion_note_too_long")
					}
					prev := f.GetString("completion")
					if prev != "" {
						prev += "\n"
					}
					f.Set("completion", prev+rs[i].Code+": "+c)
				}
			}
			data["function"] = rs[i].Code
			break
		}
		f.Set("recipients", rs)
		all := true
		for _, r := range rs {
			all = all && r.DoneAt != ""
		}
		if all {
			f.Set("state", StateClosed)
		}
	}
	f.Set("notes", notes)
	if err := tx.Save(f); err != nil {
		return err
	}
	if err := event(tx, f, action, a.user, fn, data); err != nil {
		return err
	}
	switch action {
	case "distribute":
		return entry(tx, f, a.user, "", fmt.Sprintf("Eingang %s (%s) %s: %s. %s", Label(f), prioLabel(f.GetString("priority")), counterpartOf(f), subjectOf(f), distributionText(tx, f)))
	case "transmit":
		return entry(tx, f, a.user, "", fmt.Sprintf("Ausgang %s (%s) an %s übermittelt (%s): %s", Label(f), prioLabel(f.GetString("priority")), f.GetString("counterpart"), wayLabel(f.GetString("sent_via")), subjectOf(f)))
	case "done":
		if f.GetString("state") == StateClosed && f.GetString("direction") == "in" {
			return entry(tx, f, a.user, "E", fmt.Sprintf("Eingang %s erledigt: %s", Label(f), subjectOf(f)))
		}
	}
	return nil
}

func counterpartOf(f *core.Record) string {
	if s := f.GetString("sender"); s != "" {
		return "von " + s
	}
	if s := f.GetString("counterpart"); s != "" {
		return "von " + s
	}
	return ""
}

func subjectOf(f *core.Record) string {
	if s := f.GetString("subject"); s != "" {
		return s
	}
	t := strings.TrimSpace(f.GetString("text"))
	if utf8.RuneCountInString(t) > 80 {
		t = string([]rune(t)[:80]) + " …"
	}
	return t
}

func distributionText(app core.App, f *core.Record) string {
	var lead string
	var info []string
	for _, r := range recipientsOf(f) {
		if r.Role == "lead" {
			lead = r.Code
		} else {
			info = append(info, r.Code)
		}
	}
	return "Federführend " + lead + "; zur Kenntnis " + strings.Join(info, ", ") + "."
}

// distribute sets the recipients: one lead function, any number for information, and
// S2 always (it keeps the situation and the documentation).
func distribute(tx core.App, f *core.Record, b StepBody, data map[string]any) error {
	lead := functionById(tx, b.Lead)
	if lead == nil {
		return apperr.BadRequest("forms.lead_function_missing")
	}
	rs := []Recipient{{Function: lead.Id, Code: lead.GetString("code"), Role: "lead"}}
	seen := map[string]bool{lead.Id: true}
	add := func(r *core.Record) {
		if r != nil && !seen[r.Id] {
			seen[r.Id] = true
			rs = append(rs, Recipient{Function: r.Id, Code: r.GetString("code"), Role: "info"})
		}
	}
	if len(b.Info) > 50 {
		return apperr.BadRequest("forms.too_many_recipients")
	}
	for _, id := range b.Info {
		r := functionById(tx, id)
		if r == nil {
			return apperr.BadRequest("forms.distribution_unknown_function")
		}
		add(r)
	}
	add(functionByCode(tx, S2))
	f.Set("recipients", rs)
	f.Set("lead", lead.Id)
	f.Set("state", StateDistributed)
	var codes []string
	for _, r := range rs {
		codes = append(codes, r.Code+"/"+r.Role)
	}
	data["recipients"] = codes
	return nil
}

var ways = []string{"fax", "channel", "funk", "telefon", "melder", "email", "messenger", "persoenlich"}

func wayLabel(w string) string {
	switch w {
	case "fax":
		return "Fax"
	case "channel":
		return "Kanal"
	case "funk":
		return "Funk"
	case "telefon":
		return "Telefon"
	case "melder":
		return "Melder"
	case "email":
		return "E-Mail"
	case "persoenlich":
		return "persönlich"
	}
	return "Messenger"
}

// transmit sends an outgoing form its way and gives it the next outgoing number (at
// dispatch): by fax through the appliance's fax path (the fax record the caller created
// with the form's text), into a channel as a message, or recorded as sent by radio,
// phone, courier. S2 gets its copy.
func transmit(tx core.App, a *access, f *core.Record, b StepBody, notes map[string]Note, data map[string]any) error {
	if !slices.Contains(ways, b.Way) {
		return apperr.BadRequest("forms.transmission_way_missing")
	}
	// A form sent again after a failed fax keeps the number it was given.
	n := f.GetInt("number")
	if n == 0 {
		var err error
		if n, err = nextNumber(tx, f.GetString("organisation"), f.GetString("incident"), "out"); err != nil {
			return err
		}
	}
	f.Set("number", n)
	switch b.Way {
	case "fax":
		fx, err := tx.FindRecordById("faxes", b.Fax)
		if err != nil || fx.GetString("direction") != "out" || fx.GetString("requested_by") != a.user.Id {
			return apperr.BadRequest("forms.fax_missing")
		}
		if other, err := tx.FindFirstRecordByFilter("forms", "sent_ref = {:r}", dbx.Params{"r": fx.Id}); err == nil && other.Id != f.Id {
			return apperr.BadRequest("forms.fax_of_other_form")
		}
		f.Set("sent_ref", fx.Id)
		f.Set("medium", "fax")
		if f.GetString("counterpart_number") == "" {
			f.Set("counterpart_number", fx.GetString("number"))
		}
	case "channel":
		cm := tenancy.ChannelMember(tx, b.Channel, a.user.Id)
		ch, err := tx.FindRecordById("channels", b.Channel)
		if cm == nil || cm.GetString("role") == "readonly" || err != nil || ch.GetBool("archived") {
			return apperr.Forbidden("forms.channel_not_writable")
		}
		coll, err := tx.FindCachedCollectionByNameOrId("messages")
		if err != nil {
			return err
		}
		m := core.NewRecord(coll)
		prio := map[string]string{"blitz": "flash", "sofort": "immediate"}[f.GetString("priority")]
		if prio == "" {
			prio = "normal"
		}
		body := fmt.Sprintf("Vordruck %s an %s\nBetreff: %s\n\n%s", Label(f), f.GetString("counterpart"), f.GetString("subject"), f.GetString("text"))
		m.Load(map[string]any{"channel": ch.Id, "author": a.user.Id, "body": body, "priority": prio, "source": "web", "client_key": "form-" + f.Id})
		if err := tx.Save(m); err != nil {
			return err
		}
		f.Set("sent_ref", m.Id)
		f.Set("medium", "messenger")
	default:
		f.Set("medium", map[string]string{"funk": "funk", "telefon": "telefon", "melder": "melder", "email": "email", "messenger": "messenger", "persoenlich": "persoenlich"}[b.Way])
	}
	f.Set("sent_via", b.Way)
	fn := functionLabel(a)
	if _, ok := notes["acceptance"]; !ok {
		notes["acceptance"] = note(a.user, fn)
	}
	t := note(a.user, fn)
	t.Way = b.Way
	notes["transmission"] = t
	f.Set("state", StateSent)
	rs := []Recipient{}
	if s2 := functionByCode(tx, S2); s2 != nil {
		rs = append(rs, Recipient{Function: s2.Id, Code: S2, Role: "info"})
	} else {
		f.Set("state", StateClosed)
	}
	f.Set("recipients", rs)
	data["way"] = b.Way
	data["number"] = n
	data["ref"] = f.GetString("sent_ref")
	return nil
}
