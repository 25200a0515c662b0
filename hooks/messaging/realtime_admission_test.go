package messaging_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"crisisroom/connbound"
	"crisisroom/hooks/messaging"
	"crisisroom/testkit"
)

// clientFrom is an HTTP client whose connections leave from the loopback address src
// (127.0.0.2, …): another machine on the LAN, as the appliance counts addresses.
func clientFrom(src string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// openStream opens GET /api/realtime from src and returns the answer (its body open).
func openStream(t *testing.T, src, base string) *http.Response {
	t.Helper()
	resp, err := clientFrom(src).Get(base + "/api/realtime")
	if err != nil {
		t.Fatalf("realtime from %s: %v", src, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func errorCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	var e struct {
		Data struct {
			Code string `json:"code"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Data.Code
}

// Opening a realtime stream needs no sign-in, so nobody may hold many that never
// subscribe: one address (a flood of 22,000 used up the process's open files) holds at
// most 32 streams without a subscription; the 33rd is refused with a code before its
// stream starts, other addresses go on, a stream that subscribes frees its place, and one
// still without a subscription after the grace time is ended by the server.
func TestAttackAnonymousStreamsBoundedPerAddress(t *testing.T) {
	t.Cleanup(messaging.SetSubscribeGrace(3 * time.Second)) // after the appliance has stopped
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	opened := time.Now()
	var streams []*testkit.SSE
	for range 32 {
		streams = append(streams, testkit.OpenSSE(t, s.URL)) // from 127.0.0.1, nobody signed in
	}
	resp := openStream(t, "127.0.0.1", s.URL)
	if resp.StatusCode != http.StatusTooManyRequests || errorCode(t, resp) != "messaging.too_many_waiting_connections" {
		t.Fatalf("a 33rd stream without a subscription: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Another address is not held up by this one.
	if resp := openStream(t, "127.0.0.2", s.URL); resp.StatusCode != http.StatusOK {
		t.Fatalf("another address: %d", resp.StatusCode)
	}
	// A refused subscribe (nobody signed in) does not count as a subscription ...
	if status, body := streams[0].Subscribe(t, "", "channels/"+s.Demo.Channels["Hochwasser Rhein"].Id); status != http.StatusForbidden {
		t.Fatalf("anonymous subscribe: %d %s", status, body)
	}
	if resp := openStream(t, "127.0.0.1", s.URL); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("after a refused subscribe: %d", resp.StatusCode)
	}
	// ... a person's subscription does, and frees the place.
	tok := s.Token(t, "mschulz")
	if status, body := streams[1].Subscribe(t, tok, "channels/"+s.Demo.Channels["Hochwasser Rhein"].Id); status != http.StatusNoContent {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	if resp := openStream(t, "127.0.0.1", s.URL); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a subscription freed a place: %d", resp.StatusCode)
	}
	// After the grace time the server ends every stream still without a subscription;
	// the subscribed one stays.
	for i, c := range streams {
		if i == 1 {
			continue
		}
		select {
		case <-c.Closed():
		case <-time.After(15 * time.Second):
			t.Fatalf("stream %d without a subscription still open %s after it opened", i, time.Since(opened).Round(time.Second))
		}
	}
	select {
	case <-streams[1].Closed():
		t.Fatal("the subscribed stream was ended")
	default:
	}
	// The places are free again.
	testkit.OpenSSE(t, s.URL)
}

// All TCP connections of one address are bounded on the appliance's listener (here 20):
// sockets that never send a request, beyond the bound, are closed at once, while a person
// at another address is served, and the address is served again once it lets go.
func TestAttackConnectionsBoundedPerAddress(t *testing.T) {
	t.Setenv(connbound.EnvPerAddress, "20")
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	addr := strings.TrimPrefix(s.URL, "http://")
	var held []net.Conn
	for range 20 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// Accepted by the kernel, closed by the appliance: the read ends without a byte.
	// seen says what the last try met, for the failure message.
	var seen string
	refused := func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			seen = "dial: " + err.Error()
			return true
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.WriteString(c, "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
		var b [12]byte
		n, err := io.ReadAtLeast(c, b[:], 1)
		// EOF, or a reset when the request reached the socket before it was closed;
		// a timeout or a byte of an answer means it was served.
		var ne net.Error
		switch {
		case n > 0:
			seen = fmt.Sprintf("served (%q)", b[:n])
			return false
		case errors.As(err, &ne) && ne.Timeout():
			seen = "no answer within 5 s"
			return false
		}
		seen = "closed: " + err.Error()
		return true
	}
	// The appliance counts a connection when it accepts it; under the race build on a busy
	// machine that may lag behind the kernel, so the check is given time.
	until := func(limit time.Duration, what string, want bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for refused() != want {
			if time.Now().After(deadline) {
				fds, _ := os.ReadDir("/proc/self/fd")
				t.Fatalf("after %v: %s; the last try: %s; the appliance counts %d connections of 127.0.0.1; the test process has %d files open",
					limit, what, seen, connbound.Open("127.0.0.1"), len(fds))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	until(20*time.Second, "a 21st connection from the same address refused", true)
	req, _ := http.NewRequestWithContext(context.Background(), "GET", s.URL+"/api/crisisroom/channels", nil)
	req.Header.Set("Authorization", s.Token(t, "kvogel")) // the token was made in-process
	resp, err := clientFrom("127.0.0.2").Do(req)
	if err != nil {
		t.Fatalf("another address: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("another address: %d", resp.StatusCode)
	}
	for _, c := range held {
		c.Close()
	}
	held = nil
	until(20*time.Second, "the address served again after it let go", false)
}

// The requests one address has in the works at once are bounded (here 4): uploads that
// never finish (one address held 64,000 such requests over HTTP/2 and 1.5 GB of memory)
// make the next request of that address get 429 with a code at once, while another
// address is served, realtime streams still open, and the address is served again once
// its requests end.
func TestAttackRequestsAtOnceBoundedPerAddress(t *testing.T) {
	t.Setenv(connbound.EnvRequestsPerAddress, "4")
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	addr := strings.TrimPrefix(s.URL, "http://")
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	for range 4 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
		// A sign-in whose body announces 1,000 bytes and sends 14.
		if _, err := io.WriteString(c, "POST /api/collections/users/auth-with-password HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"identity\":\""); err != nil {
			t.Fatal(err)
		}
	}
	health := func(src string) *http.Response {
		resp, err := clientFrom(src).Get(s.URL + "/api/health")
		if err != nil {
			t.Fatalf("health from %s: %v", src, err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	testkit.Eventually(t, 5*time.Second, "a fifth request of the address refused", func() bool {
		return health("127.0.0.1").StatusCode == http.StatusTooManyRequests
	})
	if code := errorCode(t, health("127.0.0.1")); code != "common.too_many_requests_at_once" {
		t.Errorf("the refusal's code: %q", code)
	}
	if resp := health("127.0.0.2"); resp.StatusCode != http.StatusOK {
		t.Errorf("another address: %d", resp.StatusCode)
	}
	testkit.OpenSSE(t, s.URL) // a realtime stream of the same address still opens
	for _, c := range slow {
		c.Close()
	}
	slow = nil
	testkit.Eventually(t, 5*time.Second, "the address served again once its requests ended", func() bool {
		return health("127.0.0.1").StatusCode == http.StatusOK
	})
}
