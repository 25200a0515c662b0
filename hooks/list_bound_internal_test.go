package hooks

import (
	"net/http/httptest"
	"testing"
)

// Record lists wait their turn: at most most at once, at most per from one address, turns
// given to the oldest waiting list that fits; a list that leaves while waiting never runs.
func TestListBoundTurns(t *testing.T) {
	b := newListBound(2, 1)
	given := func(tr *listTurn) bool {
		select {
		case <-tr.ready:
			return true
		default:
			return false
		}
	}
	a1 := b.enter("a")
	a2 := b.enter("a") // the address holds its one
	c1 := b.enter("c")
	d1 := b.enter("d") // two run already
	if !given(a1) || given(a2) || !given(c1) || given(d1) {
		t.Fatalf("turns a1 %v a2 %v c1 %v d1 %v, want true false true false", given(a1), given(a2), given(c1), given(d1))
	}
	if !b.leaveWaiting(d1) {
		t.Fatal("a waiting list could not leave")
	}
	b.done("a") // a2 is the oldest that fits now
	if !given(a2) || given(d1) {
		t.Fatalf("after a1: a2 %v, d1 %v (left)", given(a2), given(d1))
	}
	if b.leaveWaiting(a2) {
		t.Fatal("a list whose turn was given left the queue")
	}
	e1 := b.enter("e")
	if given(e1) {
		t.Fatal("a third list ran beside two")
	}
	b.done("c")
	if !given(e1) {
		t.Fatal("the waiting list got no turn when one ended")
	}
	b.done("a")
	b.done("e")
	if b.running != 0 || len(b.byAddress) != 0 || len(b.waiting) != 0 {
		t.Fatalf("left running %d, addresses %v, waiting %d", b.running, b.byAddress, len(b.waiting))
	}
	for path, want := range map[string]bool{
		"/api/collections/messages/records":        true,
		"/api/collections/messages/records/abc":    false,
		"/api/collections/messages/records?page=2": true,
		"/api/crisisroom/channels/x/messages":      false,
	} {
		if got := isList(httptest.NewRequest("GET", path, nil)); got != want {
			t.Errorf("isList(GET %s) = %v", path, got)
		}
	}
	if isList(httptest.NewRequest("POST", "/api/collections/messages/records", nil)) {
		t.Error("a create counted as a list")
	}
}
