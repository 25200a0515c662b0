package forms_test

import "testing"

// S1 gives the staff's functions, but neither to himself nor the head of staff's:
// only the host's admins give or take Leiter and a person's own functions.
func TestFunctionsNotToOneself(t *testing.T) {
	w := newWorld(t)
	me, head := w.s.Demo.Users["phoffmann"].Id, w.s.Demo.Users["abecker"].Id
	holders := func(code string) string { return "/api/crisisroom/functions/" + w.fn[code] + "/holders" }
	w.ok(t, "abecker", "POST", holders("S1"), map[string]any{"user": me})
	w.want(t, 403, "phoffmann", "POST", holders("Leiter"), map[string]any{"user": me})
	w.want(t, 403, "phoffmann", "POST", holders("Leiter"), map[string]any{"user": head, "remove": true})
	w.want(t, 403, "phoffmann", "POST", holders("Leiter"), map[string]any{"user": w.s.Demo.Users["jwagner"].Id})
	w.want(t, 403, "phoffmann", "POST", holders("Sichter"), map[string]any{"user": me})
	w.want(t, 403, "phoffmann", "POST", holders("Fernmelder"), map[string]any{"user": me, "remove": true})
	w.want(t, 403, "phoffmann", "POST", holders("S1"), map[string]any{"user": me, "remove": true})
	// S1 still gives the other functions to others, and the host admin everything.
	w.ok(t, "phoffmann", "POST", holders("S4"), map[string]any{"user": w.s.Demo.Users["jwagner"].Id})
	w.ok(t, "phoffmann", "POST", holders("S4"), map[string]any{"user": w.s.Demo.Users["jwagner"].Id, "remove": true})
	w.ok(t, "abecker", "POST", holders("Leiter"), map[string]any{"user": head, "remove": true})
	w.ok(t, "abecker", "POST", holders("Leiter"), map[string]any{"user": head})
}
