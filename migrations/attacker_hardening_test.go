package migrations

import (
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Rows stored before the giving organisation was recorded get it from the migration: an
// org channel's owner; in a shared channel the person's live organisation among the
// participants, host first; in a direct conversation the creator's organisation if the
// person belongs to it, else the person's first.
func TestAttackerHardeningFillsGivingOrganisation(t *testing.T) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	ins := func(table string, p dbx.Params) {
		t.Helper()
		if _, err := app.DB().Insert(table, p).Execute(); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
	}
	ins("organisations", dbx.Params{"id": "host", "name": "Stab", "kind": "host", "status": "active"})
	ins("organisations", dbx.Params{"id": "pol", "name": "Polizei", "kind": "police", "status": "active"})
	ins("organisations", dbx.Params{"id": "fw", "name": "Feuerwehr", "kind": "fire", "status": "suspended"})
	for _, u := range []string{"liaison", "fwonly", "polonly"} {
		ins("users", dbx.Params{"id": u, "username": u, "name": u, "password": "x", "tokenKey": u})
	}
	mem := func(id, user, org, expires string) {
		ins("memberships", dbx.Params{"id": id, "user": user, "organisation": org, "role": "member", "expires": expires})
	}
	mem("m1", "liaison", "fw", "")
	mem("m2", "liaison", "host", "")
	mem("m3", "fwonly", "fw", "")
	mem("m4", "polonly", "pol", "2000-01-01 00:00:00.000Z") // ended
	mem("m5", "polonly", "host", "")
	ins("channels", dbx.Params{"id": "orgch", "organisation": "pol", "kind": "org", "name": "POL intern", "organisations": "[]"})
	ins("channels", dbx.Params{"id": "shared", "organisation": "host", "kind": "shared", "name": "Lage", "organisations": `["host","pol","fw"]`})
	ins("channels", dbx.Params{"id": "direct", "organisation": "pol", "kind": "direct", "name": "direct:a:b", "organisations": "[]"})
	row := func(id, ch, user string) {
		ins("channel_members", dbx.Params{"id": id, "channel": ch, "user": user, "role": "member"})
	}
	row("r1", "orgch", "polonly")
	row("r2", "shared", "liaison") // FW and host: host first
	row("r3", "shared", "fwonly")  // only FW (suspended): still FW
	row("r4", "shared", "polonly") // POL ended, host live: host
	row("r5", "direct", "fwonly")  // not of POL: first organisation
	row("r6", "direct", "polonly") // of POL (ended): the creator's
	for _, q := range fillGivingOrg {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"r1": "pol", "r2": "host", "r3": "fw", "r4": "host", "r5": "fw", "r6": "pol"}
	for id, org := range want {
		var got string
		if err := app.DB().NewQuery("SELECT organisation FROM channel_members WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&got); err != nil {
			t.Fatal(err)
		}
		if got != org {
			t.Errorf("row %s given by %q, want %q", id, got, org)
		}
	}
}
