package messaging

import (
	"testing"
	"time"
)

// Memory is returned once after a burst of realtime connects and subscribes, and only
// when the burst has ended: a check that finds new events waits again.
func TestBurstReleaseAfterQuietBurst(t *testing.T) {
	released := make(chan struct{}, 10)
	b := &burstRelease{quiet: time.Hour, release: func() { released <- struct{}{} }}
	for range burstEvents - 1 {
		b.note()
	}
	if b.pending {
		t.Fatal("a check was scheduled before the burst was big enough")
	}
	b.note()
	if !b.pending {
		t.Fatal("no check scheduled after a burst")
	}

	// the check finds new events: no release, it waits again
	b.note()
	b.check()
	if len(released) != 0 || !b.pending {
		t.Fatalf("released during the burst (%d) or stopped waiting (pending %v)", len(released), b.pending)
	}
	// quiet since the last check: released once, counting starts again
	b.check()
	if len(released) != 1 || b.pending || b.events.Load() != 0 {
		t.Fatalf("after a quiet check: %d releases, pending %v, %d events", len(released), b.pending, b.events.Load())
	}

	// a real (short) quiet time releases by itself
	b.quiet = time.Millisecond
	for range burstEvents {
		b.note()
	}
	<-released
}
