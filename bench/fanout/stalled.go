package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Stalled readers (-stalled N): realtime connections that subscribe to a busy channel and
// then never read, as a tab whose network went away without closing TCP. Their socket
// buffers fill, the appliance's writes to them would block, and the events owed to them
// queue up; the question is whether the connections that do read notice.
//
// All of them follow the first channel, as its members: one channel in ten carries a
// tenth of all deliveries, so a delay of its readers would show in the p99 of all. Before
// the ladder the channel is filled with long messages until the stalled connections'
// kernel buffers (about 3 MB each on Linux's loopback, however small the client's
// window) are full; their readers receive those too.

// stalledSet is the stalled connections of one run.
type stalledSet struct {
	conns      []net.Conn
	ports      map[int]bool // their local ports: the server's sockets' remote ports
	serverPort int
}

// openStalled opens n connections of the first channel's members (member i%len on
// connection i) with a 4 KB receive buffer, reads PB_CONNECT, subscribes each to the
// channel and reads nothing more.
func openStalled(ctx context.Context, e *env, n int) (*stalledSet, error) {
	ch := e.channels[0]
	members := e.members[ch]
	if len(members) == 0 {
		return nil, errors.New("the first channel has no members")
	}
	addr := strings.TrimPrefix(e.base, "http://")
	_, port, _ := strings.Cut(addr, ":")
	set := &stalledSet{conns: make([]net.Conn, n), ports: map[int]bool{}}
	set.serverPort, _ = strconv.Atoi(port)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			u := &e.users[members[i%len(members)]]
			set.conns[i], errs[i] = dialStalled(ctx, e.send, e.base, addr, u)
		}()
	}
	wg.Wait()
	for _, c := range set.conns {
		if c != nil {
			set.ports[c.LocalAddr().(*net.TCPAddr).Port] = true
		}
	}
	if err := errors.Join(errs...); err != nil {
		set.close()
		return nil, fmt.Errorf("stalled connections: %w", firstErr(errs))
	}
	return set, nil
}

func dialStalled(ctx context.Context, hc *http.Client, base, addr string, u *benchUser) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
		}); err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(conn, "GET /api/realtime HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", addr); err != nil {
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 4<<10), nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	name, data, err := newEventReader(bufio.NewReaderSize(resp.Body, 4<<10)).next()
	var hello struct {
		ClientID string `json:"clientId"`
	}
	if err != nil || name != "PB_CONNECT" || json.Unmarshal(data, &hello) != nil || hello.ClientID == "" {
		conn.Close()
		return nil, fmt.Errorf("stalled connection: no PB_CONNECT (%q, %v)", name, err)
	}
	_ = conn.SetDeadline(time.Time{})
	if err := subscribe(ctx, hc, base, &sseConn{user: u, clientID: hello.ClientID}, []string{"channels/" + u.Channel}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// sendBufferMax is the most the kernel lets a TCP socket's send buffer grow to (bytes).
func sendBufferMax() int64 {
	if b, err := os.ReadFile("/proc/sys/net/ipv4/tcp_wmem"); err == nil {
		if fs := strings.Fields(string(b)); len(fs) == 3 {
			if v, err := strconv.ParseInt(fs[2], 10, 64); err == nil {
				return v
			}
		}
	}
	return 4 << 20
}

func (s *stalledSet) close() {
	for _, c := range s.conns {
		if c != nil {
			c.Close()
		}
	}
}

// fill posts limit messages of size bytes to the first channel, 16 at a time. It
// returns the messages posted. Their keys are
// key and a number (a key used before would return the first message, not a new one)
// and start with "w": the readers ignore them, as warm-up.
func (s *stalledSet) fill(ctx context.Context, e *env, key string, size, limit int) (int, error) {
	ch := e.channels[0]
	members := e.members[ch]
	line := "Lagebild Abschnitt Nord: Pegel steigt, Deich 3 wird beobachtet. "
	body := strings.Repeat(line, max(size/len(line), 1))
	posted := 0
	for posted < limit && ctx.Err() == nil {
		var wg sync.WaitGroup
		errs := make([]error, 16)
		for j := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := &e.users[members[(posted+j)%len(members)]]
				errs[j] = postMessage(ctx, e.send, e.base, u, body, key+strconv.Itoa(posted+j))
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return posted, firstErr(errs)
		}
		posted += len(errs)
		time.Sleep(50 * time.Millisecond) // let the fan-out write what it can
	}
	return posted, nil
}

// queued reads /proc/net/tcp (and tcp6) for the server's sockets of the stalled
// connections: the least and the total of the bytes they hold unsent (their send queue)
// and how many are still open.
func (s *stalledSet) queued() (least, total int64, open int) {
	least, total, open, _ = s.scan()
	return least, total, open
}

