package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Client is an HTTP client of a running appliance acting as one person, device or
// nobody (Token ""). Token is sent as the Authorization header, as the UI does.
// It is the one HTTP client of every package's tests.
type Client struct {
	Base  string // http://127.0.0.1:PORT; "" when paths are whole URLs
	Token string
	// HTTP sends the requests; nil is a shared client with a 30 s timeout. A TLS test
	// sets one that trusts only the appliance's CA.
	HTTP *http.Client
	// Header is sent with every request (e.g. X-Forwarded-For, Accept-Language).
	Header http.Header
}

// Reply is a finished HTTP exchange: status code, the response's headers and the whole
// body.
type Reply struct {
	Status int
	Body   []byte
	Header http.Header
}

// Map decodes the body as a JSON object, or returns nil when it is not one (an empty
// body, an array, HTML); unlike JSON it does not fail the test.
func (r Reply) Map() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

// Decode unmarshals the JSON body into v; a body that does not decode fails the test.
func (r Reply) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer does not decode into %T (%d): %v: %s", v, r.Status, err, short(string(r.Body), 300))
	}
}

// Form is a multipart/form-data body for Client.Do (record fields plus files), as the
// UI sends uploads.
type Form struct {
	buf   bytes.Buffer
	ctype string
}

// NewForm builds a multipart form of plain fields and, when fileField is not "", one
// file named fileName with content in it.
func NewForm(t testing.TB, fields map[string]string, fileField, fileName string, content []byte) *Form {
	t.Helper()
	f := &Form{}
	w := multipart.NewWriter(&f.buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		fw, err := w.CreateFormFile(fileField, fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(content); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.ctype = w.FormDataContentType()
	return f
}

// ContentType is the form's Content-Type header with its boundary.
func (f *Form) ContentType() string { return f.ctype }

// Bytes is the encoded form.
func (f *Form) Bytes() []byte { return f.buf.Bytes() }

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

// Do sends one request. body is nil, raw JSON bytes, a *Form (multipart), or a value
// marshalled to JSON. A transport error fails the test; any HTTP status is returned.
func (c Client) Do(t testing.TB, method, path string, body any) Reply {
	t.Helper()
	r, err := c.Try(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// Try is Do for callers that expect the transport to fail (a closed listener, a TLS
// client that must not trust the peer) or that run outside the test's goroutine: it
// returns the error instead of failing the test.
func (c Client) Try(method, path string, body any) (Reply, error) {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	case *Form:
		rd, ctype = bytes.NewReader(b.buf.Bytes()), b.ctype
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return Reply{}, err
		}
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		return Reply{}, err
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = httpClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Status: resp.StatusCode, Body: raw, Header: resp.Header}, nil
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
