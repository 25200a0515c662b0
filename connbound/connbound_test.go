package connbound

import (
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// serve accepts from ln until it closes; each connection is held until its client closes.
func serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			_, _ = io.Copy(io.Discard, c)
			c.Close()
		}()
	}
}

func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c without a byte within a second.
func closedByServer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	var b [1]byte
	_, err := c.Read(b[:])
	return err == io.EOF
}

func waitOpen(t *testing.T, key string, want int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); Open(key) != want; {
		if time.Now().After(end) {
			t.Fatalf("%s holds %d connections, want %d", key, Open(key), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// One address holds at most its bound; a connection beyond it is closed at once, another
// address is not affected, and a closed connection gives its place back.
func TestOneAddressCannotHoldMoreThanItsBound(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := Wrap(raw, 3, nil)
	defer ln.Close()
	go serve(ln)
	addr := raw.Addr().String()

	var held []net.Conn
	for range 3 {
		held = append(held, dialFrom(t, "127.0.0.1", addr))
	}
	waitOpen(t, "127.0.0.1", 3)
	if !closedByServer(dialFrom(t, "127.0.0.1", addr)) {
		t.Fatal("a fourth connection from the same address was kept")
	}
	other := dialFrom(t, "127.0.0.2", addr)
	if closedByServer(other) {
		t.Fatal("another address was refused")
	}
	waitOpen(t, "127.0.0.2", 1)
	held[0].Close()
	waitOpen(t, "127.0.0.1", 2)
	if closedByServer(dialFrom(t, "127.0.0.1", addr)) {
		t.Fatal("a place given back was not taken")
	}
	waitOpen(t, "127.0.0.1", 3)
}

// The wrapped connection keeps the file descriptor the realtime fan-out writes to.
func TestWrappedConnectionKeepsItsDescriptor(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := Wrap(raw, 0, nil)
	defer ln.Close()
	got := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			got <- c
		}
	}()
	dialFrom(t, "127.0.0.1", raw.Addr().String())
	c := <-got
	defer c.Close()
	sc, ok := c.(syscall.Conn)
	if !ok {
		t.Fatal("no syscall.Conn")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd uintptr
	if err := rc.Control(func(f uintptr) { fd = f }); err != nil || fd == 0 {
		t.Fatalf("descriptor %d, %v", fd, err)
	}
	if _, ok := c.(io.ReaderFrom); !ok {
		t.Fatal("no io.ReaderFrom (sendfile)")
	}
}

func TestAddressKeys(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                 "192.0.2.7",
		"::ffff:192.0.2.7":          "192.0.2.7",
		"2001:db8:1:2:aaaa::1":      "2001:db8:1:2::/64",
		"2001:db8:1:2:bbbb:cccc::9": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":           "2001:db8:1:3::/64",
	} {
		if got := IPKey(net.ParseIP(in)); got != want {
			t.Errorf("IPKey(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestPerAddressFromEnv(t *testing.T) {
	for v, want := range map[string]int{"": DefaultPerAddress, "0": 0, "40": 40} {
		t.Setenv(EnvPerAddress, v)
		if n, err := PerAddressFromEnv(); err != nil || n != want {
			t.Errorf("%q: %d, %v; want %d", v, n, err, want)
		}
	}
	for _, v := range []string{"-1", "viele", "1.5"} {
		t.Setenv(EnvPerAddress, v)
		if _, err := PerAddressFromEnv(); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}

// The HTTP, HTTPS and MQTT ports share the process's files: an address's connections are
// counted over every wrapped listener together.
func TestListenersShareTheBound(t *testing.T) {
	var lns []net.Listener
	for range 2 {
		raw, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln := Wrap(raw, 3, nil)
		defer ln.Close()
		go serve(ln)
		lns = append(lns, raw)
	}
	dialFrom(t, "127.0.0.3", lns[0].Addr().String())
	dialFrom(t, "127.0.0.3", lns[0].Addr().String())
	dialFrom(t, "127.0.0.3", lns[1].Addr().String())
	waitOpen(t, "127.0.0.3", 3)
	if !closedByServer(dialFrom(t, "127.0.0.3", lns[1].Addr().String())) {
		t.Fatal("a fourth connection on the other port was kept")
	}
}
