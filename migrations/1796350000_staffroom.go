package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// What a crisis staff asks for first (hooks/staffroom):
//   - pins: a message pinned in its channel; seen by the channel's live members, written
//     only through /api/crisisroom/messages/{id}/pin (which checks a writable row);
//   - notices: what one person is told (kind mention, blitz_reminder, blitz_pending); only
//     that person sees them, and only while they are still a live member of the channel;
//     the appliance writes them (no create, update or delete through the API);
//   - users.settings: one's own display settings (JSON: sound, text size, muted channels);
//   - messages_fts: an FTS5 index of message bodies, kept by triggers in the write's own
//     transaction, so the search never misses or outlives a message.
func init() {
	m.Register(upStaffroom, downStaffroom, "1796350000_staffroom.go")
}

func upStaffroom(app core.App) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	channels, err := app.FindCollectionByNameOrId("channels")
	if err != nil {
		return err
	}
	messages, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}

	users.Fields.Add(&core.JSONField{Name: "settings", MaxSize: 8 << 10})
	if err := app.Save(users); err != nil {
		return err
	}

	pins := core.NewBaseCollection("pins")
	pins.Fields.Add(
		&core.RelationField{Name: "channel", Required: true, MaxSelect: 1, CollectionId: channels.Id, CascadeDelete: true},
		&core.RelationField{Name: "message", Required: true, MaxSelect: 1, CollectionId: messages.Id, CascadeDelete: true},
		&core.RelationField{Name: "pinned_by", MaxSelect: 1, CollectionId: users.Id},
	)
	timestamps(pins)
	pins.ListRule = ptr(inChannel("channel"))
	pins.ViewRule = ptr(inChannel("channel"))
	pins.AddIndex("idx_pins_message", true, "message", "")
	pins.AddIndex("idx_pins_channel", false, "channel", "")
	if err := app.Save(pins); err != nil {
		return err
	}

	notices := core.NewBaseCollection("notices")
	notices.Fields.Add(
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"mention", "blitz_reminder", "blitz_pending"}},
		&core.RelationField{Name: "channel", Required: true, MaxSelect: 1, CollectionId: channels.Id, CascadeDelete: true},
		&core.RelationField{Name: "message", Required: true, MaxSelect: 1, CollectionId: messages.Id, CascadeDelete: true},
		&core.JSONField{Name: "data", MaxSize: 16 << 10},
	)
	timestamps(notices)
	own := allOf(isUser, `user != ""`, `user = @request.auth.id`, inChannel("channel"))
	notices.ListRule = ptr(own)
	notices.ViewRule = ptr(own)
	notices.AddIndex("idx_notices_user", false, "user, channel, created", "")
	notices.AddIndex("idx_notices_message", false, "message, kind", "")
	if err := app.Save(notices); err != nil {
		return err
	}

	for _, q := range []string{
		`CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(body, message UNINDEXED, channel UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')`,
		`CREATE TRIGGER IF NOT EXISTS messages_fts_ai AFTER INSERT ON messages WHEN new.deleted = FALSE AND new.body != '' BEGIN
			INSERT INTO messages_fts (body, message, channel) VALUES (new.body, new.id, new.channel);
		END`,
		`CREATE TRIGGER IF NOT EXISTS messages_fts_au AFTER UPDATE OF body, deleted, channel ON messages BEGIN
			DELETE FROM messages_fts WHERE message = old.id;
			INSERT INTO messages_fts (body, message, channel) SELECT new.body, new.id, new.channel WHERE new.deleted = FALSE AND new.body != '';
		END`,
		`CREATE TRIGGER IF NOT EXISTS messages_fts_ad AFTER DELETE ON messages BEGIN
			DELETE FROM messages_fts WHERE message = old.id;
		END`,
		`INSERT INTO messages_fts (body, message, channel) SELECT body, id, channel FROM messages WHERE deleted = FALSE AND body != ''`,
	} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downStaffroom(app core.App) error {
	for _, q := range []string{
		`DROP TRIGGER IF EXISTS messages_fts_ai`, `DROP TRIGGER IF EXISTS messages_fts_au`,
		`DROP TRIGGER IF EXISTS messages_fts_ad`, `DROP TABLE IF EXISTS messages_fts`,
	} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	for _, n := range []string{"notices", "pins"} {
		if c, err := app.FindCollectionByNameOrId(n); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
	}
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	users.Fields.RemoveByName("settings")
	return app.Save(users)
}
