package messaging

import (
	"encoding/json"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// MessageReceipts is one message's counts in a receipts event.
type MessageReceipts struct {
	Id string `json:"id"`
	ReceiptSummary
}

// receiptsEvent is the record of a "receipts" event on channels/<id>: who read (up to
// until) or acknowledged (message), and the new counts of the messages concerned.
type receiptsEvent struct {
	Channel  string            `json:"channel"`
	User     *Person           `json:"user"`
	Until    string            `json:"until,omitempty"`
	LastRead string            `json:"last_read,omitempty"`
	Message  string            `json:"message,omitempty"`
	ReadAt   string            `json:"read_at,omitempty"`
	AckedAt  string            `json:"acked_at,omitempty"`
	Messages []MessageReceipts `json:"messages"`
}

func (ms *messaging) emitReceipts(app core.App, ev receiptsEvent, msgs []*core.Record) {
	sums := receiptSummaries(app, ev.Channel, msgs)
	ev.Messages = make([]MessageReceipts, 0, len(msgs))
	for _, m := range msgs {
		ev.Messages = append(ev.Messages, MessageReceipts{Id: m.Id, ReceiptSummary: sums[m.Id]})
	}
	data, err := json.Marshal(channelEvent{Action: "update", Collection: "receipts", Record: ev})
	if err == nil {
		ms.fan.emit(ev.Channel, data)
	}
}

func (ms *messaging) bindReceipts(app core.App) {
	// Through the stock REST a person may mark their own receipt; the server sets the
	// time, and an acknowledgement is written to the log like one through /ack.
	app.OnRecordUpdateRequest("receipts").BindFunc(func(e *core.RecordRequestEvent) error {
		if tenancy.IsSuperuser(e.Auth) {
			return e.Next()
		}
		orig := e.Record.Original()
		now := tenancy.NowDate()
		acked := false
		for _, f := range []string{"read_at", "acked_at"} {
			switch {
			case orig.GetString(f) != "":
				e.Record.Set(f, orig.Get(f)) // what is marked stays marked
			case e.Record.GetString(f) != "":
				e.Record.Set(f, now)
				acked = acked || f == "acked_at"
			}
		}
		if acked && e.Record.GetString("read_at") == "" {
			e.Record.Set("read_at", now)
		}
		if err := e.Next(); err != nil {
			return err
		}
		m, err := e.App.FindRecordById("messages", e.Record.GetString("message"))
		if err != nil {
			return nil
		}
		if acked {
			ms.auditAck(e.App, e.Auth, m)
		}
		ms.emitReceipts(e.App, receiptsEvent{Channel: m.GetString("channel"), User: ms.dir.person(e.App, e.Auth.Id), Message: m.Id,
			ReadAt: e.Record.GetString("read_at"), AckedAt: e.Record.GetString("acked_at")}, []*core.Record{m})
		return nil
	})
}

func (ms *messaging) auditAck(app core.App, actor, m *core.Record) {
	org := ""
	if ch := ms.dir.channel(app, m.GetString("channel")); ch != nil {
		org = ch.Organisation
	}
	audit.Write(app, audit.Entry{Actor: actor, Action: "messages.ack", Organisation: org, Target: m.Id,
		Data: map[string]any{"channel": m.GetString("channel"), "priority": m.GetString("priority")}})
}

// POST /api/crisisroom/channels/{id}/read {"until": "<message id>"}
func (ms *messaging) handleRead(e *core.RequestEvent) error {
	channelId := e.Request.PathValue("id")
	cm := tenancy.ChannelMember(e.App, channelId, e.Auth.Id)
	if cm == nil {
		return notMember(e)
	}
	var body struct {
		Until string `json:"until"`
	}
	if err := e.BindBody(&body); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_could_not_read", err)
	}
	until, err := e.App.FindRecordById("messages", body.Until)
	if err != nil || until.GetString("channel") != channelId {
		return apperr.BadRequest("messaging.until_must_message_channel")
	}
	created := until.GetString("created")
	previous := cm.GetString("last_read")
	if previous < created {
		cm.Set("last_read", created)
		if err := e.App.Save(cm); err != nil {
			return apperr.Internal(err)
		}
	}
	now := tenancy.NowDate().String()
	res, err := e.App.DB().NewQuery(`UPDATE receipts SET read_at = {:now}, updated = {:now}
		WHERE user = {:u} AND read_at = '' AND message IN (SELECT id FROM messages WHERE channel = {:c} AND created <= {:created})`).
		Bind(dbx.Params{"now": now, "u": e.Auth.Id, "c": channelId, "created": created}).Execute()
	if err != nil {
		return apperr.Internal(err)
	}
	marked, _ := res.RowsAffected()
	// The counts that changed: messages newly reached by last_read (the latest 100), and
	// those whose receipt was just marked.
	var changed []*core.Record
	if previous < created || marked > 0 {
		_ = e.App.RecordQuery("messages").AndWhere(dbx.HashExp{"channel": channelId}).
			AndWhere(dbx.NewExp("created <= {:created} AND (created > {:prev} OR id IN (SELECT message FROM receipts WHERE user = {:u} AND read_at = {:now}))",
				dbx.Params{"created": created, "prev": previous, "u": e.Auth.Id, "now": now})).
			OrderBy("created DESC").Limit(100).All(&changed)
	}
	ms.emitReceipts(e.App, receiptsEvent{Channel: channelId, User: ms.dir.person(e.App, e.Auth.Id), Until: until.Id, LastRead: cm.GetString("last_read")}, changed)
	return e.JSON(http.StatusOK, map[string]any{"last_read": cm.GetString("last_read"), "receipts_marked": marked})
}

