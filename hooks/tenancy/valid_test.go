package tenancy_test

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// The one definition of "still valid (not expired)" in its four spellings picks the same
// rows: Go, SQL, a filter on the record's own field (and its negation), and a rule on a
// joined row.
func TestStillValidDefinitionsAgree(t *testing.T) {
	now := time.Now()
	if tenancy.StillValid(now, now) || !tenancy.StillValid(time.Time{}, now) || !tenancy.StillValid(now.Add(time.Millisecond), now) {
		t.Fatal("StillValid: an end time is over at its instant; no end time never ends")
	}

	s := testkit.StartServer(t, testkit.Options{NoMQTT: true})
	app := s.App
	org, err := tenancy.NewOrganisation(app, "Prüfstelle Gültigkeit", "PG", "other", "#888888")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		expires any
		valid   bool
	}{
		{"no end", nil, true},
		{"ended an hour ago", now.Add(-time.Hour).UTC(), false},
		{"ended seconds ago", now.Add(-3 * time.Second).UTC(), false},
		{"ends in an hour", now.Add(time.Hour).UTC(), true},
		{"ends in a year", now.AddDate(1, 0, 0).UTC(), true},
	}
	for i, c := range cases {
		u, err := tenancy.NewUser(app, c.name, "gueltig"+string(rune('a'+i)), "passwort-lang-genug", "")
		if err != nil {
			t.Fatal(err)
		}
		m, err := tenancy.NewMembership(app, u.Id, org.Id, "member", "", c.expires)
		if err != nil {
			t.Fatal(err)
		}
		m, _ = app.FindRecordById("memberships", m.Id) // as stored

		goValid := tenancy.NotExpired(m)
		var n int
		if err := app.DB().NewQuery("SELECT COUNT(*) FROM memberships WHERE id = {:id} AND " + tenancy.NotExpiredSQL("memberships")).
			Bind(dbx.Params{"id": m.Id}).Row(&n); err != nil {
			t.Fatal(err)
		}
		own, err := app.FindRecordsByFilter("memberships", "id = {:id} && "+tenancy.NotExpiredFilter("expires"), "", 0, 0, dbx.Params{"id": m.Id})
		if err != nil {
			t.Fatal(err)
		}
		ended, err := app.FindRecordsByFilter("memberships", "id = {:id} && "+tenancy.ExpiredFilter("expires"), "", 0, 0, dbx.Params{"id": m.Id})
		if err != nil {
			t.Fatal(err)
		}
		joined, err := app.FindRecordsByFilter("users", "id = {:u} && memberships_via_user.id ?= {:m} && "+tenancy.NotExpiredRule("memberships_via_user"), "", 0, 0, dbx.Params{"u": u.Id, "m": m.Id})
		if err != nil {
			t.Fatal(err)
		}
		if goValid != c.valid || (n == 1) != c.valid || (len(own) == 1) != c.valid || (len(ended) == 1) == c.valid || (len(joined) == 1) != c.valid || tenancy.Expired(m) == c.valid {
			t.Errorf("%s: Go %v, SQL %v, filter %v, expired filter %v, rule %v; want valid=%v", c.name, goValid, n == 1, len(own) == 1, len(ended) == 1, len(joined) == 1, c.valid)
		}
	}
}
