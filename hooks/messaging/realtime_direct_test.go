package messaging

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// directPair is a taken-over connection on loopback TCP whose head is out: the server's
// writer, its outbox, and the client's end. The server's send buffer is small, so that a
// client that does not read soon makes the socket take events in part and then not at all.
func directPair(t *testing.T) (*rtConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server := <-accepted
	if server == nil {
		t.Fatal("no connection accepted")
	}
	_ = server.(*net.TCPConn).SetWriteBuffer(4 << 10)
	t.Cleanup(func() { client.Close(); server.Close() })
	w := &sseWriter{conn: server, header: http.Header{}}
	w.raw, _ = server.(syscall.Conn).SyscallConn()
	w.WriteHeader(http.StatusOK)
	if err := w.FlushError(); err != nil { // the head
		t.Fatal(err)
	}
	pb := subscriptions.NewDefaultClient()
	pb.Set(sseWriterKey, w)
	return &rtConn{client: pb, w: writerOf(pb), topics: map[string]struct{}{}}, client
}

// readEvents reads the head and then want events of the chunked body from a directPair's
// client end.
func readEvents(client net.Conn, want int) ([]sseEvent, error) {
	_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		return nil, err
	}
	var evs []sseEvent
	raw := bufio.NewReader(resp.Body)
	var frame strings.Builder
	for len(evs) < want {
		_ = client.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, err := raw.ReadString('\n')
		if err != nil {
			return evs, fmt.Errorf("after %d events: %w", len(evs), err)
		}
		frame.WriteString(line)
		if line == "\n" {
			evs = append(evs, parseFrame(frame.String())...)
			frame.Reset()
		}
	}
	return evs, nil
}

// parseFrame is parseSSE without a test to fail: the frames come from the writer.
func parseFrame(raw string) []sseEvent {
	var ev sseEvent
	for _, line := range strings.Split(raw, "\n") {
		field, value, _ := strings.Cut(line, ":")
		switch field {
		case "id":
			ev.id = value
		case "event":
			ev.name = value
		case "data":
			ev.data = value
		}
	}
	return []sseEvent{ev}
}