// scan reads the send queues of the server's established sockets: of the stalled
// connections (least, total, open) and of all others (others: the readers' and the
// requests').
func (s *stalledSet) scan() (least, total int64, open int, others int64) {
	least = -1
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fs := strings.Fields(line)
			if len(fs) < 5 || fs[3] != "01" { // established only
				continue
			}
			// fs[1] local, fs[2] remote address (hex ip:port), fs[4] tx_queue:rx_queue
			_, lport, _ := strings.Cut(fs[1], ":")
			_, rport, _ := strings.Cut(fs[2], ":")
			local, err1 := strconv.ParseInt(lport, 16, 32)
			remote, err2 := strconv.ParseInt(rport, 16, 32)
			if err1 != nil || err2 != nil || int(local) != s.serverPort {
				continue
			}
			tx, _, _ := strings.Cut(fs[4], ":")
			q, err := strconv.ParseInt(tx, 16, 64)
			if err != nil {
				continue
			}
			if !s.ports[int(remote)] {
				others += q
				continue
			}
			open++
			total += q
			if least < 0 || q < least {
				least = q
			}
		}
	}
	if open < len(s.ports) {
		least = 0 // some are closed
	}
	return least, total, open, others
}

// readersCaughtUp waits (at most limit) until the server holds almost nothing unsent to
// the connections that read: the readers of the first channel have read the long
// messages of the fill, which would otherwise count as the stalled ones' delay.
func (s *stalledSet) readersCaughtUp(ctx context.Context, limit time.Duration) bool {
	quiet := 0
	for end := time.Now().Add(limit); time.Now().Before(end) && ctx.Err() == nil; time.Sleep(100 * time.Millisecond) {
		if _, _, _, others := s.scan(); others < 64<<10 {
			if quiet++; quiet >= 5 {
				return true
			}
		} else {
			quiet = 0
		}
	}
	return false
}

// runStalled measures the fan-out path again with n stalled connections on the first
// channel (see above), beside the run without them (plain), and afterwards sends the
// stalled connections past their outbox (512 events) to see the server end them.
func runStalled(ctx context.Context, cfg config, e *env, conns []*sseConn, plain *pathReport) *pathReport {
	name := fmt.Sprintf("fanout+%d stalled", cfg.Stalled)
	t := time.Now()
	set, err := openStalled(ctx, e, cfg.Stalled)
	if err != nil {
		logf(cfg, "%s: %v", name, err)
		return &pathReport{Path: name, Note: err.Error()}
	}
	defer set.close()
	rss, _, _ := procMem(e.serverPID)
	logf(cfg, "%s: opened and subscribed in %.1f s; server RSS %s", name, time.Since(t).Seconds(), mb(rss))
	t = time.Now()
	cpu := procCPU(e.serverPID)
	// More than the largest send buffer the kernel gives a socket (tcp_wmem's maximum,
	// 4 MB by default) and the window of the client: the appliance's writes then block.
	n, err := set.fill(ctx, e, "wf", 19000, int(sendBufferMax()+1<<20)/19000+1)
	least, total, open := set.queued()
	rss, _, _ = procMem(e.serverPID)
	logf(cfg, "%s: filled with %d messages of 19 KB in %.1f s (server CPU %.1f s): the server holds %s unsent to them (least %s, %d open); server RSS %s",
		name, n, time.Since(t).Seconds(), (procCPU(e.serverPID) - cpu).Seconds(), mb(total), mb(least), open, mb(rss))
	if err != nil {
		return &pathReport{Path: name, Note: "filling failed: " + firstLine(err.Error())}
	}
	t = time.Now()
	caught := set.readersCaughtUp(ctx, 60*time.Second)
	logf(cfg, "%s: the readers read the fill in %.1f s (caught up: %v)", name, time.Since(t).Seconds(), caught)
	pr := runPath(ctx, cfg, e, conns, "fanout")
	pr.Path = name
	for i := range pr.Steps {
		pr.Steps[i].Path = name
	}
	// The last attempt at each rate (a rate measured again on a busy machine has several).
	without := map[float64]stepResult{}
	for _, p := range plain.Steps {
		without[p.Offered] = p
	}
	with := map[float64]stepResult{}
	var rates []float64
	for _, s := range pr.Steps {
		if _, ok := with[s.Offered]; !ok {
			rates = append(rates, s.Offered)
		}
		with[s.Offered] = s
	}
	for _, r := range rates {
		p, ok := without[r]
		if !ok {
			continue
		}
		s := with[r]
		logf(cfg, "readers' p99 at %.0f/s: %s without, %s with %d stalled connections (p50 %s, %s; server CPU %.2f, %.2f ms/msg; other programs %.0f%%, %.0f%%)",
			r, ms(p.P99), ms(s.P99), cfg.Stalled, ms(p.P50), ms(s.P50),
			cpuPerMessage(p.ServerCPU, p.CreatedPerSec), cpuPerMessage(s.ServerCPU, s.CreatedPerSec), 100*p.OtherCPU, 100*s.OtherCPU)
	}
	// Past the outbox: 600 short messages more to the channel.
	if ctx.Err() == nil {
		if _, err := set.fill(ctx, e, "wo", 100, 600); err == nil {
			t = time.Now()
			for _, _, open = set.queued(); open > 0 && time.Since(t) < 10*time.Second; _, _, open = set.queued() {
				time.Sleep(50 * time.Millisecond)
			}
			_, total, open = set.queued()
			rss, _, _ = procMem(e.serverPID)
			logf(cfg, "%s: 600 short messages later, %d of %d stalled connections still open on the server %.1f s after the last (%s unsent to them); server RSS %s",
				name, open, cfg.Stalled, time.Since(t).Seconds(), mb(total), mb(rss))
		}
	}
	return pr
}
