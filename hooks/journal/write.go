package journal

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/hooks/tenancy"
)

// Entry is what a caller says about a new journal entry; Write adds seq, times, the
// chain and the author's snapshots.
type Entry struct {
	Incident     string // incident id; "" means the open one (no entry when none is open)
	Organisation string // whose journal
	OccurredAt   time.Time
	Kind         string // "auto" or "manual"
	Source       string // message, fax, siren, situation, membership, organisation, incident, form, manual
	SourceID     string
	Author       *core.Record // the person who acted, or nil for the appliance
	Text         string
	Mark         string // THW search mark: A, B, E, K, W or ""
	Attachments  []Attachment
	Corrects     string // id of the entry this one corrects
	Channel      string
	Readers      []string // organisations of a shared channel (host journal only)
	// AuthorOrg is the organisation the author acted for ("" : Organisation, then the host).
	AuthorOrg string
}

// MaxText is the longest entry text in bytes. Only a text the appliance itself writes
// (a marked message of up to 20,000 characters, a fax's text) can be longer: it is cut
// at a rune boundary and says so in the entry, " […] (gekürzt: n von m Zeichen)", with
// the whole text at its source (source, source_id). What a person types is refused
// before it could be cut (MaxManualText).
const MaxText = 19000

// MaxManualText is the longest text of a manual entry or correction, in characters
// (runes): at four bytes a rune, plus the correction's prefix, it always fits MaxText,
// so an append-only entry is never stored cut short without its writer knowing.
const MaxManualText = 4000

// Now is the appliance's clock, its only time source (tests set it back to see a clock
// that runs backwards flagged).
var Now = time.Now

// ErrNoIncident: no operation is open, so there is no journal to write to.
var ErrNoIncident = errors.New("no open incident")

// OpenIncident returns the open operation, or nil.
func OpenIncident(app core.App) *core.Record {
	r, err := app.FindFirstRecordByFilter("incidents", `status = "open"`)
	if err != nil {
		return nil
	}
	return r
}

// Write appends e to its journal inside app's transaction (it opens one when app has
// none) and returns the stored record. The seq is the journal's last seq plus one, read
// and written in the same transaction: SQLite has one writer at a time, so concurrent
// writers wait for each other and can neither skip nor repeat a number (the unique index
// on incident, organisation, seq is the second guard).
func Write(app core.App, e Entry) (*core.Record, error) {
	var rec *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		rec, err = write(tx, e)
		return err
	})
	return rec, err
}

type head struct {
	Seq        int    `db:"seq"`
	Hash       string `db:"hash"`
	RecordedAt string `db:"recorded_at"`
}

// lastOf reads a journal's last entry (seq 0 and Genesis when empty).
func lastOf(app core.App, incident, org string) (head, error) {
	h := head{Hash: Genesis}
	err := app.DB().NewQuery(`SELECT seq, hash, recorded_at FROM journal_entries WHERE incident = {:i} AND organisation = {:o} ORDER BY seq DESC LIMIT 1`).
		Bind(dbx.Params{"i": incident, "o": org}).One(&h)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return h, err
	}
	if h.Hash == "" {
		h.Hash = Genesis
	}
	return h, nil
}

func write(tx core.App, e Entry) (*core.Record, error) {
	if e.Incident == "" {
		inc := OpenIncident(tx)
		if inc == nil {
			return nil, ErrNoIncident
		}
		e.Incident = inc.Id
	}
	if e.Organisation == "" {
		return nil, errors.New("journal entry without organisation")
	}
	coll, err := tx.FindCachedCollectionByNameOrId("journal_entries")
	if err != nil {
		return nil, err
	}
	last, err := lastOf(tx, e.Incident, e.Organisation)
	if err != nil {
		return nil, err
	}
	now, _ := types.ParseDateTime(Now().UTC())
	occurred := now
	if !e.OccurredAt.IsZero() {
		occurred, _ = types.ParseDateTime(e.OccurredAt.UTC())
	}
	c := Canonical{
		V: 1, Incident: e.Incident, Organisation: e.Organisation, Seq: last.Seq + 1,
		RecordedAt: now.String(), OccurredAt: occurred.String(),
		Kind: e.Kind, Source: e.Source, SourceID: e.SourceID,
		Text: clip(e.Text), Mark: e.Mark, Attachments: e.Attachments, Corrects: e.Corrects,
		Channel: e.Channel, Shared: len(e.Readers) > 0, Readers: strings.Join(e.Readers, " "),
		// The appliance has no time source but its clock: an entry recorded before its
		// predecessor is flagged, never reordered.
		ClockBack: last.RecordedAt != "" && now.String() < last.RecordedAt,
		PrevHash:  last.Hash,
	}
	if c.Attachments == nil {
		c.Attachments = []Attachment{}
	}
	if e.Author != nil {
		c.Author, c.AuthorName, c.AuthorOrg, c.AuthorFunction = snapshot(tx, e.Author, e.AuthorOrg, e.Organisation)
	}
	r := core.NewRecord(coll)
	r.Set("incident", c.Incident)
	r.Set("organisation", c.Organisation)
	r.Set("seq", c.Seq)
	r.Set("recorded_at", c.RecordedAt)
	r.Set("occurred_at", c.OccurredAt)
	r.Set("kind", c.Kind)
	r.Set("source", c.Source)
	r.Set("source_id", c.SourceID)
	r.Set("author", c.Author)
	r.Set("author_name", c.AuthorName)
	r.Set("author_org", c.AuthorOrg)
	r.Set("author_function", c.AuthorFunction)
	r.Set("text", c.Text)
	r.Set("mark", c.Mark)
	r.Set("attachments", c.Attachments)
	r.Set("corrects", c.Corrects)
	r.Set("channel", c.Channel)
	r.Set("shared", c.Shared)
	r.Set("readers", c.Readers)
	if c.Shared {
		r.Set("shared_channel", c.Channel)
	}
	r.Set("clock_back", c.ClockBack)
	r.Set("prev_hash", c.PrevHash)
	r.Set("hash", c.Hash())
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	return r, nil
}

