package messaging

import (
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// PocketBase's own broadcast of a created or updated record walks every connection and
// asks each for six topic prefixes, even when no connection follows the collection: at
// 1,000 connections that is about 2 ms of CPU per message, inside the create request.
// The room's clients follow channels/<id> instead, so stockWatch knows whether any
// connection follows the messages collection through PocketBase's own topics
// (messages, messages/*, messages/<id>, also by collection id) and, while none does, the
// message hooks hand the rest of the chain an app whose subscription broker is empty.
// Everything else in the chain runs as before; only the walk finds nobody.

type stockWatch struct {
	mu      sync.Mutex
	clients map[string]struct{} // connections holding a stock messages subscription
	pending int                 // subscribe requests for such a topic not yet settled
}

func newStockWatch() *stockWatch { return &stockWatch{clients: map[string]struct{}{}} }

// idle reports that no connection follows the messages collection, nor is about to.
func (w *stockWatch) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pending == 0 && len(w.clients) == 0
}

// isStockMessagesTopic tells PocketBase's record topics of the messages collection
// (by name or id) from everything else.
func isStockMessagesTopic(app core.App, sub string) bool {
	topic := topicOf(sub)
	base, _, _ := strings.Cut(topic, "/")
	if base == "messages" {
		return true
	}
	coll, err := app.FindCachedCollectionByNameOrId("messages")
	return err == nil && base == coll.Id
}

// begin is called before a subscribe request changes a client's topics: a request that
// asks for a messages topic counts from before the subscription exists, so no message
// written after it took effect can miss the stock broadcast.
func (w *stockWatch) begin(app core.App, subs []string) bool {
	wants := false
	for _, s := range subs {
		if isStockMessagesTopic(app, s) {
			wants = true
			break
		}
	}
	if wants {
		w.mu.Lock()
		w.pending++
		w.mu.Unlock()
	}
	return wants
}

// settle records what the client holds once a subscribe request has run (or failed).
func (w *stockWatch) settle(app core.App, client subscriptions.Client, wanted bool) {
	has := false
	for s := range client.Subscriptions() {
		if isStockMessagesTopic(app, s) {
			has = true
			break
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if wanted {
		w.pending--
	}
	// A connection that has ended is discarded before forget runs: never count it again.
	if has && !client.IsDiscarded() {
		w.clients[client.Id()] = struct{}{}
	} else {
		delete(w.clients, client.Id())
	}
}

func (w *stockWatch) forget(clientId string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.clients, clientId)
}

// noBroadcastApp is the app with an empty subscription broker, for the part of a
// message's after-save chain that follows the room's own hooks.
type noBroadcastApp struct {
	core.App
}

var emptyBroker = subscriptions.NewBroker()

func (noBroadcastApp) SubscriptionsBroker() *subscriptions.Broker { return emptyBroker }

// lastPriority puts a record hook behind every other handler of its hook, so that only
// what PocketBase runs after the record hooks (its realtime broadcast) sees the quiet app.
const lastPriority = 1 << 30

func (ms *messaging) bindStockWatch(app core.App) {
	quiet := func(e *core.RecordEvent) error {
		if !ms.stock.idle() {
			return e.Next()
		}
		orig := e.App
		e.App = noBroadcastApp{orig}
		err := e.Next()
		e.App = orig
		return err
	}
	app.OnRecordAfterCreateSuccess("messages").Bind(&hook.Handler[*core.RecordEvent]{Func: quiet, Priority: lastPriority})
	app.OnRecordAfterUpdateSuccess("messages").Bind(&hook.Handler[*core.RecordEvent]{Func: quiet, Priority: lastPriority})
}
