package messaging

import (
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// A burst of realtime connects and subscribes (every browser coming back after the
// appliance restarted, a shift signing in) leaves tens of megabytes of garbage behind:
// the requests' bodies, queries and auth checks. Go collects it only when the heap has
// grown by as much as is live again, and with thousands of waiting connections that
// takes long; until then, and until the runtime hands freed pages back, it counts
// against the box's memory. So once at least burstEvents connects and subscribes came
// and then burstQuiet passed without any, the memory is collected and returned at once
// (one collection, some milliseconds of CPU). A room that keeps subscribing is never
// quiet that long and is left to the ordinary collector.
const (
	burstEvents = 1000
	burstQuiet  = time.Second
)

type burstRelease struct {
	events atomic.Int64 // connects and subscribes since the last release

	mu      sync.Mutex
	pending bool  // a check is scheduled
	seen    int64 // events when it was scheduled
	quiet   time.Duration
	release func()
}

func newBurstRelease() *burstRelease {
	return &burstRelease{quiet: burstQuiet, release: debug.FreeOSMemory}
}

// note counts one realtime connect or subscribe.
func (b *burstRelease) note() {
	if b == nil {
		return
	}
	if b.events.Add(1) < burstEvents {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.pending {
		b.pending = true
		b.seen = b.events.Load()
		time.AfterFunc(b.quiet, b.check)
	}
}

// check releases the memory if nothing came since it was scheduled, else waits again.
func (b *burstRelease) check() {
	b.mu.Lock()
	if n := b.events.Load(); n != b.seen {
		b.seen = n
		time.AfterFunc(b.quiet, b.check)
		b.mu.Unlock()
		return
	}
	b.pending = false
	b.events.Store(0)
	b.mu.Unlock()
	b.release()
}
