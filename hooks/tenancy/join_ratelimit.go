package tenancy

import (
	"sync"
	"time"
)

// Redeeming and looking up invitations is open to anyone who reaches the appliance, so
// wrong tokens are counted per client address: after joinFailuresPerMinute failures in a
// minute the address waits. Tokens have 128 bits, so this is less about guessing than
// about a misbehaving script hammering the database and filling the audit log. Kept in
// memory: a restart forgets, which is fine for a one-minute window.
const (
	JoinFailuresPerMinute = 10
	JoinWindow            = time.Minute
	limiterMaxClients     = 10000
)

type FailLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

func NewFailLimiter(limit int, window time.Duration) *FailLimiter {
	return &FailLimiter{limit: limit, window: window, now: time.Now, failures: map[string][]time.Time{}}
}

// blocked reports whether ip must wait, and how long.
func (l *FailLimiter) Blocked(ip string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.prune(ip)
	if len(recent) < l.limit {
		return false, 0
	}
	wait := recent[0].Add(l.window).Sub(l.now())
	if wait < time.Second {
		wait = time.Second
	}
	return true, wait
}

// fail records a failure; it reports true when this one reached the limit (audited once).
func (l *FailLimiter) Fail(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) >= limiterMaxClients {
		// Under a spray from many addresses: forget the quiet ones rather than grow.
		for k := range l.failures {
			l.prune(k)
		}
		if _, known := l.failures[ip]; !known && len(l.failures) >= limiterMaxClients {
			// Still full of fresh failures: a new address goes uncounted rather than
			// let the table grow; 128-bit tokens hold without the limit.
			return false
		}
	}
	recent := append(l.prune(ip), l.now())
	l.failures[ip] = recent
	return len(recent) == l.limit
}

func (l *FailLimiter) prune(ip string) []time.Time {
	cut := l.now().Add(-l.window)
	ts := l.failures[ip]
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.failures, ip)
		return nil
	}
	l.failures[ip] = ts
	return ts
}
