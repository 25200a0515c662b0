package hooks_test

import (
	"encoding/json"
	"testing"

	"crisisroom/testkit"
)

// ---- helpers of the messaging tests: a signed-in HTTP client and a real SSE client ----

type mxClient struct {
	base, token string
}

func mxAs(s *testkit.Server, t testing.TB, username string) mxClient {
	return mxClient{base: s.URL, token: s.Token(t, username)}
}

// call sends body through testkit's client (as JSON, or as multipart when it is a
// *testkit.Form) and returns the status and the decoded answer (nil when it is not JSON).
func (c mxClient) call(t testing.TB, method, path string, body any) (int, any, []byte) {
	t.Helper()
	r := testkit.Client{Base: c.base, Token: c.token}.Do(t, method, path, body)
	var v any
	_ = json.Unmarshal(r.Body, &v)
	return r.Status, v, r.Body
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

// newMxForm is a message form with one attachment (none when fileName is "").
func newMxForm(t testing.TB, fields map[string]string, fileName string, content []byte) *testkit.Form {
	field := "attachments"
	if fileName == "" {
		field = ""
	}
	return testkit.NewForm(t, fields, field, fileName, content)
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

// sseEvent and sseConn are testkit's realtime client under the names these tests use.
type sseEvent = testkit.SSEEvent

type sseConn struct {
	*testkit.SSE
	id string
}

func openSSE(t testing.TB, base string) *sseConn {
	t.Helper()
	c := testkit.OpenSSE(t, base)
	return &sseConn{SSE: c, id: c.ID}
}

func (c *sseConn) subscribe(t testing.TB, token string, topics ...string) (int, string) {
	t.Helper()
	return c.Subscribe(t, token, topics...)
}

func (c *sseConn) next(t testing.TB) sseEvent {
	t.Helper()
	return c.Next(t)
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
