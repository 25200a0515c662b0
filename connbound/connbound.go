// Package connbound bounds the TCP connections one network address may hold open on the
// appliance's listeners (HTTP and HTTPS), so that one client cannot use up the process's
// open files and leave everybody else without an answer.
//
// Without it, one address could open ~20,000 idle connections (realtime streams, or
// sockets that never send a request) within seconds, reach the process's file limit, and
// every other person's request then waited until the flood stopped. With it, a connection
// beyond the bound of its address is closed as soon as it is accepted; the others go on.
//
// An address is an IPv4 address or an IPv6 /64 network (one device on a LAN may hold many
// temporary addresses of its /64, RFC 8981). The bound counts the connections of all
// wrapped listeners together.
package connbound

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"crisisroom/apperr"
)

// DefaultPerAddress is how many connections one address may hold open at once. A browser
// holds up to six HTTP/1.1 connections and one event stream per tab (one in all over
// HTTP/2); an agency behind one NAT address with ~50 browsers stays below it.
const DefaultPerAddress = 512

// EnvPerAddress names the environment variable that sets the bound per address
// ("0": none). Load tests that open thousands of connections from one address set it;
// so may a site whose agencies reach the appliance through one NAT address.
const EnvPerAddress = "CRISISROOM_CONNECTIONS_PER_ADDRESS"

// DefaultRequestsPerAddress is how many requests of one address the appliance works on at
// once (realtime streams aside, which are bounded on their own). A browser sends at most
// six at once over HTTP/1.1 and a few dozen over HTTP/2 (a channel's pictures); an agency
// behind one NAT address stays below it. Each waiting request holds a goroutine and its
// buffers (about 23 KB): one address held 64,000 of them, 250 slow uploads on each of its
// HTTP/2 connections, and 1.5 GB of memory.
const DefaultRequestsPerAddress = 256

// EnvRequestsPerAddress names the environment variable that sets the bound of requests at
// once per address ("0": none).
const EnvRequestsPerAddress = "CRISISROOM_REQUESTS_PER_ADDRESS"

// MaxConcurrentStreams is what the HTTPS server lets one HTTP/2 connection have open at
// once (Go's default is 250); a browser queues what goes beyond it.
const MaxConcurrentStreams = 64

// reserveFiles is kept free of connections below the process's open-file limit: the
// database, its WAL, backups, uploads and the serial devices need files too.
const reserveFiles = 256

// headerTimeout bounds how long a connection may take to send a request's head; a browser
// sends it at once. PocketBase's default of one minute let a client hold sockets that never
// send a request for a minute each.
const headerTimeout = 10 * time.Second

// PerAddressFromEnv reads EnvPerAddress: DefaultPerAddress when unset, 0 for no bound.
// A value that is not a whole number ≥ 0 is an error naming the variable.
func PerAddressFromEnv() (int, error) { return fromEnv(EnvPerAddress, DefaultPerAddress) }

// RequestsPerAddressFromEnv reads EnvRequestsPerAddress as PerAddressFromEnv does.
func RequestsPerAddressFromEnv() (int, error) {
	return fromEnv(EnvRequestsPerAddress, DefaultRequestsPerAddress)
}

func fromEnv(name string, def int) (int, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, &envError{name: name, value: v}
	}
	return n, nil
}

type envError struct{ name, value string }

func (e *envError) Error() string {
	return e.name + "=" + strconv.Quote(e.value) + ": eine ganze Zahl ≥ 0 erwartet (0: keine Grenze). / a whole number ≥ 0 expected (0: no bound)."
}

// Register bounds the connections of PocketBase's HTTP listener: it wraps the listener the
// other OnServe handlers chose (or opens e.Server.Addr's) as its last handler, and
// shortens the time a request's head may take to headerTimeout. The bound per address is
// read from EnvPerAddress when the server starts; a malformed value stops the start.
func Register(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id:       "crisisroomConnectionBounds",
		Priority: 1000, // after every handler that picks a listener (testkit does)
		Func: func(e *core.ServeEvent) error {
			per, err := PerAddressFromEnv()
			if err != nil {
				return err
			}
			reqs, err := RequestsPerAddressFromEnv()
			if err != nil {
				return err
			}
			if reqs > 0 {
				// Before PocketBase's request log and everything else: a refusal costs
				// nothing but this count. The HTTPS server serves the same router.
				b := &requestBound{most: reqs, open: map[string]int{}, logger: app.Logger()}
				e.Router.Bind(&hook.Handler[*core.RequestEvent]{
					Id:       "crisisroomRequestsPerAddress",
					Priority: apis.DefaultCorsMiddlewarePriority - 1,
					Func:     b.handle,
				})
			}
			if e.Listener == nil {
				addr := e.Server.Addr
				if addr == "" {
					addr = ":http"
				}
				ln, err := net.Listen("tcp", addr)
				if err != nil {
					return err
				}
				e.Listener = ln
			}
			e.Listener = Wrap(e.Listener, per, app.Logger())
			if e.Server.ReadHeaderTimeout == 0 || e.Server.ReadHeaderTimeout > headerTimeout {
				e.Server.ReadHeaderTimeout = headerTimeout
			}
			return e.Next()
		},
	})
}

