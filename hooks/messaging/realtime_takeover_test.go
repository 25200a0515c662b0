package messaging

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// The taken-over stream is a valid chunked HTTP/1.1 response: the head with the
// headers set before it, each flush one chunk, an empty write no chunk, and the end.
func TestSSEWriterChunkedResponse(t *testing.T) {
	server, client := net.Pipe()
	w := &sseWriter{conn: server, header: http.Header{"X-Content-Type-Options": {"nosniff"}}}
	go func() {
		w.Header().Set("Content-Type", "text/event-stream")
		m := subscriptions.Message{Name: "PB_CONNECT", Data: []byte(`{"clientId":"abc"}`)}
		_ = m.WriteSSE(w, "abc")
		w.Flush()
		_, _ = w.Write(nil)
		w.Flush()
		m = subscriptions.Message{Name: "channels/x", Data: []byte(strings.Repeat("x", 40<<10))} // over the flush size
		_ = m.WriteSSE(w, "abc")
		w.Flush()
		w.finish()
	}()
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("X-Content-Type-Options") != "nosniff" || len(resp.TransferEncoding) != 1 {
		t.Fatalf("head: %d %v %v", resp.StatusCode, resp.Header, resp.TransferEncoding)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	evs := parseSSE(t, body)
	if len(evs) != 2 || evs[0].name != "PB_CONNECT" || evs[0].data != `{"clientId":"abc"}` || evs[1].name != "channels/x" || len(evs[1].data) != 40<<10 {
		t.Fatalf("events: %d %+v", len(evs), evs[0])
	}
}

// A busy stream reuses pooled buffers: an event costs no allocation of the writer's.
func BenchmarkSSEWriterEvent(b *testing.B) {
	server, client := net.Pipe()
	go func() { _, _ = io.Copy(io.Discard, client) }()
	w := &sseWriter{conn: server, header: http.Header{}}
	m := subscriptions.Message{Name: "channels/x", Data: []byte(strings.Repeat("x", 600))}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.WriteSSE(w, "abcdefghijabcdefghijabcdefghijabcdefghij")
		w.Flush()
	}
}

// A client that keeps the connection open but stops reading ends the stream: the write
// of its events fails once sseWriteTimeout has passed, instead of blocking the stream's
// goroutine for as long as TCP keeps the connection.
func TestSSEWriterEndsWhenTheClientStopsReading(t *testing.T) {
	defer sseWriteTimeout.Store(sseWriteTimeout.Load())
	sseWriteTimeout.Store(100 * time.Millisecond)
	server, client := net.Pipe() // nothing reads client: every write blocks
	defer client.Close()
	w := &sseWriter{conn: server, header: http.Header{}}
	_ = w.SetWriteDeadline(time.Time{}) // what PocketBase asks: no effect on the bound
	done := make(chan error, 1)
	go func() {
		m := subscriptions.Message{Name: "channels/x", Data: []byte("{}")}
		_ = m.WriteSSE(w, "abc")
		done <- w.FlushError()
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the write to a client that reads nothing succeeded")
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("want a timeout, got %v", err)
		}
	case <-time.After(20 * time.Second): // a hang, not a timing: the bound is 0.1 s
		t.Fatal("the write still blocks")
	}
	if _, err := w.Write([]byte("more")); err == nil {
		t.Fatal("the stream accepts more after its write failed")
	}
}
