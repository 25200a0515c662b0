package messaging

import (
	"strings"
	"sync"
	"sync/atomic"

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
	clients holders        // connections holding a stock messages subscription
	pending map[string]int // per person: subscribe requests for such a topic not yet settled
	// Every connection holding any subscription → its person, and the person's subscribe
	// requests not yet settled: PocketBase's broadcast of any collection asks each
	// subscribed connection's rule with a query of its own, so the number of them one
	// person may hold is bounded too (maxFollowers).
	all        holders
	allPending map[string]int
}

// maxFollowers bounds the connections with subscriptions one person may hold (a browser
// tab is one): a laptop, a phone and a wall display with a few tabs each stay far below.
// A variable only for the load tests, which hold hundreds per person.
var maxFollowers = newAtomicInt(16)

// atomicInt is a bound read by every subscribe request and set by tests.
type atomicInt struct{ v atomic.Int64 }

func newAtomicInt(n int) *atomicInt {
	a := new(atomicInt)
	a.v.Store(int64(n))
	return a
}

func (a *atomicInt) Load() int   { return int(a.v.Load()) }
func (a *atomicInt) Store(n int) { a.v.Store(int64(n)) }

// maxStockFollowers bounds the connections one person may hold on PocketBase's own
// messages topics. PocketBase checks every such connection's read rule with a query of
// its own for every message, inside the create request: one member's 2,000 connections
// made every send in the room take seconds. The web UI follows channels/<id> (the
// fan-out, which costs per person and channel, not per connection) and never these
// topics; they remain for tools and the benchmark's comparison, a few per person.
const maxStockFollowers = 8

func newStockWatch() *stockWatch {
	return &stockWatch{clients: newHolders(), pending: map[string]int{}, all: newHolders(), allPending: map[string]int{}}
}

// idle reports that no connection follows the messages collection, nor is about to.
func (w *stockWatch) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending) == 0 && len(w.clients.person) == 0
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
// topics (superuser tells a superuser's request, counted under userId but not bounded). It refuses a request for any topic
// without a signed-in person (403 messaging.sign_in_to_follow: every topic's records are
// for signed-in people, and each subscribed connection costs a rule query per change of
// its collection) and one that would give the person more than maxFollowers subscribed
// connections (429 messaging.too_many_followers). A request for one of the messages
// topics counts from before the subscription exists, so no message written after it took
// effect can miss the stock broadcast; it is refused when it would give the person more
// than maxStockFollowers such connections (429 messaging.too_many_stock_followers).
// The request is counted when err is nil; settle must follow it then, with wanted.
func (w *stockWatch) begin(app core.App, subs []string, userId, clientId string, superuser bool) (wanted bool, err error) {
	if len(subs) == 0 {
		return false, nil
	}
	if userId == "" && !superuser {
		for _, s := range subs {
			if isStockMessagesTopic(app, s) {
				return false, apperr.Forbidden("messaging.stock_messages_need_sign_in")
			}
		}
		return false, apperr.Forbidden("messaging.sign_in_to_follow")
	}
	for _, s := range subs {
		if isStockMessagesTopic(app, s) {
			wanted = true
			break
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if n, most := w.all.count(userId, clientId)+w.allPending[userId], maxFollowers.Load(); n >= most && !superuser {
		return false, apperr.TooManyRequests("messaging.too_many_followers", most)
	}
	if wanted {
		if n := w.clients.count(userId, clientId) + w.pending[userId]; n >= maxStockFollowers && !superuser {
			return false, apperr.TooManyRequests("messaging.too_many_stock_followers", maxStockFollowers)
		}
		w.pending[userId]++
	}
	w.allPending[userId]++
	return wanted, nil
}

// holders are connections and their persons, with a count per person so a subscribe
// request's bound costs no walk over every connection.
type holders struct {
	person map[string]string // connection → person
	n      map[string]int    // person → connections
}

func newHolders() holders { return holders{person: map[string]string{}, n: map[string]int{}} }

func (h holders) set(clientId, userId string) {
	if old, ok := h.person[clientId]; ok {
		if old == userId {
			return
		}
		h.drop(clientId)
	}
	h.person[clientId] = userId
	h.n[userId]++
}

func (h holders) drop(clientId string) {
	u, ok := h.person[clientId]
	if !ok {
		return
	}
	delete(h.person, clientId)
	if h.n[u]--; h.n[u] <= 0 {
		delete(h.n, u)
	}
}

// count is userId's connections other than clientId.
func (h holders) count(userId, clientId string) int {
	n := h.n[userId]
	if h.person[clientId] == userId && n > 0 {
		n--
	}
	return n
}

// settle records what the client holds once a subscribe request has run (or failed);
// counted says begin counted the request (it let it through without refusing or skipping).
func (w *stockWatch) settle(app core.App, client subscriptions.Client, userId string, counted, wanted bool) {
	has, any := false, false
	for s := range client.Subscriptions() {
		any = true
		if isStockMessagesTopic(app, s) {
			has = true
			break
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if counted && wanted {
		if w.pending[userId]--; w.pending[userId] <= 0 {
			delete(w.pending, userId)
		}
	}
	if counted {
		if w.allPending[userId]--; w.allPending[userId] <= 0 {
			delete(w.allPending, userId)
		}
	}
	// A connection that has ended is discarded before forget runs: never count it again.
	gone := client.IsDiscarded()
	if has && !gone {
		w.clients.set(client.Id(), userId)
	} else {
		w.clients.drop(client.Id())
	}
	if any && !gone {
		w.all.set(client.Id(), userId)
	} else {
		w.all.drop(client.Id())
	}
}

func (w *stockWatch) forget(clientId string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.clients.drop(clientId)
	w.all.drop(clientId)
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
