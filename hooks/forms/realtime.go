package forms

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"crisisroom/hooks/tenancy"
)

// RealtimeTopic is the realtime subscription on which a person with a staff function
// (or a member of the host's staff) hears that the forms, orders or the briefing
// changed ({"action":"changed"}); the web app then asks GET /api/crisisroom/forms/queues,
// so the Blitz banner reaches the next person at once. The event carries nothing.
const RealtimeTopic = "staffwork/queues"

// bindRealtime pings the subscribers after a form, an order or the briefing changed
// (after the commit: a rolled-back step pings nobody).
func bindRealtime(app core.App) {
	ping := func(e *core.RecordEvent) error {
		notifyQueues(e.App)
		return e.Next()
	}
	for _, c := range []string{"forms", "tasks", "briefings", "staff_functions"} {
		app.OnRecordAfterCreateSuccess(c).BindFunc(ping)
		app.OnRecordAfterUpdateSuccess(c).BindFunc(ping)
	}
	app.OnTerminate().BindFunc(stopPings)
}

// pingDelay gathers the pings of a burst (twenty intakes at once) into one, so each
// screen asks for its queues once, not twenty times.
const pingDelay = 250 * time.Millisecond

var pending sync.Map // core.App → *byte: the token of the scheduled ping

func notifyQueues(app core.App) {
	tok := new(byte)
	if _, busy := pending.LoadOrStore(app, tok); busy {
		return
	}
	time.AfterFunc(pingDelay, func() {
		// Only a ping still scheduled runs: the app's end takes it back (a stopped app has
		// no database to ask).
		if pending.CompareAndDelete(app, tok) {
			sendPing(app)
		}
	})
}

// stopPings takes back a scheduled ping when the app terminates.
func stopPings(e *core.TerminateEvent) error {
	pending.Delete(e.App)
	return e.Next()
}

func sendPing(app core.App) {
	data, _ := json.Marshal(map[string]string{"action": "changed"})
	host := tenancy.HostOrganisation(app)
	if host == nil {
		return
	}
	allowed := map[string]bool{}
	for _, c := range app.SubscriptionsBroker().Clients() {
		if !c.HasSubscription(RealtimeTopic) {
			continue
		}
		auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
		if auth == nil || auth.Collection().Name != "users" {
			continue
		}
		ok, seen := allowed[auth.Id]
		if !seen {
			ok = tenancy.IsStaff(app, auth.Id, host.Id) || len(functionsOf(app, auth.Id)) > 0
			allowed[auth.Id] = ok
		}
		if ok {
			c.Send(subscriptions.Message{Name: RealtimeTopic, Data: data})
		}
	}
}
