package forms

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
)

// The steps of a form (DV 1-101 4-63f). Outgoing: draft → triage (Sichter) → to_send
// (Fernmelder), or back to returned with a reason → sent (S2's copy outstanding) →
// closed. Incoming: triage (after intake) → distributed → closed when every recipient
// has marked it done.
const (
	StateDraft       = "draft"
	StateTriage      = "triage"
	StateReturned    = "returned"
	StateToSend      = "to_send"
	StateSent        = "sent"
	StateDistributed = "distributed"
	StateClosed      = "closed"
)

var (
	media      = []string{"funk", "telefon", "fax", "email", "melder", "messenger", "persoenlich"}
	kinds      = []string{"durchsage", "spruch", "gespraechsnotiz"}
	priorities = []string{"einfach", "sofort", "blitz"}
)

// Note is a Vermerk on the form: who did a step, when, in which function (fields 1–3, 15).
type Note struct {
	At       string `json:"at"`
	By       string `json:"by"`
	Name     string `json:"name"`
	Sign     string `json:"sign"`
	Function string `json:"function"`
	Way      string `json:"way,omitempty"`
}

// Recipient is one box of the distribution (field 16): a function, lead or for
// information, and its read and done marks.
type Recipient struct {
	Function string `json:"function"` // staff function id
	Code     string `json:"code"`
	Role     string `json:"role"` // lead, info
	ReadAt   string `json:"read_at,omitempty"`
	ReadBy   string `json:"read_by,omitempty"`
	DoneAt   string `json:"done_at,omitempty"`
	DoneBy   string `json:"done_by,omitempty"`
}

func notesOf(r *core.Record) map[string]Note {
	out := map[string]Note{}
	_ = json.Unmarshal([]byte(r.GetString("notes")), &out)
	return out
}

func recipientsOf(r *core.Record) []Recipient {
	var out []Recipient
	_ = json.Unmarshal([]byte(r.GetString("recipients")), &out)
	return out
}

func now() string { return types.NowDateTime().String() }

// sign is a person's Handzeichen: the initials of their name (taken from the account,
// never typed).
func sign(u *core.Record) string {
	name := u.GetString("name")
	if name == "" {
		name = u.GetString("username")
	}
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		if strings.HasSuffix(w, ".") {
			continue // "Dr."
		}
		for _, r := range w {
			b.WriteRune(r)
			break
		}
	}
	return strings.ToUpper(b.String())
}

func note(u *core.Record, fn string) Note {
	return Note{At: now(), By: u.Id, Name: userName2(u), Sign: sign(u), Function: fn}
}

func userName2(u *core.Record) string {
	if n := u.GetString("name"); n != "" {
		return n
	}
	return u.GetString("username")
}

// nextNumber gives the next running number of a direction in the operation. It must run
// inside the transaction that saves the form: SQLite has one writer, so two intakes
// cannot read the same maximum, and the unique index is the second guard (gapless:
// a number is taken only by a form that is saved in the same transaction).
func nextNumber(tx core.App, org, incident, direction string) (int, error) {
	var n struct {
		Max int `db:"m"`
	}
	err := tx.DB().NewQuery(`SELECT COALESCE(MAX(number), 0) AS m FROM forms WHERE organisation = {:o} AND incident = {:i} AND direction = {:d}`).
		Bind(dbx.Params{"o": org, "i": incident, "d": direction}).One(&n)
	return n.Max + 1, err
}

// event appends a step to form_events (append-only).
func event(tx core.App, f *core.Record, action string, by *core.Record, fn string, data map[string]any) error {
	coll, err := tx.FindCachedCollectionByNameOrId("form_events")
	if err != nil {
		return err
	}
	r := core.NewRecord(coll)
	r.Set("form", f.Id)
	r.Set("action", action)
	if by != nil {
		r.Set("actor", by.Id)
		r.Set("actor_name", userName2(by))
	}
	r.Set("function", fn)
	r.Set("state", f.GetString("state"))
	if data == nil {
		data = map[string]any{}
	}
	r.Set("data", data)
	return tx.Save(r)
}

// Label is the register number as staff say it: "E 12" for incoming, "A 3" for outgoing.
func Label(f *core.Record) string {
	p := "A"
	if f.GetString("direction") == "in" {
		p = "E"
	}
	if n := f.GetInt("number"); n > 0 {
		return fmt.Sprintf("%s %d", p, n)
	}
	return p + " –"
}

func prioLabel(p string) string {
	switch p {
	case "blitz":
		return "Blitz"
	case "sofort":
		return "Sofort"
	}
	return "einfach"
}

// ---- who may see what ----

// access is what one person may do with forms: the functions held and the host.
type access struct {
	user *core.Record
	host string
	fns  map[string]*core.Record // by code
	ids  map[string]bool         // held function ids
	// hostStaff: a live non-guest member of the host (may author outgoing forms).
	hostStaff bool
}