// requestBound counts the requests each address has in the works.
type requestBound struct {
	most   int
	logger *slog.Logger

	mu      sync.Mutex
	open    map[string]int
	refused int64
	logged  time.Time
}

// handle lets a request through while its address has fewer than most in the works, and
// refuses it with 429 common.too_many_requests_at_once otherwise. Realtime streams
// (GET /api/realtime) last as long as a browser tab and are bounded on their own
// (hooks/messaging: per address without a subscription, per person with one).
func (b *requestBound) handle(e *core.RequestEvent) error {
	if e.Request.Method == http.MethodGet && e.Request.URL.Path == "/api/realtime" {
		return e.Next()
	}
	key := RequestKey(e.Request.RemoteAddr)
	b.mu.Lock()
	if b.open[key] >= b.most {
		b.refused++
		due := time.Since(b.logged) >= time.Minute
		if due {
			b.logged = time.Now()
		}
		n := b.refused
		b.mu.Unlock()
		if due && b.logger != nil {
			b.logger.Warn("requests refused: an address has as many in the works as it may", "address", key, "per_address", b.most, "refused_so_far", n)
		}
		return apperr.TooManyRequests("common.too_many_requests_at_once", b.most)
	}
	b.open[key]++
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		if b.open[key]--; b.open[key] <= 0 {
			delete(b.open, key)
		}
		b.mu.Unlock()
	}()
	return e.Next()
}

// RequestKey is AddressKey of a request's RemoteAddr ("ip:port"): the TCP peer, never a
// header a client could choose.
func RequestKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	if ip := net.ParseIP(host); ip != nil {
		return IPKey(ip)
	}
	return host
}

// Wrap returns ln with at most perAddress connections open per address (0: no bound per
// address) and, in all, the process's open-file limit less a reserve, both counted over
// every listener Wrap returned in this process (the HTTP, HTTPS and MQTT ports share the
// process's files). A connection beyond either bound is closed once accepted, without a
// byte: what a client sees when a server is full. Refusals are logged to logger (may be
// nil) at most once a minute per listener, with how many there were.
func Wrap(ln net.Listener, perAddress int, logger *slog.Logger) net.Listener {
	return &listener{Listener: ln, perAddress: perAddress, total: totalBound(), c: &shared, logger: logger}
}

// counts are the connections open through every wrapped listener.
type counts struct {
	mu   sync.Mutex
	open map[string]int // address → connections open
	all  int
}

var shared = counts{open: map[string]int{}}

// totalBound is the open-file limit less reserveFiles (0: none known).
func totalBound() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return 0
	}
	if n := int(lim.Cur) - reserveFiles; n > 0 {
		return n
	}
	return 0
}

type listener struct {
	net.Listener
	perAddress int
	total      int
	logger     *slog.Logger
	c          *counts

	refused atomic.Int64
	mu      sync.Mutex // guards logged
	logged  time.Time
}

// Accept returns the next connection within the bounds; those beyond are closed here.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := AddressKey(c.RemoteAddr())
		if l.take(key) {
			return &conn{Conn: c, release: func() { l.give(key) }}, nil
		}
		_ = c.Close()
		l.noteRefusal(key)
	}
}

func (l *listener) take(key string) bool {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if l.perAddress > 0 && c.open[key] >= l.perAddress {
		return false
	}
	if l.total > 0 && c.all >= l.total {
		return false
	}
	c.open[key]++
	c.all++
	return true
}

func (l *listener) give(key string) {
	c := l.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all--
	if c.open[key]--; c.open[key] <= 0 {
		delete(c.open, key)
	}
}

func (l *listener) noteRefusal(key string) {
	n := l.refused.Add(1)
	if l.logger == nil {
		return
	}
	l.mu.Lock()
	due := time.Since(l.logged) >= time.Minute
	if due {
		l.logged = time.Now()
	}
	l.mu.Unlock()
	if due {
		l.logger.Warn("connections refused: an address holds as many as it may", "address", key, "per_address", l.perAddress, "refused_so_far", n)
	}
}

// Open reports how many connections the address key (see AddressKey) holds open through
// the wrapped listeners.
func Open(key string) int {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.open[key]
}

// AddressKey is the address a connection's bound is counted under: the IPv4 address, or
// the IPv6 /64 network as "2001:db8:1:2::/64"; an address that is not an IP as it is.
func AddressKey(addr net.Addr) string {
	if a, ok := addr.(*net.TCPAddr); ok {
		return IPKey(a.IP)
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil {
		return IPKey(ip)
	}
	return host
}

// IPKey is AddressKey for an IP (IPv4-mapped IPv6 counts as IPv4).
func IPKey(ip net.IP) string {
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}

// conn gives its address's place back when it closes, once. It keeps what net/http and
// the realtime fan-out use of the TCP connection beneath: its file descriptor
// (syscall.Conn: non-blocking writes, the hang-up watch) and sendfile (io.ReaderFrom).
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// SyscallConn is the TCP connection's, or an error when it has none.
func (c *conn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, syscall.EINVAL
}

// ReadFrom lets net/http send files with sendfile(2) as it does on a plain TCP connection.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}
