package hooks_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"crisisroom/hooks"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// The sign-in's answer to a wrong password tells how many tries are left before the
// lock (so the page can warn before the last one), and says nothing more: a name that
// exists and one that does not get byte for byte the same answers, try after try, and
// are locked at the same try.
func TestAttackSignInAttemptsLeftTellNoAccount(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, Hooks: hooks.Config{SignInWindow: time.Minute}})
	for i := 0; i < tenancy.SignInAccountLimit+1; i++ {
		stReal, _, real := signIn(t, s.URL, "users", "lneumann", "falsch-"+strconv.Itoa(i))
		stNone, _, none := signIn(t, s.URL, "users", "niemand-hier", "falsch-"+strconv.Itoa(i))
		if stReal != stNone || real != none {
			t.Fatalf("try %d: an existing name %d %s, an unknown one %d %s", i+1, stReal, real, stNone, none)
		}
		if i == tenancy.SignInAccountLimit {
			if stReal != http.StatusTooManyRequests {
				t.Fatalf("try %d past the limit: %d %s", i+1, stReal, real)
			}
			break
		}
		var body struct {
			Data map[string]json.RawMessage
		}
		if err := json.Unmarshal([]byte(real), &body); err != nil || stReal != http.StatusBadRequest {
			t.Fatalf("try %d: %d %s", i+1, stReal, real)
		}
		// Nothing else in data but the catalogue code, the same for every wrong sign-in.
		if got, want := string(body.Data["attempts_left"]), strconv.Itoa(tenancy.SignInAccountLimit-i-1); got != want || len(body.Data) != 2 || string(body.Data["code"]) != `"common.sign_in_failed"` {
			t.Fatalf("try %d: attempts_left %s, want %s (%s)", i+1, got, want, real)
		}
	}
}
