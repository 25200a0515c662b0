package journal

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
)

// decideFn looks at a record about to be created, changed (old: its stored state) or
// deleted (deleted true) and returns the journal entries it causes. It runs before the
// transaction and reads with app; SourceID "" is filled with the record's id afterwards.
type decideFn func(app core.App, r, old *core.Record, deleted bool) []Entry

// journaled wraps a collection's execute hook (the database write itself): when the
// change belongs in a journal, the write and its entries share one transaction, so a
// cause that fails writes no entry and an entry that cannot be written fails its cause.
// e.App is put back afterwards: PocketBase's after-success hooks must not get the
// finished transaction.
func journaled(decide decideFn, deleted bool) func(e *core.RecordEvent) error {
	return func(e *core.RecordEvent) error {
		var old *core.Record
		if !e.Record.IsNew() {
			old = e.Record.Original()
		}
		entries := decide(e.App, e.Record, old, deleted)
		if len(entries) == 0 {
			return e.Next()
		}
		orig := e.App
		defer func() { e.App = orig }()
		return orig.RunInTransaction(func(tx core.App) error {
			e.App = tx
			if err := e.Next(); err != nil {
				return err
			}
			for _, en := range entries {
				if en.SourceID == "" {
					en.SourceID = e.Record.Id
				}
				if _, err := write(tx, en); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

func bindSources(app core.App) {
	for _, s := range []struct {
		coll   string
		decide decideFn
	}{
		{"messages", messageEntries},
		{"faxes", faxEntries},
		{"siren_activations", sirenEntries},
		{"board_items", situationEntries},
		{"organisations", organisationEntries},
		{"channels", channelEntries},
		{"memberships", keeperEntries},
		{"incidents", incidentEntries},
	} {
		app.OnRecordCreateExecute(s.coll).BindFunc(journaled(s.decide, false))
		app.OnRecordUpdateExecute(s.coll).BindFunc(journaled(s.decide, false))
		app.OnRecordDeleteExecute(s.coll).BindFunc(journaled(s.decide, true))
	}
	// Shared channels and situation items belong to the operation open when they are made.
	app.OnRecordCreate("channels", "board_items").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("incident") == "" && (e.Record.Collection().Name == "board_items" || e.Record.GetString("kind") == "shared") {
			if inc := OpenIncident(e.App); inc != nil {
				e.Record.Set("incident", inc.Id)
			}
		}
		return e.Next()
	})
}

func hostId(app core.App) string {
	if h := tenancy.HostOrganisation(app); h != nil {
		return h.Id
	}
	return ""
}

func userOrDevice(app core.App, userId, deviceId string) *core.Record {
	if userId != "" {
		if u, err := app.FindRecordById("users", userId); err == nil {
			return u
		}
	}
	if deviceId != "" {
		if d, err := app.FindRecordById("devices", deviceId); err == nil {
			return d
		}
	}
	return nil
}

func user(app core.App, id string) *core.Record {
	if id == "" {
		return nil
	}
	u, err := app.FindRecordById("users", id)
	if err != nil {
		return nil
	}
	return u
}

func channelOrgs(ch *core.Record) []string {
	out := []string{ch.GetString("organisation")}
	for _, o := range ch.GetStringSlice("organisations") {
		if o != out[0] {
			out = append(out, o)
		}
	}
	return out
}

// PriorityLabel is the German name of a message priority (Nachrichtenvordruck field 8).
func PriorityLabel(p string) string {
	switch p {
	case "flash":
		return "Blitz"
	case "immediate":
		return "Sofort"
	}
	return "einfach"
}

// messageEntries: Blitz and Sofort messages of shared channels and of the host's own
// channels go into the host's journal. Plain chat and direct conversations do not.
func messageEntries(app core.App, r, old *core.Record, deleted bool) []Entry {
	if old != nil || deleted {
		return nil
	}
	p := r.GetString("priority")
	if p != "flash" && p != "immediate" {
		return nil
	}
	if OpenIncident(app) == nil {
		return nil
	}
	ch, err := app.FindRecordById("channels", r.GetString("channel"))
	if err != nil {
		return nil
	}
	host := hostId(app)
	e := Entry{Organisation: host, Kind: "auto", Source: "message", Channel: ch.Id,
		Author: userOrDevice(app, r.GetString("author"), r.GetString("device")), Attachments: fileDigests(r, "attachments")}
	switch {
	case ch.GetString("kind") == "shared":
		e.Readers = channelOrgs(ch)
		e.AuthorOrg = ""
		for _, o := range e.Readers {
			if e.Author != nil && tenancy.Membership(app, e.Author.Id, o) != nil {
				e.AuthorOrg = o
				break
			}
		}
	case ch.GetString("kind") == "org" && ch.GetString("organisation") == host:
	default:
		return nil
	}
	if p == "flash" {
		e.Mark = "W"
	}
	e.Text = fmt.Sprintf("%s-Nachricht in „%s“: %s", PriorityLabel(p), ch.GetString("name"), r.GetString("body"))
	return []Entry{e}
}

func deviceOf(app core.App, id string) *core.Record {
	d, err := app.FindRecordById("devices", id)
	if err != nil {
		return nil
	}
	return d
}

func deviceName(d *core.Record) string {
	if n := d.GetString("name"); n != "" {
		return n
	}
	return d.GetString("username")
}

// faxEntries: a received fax and a sent fax go into the journal of the organisation
// whose fax device it is.
func faxEntries(app core.App, r, old *core.Record, deleted bool) []Entry {
	if deleted {
		return nil
	}
	status := r.GetString("status")
	if old != nil && old.GetString("status") == status {
		return nil
	}
	if !((r.GetString("direction") == "in" && status == "received") || (r.GetString("direction") == "out" && status == "sent")) {
		return nil
	}
	if OpenIncident(app) == nil {
		return nil
	}
	dev := deviceOf(app, r.GetString("device"))
	if dev == nil {
		return nil
	}
	e := Entry{Organisation: dev.GetString("organisation"), Kind: "auto", Source: "fax", Channel: r.GetString("channel"),
		Attachments: fileDigests(r, "document")}
	pages := r.GetInt("pages")
	if status == "received" {
		from := r.GetString("remote_id")
		if from == "" {
			from = r.GetString("number")
		}
		if from == "" {
			from = "unbekannt"
		}
		e.Text = fmt.Sprintf("Fax empfangen auf %s von %s, %d Seite(n).", deviceName(dev), from, pages)
		e.Mark = "A"
	} else {
		e.Author = user(app, r.GetString("requested_by"))
		e.Text = fmt.Sprintf("Fax gesendet über %s an %s, %d Seite(n).", deviceName(dev), r.GetString("number"), pages)
		if t := r.GetString("text"); t != "" {
			e.Text += " Text: " + t
		}
	}
	return []Entry{e}
}

var signalLabel = map[string]string{"warning": "Warnung", "all_clear": "Entwarnung", "test": "Probealarm", "room_alarm": "Raumalarm", "off": "Aus"}

var endLabel = map[string]string{"stopped": "gestoppt", "expired": "abgelaufen", "failed": "ausgefallen", "refused": "abgelehnt"}

// sirenEntries: an activation, its confirmation (by a second operator or the device's
// echo) and its end go into the journal of the siren's organisation.
func sirenEntries(app core.App, r, old *core.Record, deleted bool) []Entry {
	if deleted || OpenIncident(app) == nil {
		return nil
	}
	dev := deviceOf(app, r.GetString("device"))
	if dev == nil {
		return nil
	}
	name := deviceName(dev)
	if z := dev.GetString("zone"); z != "" {
		name += " (Zone " + z + ")"
	}
	base := Entry{Organisation: dev.GetString("organisation"), Kind: "auto", Source: "siren"}
	var out []Entry
	if old == nil {
		e := base
		e.Author = user(app, r.GetString("requested_by"))
		via := ""
		if r.GetString("requested_via") != "" {
			via = " über " + r.GetString("requested_via")
		}
		// An activation refused at once (offline relay, a remote system without the
		// right to sound it) is no order: the journal says so, with the reason.
		if r.GetString("state") == "refused" {
			e.Text = fmt.Sprintf("Auslösung der Sirene %s%s abgelehnt: %s, %d s.", name, via, signalLabel[r.GetString("signal")], r.GetInt("duration"))
			if reason := r.GetString("reason"); reason != "" {
				e.Text += " Grund: " + reason
			}
			return append(out, e)
		}
		e.Mark = "B"
		e.Text = fmt.Sprintf("%s%s ausgelöst: %s, %d s.", sirenLabel(name), via, signalLabel[r.GetString("signal")], r.GetInt("duration"))
		if r.GetString("state") == "pending" {
			e.Text += " Wartet auf Bestätigung durch einen zweiten Bediener."
		}
		return append(out, e)
	}
	if c := r.GetString("confirmed_by"); c != "" && old.GetString("confirmed_by") != c {
		e := base
		e.Author = user(app, c)
		e.Text = fmt.Sprintf("Auslösung der Sirene %s bestätigt.", name)
		out = append(out, e)
	}
	if r.GetBool("confirmed") && !old.GetBool("confirmed") {
		e := base
		e.Text = fmt.Sprintf("%s meldet EIN.", sirenLabel(name))
		out = append(out, e)
	}
	if st := r.GetString("state"); st != old.GetString("state") && endLabel[st] != "" {
		e := base
		e.Author = user(app, r.GetString("stopped_by"))
		e.Text = fmt.Sprintf("%s %s.", sirenLabel(name), endLabel[st])
		if reason := r.GetString("reason"); reason != "" {
			e.Text += " Grund: " + reason
		}
		if st == "stopped" || st == "expired" {
			e.Mark = "E"
		}
		out = append(out, e)
	}
	return out
}

var severityLabel = map[string]string{"info": "Information", "warning": "Warnung", "critical": "Kritisch"}

// situationEntries: situation items (the status boards) as they are published, changed,
// lifted and removed, in the journal of their organisation (the host's when none).
func situationEntries(app core.App, r, old *core.Record, deleted bool) []Entry {
	if OpenIncident(app) == nil {
		return nil
	}
	org := r.GetString("organisation")
	if org == "" {
		org = hostId(app)
	}
	e := Entry{Organisation: org, Kind: "auto", Source: "situation", Author: user(app, r.GetString("created_by"))}
	sev := severityLabel[r.GetString("severity")]
	if sev == "" {
		sev = "Information"
	}
	body := r.GetString("title")
	if b := r.GetString("body"); b != "" {
		body += " — " + b
	}
	switch {
	case deleted:
		e.Text = "Lagemeldung gelöscht: " + r.GetString("title")
	case old == nil:
		e.Text = fmt.Sprintf("Lagemeldung (%s): %s", sev, body)
		if r.GetString("severity") == "critical" {
			e.Mark = "W"
		}
	case old.GetString("title") != r.GetString("title") || old.GetString("body") != r.GetString("body") || old.GetString("severity") != r.GetString("severity"):
		e.Text = fmt.Sprintf("Lagemeldung geändert (%s): %s", sev, body)
	case !r.GetDateTime("expires").IsZero() && r.GetDateTime("expires").Time().Before(time.Now().Add(time.Minute)) && !old.GetDateTime("expires").Equal(r.GetDateTime("expires")):
		e.Text = "Lagemeldung aufgehoben: " + r.GetString("title")
	default:
		return nil
	}
	return []Entry{e}
}

// organisationEntries: organisations joining the staff, suspended, active again or
// removed, in the host's journal.
func organisationEntries(app core.App, r, old *core.Record, deleted bool) []Entry {
	if r.GetString("kind") == "host" || OpenIncident(app) == nil {
		return nil
	}
	label := fmt.Sprintf("„%s“ (%s)", r.GetString("name"), r.GetString("short"))
	e := Entry{Organisation: hostId(app), Kind: "auto", Source: "organisation"}
	switch {
	case deleted:
		e.Text = "Organisation " + label + " entfernt."
	case old == nil:
		e.Text = "Organisation " + label + " aufgenommen."
	case old.GetString("status") != r.GetString("status") && r.GetString("status") == "suspended":
		e.Text = "Organisation " + label + " gesperrt."
	case old.GetString("status") != r.GetString("status") && r.GetString("status") == "active":
		e.Text = "Organisation " + label + " wieder aktiv."
	default:
		return nil
	}
	if e.Organisation == "" {
		return nil
	}
	return []Entry{e}
}

// channelEntries: organisations joining or leaving a shared channel, in the host's
// journal, readable by the organisations concerned.
func channelEntries(app core.App, r, old *core.Record, deleted bool) []Entry {
	if old == nil || deleted || r.GetString("kind") != "shared" || OpenIncident(app) == nil {
		return nil
	}
	was := map[string]bool{}
	for _, o := range old.GetStringSlice("organisations") {
		was[o] = true
	}
	now := map[string]bool{}
	for _, o := range r.GetStringSlice("organisations") {
		now[o] = true
	}
	readers := channelOrgs(r)
	var out []Entry
	name := func(id string) string {
		if o, err := app.FindRecordById("organisations", id); err == nil {
			return o.GetString("name")
		}
		return id
	}
	for _, o := range r.GetStringSlice("organisations") {
		if !was[o] && o != r.GetString("organisation") {
			out = append(out, Entry{Organisation: hostId(app), Kind: "auto", Source: "organisation", SourceID: o, Channel: r.Id, Readers: readers,
				Text: fmt.Sprintf("%s nimmt am Lagekanal „%s“ teil.", name(o), r.GetString("name"))})
		}
	}
	for _, o := range old.GetStringSlice("organisations") {
		if !now[o] && o != r.GetString("organisation") {
			out = append(out, Entry{Organisation: hostId(app), Kind: "auto", Source: "organisation", SourceID: o, Channel: r.Id, Readers: append(readers, o),
				Text: fmt.Sprintf("%s aus dem Lagekanal „%s“ entfernt.", name(o), r.GetString("name"))})
		}
	}
	return out
}

var keeperRe = regexp.MustCompile(`(?i)(^|[^\pL])ETB([^\pL]|$)`)

// IsKeeperFunction: a membership function that names the ETB keeper ("ETB",
// "S2 / ETB-Führung"); S2 names the keeper by setting it.
func IsKeeperFunction(f string) bool { return keeperRe.MatchString(f) }

// IsS2Function: the function S2 (situation and documentation).
func IsS2Function(f string) bool {
	return regexp.MustCompile(`(?i)(^|[^\pL\d])S2([^\d]|$)`).MatchString(strings.TrimSpace(f))
}

// keeperEntries: the ETB keeper of an organisation changing is itself an entry
// (RL Führung-KatS 5.4.2.2).
func keeperEntries(app core.App, r, old *core.Record, deleted bool) []Entry {
	isNow := !deleted && IsKeeperFunction(r.GetString("function")) && r.GetString("role") != "guest"
	was := old != nil && IsKeeperFunction(old.GetString("function")) && old.GetString("role") != "guest"
	if deleted {
		was = IsKeeperFunction(r.GetString("function")) && r.GetString("role") != "guest"
	}
	if isNow == was || OpenIncident(app) == nil {
		return nil
	}
	u := user(app, r.GetString("user"))
	who := r.GetString("user")
	if u != nil {
		who = u.GetString("name")
	}
	e := Entry{Organisation: r.GetString("organisation"), Kind: "auto", Source: "membership"}
	if isNow {
		e.Text = fmt.Sprintf("ETB-Führung übernimmt %s (%s).", who, r.GetString("function"))
	} else {
		e.Text = fmt.Sprintf("%s führt das ETB nicht mehr.", who)
	}
	return []Entry{e}
}

// incidentEntries: opening an operation is the first entry of the host's journal.
func incidentEntries(app core.App, r, old *core.Record, deleted bool) []Entry {
	if old != nil || deleted {
		return nil
	}
	host := hostId(app)
	if host == "" {
		return nil
	}
	return []Entry{{Organisation: host, Kind: "auto", Source: "incident", Author: user(app, r.GetString("opened_by")),
		Text: fmt.Sprintf("Einsatz „%s“ eröffnet.", r.GetString("name"))}}
}

// sirenLabel names a siren in a sentence: "Sirene Hafen (Zone hafen)", but a device
// already called "Sirene Rathaus" is not made a "Sirene Sirene Rathaus".
func sirenLabel(name string) string {
	if strings.HasPrefix(strings.ToLower(name), "sirene") {
		return name
	}
	return "Sirene " + name
}