// snapshot: the author's id, name, the organisation they act for and their function
// there, as they are now (a later rename does not change the record).
func snapshot(app core.App, u *core.Record, orgs ...string) (id, name, orgName, function string) {
	id = u.Id
	name = u.GetString("name")
	if name == "" {
		name = u.GetString("username")
	}
	org := ""
	if u.Collection().Name == "devices" {
		name = "Gerät " + u.GetString("username")
		org = u.GetString("organisation")
	} else {
		// A guest's name carries the guest mark: the entry is kept unchanged for years,
		// and its reader must not take an external guest for the organisation's staff.
		name = GuestMarked(app, u.Id, name, orgs...)
		if r := []rune(name); len(r) > 200 {
			name = string(r[:199]) + "…"
		}
		if host := tenancy.HostOrganisation(app); host != nil {
			orgs = append(orgs, host.Id)
		}
		for _, o := range orgs {
			if m := tenancy.Membership(app, u.Id, o); m != nil {
				org, function = o, m.GetString("function")
				break
			}
		}
	}
	if o, err := app.FindRecordById("organisations", org); err == nil {
		orgName = o.GetString("name")
	}
	return
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= MaxText {
		return s
	}
	cut := MaxText - 60 // room for the note
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	kept := utf8.RuneCountInString(s[:cut])
	return s[:cut] + fmt.Sprintf(" […] (gekürzt: %d von %d Zeichen)", kept, utf8.RuneCountInString(s))
}

// fileDigests returns the names and SHA-256 of the files about to be stored in field
// (files already stored are named without a digest: their bytes are not at hand here).
func fileDigests(r *core.Record, field string) []Attachment {
	var out []Attachment
	for _, f := range r.GetUnsavedFiles(field) {
		a := Attachment{Name: f.OriginalName}
		if rc, err := f.Reader.Open(); err == nil {
			h := sha256.New()
			if _, err := io.Copy(h, rc); err == nil {
				a.SHA256 = hex.EncodeToString(h.Sum(nil))
			}
			rc.Close()
		}
		out = append(out, a)
	}
	return out
}

// Sealed reads a stored entry back in its canonical form.
func SealedOf(r *core.Record) Sealed {
	var atts []Attachment
	_ = r.UnmarshalJSONField("attachments", &atts)
	if atts == nil {
		atts = []Attachment{}
	}
	return Sealed{
		Canonical: Canonical{
			V: 1, Incident: r.GetString("incident"), Organisation: r.GetString("organisation"), Seq: r.GetInt("seq"),
			RecordedAt: r.GetDateTime("recorded_at").String(), OccurredAt: r.GetDateTime("occurred_at").String(),
			Kind: r.GetString("kind"), Source: r.GetString("source"), SourceID: r.GetString("source_id"),
			Author: r.GetString("author"), AuthorName: r.GetString("author_name"), AuthorOrg: r.GetString("author_org"),
			AuthorFunction: r.GetString("author_function"), Text: r.GetString("text"), Mark: r.GetString("mark"),
			Attachments: atts, Corrects: r.GetString("corrects"), Channel: r.GetString("channel"),
			Shared: r.GetBool("shared"), Readers: r.GetString("readers"), ClockBack: r.GetBool("clock_back"),
			PrevHash: r.GetString("prev_hash"),
		},
		ID:   r.Id,
		Hash: r.GetString("hash"),
	}
}
