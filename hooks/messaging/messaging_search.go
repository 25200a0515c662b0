package messaging

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/fts"
)

// searchCursor is where a page of search hits ends: before a message (its rowid), or
// before a time ("2026-01-02 15:04:05.000Z"); the zero value is "from the newest".
type searchCursor struct {
	rowid   int64
	created string
}

// searchChannel returns up to n messages of channelId that are not deleted and hold every
// word of q (an [fts.Query], not empty), newest first, older than the cursor; the caller
// asks for one more than it shows, to know there are more.
//
// The full-text index (messages_fts) answers it: FTS5 intersects the words' lists with
// the channel's own list (the ch column) and walks them from the highest rowid down, so a
// page costs the hits it returns, not the channel's length (LIKE '%…%' read every message
// of the channel: 1–1.6 s on 200,000). Newest first is the order messages were stored,
// which is the order of their created times: created is stamped as the row is written,
// under the channel's write lock (orderedWrite). Only a clock set back by hand would make
// the two differ; hits then come in stored order, the order their live events had.
//
// Words are found by their beginnings ("deich" finds "Deichbruch", "bruch" does not),
// case and diacritics aside ("uberflutung" finds "Überflutung"); see [fts.Query].
func searchChannel(app core.App, channelId, q string, cur searchCursor, n int) ([]*core.Record, error) {
	// The join runs from the index to the messages (CROSS JOIN keeps that order): the
	// other way round SQLite would read the channel's messages through their index and
	// ask FTS5 about each. messages.channel and deleted are checked again on the row, so
	// even an index out of step could not return a deleted message or another channel's.
	sql := `SELECT m.id FROM messages_fts CROSS JOIN messages m ON m.rowid = messages_fts.rowid
		WHERE messages_fts MATCH {:match} AND m.channel = {:c} AND m.deleted = FALSE`
	params := dbx.Params{"match": fts.Match(q, channelId), "c": channelId, "n": n}
	if cur.rowid > 0 {
		sql += ` AND messages_fts.rowid < {:br}`
		params["br"] = cur.rowid
	}
	if cur.created != "" {
		sql += ` AND m.created < {:bt}`
		params["bt"] = cur.created
	}
	sql += ` ORDER BY messages_fts.rowid DESC LIMIT {:n}`
	var ids []string
	if err := app.DB().NewQuery(sql).Bind(params).Column(&ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var recs []*core.Record
	if err := app.RecordQuery("messages").AndWhere(dbx.In("id", args...)).All(&recs); err != nil {
		return nil, err
	}
	byId := make(map[string]*core.Record, len(recs))
	for _, r := range recs {
		byId[r.Id] = r
	}
	page := make([]*core.Record, 0, len(ids))
	for _, id := range ids {
		if r := byId[id]; r != nil {
			page = append(page, r)
		}
	}
	return page, nil
}
