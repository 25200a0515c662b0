package hooks_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/demo"
	"crisisroom/hooks/enrolment"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// A burst of parallel guesses gets no more password checks than the limit: each attempt
// is counted before its (slow) hash runs, so the ones racing it see it.
func TestAttackSignInBurstCountsEveryGuess(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	const burst = 40
	statuses := make(chan int, burst)
	var wg sync.WaitGroup
	for i := 0; i < burst; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Try, not Do: this runs outside the test's goroutine.
			r, err := testkit.Client{Base: s.URL}.Try("POST", "/api/collections/users/auth-with-password",
				map[string]any{"identity": "lneumann", "password": "falsch-" + string(rune('a'+i%26))})
			if err != nil {
				statuses <- 0
				return
			}
			statuses <- r.Status
		}(i)
	}
	wg.Wait()
	close(statuses)
	checked, locked := 0, 0
	for st := range statuses {
		switch st {
		case http.StatusBadRequest:
			checked++
		case http.StatusTooManyRequests:
			locked++
		default:
			t.Errorf("unexpected answer %d", st)
		}
	}
	if checked > tenancy.SignInAccountLimit {
		t.Fatalf("%d of %d parallel guesses had their password checked, the limit is %d", checked, burst, tenancy.SignInAccountLimit)
	}
	if checked+locked != burst {
		t.Fatalf("%d checked + %d locked of %d", checked, locked, burst)
	}
	if st, _, raw := signIn(t, s.URL, "users", "lneumann", demo.Password); st != http.StatusTooManyRequests {
		t.Fatalf("the right password after the burst: %d %s", st, raw)
	}
}

// A suspended organisation's device gets no token over HTTP, an older token of it opens
// nothing, and no one joins the organisation by an invitation issued before; lifting
// the suspension gives all of it back.
func TestAttackSuspendedOrganisationDevicesAndInvitations(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	sw := s.Demo.Orgs["SW"]
	devColl, err := s.App.FindCollectionByNameOrId("devices")
	if err != nil {
		t.Fatal(err)
	}
	dev := core.NewRecord(devColl)
	dev.Load(map[string]any{"username": "sw-tafel", "kind": "board", "driver": "kiosk", "organisation": sw.Id})
	dev.SetPassword("tafel-passwort-2026")
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	devTok, err := dev.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	board := testkit.Client{Base: s.URL, Token: devTok}
	if r := board.Do(t, "GET", "/api/crisisroom/board", nil); r.Status != 200 {
		t.Fatalf("the board before the suspension: %s", r)
	}
	inv := s.As(t, "mschneider").Do(t, "POST", "/api/crisisroom/invitations", map[string]any{"kind": "member", "organisation": sw.Id, "role": "member"})
	if inv.Status != 200 {
		t.Fatalf("invitation: %s", inv)
	}
	token, _, err := enrolment.ParseJoinLink(inv.JSON(t)["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	host := s.As(t, "abecker")
	setStatus := func(status string) {
		if r := host.Do(t, "PATCH", "/api/collections/organisations/records/"+sw.Id, map[string]any{"status": status}); r.Status != 200 {
			t.Fatalf("%s SW: %s", status, r)
		}
	}
	setStatus("suspended")

	if st, _, raw := signIn(t, s.URL, "devices", "sw-tafel", "tafel-passwort-2026"); st != http.StatusForbidden {
		t.Errorf("a suspended organisation's device signs in: %d %s", st, raw)
	}
	for _, p := range []string{"/api/crisisroom/board", "/api/collections/devices/records", "/api/collections/board_items/records"} {
		if r := board.Do(t, "GET", p, nil); r.Status != http.StatusForbidden {
			t.Errorf("GET %s with the older token of a suspended organisation's device: %s", p, r)
		}
	}
	users, _ := s.App.CountRecords("users")
	join := testkit.Client{Base: s.URL}.Do(t, "POST", "/api/crisisroom/join", map[string]any{
		"token": token, "name": "Nina Neu", "username": "nina.neu", "password": "nina-neu-2026"})
	if join.Status != http.StatusForbidden {
		t.Errorf("joined a suspended organisation: %s", join)
	}
	if n, _ := s.App.CountRecords("users"); n != users {
		t.Errorf("a refused join created %d people", n-users)
	}

	setStatus("active")
	if st, _, raw := signIn(t, s.URL, "devices", "sw-tafel", "tafel-passwort-2026"); st != 200 {
		t.Errorf("the device after the suspension was lifted: %d %s", st, raw)
	}
	if r := board.Do(t, "GET", "/api/crisisroom/board", nil); r.Status != 200 {
		t.Errorf("the board after the suspension was lifted: %s", r)
	}
	if r := (testkit.Client{Base: s.URL}).Do(t, "POST", "/api/crisisroom/join", map[string]any{
		"token": token, "name": "Nina Neu", "username": "nina.neu", "password": "nina-neu-2026"}); r.Status != 200 {
		t.Errorf("the invitation after the suspension was lifted: %s", r)
	}
}
