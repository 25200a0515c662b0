package messaging

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/fts"
)

// searchCursor is where a page of search hits ends: before a message (its created time and
// rowid), or before a time alone (rowid 0); created "" is "from the newest". Times are
// stored strings ("2026-01-02 15:04:05.000Z"), which sort as the times do.
type searchCursor struct {
	created string
	rowid   int64
}

// sql is the cursor as a condition on the messages row m ("" for none), with its params.
func (c searchCursor) sql(p dbx.Params) string {
	switch {
	case c.created == "":
		return ""
	case c.rowid == 0:
		p["bc"] = c.created
		return ` AND m.created < {:bc}`
	default:
		p["bc"], p["br"] = c.created, c.rowid
		// The first term alone bounds a range of the time index (SQLite reads none from an OR).
		return ` AND m.created <= {:bc} AND (m.created < {:bc} OR (m.created = {:bc} AND m.rowid < {:br}))`
	}
}

// admits says whether h lies beyond the cursor (as sql does; stored times compare as
// strings, as SQLite compares them).
func (c searchCursor) admits(h searchHit) bool {
	switch {
	case c.created == "":
		return true
	case c.rowid == 0:
		return h.Created < c.created
	default:
		return h.Created < c.created || h.Created == c.created && h.Rowid < c.rowid
	}
}

// searchHit is a message a search found, with what orders it: newest first is created
// descending, then rowid descending (the order they were stored), as in the history.
type searchHit struct {
	Id      string `db:"id"`
	Created string `db:"created"`
	Rowid   int64  `db:"rowid"`
}

func newerFirst(a, b searchHit) int {
	return cmp.Or(cmp.Compare(b.Created, a.Created), cmp.Compare(b.Rowid, a.Rowid))
}

// searchChannel returns up to n messages of channelId that are not deleted and match q
// (an [fts.Expand] of the words typed, not empty), newest first (created, then rowid,
// descending, as the history pages), older than the cursor; the caller asks for one more
// than it shows, to know there are more.
//
// The full-text index (messages_fts) answers it: FTS5 intersects the words' lists with
// the channel's own list (the ch column) and walks them from the highest rowid down, so a
// page costs the hits it returns, not the channel's length (LIKE '%…%' read every message
// of the channel: 1–1.6 s on 200,000), and a page after a message starts below that
// message's rowid. The index is in rowid order, the history in created order; they agree
// as long as every message is stored after the ones written before it, which is how the
// appliance stores them (created is stamped as the row is written, under the channel's
// write lock). Further queries prove it for the page at hand and mend it where not (a
// clock set back, imported messages): see outOfOrder.
//
// Words are found by their beginnings ("deich" finds "Deichbruch", "bruch" does not),
// case and diacritics aside ("uberflutung" finds "Überflutung"); see [fts.Query] and
// [fts.Expand], which turns each beginning into the whole words it begins.
func searchChannel(app core.App, channelId, q string, cur searchCursor, n int) ([]*core.Record, error) {
	match := fts.Match(q, channelId)
	// The join runs from the index to the messages (CROSS JOIN keeps that order): the
	// other way round SQLite would read the channel's messages through their index and
	// ask FTS5 about each. messages.channel and deleted are checked again on the row, so
	// even an index out of step could not return a deleted message or another channel's.
	p := dbx.Params{"match": match, "c": channelId, "n": n}
	below := ""
	if cur.rowid > 0 {
		// Rows stored after the cursor's message but written before it come from
		// outOfOrder; without this bound a page deep in a common word's hits would join
		// every hit above it (200 ms at the end of 200,000).
		below, p["below"] = ` AND messages_fts.rowid < {:below}`, cur.rowid
	}
	var hits []searchHit
	err := app.DB().NewQuery(`SELECT m.id, m.created, m.rowid FROM messages_fts CROSS JOIN messages m ON m.rowid = messages_fts.rowid
		WHERE messages_fts MATCH {:match} AND m.channel = {:c} AND m.deleted = FALSE` + cur.sql(p) + below + `
		ORDER BY messages_fts.rowid DESC LIMIT {:n}`).Bind(p).All(&hits)
	if err != nil {
		return nil, err
	}
	// A hit the rowid order leaves off the page belongs on it only if it was written after
	// the page's oldest hit (when the page is full; otherwise every hit below counts).
	after := ""
	if len(hits) == n {
		after = slices.MinFunc(hits, func(a, b searchHit) int { return -newerFirst(a, b) }).Created
		// Stored before the page's last row.
		more, err := outOfOrder(app, channelId, match, cur, after, hits[len(hits)-1].Rowid, false)
		if err != nil {
			return nil, err
		}
		hits = append(hits, more...)
	}
	if cur.rowid > 0 {
		// Stored after the cursor's message.
		more, err := outOfOrder(app, channelId, match, cur, after, cur.rowid, true)
		if err != nil {
			return nil, err
		}
		hits = append(hits, more...)
	}
	slices.SortFunc(hits, newerFirst)
	if len(hits) > n {
		hits = hits[:n]
	}
	if len(hits) == 0 {
		return nil, nil
	}
	ids := make([]any, len(hits))
	for i, h := range hits {
		ids[i] = h.Id
	}
	var recs []*core.Record
	if err := app.RecordQuery("messages").AndWhere(dbx.In("id", ids...)).All(&recs); err != nil {
		return nil, err
	}
	byId := make(map[string]*core.Record, len(recs))
	for _, r := range recs {
		byId[r.Id] = r
	}
	page := make([]*core.Record, 0, len(hits))
	for _, h := range hits {
		if r := byId[h.Id]; r != nil {
			page = append(page, r)
		}
	}
	return page, nil
}

