package hooks_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"crisisroom/testkit"
)

// ---- helpers of the messaging tests: a signed-in HTTP client and a real SSE client ----

type mxClient struct {
	base, token string
}

func mxAs(s *testkit.Server, t testing.TB, username string) mxClient {
	return mxClient{base: s.URL, token: s.Token(t, username)}
}

// call sends body as JSON (or as multipart when it is a *mxForm) and returns the status
// and the decoded answer (nil when it is not JSON).
func (c mxClient) call(t testing.TB, method, path string, body any) (int, any, []byte) {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case *mxForm:
		rd, ctype = &b.buf, b.ctype
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v any
	_ = json.Unmarshal(raw, &v)
	return resp.StatusCode, v, raw
}

// obj calls and expects a JSON object with the given status.
func (c mxClient) obj(t testing.TB, want int, method, path string, body any) map[string]any {
	t.Helper()
	status, v, raw := c.call(t, method, path, body)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	m, _ := v.(map[string]any)
	return m
}

type mxForm struct {
	buf   bytes.Buffer
	ctype string
}

func newMxForm(t testing.TB, fields map[string]string, fileName string, content []byte) *mxForm {
	f := &mxForm{}
	w := multipart.NewWriter(&f.buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if fileName != "" {
		fw, err := w.CreateFormFile("attachments", fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	_ = w.Close()
	f.ctype = w.FormDataContentType()
	return f
}

func mxItems(m map[string]any) []map[string]any {
	var out []map[string]any
	list, _ := m["items"].([]any)
	for _, it := range list {
		if o, ok := it.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

func mxStr(m map[string]any, path ...string) string {
	var cur any = m
	for _, p := range path {
		o, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = o[p]
	}
	switch v := cur.(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

func mxNum(m map[string]any, path ...string) int {
	var cur any = m
	for _, p := range path {
		o, ok := cur.(map[string]any)
		if !ok {
			return -1
		}
		cur = o[p]
	}
	f, ok := cur.(float64)
	if !ok {
		return -1
	}
	return int(f)
}

// sseEvent is one server-sent event.
type sseEvent struct {
	Name string
	Data map[string]any
	Raw  string
}

// sseConn is a realtime connection as a browser holds it: GET /api/realtime, read
// text/event-stream, subscribe with POST /api/realtime.
type sseConn struct {
	base   string
	id     string
	events chan sseEvent
	closed chan struct{}
	body   io.Closer
}

func openSSE(t testing.TB, base string) *sseConn {
	t.Helper()
	resp, err := http.Get(base + "/api/realtime")
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("realtime answered %q", ct)
	}
	c := &sseConn{base: base, events: make(chan sseEvent, 1000), closed: make(chan struct{}), body: resp.Body}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(c.closed)
		r := bufio.NewReader(resp.Body)
		var ev sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event:"):
				ev.Name = strings.TrimPrefix(line, "event:")
			case strings.HasPrefix(line, "data:"):
				ev.Raw = strings.TrimPrefix(line, "data:")
				_ = json.Unmarshal([]byte(ev.Raw), &ev.Data)
			case line == "":
				if ev.Name != "" {
					c.events <- ev
				}
				ev = sseEvent{}
			}
		}
	}()
	first := c.next(t)
	if first.Name != "PB_CONNECT" {
		t.Fatalf("first event %q, want PB_CONNECT", first.Name)
	}
	c.id = mxStr(first.Data, "clientId")
	return c
}

// subscribe sets the connection's subscriptions with token's authority; returns the status.
func (c *sseConn) subscribe(t testing.TB, token string, topics ...string) (int, string) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"clientId": c.id, "subscriptions": topics})
	req, _ := http.NewRequest("POST", c.base+"/api/realtime", bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// next waits for the next event. The timeout only stops a broken test from hanging.
func (c *sseConn) next(t testing.TB) sseEvent {
	t.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-c.closed:
		select {
		case ev := <-c.events:
			return ev
		default:
		}
		t.Fatal("the realtime connection ended")
	case <-time.After(10 * time.Second):
		t.Fatal("no realtime event within 10 s")
	}
	return sseEvent{}
}

// until reads events until one matches, and returns the ones before it too.
func (c *sseConn) until(t testing.TB, match func(sseEvent) bool) (sseEvent, []sseEvent) {
	t.Helper()
	var skipped []sseEvent
	for {
		ev := c.next(t)
		if match(ev) {
			return ev, skipped
		}
		skipped = append(skipped, ev)
	}
}

func isMessage(body string) func(sseEvent) bool {
	return func(ev sseEvent) bool {
		return mxStr(ev.Data, "collection") == "messages" && mxStr(ev.Data, "record", "body") == body
	}
}
