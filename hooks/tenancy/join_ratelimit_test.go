package tenancy

import (
	"fmt"
	"testing"
	"time"
)

func TestFailLimiterWindow(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	l := NewFailLimiter(3, time.Minute)
	l.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if blocked, _ := l.Blocked("10.0.0.7"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		reached := l.Fail("10.0.0.7")
		if reached != (i == 2) {
			t.Fatalf("failure %d: reached=%v", i+1, reached)
		}
		now = now.Add(10 * time.Second)
	}
	blocked, wait := l.Blocked("10.0.0.7")
	if !blocked || wait != 30*time.Second {
		t.Fatalf("after 3 failures: blocked=%v wait=%v, want 30s (the first failure ages out)", blocked, wait)
	}
	if blocked, _ := l.Blocked("10.0.0.8"); blocked {
		t.Fatal("another address is blocked too")
	}
	now = now.Add(31 * time.Second)
	if blocked, _ := l.Blocked("10.0.0.7"); blocked {
		t.Fatal("still blocked after the window moved on")
	}
	// A spray from many addresses does not grow the table without bound.
	for i := 0; i < limiterMaxClients+10; i++ {
		l.Fail(fmt.Sprintf("10.1.%d.%d", i/256, i%256))
	}
	if len(l.failures) > limiterMaxClients {
		t.Fatalf("%d addresses remembered", len(l.failures))
	}
}