// The fan-out writes its events to a taken-over connection itself: without waiting when
// the socket takes them, the rest of an event the socket took in part and whatever queued
// up behind it by the connection's drain goroutine. A client that stops reading for a
// while and then reads again gets every event, whole and in order; PocketBase's own
// events on the same connection (written holding the writer's event lock) never cut into
// one of the fan-out's; and once it owes nothing the connection holds no goroutine.
func TestFanoutDirectWritesKeepOrder(t *testing.T) {
	c, client := directPair(t)
	const n, stock = 3000, 50
	body := strings.Repeat("Lage ", 400) // 150 of them fill the socket's buffers
	startReading := make(chan struct{})
	type result struct {
		evs []sseEvent
		err error
	}
	read := make(chan result, 1)
	go func() {
		<-startReading
		evs, err := readEvents(client, n+stock)
		read <- result{evs, err}
	}()
	var wg sync.WaitGroup
	wg.Go(func() { // PocketBase's loop: stock events now and then, under the event lock
		for i := range stock {
			c.w.evMu.Lock()
			m := subscriptions.Message{Name: "messages", Data: []byte(fmt.Sprintf(`{"stock":%d}`, i))}
			_ = m.WriteSSE(c.w, c.client.Id())
			_ = c.w.FlushError()
			c.w.evMu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	})
	for i := range n {
		c.push(subscriptions.Message{Name: "channels/x", Data: []byte(fmt.Sprintf(`{"seq":%d,"body":%q}`, i, body))})
		if i == 150 {
			// the client reads only from now on: by then the socket took an event in
			// part and the rest queued up behind it
			c.qmu.Lock()
			queued := c.draining
			c.qmu.Unlock()
			if !queued {
				t.Error("150 events without a reader did not queue up")
			}
			close(startReading)
		}
		for i > 150 { // stay well under 512 owed once the client reads, however slowly
			c.qmu.Lock()
			owed, closed := len(c.queue)+c.taken, c.closed
			c.qmu.Unlock()
			if owed < 200 {
				break
			}
			if closed {
				r := <-read
				t.Fatalf("the connection was closed after %d events; the client read %d events: %v", i, len(r.evs), r.err)
			}
			time.Sleep(time.Millisecond)
		}
	}
	wg.Wait()
	r := <-read
	if r.err != nil {
		c.qmu.Lock()
		t.Logf("queue %d draining %v closed %v taken %d", len(c.queue), c.draining, c.closed, c.taken)
		c.qmu.Unlock()
		t.Logf("w.err %v rest %d discarded %v", c.w.err, len(c.w.rest), c.client.IsDiscarded())
		t.Fatal(r.err)
	}
	evs := r.evs
	seq, st := 0, 0
	for i, ev := range evs {
		if ev.id != c.client.Id() {
			t.Fatalf("event %d: id %q", i, ev.id)
		}
		switch ev.name {
		case "channels/x":
			if want := fmt.Sprintf(`{"seq":%d,"body":%q}`, seq, body); ev.data != want {
				t.Fatalf("event %d: %.40s, want seq %d", i, ev.data, seq)
			}
			seq++
		case "messages":
			if ev.data != fmt.Sprintf(`{"stock":%d}`, st) {
				t.Fatalf("event %d: stock %s, want %d", i, ev.data, st)
			}
			st++
		default:
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if seq != n || st != stock {
		t.Fatalf("%d fan-out and %d stock events, want %d and %d", seq, st, n, stock)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		c.qmu.Lock()
		idle := !c.draining && c.queue == nil
		c.qmu.Unlock()
		c.w.evMu.Lock()
		rest := c.w.rest
		c.w.evMu.Unlock()
		if idle && rest == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the outbox still holds a goroutine, a buffer or the rest of an event")
		}
	}
}

// A client that never reads: the drain goroutine waits for the socket, and once the
// connection owes 512 events that wait ends at once (not after the 30 s write timeout)
// and the client is discarded; later events are dropped.
func TestFanoutDirectOverflowEndsAtOnce(t *testing.T) {
	c, _ := directPair(t)
	body := strings.Repeat("x", 2<<10)
	start := time.Now()
	for i := range outboxSize + 200 {
		c.push(subscriptions.Message{Name: "channels/x", Data: []byte(fmt.Sprintf(`{"seq":%d,"body":%q}`, i, body))})
	}
	for !c.client.IsDiscarded() {
		if time.Since(start) > 10*time.Second {
			t.Fatal("a connection 512 events behind was not discarded")
		}
		time.Sleep(time.Millisecond)
	}
	c.push(subscriptions.Message{Name: "channels/x", Data: []byte(`{"seq":-1}`)})
	c.qmu.Lock()
	held := len(c.queue)
	c.qmu.Unlock()
	if held != 0 {
		t.Fatalf("a discarded connection still queues events: %d", held)
	}
	// The writer's stream has failed: the end of the stream writes nothing more.
	if _, err := c.w.conn.Write([]byte("x")); err == nil {
		// the abort's deadline is in the past: a write must fail
		t.Fatal("the writer's connection still takes writes after the abort")
	}
}

// An abort that comes while a drain sets its own write deadline wins in either order:
// a write that sets its deadline after the abort (the drain's, or the quiet-connection
// retry of a write that does not wait) fails, and so does every later write.
func TestFanoutAbortWinsOverALaterDeadline(t *testing.T) {
	c, _ := directPair(t)
	c.w.abort()
	// The drain set its deadline after the abort had set its own, then saw the abort.
	if err := c.w.deadline(); err == nil {
		t.Fatal("a deadline set after the abort: no error")
	}
	if _, err := c.w.conn.Write([]byte("x")); err == nil {
		t.Fatal("a write after the abort went through: the drain's deadline replaced the abort's")
	}
	if ok := c.w.writeEvents(c.client.Id(), []subscriptions.Message{{Name: "channels/x", Data: []byte(`{}`)}}); ok {
		t.Fatal("writeEvents after the abort reported success")
	}
	if _, err := c.w.conn.Write([]byte("x")); err == nil {
		t.Fatal("a write after a refused writeEvents went through")
	}
}

// A worker that fell behind delivers what waits for each channel together, each
// connection's share in one write: a connection on two channels gets every event of each,
// in the channel's order.
func TestFanoutWorkerBatchKeepsChannelOrder(t *testing.T) {
	c, client := directPair(t)
	f := &fanout{done: make(chan struct{}), topics: map[string]map[*rtConn]*rtSub{
		"channels/a": {c: {names: []string{"channels/a"}}},
		"channels/b": {c: {names: []string{"channels/b?options=x"}}},
	}}
	defer close(f.done)
	const n = 200
	in := make(chan *eventSlot, n)
	want := map[string]int{}
	for i := range n {
		ch := "a"
		if i%3 == 0 {
			ch = "b"
		}
		in <- &eventSlot{channel: ch, ready: true, data: []byte(fmt.Sprintf(`{"seq":%d}`, want[ch]))}
		want[ch]++
	}
	go f.work(in) // the queue is full when it starts: it takes batches
	evs, err := readEvents(client, n)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i, ev := range evs {
		ch := map[string]string{"channels/a": "a", "channels/b?options=x": "b"}[ev.name]
		if ch == "" || ev.data != fmt.Sprintf(`{"seq":%d}`, got[ch]) {
			t.Fatalf("event %d: %+v, want seq %d of its channel", i, ev, got[ch])
		}
		got[ch]++
	}
	if got["a"] != want["a"] || got["b"] != want["b"] {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Revocation holds with the direct writes: once revokeChannel has returned, no event of
// the channel reaches the connection, while its other channel still does.
func TestFanoutDirectNothingAfterRevocation(t *testing.T) {
	c, client := directPair(t)
	c.user = "u1"
	f := &fanout{done: make(chan struct{}), conns: map[string]*rtConn{c.client.Id(): c},
		topics: map[string]map[*rtConn]*rtSub{}, users: map[string]map[*rtConn]struct{}{"u1": {c: {}}}, gen: map[string]uint64{}}
	for _, topic := range []string{"channels/a", "channels/b"} {
		f.topics[topic] = map[*rtConn]*rtSub{c: {names: []string{topic}}}
		c.topics[topic] = struct{}{}
	}
	f.deliver("a", []byte(`{"n":1}`))
	f.deliverAll("a", [][]byte{[]byte(`{"n":2}`), []byte(`{"n":3}`)})
	f.revokeChannel("u1", "a")
	f.deliver("a", []byte(`{"n":4}`))
	f.deliverAll("a", [][]byte{[]byte(`{"n":5}`), []byte(`{"n":6}`)})
	f.deliver("b", []byte(`{"n":7}`))
	evs, err := readEvents(client, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"channels/a " + `{"n":1}`, "channels/a " + `{"n":2}`, "channels/a " + `{"n":3}`, "channels/b " + `{"n":7}`}
	for i, ev := range evs {
		if got := ev.name + " " + ev.data; got != want[i] {
			t.Fatalf("event %d: %s, want %s", i, got, want[i])
		}
	}
}
