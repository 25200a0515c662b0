package trust

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// A small mDNS responder (RFC 6762/6763) so phones on the room's network find the
// appliance as crisisroom.local and as an HTTPS service, without a DNS server. It answers
// only questions about its own names and sends only to the mDNS multicast group: never
// unicast, never off the local link (multicast TTL 255 is link-local by definition).

const (
	mdnsPort = 5353
	mdnsTTL  = 120
)

var mdnsGroup = net.IPv4(224, 0, 0, 251)

// MDNSConfig says what to announce.
type MDNSConfig struct {
	Host      string          // e.g. "crisisroom" → crisisroom.local
	Instance  string          // service instance name, e.g. "Krisenstab"
	HTTPSPort int             // port of the _https._tcp service (0: no service record)
	Addrs     func() []net.IP // current LAN addresses (IPv4)
	Logger    *slog.Logger
	Port      int // UDP port, 5353 unless a test says otherwise
}

// MDNS is a running responder.
type MDNS struct {
	cfg    MDNSConfig
	conn   *ipv4.PacketConn
	raw    net.PacketConn
	group  *net.UDPAddr
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// StartMDNS joins the mDNS group on every multicast interface, announces the records
// twice and answers questions until Close. Another responder (avahi) on the same port
// is fine: the socket is shared.
func StartMDNS(cfg MDNSConfig) (*MDNS, error) {
	if cfg.Port == 0 {
		cfg.Port = mdnsPort
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	raw, p, err := listenGroup(cfg.Port)
	if err != nil {
		return nil, err
	}
	_ = p.SetMulticastTTL(255)
	_ = p.SetMulticastLoopback(true)
	ctx, cancel := context.WithCancel(context.Background())
	m := &MDNS{cfg: cfg, conn: p, raw: raw, group: &net.UDPAddr{IP: mdnsGroup, Port: cfg.Port}, cancel: cancel}
	m.wg.Add(2)
	go m.serve()
	go m.announce(ctx)
	return m, nil
}

// listenGroup opens the shared mDNS socket and joins the group on every interface that
// is up and carries multicast.
func listenGroup(port int) (net.PacketConn, *ipv4.PacketConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = errors.Join(unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1),
				unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1))
		})
		return errors.Join(err, serr)
	}}
	raw, err := lc.ListenPacket(context.Background(), "udp4", net.JoinHostPort("0.0.0.0", strconv.Itoa(port)))
	if err != nil {
		return nil, nil, err
	}
	p := ipv4.NewPacketConn(raw)
	joined := 0
	ifaces, _ := net.Interfaces()
	for i := range ifaces {
		ifc := ifaces[i]
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagMulticast == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		if err := p.JoinGroup(&ifc, &net.UDPAddr{IP: mdnsGroup}); err == nil {
			joined++
		}
	}
	if joined == 0 {
		raw.Close()
		return nil, nil, errors.New("no network interface accepts multicast")
	}
	return raw, p, nil
}

// Close stops answering (the records expire in the phones' caches by their TTL).
func (m *MDNS) Close() {
	m.cancel()
	m.raw.Close()
	m.wg.Wait()
}

