package testkit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// SSEEvent is one event of PocketBase's realtime stream.
type SSEEvent struct {
	Name string         // the topic, or PB_CONNECT
	Data map[string]any // the decoded data line
	Raw  string         // the data line as sent
}

// SSE is a realtime connection as a browser holds it: GET /api/realtime, read
// text/event-stream, subscribe with POST /api/realtime.
type SSE struct {
	base, ID string
	events   chan SSEEvent
	closed   chan struct{}
	mu       sync.Mutex
	all      []SSEEvent
}

// OpenSSE connects to base's realtime stream and waits for PB_CONNECT (at most 10 s).
func OpenSSE(t testing.TB, base string) *SSE {
	t.Helper()
	resp, err := http.Get(base + "/api/realtime")
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("realtime answered %q", ct)
	}
	c := &SSE{base: base, events: make(chan SSEEvent, 1000), closed: make(chan struct{})}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(c.closed)
		r := bufio.NewReader(resp.Body)
		var ev SSEEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event:"):
				ev.Name = strings.TrimPrefix(line, "event:")
			case strings.HasPrefix(line, "data:"):
				ev.Raw = strings.TrimPrefix(line, "data:")
				_ = json.Unmarshal([]byte(ev.Raw), &ev.Data)
			case line == "":
				if ev.Name != "" {
					c.mu.Lock()
					c.all = append(c.all, ev)
					c.mu.Unlock()
					select {
					case c.events <- ev:
					default: // a reader that only looks at All() does not block the stream
					}
				}
				ev = SSEEvent{}
			}
		}
	}()
	first := c.Next(t)
	if first.Name != "PB_CONNECT" {
		t.Fatalf("first event %q, want PB_CONNECT", first.Name)
	}
	c.ID, _ = first.Data["clientId"].(string)
	return c
}

// Subscribe sets the connection's topics with token's authority ("" for nobody) and
// returns the HTTP status and body of the answer.
func (c *SSE) Subscribe(t testing.TB, token string, topics ...string) (int, string) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"clientId": c.ID, "subscriptions": topics})
	req, _ := http.NewRequest("POST", c.base+"/api/realtime", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// Next waits for the next event; the 10 s limit only stops a broken test from hanging.
func (c *SSE) Next(t testing.TB) SSEEvent {
	t.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-c.closed:
		select {
		case ev := <-c.events:
			return ev
		default:
		}
		t.Fatal("the realtime connection ended")
	case <-time.After(10 * time.Second):
		t.Fatal("no realtime event within 10 s")
	}
	return SSEEvent{}
}

// All returns every event received so far, PB_CONNECT included.
func (c *SSE) All() []SSEEvent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]SSEEvent(nil), c.all...)
}

// Events is the stream of events not yet taken by Next.
func (c *SSE) Events() <-chan SSEEvent { return c.events }

// Closed is closed when the server ends the connection.
func (c *SSE) Closed() <-chan struct{} { return c.closed }
