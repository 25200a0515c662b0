package journal

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// RetentionYears is how long a closed operation's journals are kept, in calendar years
// after closing (THW handbook 2022).
const RetentionYears = 10

// EventTimeBefore is how far before the operation was opened a manual entry's event
// time (occurred_at) may lie.
const EventTimeBefore = 24 * time.Hour

// SignInterval is how often the heads of growing journals are signed.
var SignInterval = time.Hour

// Register binds the journal's hooks and routes to app: the automatic entries, the
// operations, the routes under /api/crisisroom/journal and the hourly signature.
func Register(app core.App) {
	bindSources(app)
	bindIncidents(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api/crisisroom")
		g.Bind(apis.RequireAuth("users"))
		g.POST("/journal/entries", handleManual)
		g.POST("/journal/mark", handleMark)
		g.GET("/journal/head", handleHead)
		g.GET("/journal/export", handleExport)
		g.GET("/journal/key", handleKey)
		g.GET("/journal/me", handleMe)
		g.POST("/incidents/{id}/close", handleClose)
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			signEveryHour(se.App, SignInterval, stop)
		}()
		se.App.OnTerminate().BindFunc(func(te *core.TerminateEvent) error {
			select {
			case <-stop:
			default:
				close(stop)
			}
			// A signing under way finishes before the databases close behind it (they
			// close once every terminate handler has returned).
			<-done
			return te.Next()
		})
		return se.Next()
	})
}

var (
	errNoIncident  = apperr.BadRequest("journal.no_operation_open")
	errNotKeeper   = apperr.Forbidden("journal.not_keeper")
	errNotReader   = apperr.Forbidden("journal.not_reader")
	errNoMessage   = apperr.Forbidden("journal.message_not_yours")
	errCorrection  = apperr.BadRequest("journal.correction_target_invalid")
	errDuplicate   = apperr.BadRequest("journal.message_already_in_journal")
	errText        = apperr.BadRequest("journal.entry_text_missing")
	errMark        = apperr.BadRequest("journal.search_mark_invalid")
	errClosed      = apperr.BadRequest("journal.operation_already_closed")
	errCloser      = apperr.Forbidden("journal.close_not_yours")
	errSecondClose = apperr.BadRequest("journal.second_close_same_function")
)

// CanWrite: user is the ETB keeper or S2 of org (a live, non-guest membership whose
// function names ETB or S2).
func CanWrite(app core.App, userId, org string) bool {
	m := tenancy.Membership(app, userId, org)
	if m == nil || m.GetString("role") == "guest" {
		return false
	}
	f := m.GetString("function")
	return IsKeeperFunction(f) || IsS2Function(f)
}

// CanRead: user may read the whole journal of org: live non-guest staff of org, except
// that the host's journal (whose shared-channel entries follow the channels' visibility)
// is read whole only by the host's operators and its ETB keeper and S2.
func CanRead(app core.App, userId, org string) bool {
	if org != "" && org == hostId(app) {
		return tenancy.IsHostOperator(app, userId) || CanWrite(app, userId, org)
	}
	return tenancy.IsStaff(app, userId, org)
}

// IsHeadOfStaff: a live admin of the host organisation.
func IsHeadOfStaff(app core.App, userId string) bool {
	host := tenancy.HostOrganisation(app)
	return host != nil && tenancy.RoleIn(app, userId, host.Id) == "admin"
}

type manualBody struct {
	Organisation string `json:"organisation"`
	Text         string `json:"text"`
	Mark         string `json:"mark"`
	OccurredAt   string `json:"occurred_at"`
	Corrects     string `json:"corrects"`
}

