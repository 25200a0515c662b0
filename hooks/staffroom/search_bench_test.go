package staffroom_test

import (
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/testkit"
)

// BenchmarkSearch200k: the search over 200,000 messages in eight channels, as a fire
// brigade member who may read three of them; a rare word, common ones and a prefix.
// Prints the time per search (wall and CPU); it never fails on a time.
//
//	go test ./hooks/staffroom -run '^$' -bench Search200k -benchtime 20x
func BenchmarkSearch200k(b *testing.B) {
	s := testkit.StartServer(b, testkit.Options{Demo: true, NoMQTT: true})
	var chans []string
	for _, name := range []string{"Hochwasser Rhein", "Stromausfall Süd", "POL intern", "KS intern", "FW intern", "KLM intern", "SW intern"} {
		chans = append(chans, s.Demo.Channels[name].Id)
	}
	// One INSERT … SELECT writes them (the triggers index each), so the set-up costs
	// seconds, not minutes: bodies of five words of a staff's vocabulary and a number,
	// and every 20,000th message with a rare word.
	words := `["Pegel","Deich","Sandsack","Pumpe","Evakuierung","Klinik","Strom","Notstrom","Sperrung","Lage",` +
		`"Einsatz","Kräfte","Brücke","Ufer","Keller","Wasser","Rhein","Altstadt","Bus","Schule","Halle","Diesel",` +
		`"Meldung","Rückmeldung","Fahrzeug","Zug","Wache","Verletzte","Betten","Straße","Gebäude","Dach","Gas"]`
	w := func() string { return `json_extract({:w}, '$[' || (abs(random()) % 33) || ']')` }
	chanList := "json_extract({:c}, '$[' || (n.i % 7) || ']')"
	cj := `["` + strings.Join(chans, `","`) + `"]`
	author := s.Demo.Users["jwagner"].Id
	start := time.Now()
	_, err := s.App.DB().NewQuery(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199999)
		INSERT INTO messages (id, channel, author, body, priority, source, created, updated)
		SELECT printf('bench%010d', n.i), ` + chanList + `, {:a},
			` + w() + ` || ' ' || ` + w() + ` || ' ' || ` + w() + ` || ' ' || (abs(random()) % 100000) || ' ' || ` + w() + ` || ' ' || ` + w() + `
				|| CASE WHEN n.i % 20000 = 7 THEN ' Seltenheitswort' ELSE '' END,
			'normal', 'web', strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-' || (200000 - n.i) || ' seconds'),
			strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-' || (200000 - n.i) || ' seconds')
		FROM n`).Bind(dbx.Params{"w": words, "c": cj, "a": author}).Execute()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("200,000 messages written with their index in %v", time.Since(start).Round(time.Millisecond))
	c := s.As(b, "kvogel")
	for _, q := range []string{"Seltenheitswort", "Pegel Deich", "Evak", "Notstrom Diesel Halle"} {
		b.Run(q, func(b *testing.B) {
			var total float64
			cpu0 := cpuTime()
			for b.Loop() {
				r := c.Do(b, "GET", "/api/crisisroom/search?q="+url.QueryEscape(q), nil)
				if r.Status != 200 {
					b.Fatal(r)
				}
				total = r.JSON(b)["total"].(float64)
			}
			b.ReportMetric(total, "hits")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the CPU time of this process so far: on a machine shared with other work,
// wall-clock figures say more about the neighbours than about the search.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
