package hooks_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/testkit"
)

// rawRealtime opens GET /api/realtime over a plain HTTP/1.1 connection and returns the
// response (its body is the event stream) and the connection.
func rawRealtime(t *testing.T, base string, header string) (*http.Response, *bufio.Reader, net.Conn) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, "GET /api/realtime HTTP/1.1\r\nHost: "+strings.TrimPrefix(base, "http://")+"\r\nAccept: text/event-stream\r\n"+header+"\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp, bufio.NewReader(resp.Body), conn
}

// realtimeGoroutines counts the goroutines waiting in PocketBase's realtime handler,
// those of them that wait under net/http's serving goroutine or the middleware chain,
// and the goroutines that read a taken-over connection (none where epoll watches them).
func realtimeGoroutines(t *testing.T) (all, deep, readers int) {
	t.Helper()
	var b bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&b, 2); err != nil {
		t.Fatal(err)
	}
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, "startTakenOver.func") {
			readers++
		}
		if !strings.Contains(g, "apis.realtimeConnect") {
			continue
		}
		all++
		if strings.Contains(g, "net/http.(*conn).serve") || strings.Contains(g, "loadAuthToken") {
			deep++
		}
	}
	return all, deep, readers
}

// A realtime connection over HTTP/1.1 is served off net/http's goroutine and off the
// middleware chain (no 16 KB stack and no connection buffers per idle tab), yet the
// response is what it was: the middlewares' headers, an event stream in chunks,
// PB_CONNECT, events of a subscribed channel; a connection the browser closes leaves
// PocketBase's broker.
func TestRealtimeTakenOverOffTheMiddlewareStack(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	before := s.App.SubscriptionsBroker().TotalClients()

	resp, body, conn := rawRealtime(t, s.URL, "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("realtime answered %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("transfer encoding %v, want chunked", resp.TransferEncoding)
	}
	for _, h := range []string{"X-Content-Type-Options", "Content-Security-Policy", "Referrer-Policy", "Cache-Control", "X-Accel-Buffering", "Date"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("header %s missing: %v", h, resp.Header)
		}
	}
	line, err := body.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "id:") {
		t.Fatalf("first line %q, %v", line, err)
	}
	if line, _ = body.ReadString('\n'); line != "event:PB_CONNECT\n" {
		t.Fatalf("second line %q", line)
	}

	// many tabs: none of them waits under the middleware chain
	var conns []*sseConn
	for range 20 {
		conns = append(conns, openSSE(t, s.URL))
	}
	all, deep, readers := realtimeGoroutines(t)
	if all < 21 || deep != 0 {
		t.Fatalf("%d goroutines in the realtime handler, %d of them under net/http's or the middlewares' frames; want >= 21 and 0", all, deep)
	}
	if runtime.GOOS == "linux" && readers != 0 {
		t.Fatalf("%d goroutines read taken-over connections; on Linux one epoll goroutine watches them all", readers)
	}

	// and they work: a channel subscriber gets the channel's message
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	if status, b := conns[0].subscribe(t, s.Token(t, "sbraun"), "channels/"+flood); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, b)
	}
	mxAs(s, t, "jwagner").obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": "über den eigenen Strom"})
	conns[0].until(t, isMessage("über den eigenen Strom"))

	// the browser goes away: the client leaves the broker
	n := s.App.SubscriptionsBroker().TotalClients()
	if n < before+21 {
		t.Fatalf("broker holds %d clients, want at least %d", n, before+21)
	}
	conn.Close()
	testkit.Eventually(t, 10*time.Second, "closed realtime connection leaves the broker", func() bool {
		return s.App.SubscriptionsBroker().TotalClients() == n-1
	})

	// the app ends: the stream ends with it (the terminating chunk, then EOF)
	_, sb, _ := rawRealtime(t, s.URL, "")
	if _, err := sb.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if _, err := io.Copy(io.Discard, sb); err != nil {
		t.Fatalf("stream did not end cleanly with the app: %v", err)
	}
}

// A connect hook that refuses a connection still answers with PocketBase's JSON error,
// written on the taken-over connection (with the stream's content type, which PocketBase
// sets before its connect hooks run and its error handler leaves).
func TestRealtimeTakenOverConnectHookError(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, Before: func(app core.App) {
		app.OnRealtimeConnectRequest().BindFunc(func(e *core.RealtimeConnectRequestEvent) error {
			if e.Request.Header.Get("X-Refuse") != "" {
				return router.NewForbiddenError("Abgelehnt. / Refused.", nil)
			}
			return e.Next()
		})
	}})
	resp, body, _ := rawRealtime(t, s.URL, "X-Refuse: 1\r\n")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("refused realtime answered %d", resp.StatusCode)
	}
	var e struct {
		Status  int    `json:"status"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(body).Decode(&e); err != nil || e.Status != 403 || e.Message != "Abgelehnt. / Refused." {
		t.Fatalf("error body %+v, %v", e, err)
	}
	if resp.Header.Get("X-Content-Type-Options") == "" {
		t.Errorf("the middlewares' headers are missing on the error: %v", resp.Header)
	}
	// and one that lets it through is served
	if resp, _, _ := rawRealtime(t, s.URL, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("realtime answered %d", resp.StatusCode)
	}
}

// The fan-out writes its events to a taken-over connection itself, past PocketBase's
// connection loop, whose idle timer only the loop's own writes reset: a tab busy with a
// channel's events must not be cut when that timer (5 minutes; 1 s here) runs out. It
// ends at the connection's longest lifetime, as every realtime connection does.
func TestRealtimeBusyConnectionOutlivesTheIdleTimeout(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, Before: func(app core.App) {
		app.OnRealtimeConnectRequest().Bind(&hook.Handler[*core.RealtimeConnectRequestEvent]{
			Priority: -1, // before the appliance's own hook
			Func: func(e *core.RealtimeConnectRequestEvent) error {
				e.IdleTimeout = time.Second
				e.MaxTimeout = time.Minute
				return e.Next()
			},
		})
	}})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	c := openSSE(t, s.URL)
	if status, b := c.subscribe(t, s.Token(t, "sbraun"), "channels/"+flood); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, b)
	}
	op := mxAs(s, t, "jwagner")
	for i, end := 0, time.Now().Add(3*time.Second); time.Now().Before(end); i++ {
		body := fmt.Sprintf("Pegelstand %d", i)
		op.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body})
		c.until(t, isMessage(body)) // fails on the stream's end
		time.Sleep(250 * time.Millisecond)
	}
}
