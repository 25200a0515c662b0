package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// meEvent is the shape of the events on crisisroom/me.
type meEvent struct {
	Action     string `json:"action"`
	Collection string `json:"collection,omitempty"`
	Record     any    `json:"record"`
}

// maxSpellingsPerTopic: how often one subscribe request may name the same topic, ours
// (channels/<id>, crisisroom/me) or PocketBase's own (messages/*, …): PocketBase's SDK
// appends ?options=… to a name, and each spelling is a subscription of its own that gets
// every event (and on PocketBase's topics costs a rule query at every change).
const maxSpellingsPerTopic = 4

func (ms *messaging) bindRealtime(app core.App) {
	f := ms.fan
	bindRealtimeTakeOver(app, f.streams)
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		f.close()
		return e.Next()
	})
	app.OnRealtimeConnectRequest().BindFunc(func(e *core.RealtimeConnectRequestEvent) error {
		f.release.note()
		if w, ok := e.Response.(*sseWriter); ok {
			e.Client.Set(sseWriterKey, w) // the fan-out writes to it (realtime_direct.go)
			// Those writes pass PocketBase's connection loop, whose idle timer only its own
			// writes reset: a tab busy with a channel's events would be cut every
			// IdleTimeout. The connection still ends at MaxTimeout; a browser that went
			// away is found by the hang-up watch (TCP keep-alive probes every 15 s) and a
			// stalled one by the write deadline and the outbox's bound.
			if e.IdleTimeout < e.MaxTimeout {
				e.IdleTimeout = e.MaxTimeout
			}
		}
		ctx, cancel := context.WithCancel(e.Request.Context())
		defer cancel()
		if err := ms.admit.enter(e.Client.Id(), e.RealIP(), cancel); err != nil {
			return err
		}
		defer ms.admit.leave(e.Client.Id())
		e.Request = e.Request.WithContext(ctx) // PocketBase's loop ends when ctx does
		err := e.Next()                        // returns when the connection ends
		f.drop(e.Client.Id())
		ms.stock.forget(e.Client.Id())
		f.release.note()
		return err
	})
	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		f.release.note()
		userId := ""
		if e.Auth != nil && e.Auth.Collection().Name == "users" {
			userId = e.Auth.Id
		}
		var channels []string
		ours := false
		spellings := map[string]int{}
		for _, s := range e.Subscriptions {
			topic := topicOf(s)
			if spellings[topic]++; spellings[topic] > maxSpellingsPerTopic {
				// Each spelling gets every event of the topic: a thousand of them made one
				// connection a thousandfold copy of the channel, and on PocketBase's own
				// topics (messages/*) a thousand rule queries inside every message's save.
				return apperr.BadRequest("messaging.topic_spelled_too_often", topic, spellings[topic], maxSpellingsPerTopic)
			}
			switch {
			case topic == topicMe:
				ours = true
			case strings.HasPrefix(topic, topicChannelPre):
				ours = true
				channels = append(channels, strings.TrimPrefix(topic, topicChannelPre))
			case strings.HasPrefix(topic, "crisisroom/"):
				return apperr.Forbidden("messaging.unknown_topic", topic)
			}
		}
		if ours && userId == "" {
			return apperr.Forbidden("messaging.sign_follow_channels")
		}
		gen := f.generation(userId)
		expiry, err := liveChannelMemberships(e.App, userId, channels)
		if err != nil {
			return apperr.Internal(err)
		}
		var refused []string
		for _, c := range channels {
			if _, ok := expiry[c]; !ok {
				refused = append(refused, c)
			}
		}
		if len(refused) > 0 {
			return apperr.Forbidden("messaging.not_member_channels", strings.Join(refused, ", "))
		}
		superuser := e.Auth != nil && e.Auth.IsSuperuser()
		who := userId
		if superuser {
			who = "_superusers/" + e.Auth.Id
		}
		wanted, err := ms.stock.begin(e.App, e.Subscriptions, who, e.Client.Id(), superuser)
		if err != nil {
			return err
		}
		err = e.Next()
		ms.stock.settle(e.App, e.Client, who, len(e.Subscriptions) > 0, wanted)
		if err != nil {
			return err
		}
		ms.admit.subscribed(e.Client.Id(), len(e.Subscriptions) > 0)
		if !ours && !f.known(e.Client.Id()) {
			return nil
		}
		for !f.index(e.Client, userId, expiry, gen) {
			// a membership ended while this subscribe was checked
			gen = f.generation(userId)
			if expiry, err = liveChannelMemberships(e.App, userId, channels); err != nil {
				expiry = nil // deliver nothing rather than too much
			}
		}
		return nil
	})
	// Channel record changes reach channels/<id> through the stock broadcast; name their
	// collection like every other event on the topic.
	// On a taken-over connection the fan-out writes too: PocketBase's loop writes each of
	// its events whole, holding the writer's event lock from the first Write to the flush.
	app.OnRealtimeMessageSend().BindFunc(func(e *core.RealtimeMessageEvent) error {
		if w := writerOf(e.Client); w != nil {
			w.evMu.Lock()
			defer w.evMu.Unlock()
		} else {
			// An HTTP/2 stream (HTTPS) stays with PocketBase's loop, which lifted the write
			// deadline for good: a client that stops reading while its stream's flow-control
			// window is used up held that goroutine in this write for as long as the TCP
			// connection lived, whatever the outbox did. Each event gets sseWriteTimeout,
			// as on a taken-over connection; the stream is reset when it passes.
			rc := http.NewResponseController(e.Response)
			if rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout.Load())) == nil {
				defer func() { _ = rc.SetWriteDeadline(time.Time{}) }()
			}
		}
		if strings.HasPrefix(e.Message.Name, topicChannelPre) && bytes.HasPrefix(e.Message.Data, []byte(`{"record":`)) {
			var ev map[string]json.RawMessage
			if json.Unmarshal(e.Message.Data, &ev) == nil {
				ev["collection"] = json.RawMessage(`"channels"`)
				if b, err := json.Marshal(ev); err == nil {
					e.Message.Data = b
				}
			}
		}
		err := e.Next()
		if err != nil && writerOf(e.Client) == nil {
			f.endWrites(e.Client.Id()) // before PocketBase's loop ends and closes the client's channel
		}
		return err
	})

	app.OnRecordAfterCreateSuccess("channel_members").BindFunc(func(e *core.RecordEvent) error {
		f.sendUser(e.Record.GetString("user"), ms.memberEvent(e.App, "channel_added", e.Record), false)
		return e.Next()
	})
	app.OnRecordAfterUpdateSuccess("channel_members").BindFunc(func(e *core.RecordEvent) error {
		u, c := e.Record.GetString("user"), e.Record.GetString("channel")
		if tenancy.Expired(e.Record) {
			f.revokeChannel(u, c)
		} else {
			recheckUser(e.App, f, u) // the new end, or the organisation membership's if earlier
		}
		if e.Record.Original().GetString("role") != e.Record.GetString("role") || e.Record.Original().GetString("expires") != e.Record.GetString("expires") {
			f.sendUser(u, ms.memberEvent(e.App, "membership_changed", e.Record), false)
		}
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess("channel_members").BindFunc(func(e *core.RecordEvent) error {
		f.revokeChannel(e.Record.GetString("user"), e.Record.GetString("channel"))
		f.sendUser(e.Record.GetString("user"), ms.memberEvent(e.App, "channel_removed", e.Record), false)
		return e.Next()
	})
	membershipChanged := func(e *core.RecordEvent) error {
		data, _ := json.Marshal(meEvent{Action: "membership_changed", Collection: "memberships", Record: e.Record.PublicExport()})
		f.sendUser(e.Record.GetString("user"), data, false)
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess("memberships").BindFunc(membershipChanged)
	app.OnRecordAfterUpdateSuccess("memberships").BindFunc(func(e *core.RecordEvent) error {
		recheckUser(e.App, f, e.Record.GetString("user"))
		return membershipChanged(e)
	})
	app.OnRecordAfterDeleteSuccess("memberships").BindFunc(func(e *core.RecordEvent) error {
		recheckUser(e.App, f, e.Record.GetString("user"))
		return membershipChanged(e)
	})
	// A suspended organisation's people lose, at once, every channel they were in through
	// it; those in a channel through another, active organisation keep it.
	app.OnRecordAfterUpdateSuccess("organisations").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.Original().GetString("status") != e.Record.GetString("status") {
			var users []string
			_ = e.App.DB().Select("user").Distinct(true).From("memberships").
				Where(dbx.HashExp{"organisation": e.Record.Id}).Column(&users)
			for _, u := range users {
				recheckUser(e.App, f, u)
			}
		}
		return e.Next()
	})
	// An organisation taken out of a shared channel: its rows go (tenancy hooks), and
	// every subscriber of the channel is checked again in case a row stayed behind.
	app.OnRecordAfterUpdateSuccess("channels").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.Original().GetString("organisations") != e.Record.GetString("organisations") ||
			e.Record.Original().GetString("organisation") != e.Record.GetString("organisation") {
			for _, u := range f.channelUsers(e.Record.Id) {
				recheckUser(e.App, f, u)
			}
		}
		return e.Next()
	})

	// New token key (password change, sign-out everywhere): old tokens are void, and so
	// is what was subscribed with them.
	app.OnRecordAfterUpdateSuccess("users").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.Original().TokenKey() != e.Record.TokenKey() {
			f.revokeUser(e.Record.Id)
			f.silenceUser(e.Record.Id)
		}
		return e.Next()
	})
}