// handleManual: POST /api/crisisroom/journal/entries {organisation, text, mark?,
// occurred_at?, corrects?} writes a manual entry or a correction into the organisation's
// journal of the open operation, as the signed-in person (no author can be given).
func handleManual(e *core.RequestEvent) error {
	var b manualBody
	if err := e.BindBody(&b); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_could_not_read", err)
	}
	if !CanWrite(e.App, e.Auth.Id, b.Organisation) {
		return errNotKeeper
	}
	inc := OpenIncident(e.App)
	if inc == nil {
		return errNoIncident
	}
	b.Text = strings.TrimSpace(b.Text)
	if b.Text == "" {
		return errText
	}
	if utf8.RuneCountInString(b.Text) > MaxManualText {
		return apperr.BadRequest("journal.entry_text_too_long", MaxManualText)
	}
	if b.Mark != "" && !strings.Contains("ABEKW", b.Mark) || len(b.Mark) > 1 {
		return errMark
	}
	en := Entry{Incident: inc.Id, Organisation: b.Organisation, Kind: "manual", Source: "manual", Author: e.Auth,
		AuthorOrg: b.Organisation, Text: b.Text, Mark: b.Mark}
	if b.OccurredAt != "" {
		t, err := types.ParseDateTime(b.OccurredAt)
		if err != nil || t.IsZero() || t.Time().After(time.Now().Add(time.Minute)) {
			return apperr.New(http.StatusBadRequest, "journal.event_time_invalid", err)
		}
		// What led up to the operation (the first alarm, the call that opened it) may be
		// written in afterwards; a time further back is a typing error that the
		// append-only journal could only carry with a correction.
		opened := inc.GetDateTime("opened").Time()
		if earliest := opened.Add(-EventTimeBefore); !opened.IsZero() && t.Time().Before(earliest) {
			return apperr.BadRequest("journal.event_time_before_operation", earliest.In(Zone()).Format("02.01.2006 15:04"))
		}
		en.OccurredAt = t.Time()
	}
	var rec *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		if b.Corrects != "" {
			orig, err := tx.FindRecordById("journal_entries", b.Corrects)
			if err != nil || orig.GetString("incident") != inc.Id || orig.GetString("organisation") != b.Organisation || orig.GetString("corrects") != "" {
				return errCorrection
			}
			en.Corrects = orig.Id
			en.SourceID = orig.Id
			en.Text = fmt.Sprintf("Berichtigung zu Nr. %d: %s", orig.GetInt("seq"), b.Text)
		}
		var err error
		rec, err = write(tx, en)
		return err
	})
	if err != nil {
		return err
	}
	audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "journal.entry", Organisation: b.Organisation, Target: rec.Id,
		Data: map[string]any{"incident": inc.Id, "seq": rec.GetInt("seq"), "corrects": rec.GetString("corrects"), "mark": rec.GetString("mark")}})
	return e.JSON(http.StatusOK, rec)
}

