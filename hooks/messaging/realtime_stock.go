package messaging

import (
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"crisisroom/apperr"
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
	clients map[string]string // connections holding a stock messages subscription → their person
	pending map[string]int    // per person: subscribe requests for such a topic not yet settled
}

// maxStockFollowers bounds the connections one person may hold on PocketBase's own
// messages topics. PocketBase checks every such connection's read rule with a query of
// its own for every message, inside the create request: one member's 2,000 connections
// made every send in the room take seconds. The web UI follows channels/<id> (the
// fan-out, which costs per person and channel, not per connection) and never these
// topics; they remain for tools and the benchmark's comparison, a few per person.
const maxStockFollowers = 8

func newStockWatch() *stockWatch {
	return &stockWatch{clients: map[string]string{}, pending: map[string]int{}}
}

// idle reports that no connection follows the messages collection, nor is about to.
func (w *stockWatch) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) == 0 && len(w.clients) == 0
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

// begin is called before a subscribe request of userId's connection clientId changes its
// topics: a request that asks for a messages topic counts from before the subscription
// exists, so no message written after it took effect can miss the stock broadcast. It
// refuses such a request without a signed-in person (403 messaging.stock_messages_need_sign_in:
// the collection's rule shows them nothing) and one that would give the person more
// than maxStockFollowers such connections (429 messaging.too_many_stock_followers).
// wanted is true when the request was counted; settle must follow it then.
func (w *stockWatch) begin(app core.App, subs []string, userId, clientId string) (wanted bool, err error) {
	for _, s := range subs {
		if isStockMessagesTopic(app, s) {
			wanted = true
			break
		}
	}
	if !wanted {
		return false, nil
	}
	if userId == "" {
		return false, apperr.Forbidden("messaging.stock_messages_need_sign_in")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.pending[userId]
	for c, u := range w.clients {
		if u == userId && c != clientId {
			n++
		}
	}
	if n >= maxStockFollowers {
		return false, apperr.TooManyRequests("messaging.too_many_stock_followers", maxStockFollowers)
	}
	w.pending[userId]++
	return true, nil
}

// settle records what the client holds once a subscribe request has run (or failed).
func (w *stockWatch) settle(app core.App, client subscriptions.Client, userId string, wanted bool) {
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
		if w.pending[userId]--; w.pending[userId] <= 0 {
			delete(w.pending, userId)
		}
	}
	// A connection that has ended is discarded before forget runs: never count it again.
	if has && !client.IsDiscarded() {
		w.clients[client.Id()] = userId
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