// POST /api/crisisroom/messages/{id}/ack
func (ms *messaging) handleAck(e *core.RequestEvent) error {
	m, err := e.App.FindRecordById("messages", e.Request.PathValue("id"))
	if err != nil || tenancy.ChannelMember(e.App, m.GetString("channel"), e.Auth.Id) == nil {
		return apperr.NotFound("messaging.no_such_message_channels")
	}
	switch {
	case !needsReceipts(m):
		return apperr.BadRequest("messaging.message_does_not_ask")
	case m.GetString("author") == e.Auth.Id:
		return apperr.BadRequest("messaging.wrote_message")
	case m.GetBool("deleted"):
		return apperr.BadRequest("messaging.message_deleted")
	}
	r, err := e.App.FindFirstRecordByFilter("receipts", "message = {:m} && user = {:u}", dbx.Params{"m": m.Id, "u": e.Auth.Id})
	if err != nil {
		// joined after the message was sent: they can still confirm it
		coll, cerr := e.App.FindCachedCollectionByNameOrId("receipts")
		if cerr != nil {
			return apperr.Internal(cerr)
		}
		r = core.NewRecord(coll)
		r.Set("message", m.Id)
		r.Set("user", e.Auth.Id)
	}
	newly := r.GetString("acked_at") == ""
	if newly {
		now := tenancy.NowDate()
		if r.GetString("read_at") == "" {
			r.Set("read_at", now)
		}
		r.Set("acked_at", now)
		if err := e.App.Save(r); err != nil {
			return apperr.Internal(err)
		}
		ms.auditAck(e.App, e.Auth, m)
		ms.emitReceipts(e.App, receiptsEvent{Channel: m.GetString("channel"), User: ms.dir.person(e.App, e.Auth.Id), Message: m.Id,
			ReadAt: r.GetString("read_at"), AckedAt: r.GetString("acked_at")}, []*core.Record{m})
	}
	s := receiptSummaries(e.App, m.GetString("channel"), []*core.Record{m})[m.Id]
	return e.JSON(http.StatusOK, map[string]any{"message": m.Id, "read_at": r.GetString("read_at"), "acked_at": r.GetString("acked_at"), "receipts": s})
}

// ReceiptItem is one recipient's state of a message.
type ReceiptItem struct {
	User    Person    `json:"user"`
	Org     *OrgLabel `json:"org"`
	ReadAt  string    `json:"read_at"`
	AckedAt string    `json:"acked_at"`
}

// GET /api/crisisroom/messages/{id}/receipts
func (ms *messaging) handleReceipts(e *core.RequestEvent) error {
	m, err := e.App.FindRecordById("messages", e.Request.PathValue("id"))
	if err != nil || tenancy.ChannelMember(e.App, m.GetString("channel"), e.Auth.Id) == nil {
		return apperr.NotFound("messaging.no_such_message_channels")
	}
	ch := ms.dir.channel(e.App, m.GetString("channel"))
	type state struct{ user, read, acked string }
	var states []state
	if needsReceipts(m) {
		var rows []struct {
			User    string `db:"user"`
			ReadAt  string `db:"read_at"`
			AckedAt string `db:"acked_at"`
		}
		if err := e.App.DB().Select("user", "read_at", "acked_at").From("receipts").Where(dbx.HashExp{"message": m.Id}).All(&rows); err != nil {
			return apperr.Internal(err)
		}
		for _, r := range rows {
			states = append(states, state{r.User, r.ReadAt, r.AckedAt})
		}
	} else {
		for _, cm := range liveChannelMembers(e.App, m.GetString("channel")) {
			if cm.User == m.GetString("author") {
				continue
			}
			read := ""
			if cm.LastRead != "" && cm.LastRead >= m.GetString("created") {
				read = cm.LastRead
			}
			states = append(states, state{cm.User, read, ""})
		}
	}
	out := struct {
		Total int           `json:"total"`
		Read  int           `json:"read"`
		Acked int           `json:"acked"`
		Items []ReceiptItem `json:"items"`
	}{Items: []ReceiptItem{}}
	for _, s := range states {
		p := ms.dir.person(e.App, s.user)
		if p == nil {
			continue
		}
		out.Total++
		if s.read != "" {
			out.Read++
		}
		if s.acked != "" {
			out.Acked++
		}
		out.Items = append(out.Items, ReceiptItem{User: *p, Org: ms.dir.userOrg(e.App, ch, s.user), ReadAt: s.read, AckedAt: s.acked})
	}
	return e.JSON(http.StatusOK, out)
}