// handleMark: POST /api/crisisroom/journal/mark {message, organisation} puts a message
// the signed-in person can read ("ins ETB") into the journal of organisation, which must
// be one of theirs (staff) and, for an org or shared channel, take part in it. A shared
// channel's message marked into the host's journal is readable by its organisations.
func handleMark(e *core.RequestEvent) error {
	var b struct {
		Message      string `json:"message"`
		Organisation string `json:"organisation"`
	}
	if err := e.BindBody(&b); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_could_not_read", err)
	}
	msg, err := e.App.FindRecordById("messages", b.Message)
	if err != nil || msg.GetBool("deleted") || tenancy.ChannelMember(e.App, msg.GetString("channel"), e.Auth.Id) == nil {
		return errNoMessage
	}
	if !tenancy.IsStaff(e.App, e.Auth.Id, b.Organisation) {
		return errNotReader
	}
	ch, err := e.App.FindRecordById("channels", msg.GetString("channel"))
	if err != nil {
		return errNoMessage
	}
	kind := ch.GetString("kind")
	if kind == "org" || kind == "shared" {
		in := false
		for _, o := range channelOrgs(ch) {
			in = in || o == b.Organisation
		}
		if !in {
			return errNoMessage
		}
	}
	inc := OpenIncident(e.App)
	if inc == nil {
		return errNoIncident
	}
	en := Entry{Incident: inc.Id, Organisation: b.Organisation, Kind: "auto", Source: "message", SourceID: msg.Id, Channel: ch.Id,
		Author: e.Auth, AuthorOrg: b.Organisation}
	if kind == "shared" && b.Organisation == hostId(e.App) {
		en.Readers = channelOrgs(ch)
	}
	who := ""
	if a := userOrDevice(e.App, msg.GetString("author"), msg.GetString("device")); a != nil {
		_, who, _, _ = snapshot(e.App, a, channelOrgs(ch)...)
	}
	name := ch.GetString("name")
	if kind == "direct" || kind == "group" {
		name = "Unterhaltung"
	}
	en.Text = fmt.Sprintf("Ins ETB übernommen: %s von %s in „%s“ (%s): %s", messageWord(msg.GetString("priority")), who, name,
		msg.GetDateTime("created").Time().In(Zone()).Format("02.01.2006 15:04"), msg.GetString("body"))
	en.OccurredAt = msg.GetDateTime("created").Time()
	var rec *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		n := 0
		_ = tx.DB().NewQuery(`SELECT COUNT(*) FROM journal_entries WHERE incident = {:i} AND organisation = {:o} AND source = 'message' AND source_id = {:m}`).
			Bind(dbx.Params{"i": inc.Id, "o": b.Organisation, "m": msg.Id}).Row(&n)
		if n > 0 {
			return errDuplicate
		}
		var err error
		rec, err = write(tx, en)
		return err
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, rec)
}

// journalParams reads ?incident= (default: the open one, else the newest) and
// ?organisation= and checks that the signed-in person may read the whole journal (whole)
// or is at least live staff of its organisation (the chain head: a number and a hash).
func journalParams(e *core.RequestEvent, whole bool) (*core.Record, string, error) {
	org := e.Request.URL.Query().Get("organisation")
	if whole && !CanRead(e.App, e.Auth.Id, org) || !whole && !tenancy.IsStaff(e.App, e.Auth.Id, org) {
		return nil, "", errNotReader
	}
	id := e.Request.URL.Query().Get("incident")
	var inc *core.Record
	var err error
	if id != "" {
		inc, err = e.App.FindRecordById("incidents", id)
	} else if inc = OpenIncident(e.App); inc == nil {
		var list []*core.Record
		list, err = e.App.FindRecordsByFilter("incidents", "", "-opened", 1, 0)
		if err == nil && len(list) > 0 {
			inc = list[0]
		} else {
			err = errNoIncident
		}
	}
	if err != nil || inc == nil {
		return nil, "", errNoIncident
	}
	return inc, org, nil
}

// handleHead: GET /api/crisisroom/journal/head?organisation=&incident= answers the chain
// head {incident, organisation, seq, hash, recorded_at, signed} (signed: the last signed
// head or null).
func handleHead(e *core.RequestEvent) error {
	inc, org, err := journalParams(e, false)
	if err != nil {
		return err
	}
	last, err := lastOf(e.App, inc.Id, org)
	if err != nil {
		return err
	}
	out := map[string]any{"incident": inc.Id, "incident_name": inc.GetString("name"), "status": inc.GetString("status"),
		"organisation": org, "seq": last.Seq, "hash": last.Hash, "recorded_at": last.RecordedAt, "signed": nil}
	if hs := heads(e.App, inc.Id, org); len(hs) > 0 {
		out["signed"] = hs[len(hs)-1]
	}
	return e.JSON(http.StatusOK, out)
}

// handleKey: GET /api/crisisroom/journal/key answers the appliance's public key (hex).
func handleKey(e *core.RequestEvent) error {
	priv, err := SigningKey(e.App.DataDir())
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]string{"public_key": hex.EncodeToString(priv.Public().(ed25519.PublicKey))})
}

