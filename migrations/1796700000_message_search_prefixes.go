package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The search index again, with prefix indexes for beginnings of 1 to 12 characters.
// Every word of a search is a beginning ("deich" finds "Deichbruch"); without a prefix
// index FTS5 answers one by merging the lists of every word that begins so into one list
// before it returns the first hit, so a word in every message of a 200,000-message channel
// cost 70 ms (newest first) even for 50 hits, a single letter 170 ms; with the index it
// reads one list and stops after the page: 0.3 ms. Longer beginnings ("Bereitstellungs")
// are still merged, at most what a word in every message costs. The index grows about
// ninefold (9 to ~85 MB on 250,000 messages of twelve words; the messages themselves take
// 220 MB) and indexing a message costs about 40 instead of 10 µs. Rebuilt from messages,
// as 1796350100 did.
func init() {
	m.Register(upMessageSearchPrefixes, downMessageSearchPrefixes, "1796700000_message_search_prefixes.go")
}

func upMessageSearchPrefixes(app core.App) error {
	return rebuildMessagesFTS(app, `, prefix = '1 2 3 4 5 6 7 8 9 10 11 12'`)
}

func downMessageSearchPrefixes(app core.App) error {
	return upStaffroomSearch(app)
}

// rebuildMessagesFTS makes messages_fts and its triggers as 1796350100 does (rowid = the
// message's rowid; columns body, ch, message), with extra FTS5 options, and fills it.
func rebuildMessagesFTS(app core.App, options string) error {
	for _, q := range []string{
		`DROP TRIGGER IF EXISTS messages_fts_ai`, `DROP TRIGGER IF EXISTS messages_fts_au`,
		`DROP TRIGGER IF EXISTS messages_fts_ad`, `DROP TABLE IF EXISTS messages_fts`,
		`CREATE VIRTUAL TABLE messages_fts USING fts5(body, ch, message UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'` + options + `)`,
		`CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages WHEN new.deleted = FALSE AND new.body != '' BEGIN
			INSERT INTO messages_fts (rowid, body, ch, message) VALUES (new.rowid, new.body, new.channel, new.id);
		END`,
		`CREATE TRIGGER messages_fts_au AFTER UPDATE OF body, deleted, channel ON messages BEGIN
			DELETE FROM messages_fts WHERE rowid = old.rowid;
			INSERT INTO messages_fts (rowid, body, ch, message) SELECT new.rowid, new.body, new.channel, new.id WHERE new.deleted = FALSE AND new.body != '';
		END`,
		`CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
			DELETE FROM messages_fts WHERE rowid = old.rowid;
		END`,
		`INSERT INTO messages_fts (rowid, body, ch, message) SELECT rowid, body, channel, id FROM messages WHERE deleted = FALSE AND body != ''`,
	} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}
