package messaging_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/messaging"
	"crisisroom/testkit"
)

// stalledConn is a realtime connection whose client subscribed and then stopped reading:
// a browser tab whose network went away without closing TCP, or a client built to do so.
type stalledConn struct {
	conn net.Conn
	body io.Reader // the chunked body, to read what arrived once the test looks
	id   string    // PocketBase's client id
}

// openStalled opens GET /api/realtime on a raw TCP connection with a small receive
// buffer (so the server's writes block soon), reads the head and PB_CONNECT, subscribes
// with token to topics and then reads nothing more.
func openStalled(base, token string, hc *http.Client, topics ...string) (*stalledConn, error) {
	addr := strings.TrimPrefix(base, "http://")
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		// before connect: the window announced in the handshake is small as well
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		}); err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*stalledConn, error) { conn.Close(); return nil, err }
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.WriteString(conn, "GET /api/realtime HTTP/1.1\r\nHost: "+addr+"\r\nAccept: text/event-stream\r\n\r\n"); err != nil {
		return fail(err)
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 4<<10), nil)
	if err != nil {
		return fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("realtime answered %d", resp.StatusCode))
	}
	sc := &stalledConn{conn: conn, body: resp.Body}
	lines := bufio.NewReader(resp.Body)
	for sc.id == "" {
		line, err := lines.ReadString('\n')
		if err != nil {
			return fail(fmt.Errorf("before PB_CONNECT: %w", err))
		}
		if data, ok := strings.CutPrefix(strings.TrimSpace(line), "data:"); ok {
			var hello struct{ ClientId string }
			if err := json.Unmarshal([]byte(data), &hello); err != nil || hello.ClientId == "" {
				return fail(fmt.Errorf("PB_CONNECT %q", data))
			}
			sc.id = hello.ClientId
		}
	}
	sc.body = io.MultiReader(lines, resp.Body) // what lines read ahead comes first
	_ = conn.SetDeadline(time.Time{})
	raw, _ := json.Marshal(map[string]any{"clientId": sc.id, "subscriptions": topics})
	r, err := testkit.Client{Base: base, Token: token, HTTP: hc}.Try("POST", "/api/realtime", raw)
	if err != nil {
		return fail(err)
	}
	if r.Status != http.StatusNoContent {
		return fail(fmt.Errorf("subscribe: %s", r))
	}
	return sc, nil
}