// handleMe: GET /api/crisisroom/journal/me answers the open operation and, per
// organisation of the signed-in person, whether they read and write its journal and
// whether they take part in closing ({incident, incidents:[{id, name, status, opened}]
// (newest 50), journals:[{organisation, name, short, write, whole, host}], keeper, head,
// operator}).
func handleMe(e *core.RequestEvent) error {
	ms, err := e.App.FindRecordsByFilter("memberships", `user = {:u} && role != "guest"`, "", 0, 0, dbx.Params{"u": e.Auth.Id})
	if err != nil {
		return err
	}
	journals := []map[string]any{}
	host := hostId(e.App)
	keeper := false
	hostRole := "" // the role of a live membership of the host, as tenancy.RoleIn has it
	// Each row decides what CanWrite, CanRead, IsHeadOfStaff and IsHostOperator would look
	// up again: one query per organisation, not a dozen.
	for _, m := range ms {
		if tenancy.Expired(m) { // tenancy.LiveMembership, with the organisation below
			continue
		}
		o, err := e.App.FindRecordById("organisations", m.GetString("organisation"))
		if err != nil || o.GetString("status") != tenancy.OrgActive {
			continue
		}
		f := m.GetString("function")
		w := IsKeeperFunction(f) || IsS2Function(f) // CanWrite: live staff in a keeper's or S2's function
		whole := true                               // CanRead: live staff of an organisation other than the host
		if o.Id == host {
			hostRole = m.GetString("role")
			whole = hostRole == "admin" || hostRole == "operator" || w
			keeper = keeper || w
		}
		journals = append(journals, map[string]any{"organisation": o.Id, "name": o.GetString("name"), "short": o.GetString("short"),
			"write": w, "whole": whole, "host": o.Id == host})
	}
	// The operations are shown as the incidents collection shows them: to live staff of
	// some organisation (a journal of their own). A guest, an expired guest or a person
	// without membership gets the answer of "none open": no name, no ids of the people
	// who opened it or asked to close it.
	var inc any
	list := []map[string]any{}
	if len(journals) > 0 {
		if r := OpenIncident(e.App); r != nil {
			inc = r
		} else if l, err := e.App.FindRecordsByFilter("incidents", "", "-opened", 1, 0); err == nil && len(l) > 0 {
			inc = l[0]
		}
		all, _ := e.App.FindRecordsByFilter("incidents", "", "-opened", 50, 0)
		for _, r := range all {
			list = append(list, map[string]any{"id": r.Id, "name": r.GetString("name"), "status": r.GetString("status"), "opened": r.GetString("opened")})
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"incident": inc, "incidents": list, "journals": journals, "keeper": keeper,
		"head": hostRole == "admin", "host": host, "operator": hostRole == "admin" || hostRole == "operator"})
}

// handleClose: POST /api/crisisroom/incidents/{id}/close. Closing needs two people: the
// host's ETB keeper (or S2) and the head of staff (a host admin), in either order. The
// second confirmation closes the operation: every journal gets a closing entry, its head
// is signed, and retain_until is set to closed + 10 years.
func handleClose(e *core.RequestEvent) error {
	inc, err := e.App.FindRecordById("incidents", e.Request.PathValue("id"))
	if err != nil {
		return apperr.NotFound("journal.operation_not_found")
	}
	host := hostId(e.App)
	isKeeper := CanWrite(e.App, e.Auth.Id, host)
	isHead := IsHeadOfStaff(e.App, e.Auth.Id)
	if !isKeeper && !isHead {
		return errCloser
	}
	if inc.GetString("status") != "open" {
		return errClosed
	}
	first := inc.GetString("close_requested_by")
	if first == "" || first == e.Auth.Id {
		inc.Set("close_requested_by", e.Auth.Id)
		inc.Set("close_requested_at", types.NowDateTime())
		if err := e.App.Save(inc); err != nil {
			return err
		}
		audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "incident.close_requested", Organisation: host, Target: inc.Id})
		return e.JSON(http.StatusOK, map[string]any{"status": "open", "close_requested_by": e.Auth.Id})
	}
	// The pair must be one keeper (or S2) and one head of staff, two people.
	firstKeeper, firstHead := CanWrite(e.App, first, host), IsHeadOfStaff(e.App, first)
	if !((isKeeper && firstHead) || (isHead && firstKeeper)) {
		return errSecondClose
	}
	if err := Close(e.App, inc, e.Auth); err != nil {
		return err
	}
	audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "incident.closed", Organisation: host, Target: inc.Id,
		Data: map[string]any{"requested_by": first}})
	return e.JSON(http.StatusOK, inc)
}

