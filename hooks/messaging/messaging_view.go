package messaging

import (
	"crisisroom/hooks/tenancy"
	"encoding/json"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// ReceiptSummary is what "read by 17 of 23" is made of.
type ReceiptSummary struct {
	Read  int `json:"read"`
	Acked int `json:"acked"`
	Total int `json:"total"`
}

// channelEvent is the shape of every event on channels/<id>: PocketBase's record event
// plus the collection it is about. Field order is fixed so the stock events on the same
// topic (channel record changes) can be told apart by their first key.
type channelEvent struct {
	Action     string `json:"action"`
	Collection string `json:"collection"`
	Record     any    `json:"record"`
}

// messageView is a message as events and lists show it: every field, the author as
// expand.author, the organisation the author speaks for in this channel, the device's name
// for messages from the room's hardware; a deleted message shows neither body nor files.
func messageView(app core.App, dir *directory, m *core.Record, summary *ReceiptSummary) map[string]any {
	out := m.PublicExport()
	delete(out, "expand")
	if m.GetBool("deleted") {
		out["body"] = ""
		out["attachments"] = []string{}
	}
	ch := dir.channel(app, m.GetString("channel"))
	expand := map[string]any{}
	if p := dir.person(app, m.GetString("author")); p != nil {
		expand["author"] = p
	}
	if id := m.GetString("reply_to"); id != "" {
		if orig, err := app.FindRecordById("messages", id); err == nil && orig.GetString("channel") == m.GetString("channel") {
			expand["reply_to"] = replyPreview(app, dir, orig)
		}
	}
	out["expand"] = expand
	var org *OrgLabel
	if dev := dir.device(app, m.GetString("device")); dev != nil {
		out["device_name"] = dev.Name
		org = dir.org(app, dev.Organisation)
	} else {
		org = dir.messageOrg(app, ch, m)
	}
	out["org"] = org
	if summary != nil {
		out["receipts"] = summary
	}
	return out
}

// replyPreview is the quoted message of a reply: enough to show "↪ name: words…".
func replyPreview(app core.App, dir *directory, orig *core.Record) map[string]any {
	body := []rune(orig.GetString("body"))
	if len(body) > 200 {
		body = append(body[:200], '…')
	}
	p := map[string]any{"id": orig.Id, "body": string(body), "deleted": orig.GetBool("deleted"), "created": orig.GetString("created")}
	if a := dir.person(app, orig.GetString("author")); a != nil {
		p["author"] = a
		p["org"] = dir.messageOrg(app, dir.channel(app, orig.GetString("channel")), orig)
	} else if d := dir.device(app, orig.GetString("device")); d != nil {
		p["device_name"] = d.Name
	}
	return p
}

func encodeMessageEvent(app core.App, dir *directory, action string, m *core.Record) ([]byte, error) {
	var s ReceiptSummary
	if needsReceipts(m) || dir.recipients == nil {
		s = receiptSummaries(app, m.GetString("channel"), []*core.Record{m})[m.Id]
	} else {
		s = dir.recipients.summary(app, m)
	}
	return json.Marshal(channelEvent{Action: action, Collection: "messages", Record: messageView(app, dir, m, &s)})
}

func needsReceipts(m *core.Record) bool {
	return m.GetString("priority") == "flash" || m.GetBool("ack_required")
}

// receiptSummaries counts who has read and acknowledged each message. Flash messages and
// those asking for acknowledgement have one receipt per recipient, fixed when they were
// sent; for the others, a member has read a message when their last_read reaches it.
func receiptSummaries(app core.App, channelId string, msgs []*core.Record) map[string]ReceiptSummary {
	out := make(map[string]ReceiptSummary, len(msgs))
	var withReceipts []any
	var plain []*core.Record
	for _, m := range msgs {
		if needsReceipts(m) {
			withReceipts = append(withReceipts, m.Id)
		} else {
			plain = append(plain, m)
		}
	}
	if len(withReceipts) > 0 {
		var rows []struct {
			Message string `db:"message"`
			Total   int    `db:"total"`
			Read    int    `db:"nread"`
			Acked   int    `db:"nacked"`
		}
		err := app.DB().Select("message", "COUNT(*) AS total",
			"SUM(CASE WHEN read_at != '' THEN 1 ELSE 0 END) AS nread",
			"SUM(CASE WHEN acked_at != '' THEN 1 ELSE 0 END) AS nacked").
			From("receipts").Where(dbx.In("message", withReceipts...)).GroupBy("message").All(&rows)
		if err != nil {
			app.Logger().Warn("receipt counts failed", "error", err)
		}
		for _, r := range rows {
			out[r.Message] = ReceiptSummary{Read: r.Read, Acked: r.Acked, Total: r.Total}
		}
	}
	if len(plain) == 1 {
		// A new message's event: let SQLite count instead of loading every member.
		out[plain[0].Id] = plainReceiptSummary(app, channelId, plain[0])
	} else if len(plain) > 0 {
		members := liveChannelMembers(app, channelId)
		for _, m := range plain {
			var s ReceiptSummary
			created := m.GetString("created")
			for _, cm := range members {
				if cm.User == m.GetString("author") {
					continue
				}
				s.Total++
				if cm.LastRead != "" && cm.LastRead >= created {
					s.Read++
				}
			}
			out[m.Id] = s
		}
	}
	return out
}

// plainReceiptSummary is receiptSummaries' count for one message without receipts: the
// live members but the author, and those whose last_read reaches the message.
func plainReceiptSummary(app core.App, channelId string, m *core.Record) ReceiptSummary {
	var row struct {
		Total int `db:"total"`
		Read  int `db:"nread"`
	}
	err := app.DB().NewQuery(`SELECT COUNT(*) AS total,
		COALESCE(SUM(CASE WHEN last_read != '' AND last_read >= {:created} THEN 1 ELSE 0 END), 0) AS nread
		FROM channel_members
		WHERE channel = {:c} AND ` + tenancy.LiveChannelMemberSQL("channel_members") + ` AND user != {:author}`).
		Bind(dbx.Params{"c": channelId, "created": m.GetString("created"), "author": m.GetString("author")}).One(&row)
	if err != nil {
		app.Logger().Warn("channel members query failed", "error", err)
		return ReceiptSummary{}
	}
	return ReceiptSummary{Read: row.Read, Total: row.Total}
}

type memberRow struct {
	User     string `db:"user"`
	Role     string `db:"role"`
	LastRead string `db:"last_read"`
	Expires  string `db:"expires"`
}

// liveChannelMembers: the channel's rows that are live (ChannelMember's definition): a
// suspended or removed organisation's people are no recipients.
func liveChannelMembers(app core.App, channelId string) []memberRow {
	var rows []memberRow
	err := app.DB().NewQuery(`SELECT user, role, last_read, expires FROM channel_members
		WHERE channel = {:c} AND ` + tenancy.LiveChannelMemberSQL("channel_members")).
		Bind(dbx.Params{"c": channelId}).All(&rows)
	if err != nil {
		app.Logger().Warn("channel members query failed", "error", err)
	}
	return rows
}

// dbNow is the current time as PocketBase stores dates, for comparing in SQL.
func dbNow() string { return time.Now().UTC().Format("2006-01-02 15:04:05.000Z") }

// likePattern escapes a search text for LIKE … ESCAPE '\'. SQLite folds case only for
// ASCII, so other letters become '_' here and the caller checks them exactly in Go.
func likePattern(q string) string {
	var b strings.Builder
	b.WriteByte('%')
	for _, r := range q {
		switch {
		case r == '%' || r == '_' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r > 127:
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('%')
	return b.String()
}