// waitFor polls cond every 20 ms until it holds or limit passes, then fails the test with
// the last of cond's descriptions of what it saw (testkit.Eventually with the figures).
func waitFor(t *testing.T, limit time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, what := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openFiles counts this process's sockets (the database's files come and go with its
// pool of connections).
func openFiles() int {
	des, _ := os.ReadDir("/proc/self/fd")
	n := 0
	for _, de := range des {
		if l, err := os.Readlink("/proc/self/fd/" + de.Name()); err == nil && strings.HasPrefix(l, "socket:") {
			n++
		}
	}
	return n
}

// Realtime clients that subscribe to a busy channel and then never read (their receive
// buffers fill, the server's writes to them block) do not hold up anyone else: a reader
// on the same channel gets every message, in the order stored, also those sent after the
// stalled connections are full; each stalled connection is discarded once it owes 512
// events (realtime_fanout.go, push) and its stream ends at once, so neither memory nor
// goroutines grow with what it misses. A stalled client whose channel membership is
// revoked hears nothing of the channel from then on, and once it goes away nothing of it
// is left. A fan-out that wrote to the connections one after another on one goroutine
// would wait on the first full connection (up to its 30 s write timeout, for each one)
// and fail the reader's bounds here.
func TestRealtimeStalledReadersDelayNobody(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SO_RCVBUF before connect and /proc/self/fd: Linux")
	}
	if raceBuild {
		t.Skip("a load test of 200 connections and 12 MB of messages: the normal build runs it")
	}
	// The outbox's bound is what ends a stalled connection here; the write timeout (30 s)
	// must not end the stalled, revoked ones first on a slow machine (their drains wait
	// in a write the whole test), so it is set far beyond the test's length.
	t.Cleanup(messaging.SetSSEWriteTimeout(10 * time.Minute)) // after the appliance has stopped
	t.Cleanup(messaging.SetMaxFollowers(1000))                // 180 connections of one person
	const (
		stalledN  = 180 // never read, until they are closed by the server
		revokedN  = 20  // never read; their membership ends while they are stalled
		posters   = 4
		bodyBytes = 16 << 10 // a long situation report: the buffers fill with fewer messages
		maxPosts  = 3000     // far above what fills them (kernel buffers + 512 owed)
	)
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	topic := "channels/" + flood
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()

	reader := testkit.OpenSSE(t, s.URL)
	if status, body := reader.Subscribe(t, s.Token(t, "lneumann"), topic); status != http.StatusNoContent {
		t.Fatalf("reader subscribe: %d %s", status, body)
	}
	phoffmann, kvogel := s.Token(t, "phoffmann"), s.Token(t, "kvogel")
	tokens := map[string]string{}
	for _, u := range []string{"jwagner", "mschulz", "sbraun", "tkeller"} {
		tokens[u] = s.Token(t, u)
	}
	tr.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond) // the server's side of those connections ends
	baseGoroutines, baseFiles, baseClients := runtime.NumGoroutine(), openFiles(), s.App.SubscriptionsBroker().TotalClients()

	// Open the stalled connections, a few at a time.
	opened := time.Now()
	stalled := make([]*stalledConn, stalledN)
	revoked := make([]*stalledConn, revokedN)
	var wg sync.WaitGroup
	errs := make(chan error, stalledN+revokedN)
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= stalledN+revokedN {
					return
				}
				var err error
				if i < stalledN {
					stalled[i], err = openStalled(s.URL, phoffmann, hc, topic)
				} else {
					revoked[i-stalledN], err = openStalled(s.URL, kvogel, hc, topic, "crisisroom/me")
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d stalled connections opened and subscribed in %.1f s", stalledN+revokedN, time.Since(opened).Seconds())
	closeAll := func(cs []*stalledConn) {
		for _, c := range cs {
			if c != nil {
				c.conn.Close()
			}
		}
	}
	defer closeAll(stalled)
	defer closeAll(revoked)

	// Messages are posted by several people at once; the order the reader must see is
	// the order they were stored in.
	filler := strings.Repeat("Pegel Maxau 8,62 m steigend, Deich 3 wird beobachtet. ", bodyBytes/55)
	var posted atomic.Int64
	post := func(n int, tag string) {
		t.Helper()
		perr := make(chan error, posters)
		var pw sync.WaitGroup
		users := []string{"jwagner", "mschulz", "sbraun", "tkeller"}
		for p := range posters {
			pw.Go(func() {
				c := testkit.Client{Base: s.URL, Token: tokens[users[p]], HTTP: hc}
				author := s.Demo.Users[users[p]].Id
				for i := p; i < n; i += posters {
					k := posted.Add(1)
					r, err := c.Try("POST", "/api/collections/messages/records", map[string]any{
						"channel": flood, "author": author, "client_key": "stall-" + tag + "-" + strconv.FormatInt(k, 10),
						"body": fmt.Sprintf("Lage %s %d: %s", tag, k, filler)})
					if err == nil && r.Status != http.StatusOK {
						err = fmt.Errorf("post: %s", r)
					}
					if err != nil {
						perr <- err
						return
					}
				}
			})
		}
		pw.Wait()
		close(perr)
		for err := range perr {
			t.Fatal(err)
		}
	}
	// ours lists the ids of the messages posted here in the order they were stored.
	ours := func() []string {
		var ids []string
		if err := s.App.DB().NewQuery("SELECT id FROM messages WHERE channel = {:c} AND client_key LIKE 'stall-%' ORDER BY rowid").
			Bind(dbx.Params{"c": flood}).Column(&ids); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	// received lists the message ids the reader got, in the order it got them.
	received := func() []string {
		var ids []string
		for _, ev := range reader.All() {
			if ev.Name != topic {
				continue
			}
			if rec, _ := ev.Data["record"].(map[string]any); rec != nil {
				if body, _ := rec["body"].(string); strings.HasPrefix(body, "Lage ") {
					id, _ := rec["id"].(string)
					ids = append(ids, id)
				}
			}
		}
		return ids
	}
	readerHasAll := func(what string) {
		t.Helper()
		want := ours()
		// a bound on a hang, not on speed: the reader is never waited for on a full
		// connection's write (30 s each), so it keeps up as the appliance can
		testkit.Eventually(t, 15*time.Second, fmt.Sprintf("%s: the reader got %d of %d messages", what, len(received()), len(want)), func() bool {
			return len(received()) >= len(want)
		})
		got := received()
		if len(got) != len(want) {
			t.Fatalf("%s: the reader got %d messages, %d were stored", what, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: message %d is %s, stored was %s (out of order, doubled or lost)", what, i, got[i], want[i])
			}
		}
	}
	broker := s.App.SubscriptionsBroker()
	discarded := func(cs []*stalledConn) int {
		n := 0
		for _, c := range cs {
			if cl, err := broker.ClientById(c.id); err != nil || cl.IsDiscarded() {
				n++ // gone from the broker: discarded and its stream ended
			}
		}
		return n
	}

	// Enough to fill every stalled connection's kernel buffers (about 3 MB on Linux's
	// loopback, however small the reader's window) so their writes block.
	began := time.Now()
	post(250, "a")
	readerHasAll("while the stalled connections fill")
	// What a stalled connection costs while it owes events is its own goroutines (the
	// stream's, a drain waiting for the socket), not one per event it was sent.
	// (Each stalled connection has at most its stream's and its drain's; the posters' and
	// the reader's connections a few more. One per owed event would be 50,000.)
	if g := runtime.NumGoroutine(); g > baseGoroutines+3*(stalledN+revokedN) {
		t.Fatalf("%d goroutines with %d stalled connections owing %d events each (%d before)", g, stalledN+revokedN, posted.Load(), baseGoroutines)
	}
	if n := discarded(revoked); n != 0 {
		t.Fatalf("%d connections that owe less than 512 events were discarded", n)
	}

	// kvogel's membership ends while the connections are stalled: nothing more of the
	// channel is queued for them, and what was queued before stays theirs.
	cm, err := s.App.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": flood, "u": s.Demo.Users["kvogel"].Id})
	if err != nil {
		t.Fatal(err)
	}
	if r := (testkit.Client{Base: s.URL, Token: tokens["sbraun"], HTTP: hc}).Do(t, "DELETE", "/api/collections/channel_members/records/"+cm.Id, nil); r.Status != http.StatusNoContent {
		t.Fatalf("removing kvogel from the channel: %s", r)
	}
	beforeRevocation := len(ours())

	// Keep posting until every stalled connection owes too much and was discarded.
	for discarded(stalled) < stalledN {
		if int(posted.Load()) >= maxPosts {
			t.Fatalf("after %d messages only %d of %d stalled connections were discarded", posted.Load(), discarded(stalled), stalledN)
		}
		post(100, "b")
		readerHasAll("while the stalled connections overflow")
	}
	t.Logf("%d messages of %d KB until every stalled connection was discarded, in %.1f s", posted.Load(), bodyBytes>>10, time.Since(began).Seconds())
	if n := discarded(revoked); n != 0 {
		t.Fatalf("%d revoked connections were discarded: nothing was queued for them after the revocation", n)
	}

	// A message after the stalled connections are full still reaches the reader.
	post(1, "c")
	readerHasAll("after the stalled connections were discarded")

	// The discarded connections end at once (not after the 30 s write timeout): the
	// server closes them, their goroutines and buffers go. What remains is the reader and
	// the stalled, revoked connections.
	testkit.Eventually(t, 10*time.Second, "the discarded connections were not closed", func() bool {
		return broker.TotalClients() == baseClients+revokedN
	})
	// The server's side of each is closed: of the stalled connections only the test's own
	// ends are open.
	files := 0
	waitFor(t, 10*time.Second, func() (bool, string) {
		tr.CloseIdleConnections()
		files = openFiles()
		return files <= baseFiles+stalledN+2*revokedN,
			fmt.Sprintf("the server still holds the discarded connections' sockets: %d sockets, %d before the stalled connections", files, baseFiles)
	})
	t.Logf("sockets: %d before, %d with the stalled connections' own ends", baseFiles, files)
	for i, c := range stalled[:5] {
		// A client that reads again gets what its kernel buffer holds, then the end.
		_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := io.Copy(io.Discard, c.conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("stalled connection %d was discarded but is still open", i)
		}
	}

	// The revoked connections were stalled, not stuck: once their client reads again,
	// they get what was queued before the revocation, the notice that the channel was
	// taken away, and nothing of the channel after it.
	want := ours()
	for i, c := range revoked {
		_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		lines := bufio.NewReaderSize(c.body, 64<<10)
		seen, removed := 0, false
		for !removed {
			line, err := lines.ReadString('\n')
			if err != nil {
				t.Fatalf("revoked connection %d, after %d messages and no channel_removed: %v", i, seen, err)
			}
			data, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "data:")
			if !ok {
				continue
			}
			var ev struct {
				Action string
				Record struct{ Id, Body, Channel string }
			}
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("revoked connection %d: %v in %.200s", i, err, data)
			}
			switch {
			case ev.Action == "channel_removed" && ev.Record.Channel == flood:
				if seen != beforeRevocation {
					t.Fatalf("revoked connection %d got %d of the %d messages stored before the revocation", i, seen, beforeRevocation)
				}
				removed = true
			case strings.HasPrefix(ev.Record.Body, "Lage "):
				if seen >= beforeRevocation || ev.Record.Id != want[seen] {
					t.Fatalf("revoked connection %d: message %d is %s (%.20s), after the revocation or out of order", i, seen, ev.Record.Id, ev.Record.Body)
				}
				seen++
			}
		}
	}
	// Nothing is left of the stalled connections once their clients go away.
	closeAll(revoked)
	closeAll(stalled)
	tr.CloseIdleConnections()
	testkit.Eventually(t, 10*time.Second, "realtime clients left after every stalled client went away", func() bool {
		return broker.TotalClients() == baseClients
	})
	goroutines := 0
	waitFor(t, 10*time.Second, func() (bool, string) {
		tr.CloseIdleConnections()
		goroutines, files = runtime.NumGoroutine(), openFiles()
		return goroutines <= baseGoroutines+5 && files <= baseFiles,
			fmt.Sprintf("left behind: %d goroutines (%d before), %d sockets (%d before)", goroutines, baseGoroutines, files, baseFiles)
	})
	t.Logf("goroutines %d → %d, sockets %d → %d", baseGoroutines, goroutines, baseFiles, files)
}

