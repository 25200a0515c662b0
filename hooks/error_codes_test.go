package hooks_test

import (
	"net/url"
	"strings"
	"testing"

	"crisisroom/testkit"
)

// PocketBase's own refusals reach the client with a catalogue code and one text per
// language ("Deutsch / English"), keeping their status and their field errors.
func TestPocketBaseRefusalsHaveCodes(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	ln := s.As(t, "lneumann")
	anon := s.As(t, "")
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	for _, c := range []struct {
		name   string
		do     func() testkit.Reply
		status int
		code   string
	}{
		{"a broken filter", func() testkit.Reply {
			return ln.Do(t, "GET", "/api/collections/messages/records?filter="+url.QueryEscape("((("), nil)
		}, 400, "common.invalid_request"},
		{"an unknown record", func() testkit.Reply {
			return ln.Do(t, "GET", "/api/collections/messages/records/zzzzzzzzzzzzzzz", nil)
		}, 404, "common.not_found"},
		{"a record without its fields", func() testkit.Reply {
			return ln.Do(t, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": s.Demo.Users["lneumann"].Id, "body": strings.Repeat("x", 20001)})
		}, 400, "common.record_not_saved"},
		{"a batch", func() testkit.Reply {
			return ln.Do(t, "POST", "/api/batch", map[string]any{"requests": []any{}})
		}, 403, "common.batch_not_allowed"},
		{"a route without sign-in", func() testkit.Reply {
			return anon.Do(t, "GET", "/api/crisisroom/flashes", nil)
		}, 401, "common.sign_in_required"},
	} {
		r := c.do()
		var body struct {
			Message string         `json:"message"`
			Data    map[string]any `json:"data"`
		}
		r.Decode(t, &body)
		if r.Status != c.status || body.Data["code"] != c.code || !strings.Contains(body.Message, " / ") || strings.Contains(body.Message, "Failed to") || strings.Contains(body.Message, "Something went wrong") {
			t.Errorf("%s: %s", c.name, r)
		}
		if c.code == "common.record_not_saved" {
			if _, ok := body.Data["body"]; !ok {
				t.Errorf("%s: the field's error is gone: %s", c.name, r)
			}
		}
	}
}
