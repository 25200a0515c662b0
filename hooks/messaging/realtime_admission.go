package messaging

import (
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"crisisroom/apperr"
	"crisisroom/connbound"
)

// Opening a realtime connection needs no sign-in (PocketBase's protocol: the stream
// first, then a subscribe request that carries the person's token). A connection that
// never subscribes costs a goroutine, buffers and an open file for up to half an hour;
// one address held 22,000 of them and used up the process's open files. So, per
// address (connbound.IPKey: an IPv4 address or an IPv6 /64):
//   - at most maxWaiting connections may hold no subscription at once; one more is
//     refused with 429 messaging.too_many_waiting_connections before its stream starts;
//   - a connection holding no subscription subscribeGrace after it opened (or after it
//     gave up its last subscription) is ended. The web UI subscribes within a second of
//     the stream's first event; a browser whose connection was ended reconnects.
// Subscribed connections are bounded per person (stockWatch: maxFollowers), and all
// connections per address by connbound's listener.

// EnvRealtimeWaiting names the environment variable that sets maxWaiting ("0": no bound),
// for load tests that open thousands of connections before subscribing them.
const EnvRealtimeWaiting = "CRISISROOM_REALTIME_WAITING_PER_ADDRESS"

// maxWaiting bounds the connections per address that hold no subscription; below 0 it is
// read from EnvRealtimeWaiting at each connection (tests set it).
var maxWaiting = newAtomicInt(-1)

// subscribeGrace is how long a connection may hold no subscription.
var subscribeGrace = newAtomicDuration(30 * time.Second)

func waitingFromEnv() int {
	if n, err := strconv.Atoi(os.Getenv(EnvRealtimeWaiting)); err == nil && n >= 0 {
		return n
	}
	return 32
}

type admission struct {
	mu      sync.Mutex
	waiting map[string]int       // address → connections holding no subscription
	conns   map[string]*admitted // client id → its place
}

type admitted struct {
	addr    string
	waiting bool
	timer   *time.Timer
	cancel  context.CancelFunc
}

func newAdmission() *admission {
	return &admission{waiting: map[string]int{}, conns: map[string]*admitted{}}
}

// addressKey is the address a connection is counted under; ip is PocketBase's RealIP.
func addressKey(ip string) string {
	if p := net.ParseIP(ip); p != nil {
		return connbound.IPKey(p)
	}
	return ip
}

// enter admits connection clientId from ip, which ends through cancel. It refuses it
// (429 messaging.too_many_waiting_connections) when the address holds maxWaiting
// connections without a subscription already.
func (a *admission) enter(clientId, ip string, cancel context.CancelFunc) error {
	addr := addressKey(ip)
	a.mu.Lock()
	defer a.mu.Unlock()
	most := maxWaiting.Load()
	if most < 0 {
		most = waitingFromEnv()
	}
	if most > 0 && a.waiting[addr] >= most {
		return apperr.TooManyRequests("messaging.too_many_waiting_connections", most)
	}
	c := &admitted{addr: addr, cancel: cancel}
	a.conns[clientId] = c
	a.wait(c)
	return nil
}

// wait counts c as holding no subscription and ends it after subscribeGrace unless it
// subscribes meanwhile. a.mu is held.
func (a *admission) wait(c *admitted) {
	c.waiting = true
	a.waiting[c.addr]++
	c.timer = time.AfterFunc(subscribeGrace.Load(), func() {
		a.mu.Lock()
		still := c.waiting
		a.mu.Unlock()
		if still {
			c.cancel()
		}
	})
}

// unwait stops counting c as holding no subscription. a.mu is held.
func (a *admission) unwait(c *admitted) {
	if !c.waiting {
		return
	}
	c.waiting = false
	c.timer.Stop()
	if a.waiting[c.addr]--; a.waiting[c.addr] <= 0 {
		delete(a.waiting, c.addr)
	}
}

// subscribed records that connection clientId now holds subscriptions (any) or none.
func (a *admission) subscribed(clientId string, any bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.conns[clientId]
	switch {
	case c == nil:
	case any:
		a.unwait(c)
	case !c.waiting:
		a.wait(c)
	}
}

// leave forgets connection clientId, which ended.
func (a *admission) leave(clientId string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.conns[clientId]; c != nil {
		a.unwait(c)
		delete(a.conns, clientId)
	}
}
