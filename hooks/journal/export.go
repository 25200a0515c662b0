package journal

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Export is the JSON export of one journal (format "crisisroom-etb/1"): the operation,
// the organisation, every entry with its hash in seq order, the signed heads and the
// appliance's public key (hex). `crisisroom etb verify FILE` checks it; with --pubkey
// the signatures are checked against a key obtained some other way.
type Export struct {
	Format       string       `json:"format"`
	Incident     IncidentInfo `json:"incident"`
	Organisation OrgInfo      `json:"organisation"`
	Entries      []Sealed     `json:"entries"`
	Heads        []SignedHead `json:"heads"`
	PublicKey    string       `json:"public_key"`
	ExportedAt   string       `json:"exported_at"`
}

// IncidentInfo describes the operation in an export.
type IncidentInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Status      string `json:"status"`
	Opened      string `json:"opened"`
	Closed      string `json:"closed"`
	RetainUntil string `json:"retain_until"`
}

// OrgInfo names the organisation whose journal it is.
type OrgInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Short string `json:"short"`
}

// ExportFormat is the value of Export.Format.
const ExportFormat = "crisisroom-etb/1"

type row struct {
	ID             string `db:"id"`
	Incident       string `db:"incident"`
	Organisation   string `db:"organisation"`
	Seq            int    `db:"seq"`
	RecordedAt     string `db:"recorded_at"`
	OccurredAt     string `db:"occurred_at"`
	Kind           string `db:"kind"`
	Source         string `db:"source"`
	SourceID       string `db:"source_id"`
	Author         string `db:"author"`
	AuthorName     string `db:"author_name"`
	AuthorOrg      string `db:"author_org"`
	AuthorFunction string `db:"author_function"`
	Text           string `db:"text"`
	Mark           string `db:"mark"`
	Attachments    string `db:"attachments"`
	Corrects       string `db:"corrects"`
	Channel        string `db:"channel"`
	Shared         bool   `db:"shared"`
	Readers        string `db:"readers"`
	ClockBack      bool   `db:"clock_back"`
	PrevHash       string `db:"prev_hash"`
	Hash           string `db:"hash"`
}

// Entries reads a journal's entries from the database in seq order, as stored (raw SQL:
// verify must see what is in the table, not what a hook makes of it).
func Entries(app core.App, incident, org string) ([]Sealed, error) {
	var rows []row
	err := app.DB().NewQuery(`SELECT id, incident, organisation, seq, recorded_at, occurred_at, kind, source, source_id, author,
		author_name, author_org, author_function, text, mark, COALESCE(attachments, '[]') AS attachments, corrects, channel, shared, readers,
		clock_back, prev_hash, hash FROM journal_entries WHERE incident = {:i} AND organisation = {:o} ORDER BY seq, rowid`).
		Bind(dbx.Params{"i": incident, "o": org}).All(&rows)
	if err != nil {
		return nil, err
	}
	out := make([]Sealed, 0, len(rows))
	for _, r := range rows {
		atts := []Attachment{}
		if s := strings.TrimSpace(r.Attachments); s != "" && s != "null" {
			_ = json.Unmarshal([]byte(s), &atts)
		}
		out = append(out, Sealed{ID: r.ID, Hash: r.Hash, Canonical: Canonical{V: 1, Incident: r.Incident, Organisation: r.Organisation,
			Seq: r.Seq, RecordedAt: r.RecordedAt, OccurredAt: r.OccurredAt, Kind: r.Kind, Source: r.Source, SourceID: r.SourceID,
			Author: r.Author, AuthorName: r.AuthorName, AuthorOrg: r.AuthorOrg, AuthorFunction: r.AuthorFunction, Text: r.Text,
			Mark: r.Mark, Attachments: atts, Corrects: r.Corrects, Channel: r.Channel, Shared: r.Shared, Readers: r.Readers,
			ClockBack: r.ClockBack, PrevHash: r.PrevHash}})
	}
	return out, nil
}

// BuildExport assembles the export of one journal.
func BuildExport(app core.App, inc *core.Record, org string) (*Export, error) {
	entries, err := Entries(app, inc.Id, org)
	if err != nil {
		return nil, err
	}
	x := &Export{Format: ExportFormat, Entries: entries, Heads: heads(app, inc.Id, org),
		Incident: IncidentInfo{ID: inc.Id, Name: inc.GetString("name"), Status: inc.GetString("status"),
			Opened: inc.GetDateTime("opened").String(), Closed: inc.GetDateTime("closed").String(), RetainUntil: inc.GetDateTime("retain_until").String()},
		Organisation: OrgInfo{ID: org}}
	if o, err := app.FindRecordById("organisations", org); err == nil {
		x.Organisation.Name, x.Organisation.Short = o.GetString("name"), o.GetString("short")
	}
	if priv, err := SigningKey(app.DataDir()); err == nil {
		x.PublicKey = hex.EncodeToString(priv.Public().(ed25519.PublicKey))
	}
	x.ExportedAt = types.NowDateTime().String()
	return x, nil
}

// ReadExport reads a JSON export from path.
func ReadExport(path string) (*Export, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var x Export
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, err
	}
	if x.Format != ExportFormat {
		return nil, fmt.Errorf("%s: not a crisisroom ETB export (format %q)", path, x.Format)
	}
	return &x, nil
}

// handleExport: GET /api/crisisroom/journal/export?organisation=&incident=&format=pdf|json
// answers the journal as a PDF in the layout of THW form Fb Fü 2, or as the JSON export
// with the chain (staff of the organisation only).
func handleExport(e *core.RequestEvent) error {
	inc, org, err := journalParams(e, true)
	if err != nil {
		return err
	}
	x, err := BuildExport(e.App, inc, org)
	if err != nil {
		return err
	}
	name := "ETB-" + safeName(x.Incident.Name) + "-" + safeName(x.Organisation.Short)
	if e.Request.URL.Query().Get("format") == "json" {
		e.Response.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		return e.JSON(http.StatusOK, x)
	}
	pdf, err := RenderPDF(x)
	if err != nil {
		return err
	}
	e.Response.Header().Set("Content-Disposition", `attachment; filename="`+name+`.pdf"`)
	return e.Blob(http.StatusOK, "application/pdf", pdf)
}

func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('_')
		}
	}
	return b.String()
}