func (m *MDNS) announce(ctx context.Context) {
	defer m.wg.Done()
	// RFC 6762 §8.3: at least two announcements, one second apart.
	for i := 0; i < 2; i++ {
		if msg, err := m.cfg.response(nil); err == nil {
			m.send(msg)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (m *MDNS) serve() {
	defer m.wg.Done()
	buf := make([]byte, 9000)
	for {
		n, _, _, err := m.conn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		var p dnsmessage.Parser
		h, err := p.Start(buf[:n])
		if err != nil || h.Response {
			continue
		}
		qs, err := p.AllQuestions()
		if err != nil || len(qs) == 0 {
			continue
		}
		if msg, err := m.cfg.response(qs); err == nil && msg != nil {
			m.send(msg)
		}
	}
}

func (m *MDNS) send(msg []byte) {
	if _, err := m.conn.WriteTo(msg, nil, m.group); err != nil {
		m.cfg.Logger.Debug("mDNS send failed", "error", err)
	}
}

func (c MDNSConfig) names() (host, service, instance dnsmessage.Name) {
	h := strings.ToLower(strings.TrimSuffix(c.Host, ".local"))
	inst := c.Instance
	if inst == "" {
		inst = h
	}
	// Instance labels may hold spaces and UTF-8 (RFC 6763 §4.3); dots would split them.
	inst = strings.ReplaceAll(inst, ".", " ")
	return dnsmessage.MustNewName(h + ".local."), dnsmessage.MustNewName("_https._tcp.local."), dnsmessage.MustNewName(inst + "._https._tcp.local.")
}

// response builds the answer to questions (nil: the full announcement). It returns nil
// when none of the questions is about this appliance.
func (c MDNSConfig) response(qs []dnsmessage.Question) ([]byte, error) {
	host, service, instance := c.names()
	var addrs []net.IP
	if c.Addrs != nil {
		addrs = c.Addrs()
	}
	unique := dnsmessage.ClassINET | 1<<15 // cache-flush: these records are ours alone
	hdr := func(name dnsmessage.Name, t dnsmessage.Type, class dnsmessage.Class) dnsmessage.ResourceHeader {
		return dnsmessage.ResourceHeader{Name: name, Type: t, Class: class, TTL: mdnsTTL}
	}
	var answers, extra []func(*dnsmessage.Builder) error
	aRecords := func() []func(*dnsmessage.Builder) error {
		var out []func(*dnsmessage.Builder) error
		for _, ip := range addrs {
			v4 := ip.To4()
			if v4 == nil {
				continue
			}
			var a [4]byte
			copy(a[:], v4)
			out = append(out, func(b *dnsmessage.Builder) error {
				return b.AResource(hdr(host, dnsmessage.TypeA, unique), dnsmessage.AResource{A: a})
			})
		}
		return out
	}
	srv := func(b *dnsmessage.Builder) error {
		return b.SRVResource(hdr(instance, dnsmessage.TypeSRV, unique), dnsmessage.SRVResource{Port: uint16(c.HTTPSPort), Target: host})
	}
	txt := func(b *dnsmessage.Builder) error {
		return b.TXTResource(hdr(instance, dnsmessage.TypeTXT, unique), dnsmessage.TXTResource{TXT: []string{"path=/"}})
	}
	ptr := func(b *dnsmessage.Builder) error {
		return b.PTRResource(hdr(service, dnsmessage.TypePTR, dnsmessage.ClassINET), dnsmessage.PTRResource{PTR: instance})
	}
	withService := c.HTTPSPort > 0
	if qs == nil {
		answers = append(answers, aRecords()...)
		if withService {
			answers = append(answers, ptr, srv, txt)
		}
	}
	same := func(a, b dnsmessage.Name) bool { return strings.EqualFold(a.String(), b.String()) }
	for _, q := range qs {
		all := q.Type == dnsmessage.TypeALL
		switch {
		case same(q.Name, host) && (q.Type == dnsmessage.TypeA || all):
			answers = append(answers, aRecords()...)
		case withService && same(q.Name, service) && (q.Type == dnsmessage.TypePTR || all):
			answers = append(answers, ptr)
			extra = append(extra, srv, txt)
			extra = append(extra, aRecords()...)
		case withService && same(q.Name, instance) && (q.Type == dnsmessage.TypeSRV || q.Type == dnsmessage.TypeTXT || all):
			if q.Type != dnsmessage.TypeTXT {
				answers = append(answers, srv)
				extra = append(extra, aRecords()...)
			}
			if q.Type != dnsmessage.TypeSRV {
				answers = append(answers, txt)
			}
		}
	}
	if len(answers) == 0 {
		return nil, nil
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{Response: true, Authoritative: true})
	b.EnableCompression()
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	for _, f := range answers {
		if err := f(&b); err != nil {
			return nil, err
		}
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	for _, f := range extra {
		if err := f(&b); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}
