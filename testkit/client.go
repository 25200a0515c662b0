package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Client is an HTTP client of a running appliance acting as one person, device or
// nobody (Token ""). Token is sent as the Authorization header, as the UI does.
type Client struct {
	Base  string // http://127.0.0.1:PORT
	Token string
}

// Reply is a finished HTTP exchange: status code and the whole body.
type Reply struct {
	Status int
	Body   []byte
}

// JSON decodes the body as a JSON object; a body that is not one fails the test.
func (r Reply) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("answer is not a JSON object (%d): %s", r.Status, short(string(r.Body), 300))
	}
	return m
}

func (r Reply) String() string { return fmt.Sprintf("%d %s", r.Status, short(string(r.Body), 300)) }

var httpClient = &http.Client{Timeout: 30 * time.Second}

// Do sends one request. body is nil, raw JSON bytes, or a value marshalled to JSON.
// A transport error fails the test; any HTTP status is returned.
func (c Client) Do(t testing.TB, method, path string, body any) Reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", c.Token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return Reply{resp.StatusCode, raw}
}

// As returns a client acting as the user with this username (nobody for "").
func (s *Server) As(t testing.TB, username string) Client {
	t.Helper()
	if username == "" {
		return Client{Base: s.URL}
	}
	return Client{Base: s.URL, Token: s.Token(t, username)}
}

// Eventually polls cond every 20 ms until it holds or limit passes, then fails the test
// with what. It is for effects that happen after a request returns (realtime, MQTT);
// limit bounds a hang, it is not a performance assertion.
func Eventually(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func short(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
