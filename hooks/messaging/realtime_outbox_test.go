package messaging

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

type sseEvent struct{ id, name, data string }

// parseSSE reads events the way a browser's EventSource does (WHATWG HTML, server-sent
// events): fields up to a blank line; "data" lines joined.
func parseSSE(t *testing.T, raw []byte) []sseEvent {
	t.Helper()
	var out []sseEvent
	var ev sseEvent
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if ev.name != "" || ev.data != "" {
				out = append(out, ev)
			}
			ev = sseEvent{}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		switch field {
		case "id":
			ev.id = value
		case "event":
			ev.name = value
		case "data":
			if ev.data != "" {
				ev.data += "\n"
			}
			ev.data += value
		}
	}
	return out
}

// Several events that queued up for one connection leave as one message of PocketBase's
// connection loop, but a browser still reads each event with its own name and data, in
// order.
func TestFanoutCoalescedEventsStaySeparate(t *testing.T) {
	var ms []subscriptions.Message
	for i := range 5 {
		ms = append(ms, subscriptions.Message{Name: fmt.Sprintf("channels/c%d", i%2), Data: []byte(fmt.Sprintf(`{"action":"create","n":%d,"body":"a\nb"}`, i))})
	}
	// JSON never holds a raw line break: encode the one above the way json.Marshal does.
	for i := range ms {
		ms[i].Data = bytes.ReplaceAll(ms[i].Data, []byte("\n"), []byte(`\n`))
	}
	m := coalesce("client42", ms)
	var buf bytes.Buffer
	if err := m.WriteSSE(&buf, "client42"); err != nil {
		t.Fatal(err)
	}
	got := parseSSE(t, buf.Bytes())
	if len(got) != len(ms) {
		t.Fatalf("%d events, want %d:\n%s", len(got), len(ms), buf.String())
	}
	for i, ev := range got {
		if ev.id != "client42" || ev.name != ms[i].Name || ev.data != string(ms[i].Data) {
			t.Fatalf("event %d: %+v, want %s %s", i, ev, ms[i].Name, ms[i].Data)
		}
	}
}

// A connection's outbox keeps the order of its events however they are batched, keeps no
// goroutine and no buffer once it is empty, and closes a connection that falls 512 events
// behind instead of holding the fan-out up.
func TestFanoutOutboxOrderIdleAndOverflow(t *testing.T) {
	client := subscriptions.NewDefaultClient()
	c := &rtConn{client: client, topics: map[string]struct{}{}}
	var buf bytes.Buffer
	done := make(chan struct{})
	const n = 2000
	go func() { // PocketBase's connection loop, slowed down so that events queue up
		defer close(done)
		seen := 0
		for m := range client.Channel() {
			m.WriteSSE(&buf, client.Id())
			seen += bytes.Count(m.Data, []byte(`"seq"`))
			if seen >= n {
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	owed := func() int {
		c.qmu.Lock()
		defer c.qmu.Unlock()
		return len(c.queue) + c.taken
	}
	for i := range n {
		c.push(subscriptions.Message{Name: "channels/x", Data: []byte(fmt.Sprintf(`{"seq":%d}`, i))})
		if i%100 == 0 {
			time.Sleep(time.Millisecond) // let events queue up and be batched ...
		}
		for owed() > 256 {
			time.Sleep(100 * time.Microsecond) // ... but stay under 512 owed however slow the reader is on a busy machine
		}
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("not every event was delivered")
	}
	evs := parseSSE(t, buf.Bytes())
	if len(evs) != n {
		t.Fatalf("%d events, want %d", len(evs), n)
	}
	for i, ev := range evs {
		if ev.data != fmt.Sprintf(`{"seq":%d}`, i) || ev.name != "channels/x" {
			t.Fatalf("event %d is %+v", i, ev)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.qmu.Lock()
		idle := !c.draining && c.queue == nil
		c.qmu.Unlock()
		if idle {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the outbox still holds a goroutine or a buffer after it was drained")
		}
		time.Sleep(time.Millisecond)
	}

	// Nobody reads: after 512 owed events (and the one the drain goroutine holds) the
	// connection is discarded and further events are dropped at once.
	slow := subscriptions.NewDefaultClient()
	sc := &rtConn{client: slow, topics: map[string]struct{}{}}
	for i := range outboxSize + 10 {
		sc.push(subscriptions.Message{Name: "channels/x", Data: []byte(fmt.Sprintf(`{"seq":%d}`, i))})
	}
	// The drain goroutine, waiting to hand on the first event, wakes and discards the
	// client (never while its own send waits on the client's channel).
	for deadline := time.Now().Add(10 * time.Second); !slow.IsDiscarded(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a connection 512 events behind was not closed")
		}
	}
	sc.push(subscriptions.Message{Name: "channels/x", Data: []byte(`{"seq":-1}`)})
	sc.qmu.Lock()
	held := len(sc.queue)
	sc.qmu.Unlock()
	if held != 0 {
		t.Fatalf("a closed connection still queues events: %d", held)
	}
}