func accessOf(app core.App, u *core.Record) *access {
	a := &access{user: u, fns: map[string]*core.Record{}, ids: map[string]bool{}}
	host := tenancy.HostOrganisation(app)
	if host == nil || u == nil || u.Collection().Name != "users" {
		return a
	}
	a.host = host.Id
	a.hostStaff = tenancy.IsStaff(app, u.Id, host.Id)
	a.fns = functionsOf(app, u.Id)
	for _, r := range a.fns {
		a.ids[r.Id] = true
	}
	return a
}

func (a *access) has(codes ...string) bool {
	for _, c := range codes {
		if a.fns[c] != nil {
			return true
		}
	}
	return false
}

// desk: the communications post and the Sichter see every form of the host (they run
// the register); the head of staff too.
func (a *access) desk() bool {
	return a.hostStaff && a.has(Sichter, LdF, Fernmelder, Leiter)
}

// recipient: the person holds a function the form is distributed to.
func (a *access) recipient(f *core.Record) bool {
	for _, r := range recipientsOf(f) {
		if a.ids[r.Function] {
			return true
		}
	}
	return false
}

// canSee: the author of an outgoing form; desk staff once it is submitted; a holder of a distributed
// function once the form is distributed (never before). Other organisations see a form
// only through their Verbindungsstelle function being among the recipients.
func (a *access) canSee(f *core.Record) bool {
	if a.host == "" || f.GetString("organisation") != a.host {
		return false
	}
	if a.hostStaff && f.GetString("author") == a.user.Id {
		return true
	}
	switch f.GetString("state") {
	case StateDraft, StateReturned:
		// the author's until submitted: the Sichter checks what is submitted, nothing else
		return false
	}
	if a.desk() {
		return true
	}
	switch f.GetString("state") {
	case StateDistributed, StateSent, StateClosed:
		return a.recipient(f)
	}
	return false
}

// FormView is a form as the routes answer it, with what the caller may do at its step.
type FormView struct {
	Id                string           `json:"id"`
	Label             string           `json:"label"`
	Direction         string           `json:"direction"`
	Number            int              `json:"number"`
	State             string           `json:"state"`
	Medium            string           `json:"medium"`
	Kind              string           `json:"kind"`
	Priority          string           `json:"priority"`
	Counterpart       string           `json:"counterpart"`
	CounterpartNumber string           `json:"counterpart_number"`
	Subject           string           `json:"subject"`
	Text              string           `json:"text"`
	Sender            string           `json:"sender"`
	WrittenAt         string           `json:"written_at"`
	Author            string           `json:"author"`
	AuthorName        string           `json:"author_name"`
	AuthorFunction    string           `json:"author_function"`
	Notes             map[string]Note  `json:"notes"`
	ReturnReason      string           `json:"return_reason"`
	Recipients        []Recipient      `json:"recipients"`
	Remarks           string           `json:"remarks"`
	Completion        string           `json:"completion"`
	ReplyTo           string           `json:"reply_to"`
	ReplyToLabel      string           `json:"reply_to_label,omitempty"`
	Fax               string           `json:"fax"`
	Message           string           `json:"message"`
	SentVia           string           `json:"sent_via"`
	SentRef           string           `json:"sent_ref"`
	Created           string           `json:"created"`
	Updated           string           `json:"updated"`
	Actions           []string         `json:"actions"`
	Editable          []string         `json:"editable"`
	Events            []map[string]any `json:"events,omitempty"`
}

func (a *access) view(app core.App, f *core.Record, withEvents bool) FormView {
	v := FormView{
		Id: f.Id, Label: Label(f), Direction: f.GetString("direction"), Number: f.GetInt("number"), State: f.GetString("state"),
		Medium: f.GetString("medium"), Kind: f.GetString("kind"), Priority: f.GetString("priority"),
		Counterpart: f.GetString("counterpart"), CounterpartNumber: f.GetString("counterpart_number"),
		Subject: f.GetString("subject"), Text: f.GetString("text"), Sender: f.GetString("sender"), WrittenAt: f.GetString("written_at"),
		Author: f.GetString("author"), AuthorName: f.GetString("author_name"), AuthorFunction: f.GetString("author_function"),
		Notes: notesOf(f), ReturnReason: f.GetString("return_reason"), Recipients: recipientsOf(f),
		Remarks: f.GetString("remarks"), Completion: f.GetString("completion"), ReplyTo: f.GetString("reply_to"),
		Fax: f.GetString("fax"), Message: f.GetString("message"), SentVia: f.GetString("sent_via"), SentRef: f.GetString("sent_ref"),
		Created: f.GetDateTime("created").String(), Updated: f.GetDateTime("updated").String(),
		Actions: a.actions(f), Editable: a.editable(f),
	}
	if v.Recipients == nil {
		v.Recipients = []Recipient{}
	}
	if v.ReplyTo != "" {
		if orig, err := app.FindRecordById("forms", v.ReplyTo); err == nil {
			v.ReplyToLabel = Label(orig)
		}
	}
	if withEvents {
		evs, _ := app.FindRecordsByFilter("form_events", "form = {:f}", "created", 0, 0, dbx.Params{"f": f.Id})
		for _, e := range evs {
			var data map[string]any
			_ = e.UnmarshalJSONField("data", &data)
			v.Events = append(v.Events, map[string]any{"action": e.GetString("action"), "actor_name": e.GetString("actor_name"),
				"function": e.GetString("function"), "state": e.GetString("state"), "at": e.GetDateTime("created").String(), "data": data})
		}
	}
	return v
}