// The write timeout of a taken-over stream (sseWriteTimeout, 30 s) ends a stream whose
// client stopped reading, and only such a stream: a reader whose connection was quiet for
// longer than the timeout still gets the next event (a deadline set for an earlier write
// must not fail a later one), while a stalled connection whose write has waited that long
// is ended and forgotten. The timeout is shortened to one second here.
func TestRealtimeWriteTimeoutEndsOnlyStalledStreams(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("SO_RCVBUF before connect: Linux")
	}
	const timeout = time.Second
	t.Cleanup(messaging.SetSSEWriteTimeout(timeout)) // after the appliance has stopped
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	topic := "channels/" + flood
	tr := &http.Transport{}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	jwagner := testkit.Client{Base: s.URL, Token: s.Token(t, "jwagner"), HTTP: hc}
	post := func(body string) {
		t.Helper()
		if r := jwagner.Do(t, "POST", "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body}); r.Status != http.StatusOK {
			t.Fatalf("post: %s", r)
		}
	}
	got := func(reader *testkit.SSE, body string) bool {
		for _, ev := range reader.All() {
			if rec, _ := ev.Data["record"].(map[string]any); rec != nil && rec["body"] == body {
				return true
			}
		}
		return false
	}

	reader := testkit.OpenSSE(t, s.URL)
	if status, body := reader.Subscribe(t, s.Token(t, "lneumann"), topic); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	post("Lage 1: Pegel 8,10 m.")
	testkit.Eventually(t, 10*time.Second, "the first message did not reach the reader", func() bool { return got(reader, "Lage 1: Pegel 8,10 m.") })
	time.Sleep(timeout + timeout/2) // quiet for longer than the write timeout
	post("Lage 2: Pegel 8,25 m.")
	testkit.Eventually(t, 10*time.Second, "a reader whose connection was quiet for longer than the write timeout got nothing more", func() bool {
		return got(reader, "Lage 2: Pegel 8,25 m.")
	})

	// A connection that stops reading: once its kernel buffers are full (about 3 MB), a
	// write waits, and after the timeout its stream ends.
	st, err := openStalled(s.URL, s.Token(t, "phoffmann"), hc, topic)
	if err != nil {
		t.Fatal(err)
	}
	defer st.conn.Close()
	filler := strings.Repeat("Pegel Maxau 8,62 m steigend, Deich 3 wird beobachtet. ", 300)
	broker := s.App.SubscriptionsBroker()
	ended := func() bool { _, err := broker.ClientById(st.id); return err != nil }
	// 10 MB, far beyond what the kernel holds, or less if the stream ends before; on a
	// fast machine they are posted before the timeout has run out, so its end is waited
	// for after them.
	for i := 0; i < 600 && !ended(); i++ {
		post(fmt.Sprintf("Lage %d: %s", i+3, filler))
	}
	testkit.Eventually(t, 10*time.Second, "the stream of a connection that reads nothing did not end", ended)
	post("Lage zuletzt: Deich 3 hält.")
	testkit.Eventually(t, 10*time.Second, "the reader missed the last message", func() bool { return got(reader, "Lage zuletzt: Deich 3 hält.") })
	select {
	case <-reader.Closed():
		t.Fatal("the reader's stream ended")
	default:
	}
}
