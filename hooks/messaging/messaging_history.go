package messaging

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hooks/fts"
	"crisisroom/hooks/tenancy"
)

func notMember(e *core.RequestEvent) error {
	return apperr.Forbidden("messaging.not_member_channel")
}

// GET /api/crisisroom/channels/{id}/messages?before=<datetime or message id>&limit=50&q=<text>
// → {items: oldest→newest, has_more}. Messages written within one millisecond keep the
// order they were stored in (rowid), the same order their realtime events had. With q,
// only messages that are not deleted and hold every word of q (beginnings of words, case
// and diacritics aside; searchChannel), in the same order; a q without a letter or digit
// finds nothing.
func (ms *messaging) handleMessages(e *core.RequestEvent) error {
	channelId := e.Request.PathValue("id")
	if tenancy.ChannelMember(e.App, channelId, e.Auth.Id) == nil {
		return notMember(e)
	}
	query := e.Request.URL.Query()
	limit := 50
	if s := query.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return apperr.BadRequest("messaging.limit_must_positive_number")
		}
		limit = min(n, 200)
	}
	base := func() *dbx.SelectQuery {
		return e.App.RecordQuery("messages").AndWhere(dbx.HashExp{"channel": channelId})
	}
	var cursor dbx.Expression
	var scur searchCursor
	if before := query.Get("before"); before != "" {
		var row struct {
			Created string `db:"created"`
			Rowid   int64  `db:"rowid"`
		}
		if err := e.App.DB().NewQuery("SELECT created, rowid FROM messages WHERE id = {:id} AND channel = {:c}").
			Bind(dbx.Params{"id": before, "c": channelId}).One(&row); err == nil {
			cursor = dbx.NewExp("(created < {:bc} OR (created = {:bc} AND rowid < {:br}))", dbx.Params{"bc": row.Created, "br": row.Rowid})
			scur = searchCursor{created: row.Created, rowid: row.Rowid}
		} else if dt, err := types.ParseDateTime(before); err == nil && !dt.IsZero() {
			cursor = dbx.NewExp("created < {:bt}", dbx.Params{"bt": dt.String()})
			scur = searchCursor{created: dt.String()}
		} else {
			return apperr.BadRequest("messaging.before_must_date_message")
		}
	}
	q := strings.TrimSpace(query.Get("q"))

	var page []*core.Record
	if q == "" {
		sq := base()
		if cursor != nil {
			sq.AndWhere(cursor)
		}
		if err := sq.OrderBy("created DESC", "rowid DESC").Limit(int64(limit + 1)).All(&page); err != nil {
			return apperr.Internal(err)
		}
	} else {
		// Whole words from their beginnings, through the full-text index: see searchChannel.
		fq, err := fts.Expand(e.App.DB(), q)
		if err == nil && fq != "" { // "": no word in q, or one no message holds
			page, err = searchChannel(e.App, channelId, fq, scur, limit+1)
		}
		if err != nil {
			return apperr.Internal(err)
		}
	}
	hasMore := len(page) > limit
	if hasMore {
		page = page[:limit]
	}
	for i, j := 0, len(page)-1; i < j; i, j = i+1, j-1 {
		page[i], page[j] = page[j], page[i]
	}
	sums := receiptSummaries(e.App, channelId, page)
	mine := myReceipts(e.App, e.Auth.Id, page)
	items := make([]map[string]any, len(page))
	for i, m := range page {
		s := sums[m.Id]
		items[i] = messageView(e.App, ms.dir, m, &s)
		if r, ok := mine[m.Id]; ok {
			items[i]["my_receipt"] = r
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items, "has_more": hasMore})
}

// FileItem is one attachment in a channel's file list.
type FileItem struct {
	Message string  `json:"message"`
	Name    string  `json:"name"`
	URLPath string  `json:"url_path"`
	Size    int64   `json:"size"`
	Mime    string  `json:"mime"`
	Created string  `json:"created"`
	Author  *Person `json:"author"`
	// Org is the organisation the author speaks for in this channel: a name is always
	// shown with it, so a look-alike from another organisation is told apart.
	Org *OrgLabel `json:"org"`
}

// GET /api/crisisroom/channels/{id}/files → every attachment of the channel, newest first.
func (ms *messaging) handleFiles(e *core.RequestEvent) error {
	channelId := e.Request.PathValue("id")
	if tenancy.ChannelMember(e.App, channelId, e.Auth.Id) == nil {
		return notMember(e)
	}
	var msgs []*core.Record
	err := e.App.RecordQuery("messages").AndWhere(dbx.HashExp{"channel": channelId, "deleted": false}).
		AndWhere(dbx.NewExp("attachments != '' AND attachments != '[]'")).OrderBy("created DESC", "id DESC").All(&msgs)
	if err != nil {
		return apperr.Internal(err)
	}
	fsys, err := e.App.NewFilesystem()
	if err != nil {
		return apperr.Internal(err)
	}
	defer fsys.Close()
	items := []FileItem{}
	ch := ms.dir.channel(e.App, channelId)
	for _, m := range msgs {
		for _, name := range m.GetStringSlice("attachments") {
			it := FileItem{Message: m.Id, Name: name, URLPath: "/api/files/messages/" + m.Id + "/" + name,
				Created: m.GetString("created"), Author: ms.dir.person(e.App, m.GetString("author")), Org: ms.dir.messageOrg(e.App, ch, m)}
			if attrs, err := fsys.Attributes(m.BaseFilesPath() + "/" + name); err == nil {
				it.Size, it.Mime = attrs.Size, attrs.ContentType
			}
			items = append(items, it)
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// MyReceipt is the caller's own state of a message that asks for acknowledgement.
type MyReceipt struct {
	ReadAt  string `json:"read_at"`
	AckedAt string `json:"acked_at"`
}

// myReceipts: the caller's receipts for those of msgs that carry receipts and were not
// written by the caller (an empty one when the caller joined after the message).
func myReceipts(app core.App, userId string, msgs []*core.Record) map[string]MyReceipt {
	out := map[string]MyReceipt{}
	var ids []any
	for _, m := range msgs {
		if needsReceipts(m) && m.GetString("author") != userId {
			ids = append(ids, m.Id)
			out[m.Id] = MyReceipt{}
		}
	}
	if len(ids) == 0 {
		return out
	}
	var rows []struct {
		Message string `db:"message"`
		ReadAt  string `db:"read_at"`
		AckedAt string `db:"acked_at"`
	}
	_ = app.DB().Select("message", "read_at", "acked_at").From("receipts").
		Where(dbx.HashExp{"user": userId}).AndWhere(dbx.In("message", ids...)).All(&rows)
	for _, r := range rows {
		out[r.Message] = MyReceipt{ReadAt: r.ReadAt, AckedAt: r.AckedAt}
	}
	return out
}
