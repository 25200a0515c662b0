package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The Einsatztagebuch (ETB, THW handbook ETB/TBB 2022; FwDV 100 annex 5):
//   - incidents: the operations the host opens and closes; one is open at a time;
//   - journal_entries: one gapless, hash-chained journal per incident and organisation;
//     rows are written by Go code only, inside the transaction of their cause, and
//     SQLite itself refuses UPDATE and DELETE (like audit);
//   - journal_heads: signed chain heads (Ed25519), append-only as well;
//   - channels and board items name the operation they belong to (empty: none open).
//
// Who wrote an entry, for which organisation and which channel are kept as ids in text
// fields, not relations: a relation would make PocketBase rewrite (and so be refused) or
// cascade-delete a ten-year record when a person, channel or organisation is removed.
func init() {
	m.Register(upJournal, downJournal, "1796000500_journal.go")
}

var journalTriggers = []string{
	`CREATE TRIGGER IF NOT EXISTS journal_entries_append_only_update BEFORE UPDATE ON journal_entries
	BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS journal_entries_append_only_delete BEFORE DELETE ON journal_entries
	BEGIN SELECT RAISE(ABORT, 'journal entries are append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS journal_heads_append_only_update BEFORE UPDATE ON journal_heads
	BEGIN SELECT RAISE(ABORT, 'journal heads are append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS journal_heads_append_only_delete BEFORE DELETE ON journal_heads
	BEGIN SELECT RAISE(ABORT, 'journal heads are append-only'); END`,
}

// journalRead: the organisation's live non-guest staff read its journal. The host's
// entries about a shared channel (Blitz and Sofort messages, organisations joining it)
// carry what was said there, so they are read as the channel is: by its live members
// who are not guests (of every organisation taking part; the same membership row as the
// channel row's giving organisation) and by the host's operators, who run the shared
// channels; a plain host member outside the channel does not read them, and an
// organisation taken out of the channel reads no more of it.
func journalRead() string {
	return anyOf(
		allOf(`shared = false`, staff("organisation")),
		allOf(`shared = true`, anyOf(hostOp(), allOf(inChannel("shared_channel"), authMembership+`.role ?!= "guest"`))),
	)
}

func upJournal(app core.App) error {
	incidents := core.NewBaseCollection("incidents")
	incidents.Fields.Add(
		&core.TextField{Name: "name", Required: true, Max: 200},
		&core.DateField{Name: "opened"},
		&core.DateField{Name: "closed"},
		&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"open", "closed"}},
		&core.TextField{Name: "opened_by", Max: 15},
		&core.TextField{Name: "close_requested_by", Max: 15},
		&core.DateField{Name: "close_requested_at"},
		&core.TextField{Name: "closed_by", Max: 15},
		&core.DateField{Name: "retain_until"},
	)
	timestamps(incidents)
	staffAnywhere := allOf(isUser, authMembership+`.role ?!= "guest"`, liveMembership(authMembership))
	incidents.ListRule = ptr(staffAnywhere)
	incidents.ViewRule = ptr(staffAnywhere)
	incidents.CreateRule = ptr(hostOp())
	incidents.AddIndex("idx_incidents_one_open", true, "status", "status = 'open'")
	if err := app.Save(incidents); err != nil {
		return err
	}

	entries := core.NewBaseCollection("journal_entries")
	entries.Fields.Add(
		&core.TextField{Name: "incident", Required: true, Max: 15},
		&core.TextField{Name: "organisation", Required: true, Max: 15},
		&core.NumberField{Name: "seq", OnlyInt: true, Required: true},
		&core.DateField{Name: "recorded_at", Required: true},
		&core.DateField{Name: "occurred_at"},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"auto", "manual"}},
		&core.SelectField{Name: "source", Required: true, MaxSelect: 1, Values: []string{"message", "fax", "siren", "situation", "membership", "organisation", "incident", "form", "manual"}},
		&core.TextField{Name: "source_id", Max: 40},
		&core.TextField{Name: "author", Max: 15},
		&core.TextField{Name: "author_name", Max: 200},
		&core.TextField{Name: "author_org", Max: 200},
		&core.TextField{Name: "author_function", Max: 60},
		&core.TextField{Name: "text", Required: true, Max: 20000},
		&core.SelectField{Name: "mark", MaxSelect: 1, Values: []string{"A", "B", "E", "K", "W"}},
		&core.JSONField{Name: "attachments", MaxSize: 64 << 10},
		&core.TextField{Name: "corrects", Max: 15},
		&core.TextField{Name: "channel", Max: 15},
		&core.BoolField{Name: "shared"},
		&core.TextField{Name: "readers", Max: 2000},
		&core.BoolField{Name: "clock_back"},
		&core.TextField{Name: "prev_hash", Required: true, Max: 64},
		&core.TextField{Name: "hash", Required: true, Max: 64},
	)
	timestamps(entries)
	// The shared channel as a relation, for the read rule only (channel, in the hash, holds
	// the same id). Not cascading: a channel with journal entries cannot be deleted.
	channels, err := app.FindCollectionByNameOrId("channels")
	if err != nil {
		return err
	}
	entries.Fields.Add(&core.RelationField{Name: "shared_channel", MaxSelect: 1, CollectionId: channels.Id})
	entries.ListRule = ptr(journalRead())
	entries.ViewRule = ptr(journalRead())
	entries.AddIndex("idx_journal_seq", true, "incident, organisation, seq", "")
	entries.AddIndex("idx_journal_source", false, "source, source_id", "")
	if err := app.Save(entries); err != nil {
		return err
	}

	heads := core.NewBaseCollection("journal_heads")
	heads.Fields.Add(
		&core.TextField{Name: "incident", Required: true, Max: 15},
		&core.TextField{Name: "organisation", Required: true, Max: 15},
		&core.NumberField{Name: "seq", OnlyInt: true},
		&core.TextField{Name: "hash", Required: true, Max: 64},
		&core.DateField{Name: "signed_at", Required: true},
		&core.TextField{Name: "reason", Max: 20},
		&core.TextField{Name: "public_key", Max: 64},
		&core.TextField{Name: "signature", Max: 200},
	)
	timestamps(heads)
	heads.ListRule = ptr(staff("organisation"))
	heads.ViewRule = ptr(staff("organisation"))
	heads.AddIndex("idx_journal_heads", false, "incident, organisation, seq", "")
	if err := app.Save(heads); err != nil {
		return err
	}

	// Shared channels and situation items belong to the operation open when they were
	// made; empty when none was (an appliance without an operation keeps working).
	for _, name := range []string{"channels", "board_items"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		c.Fields.Add(&core.RelationField{Name: "incident", MaxSelect: 1, CollectionId: incidents.Id})
		if err := app.Save(c); err != nil {
			return err
		}
	}
	for _, q := range journalTriggers {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downJournal(app core.App) error {
	for _, q := range []string{
		`DROP TRIGGER IF EXISTS journal_entries_append_only_update`, `DROP TRIGGER IF EXISTS journal_entries_append_only_delete`,
		`DROP TRIGGER IF EXISTS journal_heads_append_only_update`, `DROP TRIGGER IF EXISTS journal_heads_append_only_delete`,
	} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	for _, name := range []string{"channels", "board_items"} {
		if c, err := app.FindCollectionByNameOrId(name); err == nil {
			c.Fields.RemoveByName("incident")
			if err := app.Save(c); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{"journal_heads", "journal_entries", "incidents"} {
		if c, err := app.FindCollectionByNameOrId(name); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
	}
	return nil
}
