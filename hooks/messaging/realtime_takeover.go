package messaging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
)

// A realtime connection (GET /api/realtime) is a request that lasts as long as the
// browser tab; most of the time it waits. Served the ordinary way, each one holds
// net/http's serving goroutine with a 16 KB stack (PocketBase's handler waits at the
// bottom of the whole middleware chain, and even a shallow wait under net/http's own
// frames does not fit the 4 KB a stack must stay under to be halved), a second
// goroutine reading ahead, and the connection's read, write and response buffers
// (10 KB): about 40 KB per idle tab with the request and PocketBase's client.
//
// Over HTTP/1.1 the innermost middleware therefore takes the connection over (hijack)
// once every other middleware has run (auth, rate limit, CORS and security headers, the
// room's checks, the "log failures only" mark of the route) and hands it to a goroutine
// of its own that runs the rest of the same chain: PocketBase's handler with its connect
// hooks, PB_CONNECT, its event loop and message hooks, unchanged. The response head is
// the one net/http would have sent (status, the headers the middlewares and the handler
// set, chunked body). That the browser went away is noticed as net/http's read-ahead
// noticed it, by one epoll goroutine for all streams (hangupWatch; elsewhere than on
// Linux a small goroutine per stream reads the connection). net/http's goroutine
// returns and its buffers go. HTTP/2 connections (HTTPS) cannot be taken over and are served by
// PocketBase as before.

const realtimePattern = "GET /api/realtime"

// sseFlushAt: buffered body bytes written out even without a flush.
const sseFlushAt = 32 << 10

// sseStreams are the taken-over realtime connections, ended when the app terminates
// (net/http's shutdown no longer knows them).
type sseStreams struct {
	mu   sync.Mutex
	live map[*sseWriter]context.CancelFunc
	done bool
}

func (s *sseStreams) add(w *sseWriter, cancel context.CancelFunc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return false
	}
	s.live[w] = cancel
	return true
}

func (s *sseStreams) remove(w *sseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, w)
}

func (s *sseStreams) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	for _, cancel := range s.live {
		cancel()
	}
}

// takenOverKey: the request event's store key under which takeOver leaves the
// connection for startTakenOver.
const takenOverKey = "crisisroomRealtimeTakenOver"

type takenOver struct {
	conn   net.Conn
	header http.Header
}

// takeOver is the innermost middleware (bound behind every other one). For a realtime
// connect request over HTTP/1.1 it takes the connection and returns at once, leaving
// the rest of the chain (PocketBase's handler) to startTakenOver. Anything else passes.
func (s *sseStreams) takeOver(e *core.RequestEvent) error {
	r := e.Request
	if r.Pattern != realtimePattern || r.Method != http.MethodGet || r.ProtoMajor != 1 || r.ProtoMinor < 1 {
		return e.Next()
	}
	header := e.Response.Header().Clone()
	conn, _, err := http.NewResponseController(e.Response).Hijack()
	if err != nil {
		return e.Next() // not hijackable (a test's recorder): served as before
	}
	// Its buffered reader is dropped: nothing is read ahead of a GET without a body.
	e.Set(takenOverKey, &takenOver{conn: conn, header: header})
	return nil
}

