package hooks

import (
	"net/http"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/connbound"
)

// ListsAtOnce is how many record lists (GET /api/collections/<collection>/records) the
// appliance runs at once; ListsPerAddress how many of them one address (connbound's key:
// the IPv4 address or the IPv6 /64) may hold. More wait their turn, in the order they came.
//
// PocketBase runs a list's query to its end even after its client has gone (the query does
// not take the request's context), and a filter of many text matches over a long channel
// takes a while: 250 such lists sent and abandoned from one address stalled every request
// of the room for 9 s and took the appliance from 293 to 604 MB. A list whose client goes
// away while it waits never runs (499 common.request_abandoned, which nobody reads).
const (
	ListsAtOnce     = 8
	ListsPerAddress = 2
	listBodyBytes   = 64 << 10 // the most of a body a list request may send
)

// RegisterListBound bounds the record lists running at once (ListsAtOnce, ListsPerAddress).
func RegisterListBound(app core.App) {
	b := newListBound(ListsAtOnce, ListsPerAddress)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.BindFunc(b.serve)
		return se.Next()
	})
}

type listBound struct {
	mu        sync.Mutex
	running   int
	most, per int
	byAddress map[string]int
	waiting   []*listTurn // in the order they came
}

type listTurn struct {
	key   string
	ready chan struct{} // closed when the turn is given
}

func newListBound(most, per int) *listBound {
	return &listBound{most: most, per: per, byAddress: map[string]int{}}
}

// isList reports whether r asks PocketBase for a list of records.
func isList(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	return len(parts) == 4 && parts[0] == "api" && parts[1] == "collections" && parts[3] == "records"
}

func (b *listBound) serve(e *core.RequestEvent) error {
	if !isList(e.Request) {
		return e.Next()
	}
	// The body (a list has no use for one, but PocketBase reads it for its rules) is read
	// before the turn is taken: a client that sends a head and never its body holds no turn.
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, listBodyBytes)
	if _, err := e.RequestInfo(); err != nil {
		return err
	}
	key := connbound.RequestKey(e.Request.RemoteAddr)
	t := b.enter(key)
	select {
	case <-t.ready:
	case <-e.Request.Context().Done():
		if !b.leaveWaiting(t) {
			b.done(key) // the turn came just as the client went
		}
		return apperr.New(499, "common.request_abandoned", e.Request.Context().Err())
	}
	defer b.done(key)
	return e.Next()
}

// enter returns the caller's turn, given at once when there is room.
func (b *listBound) enter(key string) *listTurn {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := &listTurn{key: key, ready: make(chan struct{})}
	b.waiting = append(b.waiting, t)
	b.giveLocked()
	return t
}

// giveLocked gives turns to the oldest waiting lists that fit, within both bounds.
func (b *listBound) giveLocked() {
	for i := 0; i < len(b.waiting) && b.running < b.most; {
		t := b.waiting[i]
		if b.byAddress[t.key] >= b.per {
			i++
			continue
		}
		b.running++
		b.byAddress[t.key]++
		close(t.ready)
		b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
	}
}

// leaveWaiting takes t out of the queue; false when its turn had been given already.
func (b *listBound) leaveWaiting(t *listTurn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, w := range b.waiting {
		if w == t {
			b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
			return true
		}
	}
	return false
}

func (b *listBound) done(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.running--
	if b.byAddress[key]--; b.byAddress[key] <= 0 {
		delete(b.byAddress, key)
	}
	b.giveLocked()
}
