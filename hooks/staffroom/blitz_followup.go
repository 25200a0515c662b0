package staffroom

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// The Blitz follow-up: a Blitz (priority "flash") that some recipients have not
// acknowledged after remindAfter is followed up once: each of them gets a notice
// "blitz_reminder" (the app shows it as a notification with a tone), and the sender a
// notice "blitz_pending" naming who still has not. The sender (or a host operator in the
// channel) may also remind by hand from the read-receipt dialog (POST …/remind).

// followUpWindow bounds how old a Blitz may be and still be followed up automatically
// (an appliance started after a long pause does not remind of yesterday's Blitz).
const followUpWindow = 12 * time.Hour

// manualRemindGap is the least time between two reminders of one message by hand.
const manualRemindGap = 30 * time.Second

func (s *staffroom) bindFollowUp(app core.App) {
	if s.remindAfter <= 0 {
		return
	}
	tick := min(max(s.remindAfter/4, 200*time.Millisecond), 30*time.Second)
	stop := make(chan struct{})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		go func() {
			t := time.NewTicker(tick)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					s.followUp(app, time.Now())
				}
			}
		}()
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		select {
		case <-stop:
		default:
			close(stop)
		}
		return e.Next()
	})
}

func dbTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000Z") }

// followUp reminds for every Blitz that is due at now and not yet followed up.
func (s *staffroom) followUp(app core.App, now time.Time) {
	var ids []string
	err := app.DB().NewQuery(`SELECT m.id FROM messages m
		WHERE m.priority = 'flash' AND m.deleted = FALSE AND m.author != ''
		AND m.created <= {:due} AND m.created > {:since}
		AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.message = m.id AND n.kind = 'blitz_pending')
		AND EXISTS (SELECT 1 FROM receipts r WHERE r.message = m.id AND (r.acked_at = '' OR r.acked_at IS NULL))
		LIMIT 100`).Bind(dbx.Params{"due": dbTime(now.Add(-s.remindAfter)), "since": dbTime(now.Add(-followUpWindow))}).Column(&ids)
	if err != nil {
		app.Logger().Warn("Blitz follow-up query failed", "error", err)
		return
	}
	for _, id := range ids {
		m, err := app.FindRecordById("messages", id)
		if err != nil {
			continue
		}
		pending := remind(app, m, "")
		// The sender's notice is also the mark that this Blitz was followed up.
		data := map[string]any{"body": excerpt(m.GetString("body"), 200), "pending": pending}
		if err := saveNotice(app, m.GetString("author"), "blitz_pending", m, data); err != nil {
			app.Logger().Warn("Blitz follow-up not saved", "message", id, "error", err)
		}
	}
}

// remind gives every live member who has not acknowledged m a "blitz_reminder" notice
// and returns them. by is the person who reminded by hand ("" for the follow-up).
func remind(app core.App, m *core.Record, by string) []person {
	var users []string
	_ = app.DB().NewQuery(`SELECT user FROM receipts WHERE message = {:m} AND (acked_at = '' OR acked_at IS NULL)`).
		Bind(dbx.Params{"m": m.Id}).Column(&users)
	pending := []person{}
	data := map[string]any{"body": excerpt(m.GetString("body"), 200), "author": personOf(app, m.GetString("author"))}
	if by != "" {
		data["by"] = personOf(app, by)
	}
	ch := m.GetString("channel")
	for _, u := range users {
		cm := tenancy.ChannelMember(app, ch, u)
		if cm == nil {
			continue // no longer in the channel: told nothing
		}
		p := personOf(app, u)
		if p == nil {
			continue
		}
		p.Function = functionIn(app, u, cm.GetString("organisation"))
		pending = append(pending, *p)
		if err := saveNotice(app, u, "blitz_reminder", m, data); err != nil {
			app.Logger().Warn("Blitz reminder not saved", "message", m.Id, "user", u, "error", err)
		}
	}
	return pending
}

// POST /api/crisisroom/messages/{id}/remind → {"pending": [person]}: reminds those who
// have not acknowledged a Blitz or a message asking for acknowledgement. Allowed to its
// author and to host operators who are members of the channel; at most every 30 s.
func (s *staffroom) handleRemind(e *core.RequestEvent) error {
	m, _ := readableMessage(e.App, e.Auth.Id, e.Request.PathValue("id"))
	if m == nil {
		return noMessage(e)
	}
	if m.GetString("author") != e.Auth.Id && !tenancy.IsHostOperator(e.App, e.Auth.Id) {
		return apperr.Forbidden("staffroom.only_author_reminds")
	}
	if m.GetString("priority") != "flash" && !m.GetBool("ack_required") {
		return apperr.BadRequest("messaging.message_does_not_ask")
	}
	if last, err := e.App.FindFirstRecordByFilter("notices", "message = {:m} && kind = 'blitz_reminder' && created > {:t}",
		dbx.Params{"m": m.Id, "t": dbTime(time.Now().Add(-manualRemindGap))}); err == nil && last != nil {
		return apperr.TooManyRequests("staffroom.reminder_too_soon")
	}
	return e.JSON(http.StatusOK, map[string]any{"pending": remind(e.App, m, e.Auth.Id)})
}