// startTakenOver is the outermost middleware: once every middleware has returned (none
// of them touches the request event any more), a taken-over connection's stream starts
// on goroutines of its own, and net/http's goroutine returns.
func (s *sseStreams) startTakenOver(e *core.RequestEvent) error {
	err := e.Next()
	t, _ := e.Get(takenOverKey).(*takenOver)
	if t == nil {
		return err
	}
	// The event lives as long as the stream: it keeps nothing of the hand-over.
	e.Set(takenOverKey, nil)
	if err != nil { // a middleware failed the request on its way back: nothing to serve
		t.conn.Close()
		return nil
	}
	// The request's context ends when net/http's goroutine returns; the stream keeps its
	// values and ends with the connection.
	ctx, cancel := context.WithCancel(context.WithoutCancel(e.Request.Context()))
	w := &sseWriter{conn: t.conn, header: t.header}
	if sc, ok := t.conn.(syscall.Conn); ok {
		w.raw, _ = sc.SyscallConn() // the fan-out's writes without waiting (realtime_direct.go)
	}
	if !s.add(w, cancel) {
		cancel()
		t.conn.Close()
		return nil
	}
	// net/http read the request under the server's read timeout and kept that deadline
	// for its read-ahead, which ended the request when it passed (a peer that vanished
	// without closing is noticed no later); hijacking lifted it: it ends the stream here.
	var readTimeout time.Duration
	if srv, _ := e.Request.Context().Value(http.ServerContextKey).(*http.Server); srv != nil {
		readTimeout = srv.ReadTimeout
	}
	if stop, ok := theHangupWatch().watch(t.conn, cancel); ok {
		w.unwatch = stop
		if readTimeout > 0 {
			w.timeout = time.AfterFunc(readTimeout, cancel)
		}
	} else {
		if readTimeout > 0 {
			_ = t.conn.SetReadDeadline(time.Now().Add(readTimeout))
		}
		go func(conn net.Conn) {
			// What net/http's read-ahead did: a connection the browser closed, or whose
			// read deadline passed, ends the stream; anything it sends is dropped.
			var b [1]byte
			for {
				if _, err := conn.Read(b[:]); err != nil {
					cancel()
					return
				}
			}
		}(t.conn)
	}
	e.Request = e.Request.WithContext(ctx)
	e.Response = w
	go s.serve(e, w, cancel)
	return nil
}

// serve runs PocketBase's realtime handler (the rest of the middleware chain) on the
// taken-over connection until it ends, then ends the response and the connection.
func (s *sseStreams) serve(e *core.RequestEvent, w *sseWriter, cancel context.CancelFunc) {
	defer func() {
		if p := recover(); p != nil {
			e.App.Logger().Error("realtime connection ended by a panic", "error", fmt.Sprint(p))
		}
		cancel()
		w.finish()
		s.remove(w)
	}()
	if err := e.Next(); err != nil {
		// PocketBase's activity log has returned already; the failure goes to the log.
		e.App.Logger().Warn("realtime connection refused", "url", e.Request.URL.RequestURI(), "method", e.Request.Method, "remoteIP", e.RealIP(), "error", err.Error())
		router.ErrorHandler(w, e.Request, err)
	}
}

// sseWriter is the http.ResponseWriter of a taken-over HTTP/1.1 connection: a chunked
// response, written to the connection at every flush. Between events it holds no
// buffer (a busy one reuses pooled ones) and, once the head is out, no headers. The
// stream's goroutine writes to it through http.ResponseWriter holding evMu for each whole
// event (PocketBase's loop, see bindRealtime); the fan-out writes its events with evMu
// held as well (realtime_direct.go).
type sseWriter struct {
	evMu     sync.Mutex // held while one event (or the end of the stream) is written
	raw      syscall.RawConn
	rest     []byte // what is left of an event the socket took in part; written first
	aborted  atomic.Bool
	conn     net.Conn
	header   http.Header
	status   int
	headSent bool
	buf      *[]byte // pooled: chunkRoom bytes for the chunk's size line, then the body
	err      error
	unwatch  func()      // ends the hang-up watch (before the connection closes)
	timeout  *time.Timer // the server's read timeout, when the watch replaces the read
}

// sseWriteTimeout bounds each write of events to a taken-over connection. PocketBase lifts
// the server's write timeout for event streams, so a browser that keeps its connection
// open but stops reading (or a client built to do so) would hold the stream's goroutine
// in a blocked write for as long as TCP keeps the connection, however long its events
// queue up. A write that cannot go out in this time ends the stream; the browser
// reconnects and reloads what it missed, as after any dropped connection.
var sseWriteTimeout = newAtomicDuration(30 * time.Second)

// atomicDuration is a duration read by every stream and set by tests while streams of
// an earlier test may still be ending.
type atomicDuration struct{ v atomic.Int64 }

func newAtomicDuration(d time.Duration) *atomicDuration {
	a := new(atomicDuration)
	a.v.Store(int64(d))
	return a
}

func (a *atomicDuration) Load() time.Duration   { return time.Duration(a.v.Load()) }
func (a *atomicDuration) Store(d time.Duration) { a.v.Store(int64(d)) }

