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
	p := &pinger{app: app}
	ping := func(e *core.RecordEvent) error {
		p.notify()
		return e.Next()
	}
	for _, c := range []string{"forms", "tasks", "briefings", "staff_functions"} {
		app.OnRecordAfterCreateSuccess(c).BindFunc(ping)
		app.OnRecordAfterUpdateSuccess(c).BindFunc(ping)
	}
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		p.stop()
		return e.Next()
	})
}

// pingDelay gathers the pings of a burst (twenty intakes at once) into one, so each
// screen asks for its queues once, not twenty times.
const pingDelay = 250 * time.Millisecond

// pinger schedules the pings of one app. It asks the app it was bound to, never a
// hook's transaction, and once the app terminates it schedules nothing more and waits
// for a ping under way: a stopped app has no database to ask (a ping that fired while
// the app shut down crashed the process on a nil database).
type pinger struct {
	app     core.App
	mu      sync.Mutex
	timer   *time.Timer // the scheduled ping, or nil
	stopped bool
	running sync.WaitGroup // the scheduled or running ping
}

func (p *pinger) notify() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || p.timer != nil {
		return
	}
	p.running.Add(1)
	p.timer = time.AfterFunc(pingDelay, p.fire)
}

func (p *pinger) fire() {
	defer p.running.Done()
	p.mu.Lock()
	p.timer = nil
	stopped := p.stopped
	p.mu.Unlock()
	if !stopped {
		sendPing(p.app)
	}
}

// stop takes back a scheduled ping and waits for one under way.
func (p *pinger) stop() {
	p.mu.Lock()
	p.stopped = true
	if p.timer != nil && p.timer.Stop() {
		p.running.Done()
	}
	p.timer = nil
	p.mu.Unlock()
	p.running.Wait()
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
