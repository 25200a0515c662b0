package staffroom

import (
	"net/http"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/fts"
)

// SearchLimit is the most hits one search answers with.
const SearchLimit = 500

// TotalCap is the most hits a search counts: total is exact up to it; beyond it the
// answer says total_capped and total is TotalCap ("more than 1,000"). Counting every hit
// of a word in every message read the whole of the index's list for the word (160–420 ms
// on 250,000 messages) to print a number nobody reads through.
const TotalCap = 1000

// Snippet markers: the hit's words are framed by these control characters, which a
// message body cannot hold as text a person typed; the UI turns them into <mark>
// elements without ever reading the body as HTML.
const (
	markOpen  = "\x02"
	markClose = "\x03"
)

// searchHit is one message found.
type searchHit struct {
	Id      string  `json:"id"`
	Channel string  `json:"channel"`
	Snippet string  `json:"snippet"`
	Author  *person `json:"author,omitempty"`
	Created string  `json:"created"`
	Source  string  `json:"source,omitempty"` // system: a notice (someone joined), no author
}

// FTSQuery turns what a person typed into an FTS5 query: each word (letters and digits)
// becomes a quoted prefix term, all of them must match. Quotes, operators (AND, OR, NOT,
// NEAR), column filters and parentheses are read as plain text, so no input is a syntax
// error and none reaches another column. Returns "" when the input holds no word. The
// search inside one channel builds its queries with the same function ([fts.Query]).
func FTSQuery(s string) string { return fts.Query(s) }

// GET /api/crisisroom/search?q=<words> → {items: [searchHit, newest first], total, limit,
// total_capped}: at most SearchLimit items; total counts the hits up to TotalCap, and
// total_capped says there are more than TotalCap. Searches the bodies of every message in
// the channels the person holds a live row of now, and nothing else: the channel list is
// decided before the index is asked.
func (s *staffroom) handleSearch(e *core.RequestEvent) error {
	out := map[string]any{"items": []searchHit{}, "total": 0, "total_capped": false, "limit": SearchLimit}
	chans := readableChannels(e.App, e.Auth.Id)
	if len(chans) == 0 {
		return e.JSON(http.StatusOK, out)
	}
	// Each word's beginning becomes the whole words of the index it begins, which FTS5
	// walks newest first and leaves after the page (see fts.Expand); "" when there is no
	// word or one no message holds.
	q, err := fts.Expand(e.App.DB(), e.Request.URL.Query().Get("q"))
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	if q == "" {
		return e.JSON(http.StatusOK, out)
	}
	// The channels are a column of the index (ch): FTS5 intersects "these words in the
	// body" with "one of these channels", never reading a row of another channel.
	match := dbx.Params{"q": fts.Match(q, chans...)}
	var total int
	if err := e.App.DB().NewQuery("SELECT COUNT(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH {:q} LIMIT " + strconv.Itoa(TotalCap+1) + ")").
		Bind(match).Row(&total); err != nil {
		return apperr.New(http.StatusBadRequest, "staffroom.search_failed", err)
	}
	if total > TotalCap {
		out["total_capped"], total = true, TotalCap
	}
	var rows []struct {
		Message string `db:"message"`
		Channel string `db:"ch"`
		Snippet string `db:"snip"`
	}
	// rowid is the message's rowid: descending is newest first, without sorting the hits.
	err = e.App.DB().NewQuery(`SELECT message, ch, snippet(messages_fts, 0, '` + markOpen + `', '` + markClose + `', '…', 24) AS snip
		FROM messages_fts WHERE messages_fts MATCH {:q} ORDER BY rowid DESC LIMIT ` + strconv.Itoa(SearchLimit)).Bind(match).All(&rows)
	if err != nil {
		return apperr.New(http.StatusBadRequest, "staffroom.search_failed", err)
	}
	meta := map[string]struct{ Author, Created, Source string }{}
	if len(rows) > 0 {
		ids := make([]any, len(rows))
		for i, r := range rows {
			ids[i] = r.Message
		}
		var ms []struct {
			Id      string `db:"id"`
			Author  string `db:"author"`
			Created string `db:"created"`
			Source  string `db:"source"`
		}
		if err := e.App.DB().Select("id", "author", "created", "source").From("messages").Where(dbx.In("id", ids...)).All(&ms); err != nil {
			return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
		}
		for _, m := range ms {
			meta[m.Id] = struct{ Author, Created, Source string }{m.Author, m.Created, m.Source}
		}
	}
	people := map[string]*person{}
	items := make([]searchHit, 0, len(rows))
	for _, r := range rows {
		m := meta[r.Message]
		p, ok := people[m.Author]
		if !ok && m.Author != "" {
			p = personOf(e.App, m.Author)
			people[m.Author] = p
		}
		items = append(items, searchHit{Id: r.Message, Channel: r.Channel, Snippet: r.Snippet, Author: p, Created: m.Created, Source: m.Source})
	}
	out["items"], out["total"] = items, total
	return e.JSON(http.StatusOK, out)
}

// GET /api/crisisroom/messages/{id}/context?n=20 → {channel, message, items}: the message
// with up to n messages before and after it in its channel, oldest first, for a jump from
// a search hit, a pin or a notice. Same answer for unknown and unreadable messages.
func (s *staffroom) handleContext(e *core.RequestEvent) error {
	m, _ := readableMessage(e.App, e.Auth.Id, e.Request.PathValue("id"))
	if m == nil {
		return noMessage(e)
	}
	n := 20
	ch := m.GetString("channel")
	var before, after []*core.Record
	err := e.App.RecordQuery("messages").
		AndWhere(dbx.NewExp("channel = {:c} AND (created < {:t} OR (created = {:t} AND id < {:id}))", dbx.Params{"c": ch, "t": m.GetString("created"), "id": m.Id})).
		OrderBy("created DESC", "id DESC").Limit(int64(n)).All(&before)
	if err == nil {
		err = e.App.RecordQuery("messages").
			AndWhere(dbx.NewExp("channel = {:c} AND (created > {:t} OR (created = {:t} AND id > {:id}))", dbx.Params{"c": ch, "t": m.GetString("created"), "id": m.Id})).
			OrderBy("created ASC", "id ASC").Limit(int64(n)).All(&after)
	}
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	items := []map[string]any{}
	people := map[string]*person{}
	add := func(r *core.Record) {
		a := r.GetString("author")
		p, ok := people[a]
		if !ok && a != "" {
			p = personOf(e.App, a)
			people[a] = p
		}
		body := r.GetString("body")
		if r.GetBool("deleted") {
			body = ""
		}
		items = append(items, map[string]any{"id": r.Id, "body": body, "author": p, "created": r.GetString("created"),
			"priority": r.GetString("priority"), "deleted": r.GetBool("deleted"), "source": r.GetString("source")})
	}
	for i := len(before) - 1; i >= 0; i-- {
		add(before[i])
	}
	add(m)
	for _, r := range after {
		add(r)
	}
	return e.JSON(http.StatusOK, map[string]any{"channel": ch, "message": m.Id, "items": items})
}
