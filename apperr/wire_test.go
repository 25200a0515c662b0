package apperr_test

import (
	"strings"
	"testing"

	"crisisroom/apperr"
	"crisisroom/testkit"
)

// Refusals of the converted packages reach the client with their code, the catalogue's
// message ("DE / EN", German first) and, where the text has arguments, one language per
// half, so the web UI can show one language.
func TestCodesOnTheWire(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	member := s.As(t, "phoffmann")
	check := func(name string, r testkit.Reply, status int, code string, args ...any) map[string]any {
		t.Helper()
		m := r.Map()
		data, _ := m["data"].(map[string]any)
		if r.Status != status || data == nil || data["code"] != code {
			t.Errorf("%s: want %d with code %s, got %s", name, status, code, r)
			return data
		}
		if want := apperr.Message(code, args...); m["message"] != want {
			t.Errorf("%s: message %q, want %q", name, m["message"], want)
		}
		return data
	}
	check("presence", member.Do(t, "POST", "/api/crisisroom/presence", map[string]any{"state": "asleep"}),
		400, "staffroom.presence_state_invalid")
	check("journal entry", member.Do(t, "POST", "/api/crisisroom/journal/entries", map[string]any{"text": "x"}),
		403, "journal.not_keeper")
	// The last ones converted: call-out, phone numbers, and a text with a German and an
	// English argument (the user field's name is the same in both).
	check("call-out by a member", member.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "x", "organisations": []string{"POL"}}),
		403, "callout.operators_only_call_out")
	check("another person's number", member.Do(t, "GET", "/api/crisisroom/phones/"+s.Demo.Users["abecker"].Id, nil),
		403, "callout.phone_not_visible")
	check("call-out without text", s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": " "}),
		400, "callout.text_missing")

	r := member.Do(t, "POST", "/api/collections/messages/records", map[string]any{"body": 42, "prioritaet": "Blitz"})
	data := check("unknown field", r, 400, "common.not_saved", apperr.Text{
		DE: `body: Text erwartet; unbekanntes Feld "prioritaet"`,
		EN: `body: expected text; unknown field "prioritaet"`,
	})
	if msg, _ := r.Map()["message"].(string); strings.Count(msg, " / ") != 1 {
		t.Errorf("unknown field: the message does not split into one German and one English half: %q", msg)
	}
	if p, _ := data["problems"].([]any); len(p) != 2 || p[0] != "body: Text erwartet / expected text" {
		t.Errorf("unknown field: problems %v", data["problems"])
	}
}
