//go:build linux

package messaging

import (
	"crypto/tls"
	"net"
	"testing"
)

func tcpPair(t *testing.T) (server, client *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return s.(*net.TCPConn), c.(*net.TCPConn)
}

// The epoll watch notices a peer that closes (FIN), one that resets (RST), also under
// TLS, and forgets a stream that ended first.
func TestHangupWatch(t *testing.T) {
	w := theHangupWatch()
	if w == nil {
		t.Fatal("no epoll")
	}
	for _, how := range []string{"close", "reset", "tls close"} {
		s, c := tcpPair(t)
		var conn net.Conn = s
		if how == "tls close" {
			conn = tls.Server(s, &tls.Config{})
		}
		ended := make(chan struct{})
		stop, ok := w.watch(conn, func() { close(ended) })
		if !ok {
			t.Fatalf("%s: not watchable", how)
		}
		if how == "reset" {
			_ = c.SetLinger(0)
		}
		c.Close()
		<-ended // the test's own time limit catches a watch that never fires
		stop()
	}

	s, c := tcpPair(t)
	stop, ok := w.watch(s, func() { t.Error("a stopped watch fired") })
	if !ok {
		t.Fatal("not watchable")
	}
	stop()
	w.mu.Lock()
	n := len(w.ends)
	w.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d watches left after stop", n)
	}
	c.Close()
}
