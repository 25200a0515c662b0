package staffroom_test

import (
	"net/url"
	"testing"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/staffroom"
	"crisisroom/testkit"
)

// TestSearchCountCapped: the search across channels counts hits up to TotalCap and says
// when there are more; it lists the newest SearchLimit, of the person's channels only.
func TestSearchCountCapped(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	polIntern := s.Demo.Channels["POL intern"].Id
	write := func(channel string, n int, body string) {
		t.Helper()
		_, err := s.App.DB().NewQuery(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {:last})
			INSERT INTO messages (id, channel, author, body, priority, source, created, updated)
			SELECT printf('cap%s%07d', substr({:c}, 1, 5), n.i), {:c}, {:a}, {:b} || ' ' || n.i, 'normal', 'web',
				strftime('%Y-%m-%d %H:%M:%fZ', 'now', '+' || n.i || ' seconds'), strftime('%Y-%m-%d %H:%M:%fZ', 'now', '+' || n.i || ' seconds')
			FROM n`).Bind(dbx.Params{"last": n - 1, "c": channel, "a": s.Demo.Users["tkeller"].Id, "b": body}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	write(flood, staffroom.TotalCap+1, "Sickerstelle gemeldet")
	write(polIntern, 50, "Sickerstelle intern") // newer, and not sbraun's to read

	type answer struct {
		Items []struct{ Id, Channel string }
		Total int
		// TotalCapped: more hits than Total.
		TotalCapped bool `json:"total_capped"`
		Limit       int
	}
	ask := func(who, q string) answer {
		t.Helper()
		r := s.As(t, who).Do(t, "GET", "/api/crisisroom/search?q="+url.QueryEscape(q), nil)
		if r.Status != 200 {
			t.Fatalf("%s searches %q: %s", who, q, r)
		}
		var a answer
		r.Decode(t, &a)
		return a
	}
	a := ask("sbraun", "sicker")
	if a.Total != staffroom.TotalCap || !a.TotalCapped || len(a.Items) != staffroom.SearchLimit || a.Limit != staffroom.SearchLimit {
		t.Fatalf("more than the cap: total %d, capped %v, %d items, limit %d", a.Total, a.TotalCapped, len(a.Items), a.Limit)
	}
	want := "cap" + flood[:5] + "0001000" // the newest of the flood channel
	if a.Items[0].Id != want {
		t.Errorf("the first hit is %s, want the newest %s", a.Items[0].Id, want)
	}
	for _, it := range a.Items {
		if it.Channel != flood {
			t.Fatalf("a hit of channel %s", it.Channel)
		}
	}
	// Up to the cap the count is exact: tkeller reads both channels, "intern" is in 50.
	if a := ask("tkeller", "sickerstelle intern"); a.Total != 50 || a.TotalCapped || len(a.Items) != 50 {
		t.Errorf("50 hits: total %d, capped %v, %d items", a.Total, a.TotalCapped, len(a.Items))
	}
	if a := ask("sbraun", "sickerstelle intern"); a.Total != 0 || a.TotalCapped || len(a.Items) != 0 {
		t.Errorf("another organisation's channel: total %d, %d items", a.Total, len(a.Items))
	}
}