// recheckUser takes away every channel topic the user's connections follow that the
// user is no longer a live member of (ChannelMember's definition). On a failed query it
// takes all of them: delivering nothing is the safe side.
func recheckUser(app core.App, f *fanout, userId string) {
	channels := f.userChannels(userId)
	if len(channels) == 0 {
		return
	}
	live, err := liveChannelMemberships(app, userId, channels)
	if err != nil {
		live = nil
	}
	for _, c := range channels {
		if end, ok := live[c]; !ok {
			f.revokeChannel(userId, c)
		} else {
			f.setExpiry(userId, c, end) // an end date set or moved on either membership
		}
	}
}

func (f *fanout) known(clientId string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.conns[clientId] != nil
}

// memberEvent describes a channel membership for crisisroom/me, with the channel expanded.
func (ms *messaging) memberEvent(app core.App, action string, cm *core.Record) []byte {
	rec := cm.PublicExport()
	if ch, err := app.FindRecordById("channels", cm.GetString("channel")); err == nil {
		rec["expand"] = map[string]any{"channel": ch.PublicExport()}
	}
	data, _ := json.Marshal(meEvent{Action: action, Collection: "channel_members", Record: rec})
	return data
}

// liveChannelMemberships returns, for those of channels the user is a live member of
// (ChannelMember's definition), when that access ends (zero: never): the earlier of the
// channel membership's end and the end of the organisation membership it rests on (the
// latest of the user's live memberships of that organisation; none of them ending: never).
// One query for all.
func liveChannelMemberships(app core.App, userId string, channels []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if userId == "" || len(channels) == 0 {
		return out, nil
	}
	params := dbx.Params{"user": userId}
	in := make([]string, len(channels))
	for i, c := range channels {
		k := "c" + strconv.Itoa(i)
		params[k] = c
		in[i] = "{:" + k + "}"
	}
	var rows []struct {
		Channel    string `db:"channel"`
		Expires    string `db:"expires"`
		OrgExpires string `db:"org_expires"`
	}
	err := app.DB().NewQuery(`SELECT cm.channel AS channel, cm.expires AS expires,
		(SELECT CASE WHEN SUM(om.expires = '' OR om.expires IS NULL) > 0 THEN '' ELSE MAX(om.expires) END
			FROM memberships om WHERE om.user = cm.user AND om.organisation = cm.organisation AND ` + tenancy.LiveMembershipSQL("om") + `) AS org_expires
		FROM channel_members cm WHERE cm.user = {:user} AND cm.channel IN (` + strings.Join(in, ", ") + `) AND ` +
		tenancy.LiveChannelMemberSQL("cm")).Bind(params).All(&rows)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.Channel] = earlierEnd(r.Expires, r.OrgExpires)
	}
	return out, nil
}

// earlierEnd returns the earlier of two end dates in PocketBase's text (empty or
// unreadable: never), as a time (zero: never).
func earlierEnd(a, b string) time.Time {
	var end time.Time
	for _, s := range []string{a, b} {
		if dt, err := types.ParseDateTime(s); err == nil && !dt.IsZero() && (end.IsZero() || dt.Time().Before(end)) {
			end = dt.Time()
		}
	}
	return end
}