// chunkRoom is kept free in front of a buffered body for its chunk size line
// ("ffffffff\r\n" at most).
const chunkRoom = 10

var sseBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func (w *sseWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{} // after the head: changes go nowhere, as in net/http
	}
	return w.header
}

func (w *sseWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
	}
}

func (w *sseWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.WriteHeader(http.StatusOK)
	if w.buf == nil {
		w.buf = sseBuffers.Get().(*[]byte)
		*w.buf = (*w.buf)[:chunkRoom]
	}
	*w.buf = append(*w.buf, p...)
	if len(*w.buf) >= sseFlushAt {
		if err := w.FlushError(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Written and Status let PocketBase's error handler see what was written.
func (w *sseWriter) Written() bool { return w.status != 0 }
func (w *sseWriter) Status() int   { return w.status }

func (w *sseWriter) Flush() { _ = w.FlushError() }

// FlushError writes the head (once) and what was written since the last flush as one
// chunk, in one write to the connection.
func (w *sseWriter) FlushError() error {
	if w.err != nil {
		return w.err
	}
	if err := w.writeRestLocked(); err != nil {
		return err
	}
	var body []byte
	if w.buf != nil && len(*w.buf) > chunkRoom { // an empty chunk would end the body
		full, start := chunk(*w.buf)
		*w.buf, body = full, full[start:]
	}
	var err error
	if !w.headSent || body != nil {
		err = w.deadline()
	}
	switch {
	case err != nil:
	case !w.headSent:
		w.WriteHeader(http.StatusOK)
		var out bytes.Buffer
		w.writeHead(&out)
		out.Write(body)
		_, err = w.conn.Write(out.Bytes())
	case body != nil:
		_, err = w.conn.Write(body)
	}
	if w.buf != nil {
		if cap(*w.buf) <= 128<<10 {
			*w.buf = (*w.buf)[:0]
			sseBuffers.Put(w.buf)
		}
		w.buf = nil
	}
	if err != nil {
		w.err = err
	}
	return err
}

func (w *sseWriter) writeHead(out *bytes.Buffer) {
	w.headSent = true
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	h.Set("Transfer-Encoding", "chunked")
	h.Set("Connection", "close") // the stream is the connection's last response
	fmt.Fprintf(out, "HTTP/1.1 %03d %s\r\n", w.status, http.StatusText(w.status))
	_ = h.Write(out)
	out.WriteString("\r\n")
	w.header = nil
}

// SetWriteDeadline is what http.ResponseController asks for: PocketBase lifts the
// server's write timeout for the stream with it. Every write here sets its own deadline
// (sseWriteTimeout) instead, so the lifted one is not applied.
func (w *sseWriter) SetWriteDeadline(time.Time) error { return nil }

// finish ends the chunked body and closes the connection. A fan-out write waiting for
// the socket is cut short: the stream ends either way.
func (w *sseWriter) finish() {
	if !w.evMu.TryLock() {
		w.abort()
		w.evMu.Lock()
	}
	defer w.evMu.Unlock()
	if w.err == nil {
		if !w.headSent && w.status == 0 {
			w.status = http.StatusOK
		}
		if err := w.FlushError(); err == nil && w.deadline() == nil {
			_, _ = w.conn.Write([]byte("0\r\n\r\n"))
		}
	}
	if w.err == nil {
		w.err = errors.New("realtime stream ended")
	}
	if w.timeout != nil {
		w.timeout.Stop()
	}
	if w.unwatch != nil {
		w.unwatch()
	}
	w.conn.Close()
}

// bindRealtimeTakeOver installs the take-over as the innermost middleware, its start as
// the outermost, and ends the taken-over connections with the app.
func bindRealtimeTakeOver(app core.App, s *sseStreams) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "crisisroomRealtimeTakeOver",
			Priority: lastPriority,
			Func:     s.takeOver,
		}, &hook.Handler[*core.RequestEvent]{
			Id:       "crisisroomRealtimeStart",
			Priority: -lastPriority,
			Func:     s.startTakenOver,
		})
		return se.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.closeAll()
		return e.Next()
	})
}