// lateScan is how many of the index's hits outOfOrder reads before it turns to the
// channel's time index instead.
const lateScan = 1000

// outOfOrder: the hits of match in channelId beyond the cursor and written after the time
// after ("": any time) that the index's rowid order puts beyond rowid although their time
// may put them on the page: stored before rowid (above false), or after it (above true,
// rowid being the cursor's message). Normally there are none. Two ways find them, and it
// takes the cheaper: a word with few hits there has them read from the index (at most
// lateScan); a word with more is dense, so the rows written between the page's oldest hit
// and the cursor are few, and one range of the (channel, created) index lists them
// (covering: rowid is in the index), FTS5 being asked about each by rowid.
func outOfOrder(app core.App, channelId, match string, cur searchCursor, after string, rowid int64, above bool) ([]searchHit, error) {
	side, order := "<", "DESC"
	if above {
		side, order = ">", "ASC"
	}
	var cand []int64
	err := app.DB().NewQuery(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH {:match} AND rowid ` + side + ` {:r} ORDER BY rowid ` + order + ` LIMIT ` + strconv.Itoa(lateScan)).
		Bind(dbx.Params{"match": match, "r": rowid}).Column(&cand)
	if err != nil {
		return nil, err
	}
	asked := len(cand) == lateScan
	if asked {
		p := dbx.Params{"c": channelId, "t": after, "r": rowid}
		var span string
		if after != "" {
			span = ` AND m.created > {:t}`
		}
		cand = cand[:0]
		// +m.rowid: the range is the time index's; by rowid SQLite would read every row
		// stored before or after.
		err := app.DB().NewQuery(`SELECT m.rowid FROM messages m WHERE m.channel = {:c}` + span + ` AND +m.rowid ` + side + ` {:r}` + cur.sql(p)).
			Bind(p).Column(&cand)
		if err != nil {
			return nil, err
		}
	}
	var out []searchHit
	for chunk := range slices.Chunk(cand, 500) {
		in := make([]any, len(chunk))
		for i, r := range chunk {
			in[i] = r
		}
		// By rowid only, and decided here: with a condition on created or channel in the
		// query SQLite would rather read that index's range than look up the few rows.
		var rows []struct {
			searchHit
			Channel string `db:"channel"`
			Deleted bool   `db:"deleted"`
		}
		err := app.DB().Select("id", "created", "rowid", "channel", "deleted").From("messages").Where(dbx.In("rowid", in...)).All(&rows)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if r.Channel != channelId || r.Deleted || (after != "" && r.Created <= after) || !cur.admits(r.searchHit) {
				continue
			}
			if asked {
				var n int
				err := app.DB().NewQuery(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH {:match} AND rowid = {:r}`).
					Bind(dbx.Params{"match": match, "r": r.Rowid}).Row(&n)
				if err != nil {
					return nil, err
				}
				if n == 0 {
					continue
				}
			}
			out = append(out, r.searchHit)
		}
	}
	return out, nil
}