// contentFields are what the author writes (fields 5–14); the Sichter checks them and
// never changes them.
var contentFields = []string{"medium", "kind", "priority", "counterpart", "counterpart_number", "subject", "text", "sender"}

// editable: the fields the caller may change at the form's step.
func (a *access) editable(f *core.Record) []string {
	st := f.GetString("state")
	switch {
	case f.GetString("direction") == "out" && (st == StateDraft || st == StateReturned) && a.hostStaff && f.GetString("author") == a.user.Id:
		return contentFields
	case f.GetString("direction") == "out" && st == StateToSend && a.hostStaff && a.has(Fernmelder, LdF):
		// the communications post chooses the way and the other end's call sign
		return []string{"medium", "counterpart", "counterpart_number", "remarks"}
	case st == StateTriage && a.hostStaff && a.has(Sichter) && !a.authored(f):
		// An incoming form is in the Sichter's step from intake on: what the Fernmelder
		// took in is frozen then, as an outgoing form is after its submission.
		return []string{"remarks"}
	}
	return []string{}
}

// authored: the caller wrote the form (outgoing) or took it in (incoming); such a
// person never triages it (four eyes, DV 1-101 4-63).
func (a *access) authored(f *core.Record) bool {
	return a.user != nil && f.GetString("author") != "" && f.GetString("author") == a.user.Id
}

// actions: the transitions the caller may take now.
func (a *access) actions(f *core.Record) []string {
	out := []string{}
	if !a.hostStaff && !a.recipient(f) {
		return out
	}
	st, dir := f.GetString("state"), f.GetString("direction")
	author := a.authored(f)
	switch {
	case dir == "out" && (st == StateDraft || st == StateReturned) && author && a.hostStaff:
		out = append(out, "submit")
	case dir == "out" && st == StateTriage && a.hostStaff && a.has(Sichter) && !author:
		// four eyes: the author (or who took it in) never triages the own form
		out = append(out, "release", "return")
	case dir == "out" && st == StateToSend && a.hostStaff && a.has(Fernmelder, LdF):
		out = append(out, "transmit")
	case dir == "in" && st == StateTriage && a.hostStaff && a.has(Sichter) && !author:
		out = append(out, "distribute")
	}
	if st == StateDistributed || st == StateSent {
		for _, r := range recipientsOf(f) {
			if a.ids[r.Function] {
				if r.ReadAt == "" {
					out = append(out, "read")
				}
				if r.DoneAt == "" {
					out = append(out, "done")
				}
				break
			}
		}
	}
	if a.hostStaff && st != StateDraft && st != StateReturned && a.canSee(f) {
		out = append(out, "reply")
	}
	return out
}

// queues: which queue a form is in for the caller, "" for none.
func (a *access) queue(f *core.Record) string {
	for _, act := range a.actions(f) {
		switch act {
		case "release", "distribute":
			return "sichten"
		case "transmit":
			return "uebermitteln"
		case "submit":
			if f.GetString("state") == StateReturned {
				return "zurueck"
			}
		case "done", "read":
			return "eingang"
		}
	}
	return ""
}

func prioRank(p string) int {
	switch p {
	case "blitz":
		return 0
	case "sofort":
		return 1
	}
	return 2
}

// sortForms: Blitz first, then Sofort, then einfach; within a priority the oldest first
// (a queue is worked from the top).
func sortForms(list []*core.Record) {
	slices.SortStableFunc(list, func(x, y *core.Record) int {
		if d := prioRank(x.GetString("priority")) - prioRank(y.GetString("priority")); d != 0 {
			return d
		}
		return strings.Compare(x.GetDateTime("created").String(), y.GetDateTime("created").String())
	})
}

func errNotFound() error {
	return apperr.NotFound("forms.form_not_found")
}

// entry writes a decision or order of a form into the host's Einsatztagebuch.
func entry(tx core.App, f *core.Record, by *core.Record, mark, text string) error {
	return journalWrite(tx, journal.Entry{Incident: f.GetString("incident"), Organisation: f.GetString("organisation"), Kind: "auto",
		Source: "form", SourceID: f.Id, Author: by, Text: text, Mark: mark})
}

// incidentId is the open operation's id, "" when none is open (numbers then run per
// appliance until one opens).
func incidentId(app core.App) string {
	if inc := journal.OpenIncident(app); inc != nil {
		return inc.Id
	}
	return ""
}

var _ = time.Second

var errAppendOnly = apperr.BadRequest("forms.form_events_append_only")
