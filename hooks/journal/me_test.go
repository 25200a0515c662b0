package journal_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"testing"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// GET /api/crisisroom/journal/me decides from the person's membership rows what
// CanWrite, CanRead, IsHeadOfStaff and IsHostOperator decide with queries of their own:
// for every person of the demo, with one membership ended and one organisation suspended
// on the way, each journal's write and whole, keeper, head and operator agree with them,
// and the journals listed are exactly the organisations of a live staff membership.
func TestJournalMeAgreesWithTheAccessChecks(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	host := tenancy.HostOrganisation(s.App)
	if host == nil {
		t.Fatal("the demo has no host organisation")
	}
	type journalRow struct {
		Organisation string `json:"organisation"`
		Write        bool   `json:"write"`
		Whole        bool   `json:"whole"`
		Host         bool   `json:"host"`
	}
	type me struct {
		Journals []journalRow `json:"journals"`
		Keeper   bool         `json:"keeper"`
		Head     bool         `json:"head"`
		Operator bool         `json:"operator"`
		Host     string       `json:"host"`
	}
	compare := func(stage string) {
		t.Helper()
		for name, u := range s.Demo.Users {
			r := testkit.Client{Base: s.URL, Token: s.Token(t, name)}.Do(t, "GET", "/api/crisisroom/journal/me", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("%s, %s: %d %s", stage, name, r.Status, r.Body)
			}
			var got me
			if err := json.Unmarshal(r.Body, &got); err != nil {
				t.Fatal(err)
			}
			ms, err := s.App.FindRecordsByFilter("memberships", "user = {:u}", "", 0, 0, dbx.Params{"u": u.Id})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, m := range ms {
				if o := m.GetString("organisation"); tenancy.IsStaff(s.App, u.Id, o) {
					want = append(want, o)
				}
			}
			var listed []string
			keeper := false
			for _, j := range got.Journals {
				listed = append(listed, j.Organisation)
				if w := journal.CanWrite(s.App, u.Id, j.Organisation); j.Write != w {
					t.Errorf("%s, %s in %s: write %v, CanWrite %v", stage, name, j.Organisation, j.Write, w)
				}
				if w := journal.CanRead(s.App, u.Id, j.Organisation); j.Whole != w {
					t.Errorf("%s, %s in %s: whole %v, CanRead %v", stage, name, j.Organisation, j.Whole, w)
				}
				if j.Host != (j.Organisation == host.Id) {
					t.Errorf("%s, %s in %s: host %v", stage, name, j.Organisation, j.Host)
				}
				keeper = keeper || (j.Host && journal.CanWrite(s.App, u.Id, host.Id))
			}
			sort.Strings(want)
			sort.Strings(listed)
			if len(want) != len(listed) || (len(want) > 0 && !equal(want, listed)) {
				t.Errorf("%s, %s: journals %v, live staff of %v", stage, name, listed, want)
			}
			if got.Keeper != keeper {
				t.Errorf("%s, %s: keeper %v, want %v", stage, name, got.Keeper, keeper)
			}
			if h := journal.IsHeadOfStaff(s.App, u.Id); got.Head != h {
				t.Errorf("%s, %s: head %v, IsHeadOfStaff %v", stage, name, got.Head, h)
			}
			if o := tenancy.IsHostOperator(s.App, u.Id); got.Operator != o {
				t.Errorf("%s, %s: operator %v, IsHostOperator %v", stage, name, got.Operator, o)
			}
			if got.Host != host.Id {
				t.Errorf("%s, %s: host %q", stage, name, got.Host)
			}
		}
	}
	compare("the demo")
	// Who of the demo is a keeper, head and operator, so that the comparison means something.
	var heads, operators, keepers int
	for _, u := range s.Demo.Users {
		if journal.IsHeadOfStaff(s.App, u.Id) {
			heads++
		}
		if tenancy.IsHostOperator(s.App, u.Id) {
			operators++
		}
		if journal.CanWrite(s.App, u.Id, host.Id) {
			keepers++
		}
	}
	if heads == 0 || operators == 0 || keepers == 0 {
		t.Fatalf("the demo has %d heads of staff, %d host operators, %d host keepers: the comparison needs each", heads, operators, keepers)
	}

	// A host admin's membership ends, and an organisation other than the host is suspended.
	ended := false
	for _, u := range s.Demo.Users {
		if journal.IsHeadOfStaff(s.App, u.Id) {
			m := tenancy.Membership(s.App, u.Id, host.Id)
			m.Set("expires", "2020-01-01 00:00:00.000Z")
			if err := s.App.Save(m); err != nil {
				t.Fatal(err)
			}
			ended = true
			break
		}
	}
	orgs, err := s.App.FindRecordsByFilter("organisations", "kind != 'host'", "", 1, 0)
	if err != nil || len(orgs) == 0 || !ended {
		t.Fatalf("nothing to end or suspend: %v", err)
	}
	orgs[0].Set("status", "suspended")
	if err := s.App.Save(orgs[0]); err != nil {
		t.Fatal(err)
	}
	compare("after an ended membership and a suspended organisation")
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