// Close closes an operation in one transaction: a closing entry in every journal of it,
// each head signed (reason "close"), status closed, closed and retain_until set.
func Close(app core.App, inc *core.Record, by *core.Record) error {
	return app.RunInTransaction(func(tx core.App) error {
		orgs, err := journalsOf(tx, inc.Id)
		if err != nil {
			return err
		}
		for _, org := range orgs {
			if _, err := write(tx, Entry{Incident: inc.Id, Organisation: org, Kind: "auto", Source: "incident", SourceID: inc.Id, Author: by, AuthorOrg: hostId(tx),
				Text: fmt.Sprintf("Einsatz „%s“ geschlossen; Einsatztagebuch abgeschlossen.", inc.GetString("name"))}); err != nil {
				return err
			}
			if _, err := signHead(tx, tx.DataDir(), inc.Id, org, "close"); err != nil {
				return err
			}
		}
		now := types.NowDateTime()
		inc.Set("status", "closed")
		inc.Set("closed", now)
		if by != nil {
			inc.Set("closed_by", by.Id)
		}
		retain, _ := types.ParseDateTime(now.Time().AddDate(RetentionYears, 0, 0))
		inc.Set("retain_until", retain)
		return tx.Save(inc)
	})
}

// bindIncidents: one operation open at a time; opened and status are the server's; an
// operation is never deleted once it has a journal (or before its retention ends).
func bindIncidents(app core.App) {
	app.OnRecordCreateRequest("incidents").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth != nil && e.Auth.Collection().Name == "users" {
			e.Record.Set("opened_by", e.Auth.Id)
		} else {
			e.Record.Set("opened_by", "")
		}
		e.Record.Set("close_requested_by", "")
		e.Record.Set("closed_by", "")
		if err := e.Next(); err != nil {
			return err
		}
		audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "incident.opened", Organisation: hostId(e.App), Target: e.Record.Id})
		return nil
	})
	app.OnRecordCreate("incidents").BindFunc(func(e *core.RecordEvent) error {
		if OpenIncident(e.App) != nil {
			return apperr.BadRequest("journal.operation_already_open")
		}
		e.Record.Set("status", "open")
		e.Record.Set("opened", types.NowDateTime())
		e.Record.Set("closed", "")
		e.Record.Set("retain_until", "")
		return e.Next()
	})
	app.OnRecordDelete("incidents").BindFunc(func(e *core.RecordEvent) error {
		n := 0
		_ = e.App.DB().NewQuery(`SELECT COUNT(*) FROM journal_entries WHERE incident = {:i}`).Bind(dbx.Params{"i": e.Record.Id}).Row(&n)
		if n > 0 || e.Record.GetDateTime("retain_until").Time().After(time.Now()) {
			return apperr.BadRequest("journal.operation_with_journal_kept")
		}
		return e.Next()
	})
	app.OnRecordUpdate("incidents").BindFunc(func(e *core.RecordEvent) error {
		old := e.Record.Original()
		if old.GetString("status") == "closed" {
			return apperr.BadRequest("journal.operation_closed_unchanged")
		}
		return e.Next()
	})
}

// messageWord names a message by its priority as the staff says it: "Blitz-Nachricht",
// "Sofort-Nachricht", and a plain "Nachricht" (never "einfach-Nachricht").
func messageWord(p string) string {
	if p == "flash" || p == "immediate" {
		return PriorityLabel(p) + "-Nachricht"
	}
	return "Nachricht"
}
