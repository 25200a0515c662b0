package hooks_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/testkit"
)

// BenchmarkChannelSearch200k: the search inside one channel of 200,000 messages (bodies of
// eleven words of a staff's vocabulary and "Pegel"; one in 1,000 with "Deichbruch"),
// written a month ago, after the demo's own newer ones: a rare word, a word in every
// message, two beginnings, and a page of the common word near its end (after a message
// 100 from the oldest). Prints the time and CPU per search; never fails on a time.
//
//	go test ./hooks -run '^$' -bench ChannelSearch200k -benchtime 20x
func BenchmarkChannelSearch200k(b *testing.B) {
	s := testkit.StartServer(b, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	words := `["Lagemeldung","Wasserstand","steigend","Sandsäcke","Abschnitt","Einsatzabschnitt","Bereitstellungsraum",` +
		`"Evakuierung","Straße","gesperrt","Kräfte","angefordert","Rückmeldung","Stromausfall","Notstrom","Krankenhaus",` +
		`"Pumpen","Feuerwehr","Polizei","THW","Lagebesprechung","um","Uhr","bitte","bestätigen","verfügbar"]`
	w := `json_extract({:w}, '$[' || (abs(random()) % 26) || ']')`
	body := `'Pegel'`
	for range 11 {
		body += ` || ' ' || ` + w
	}
	t0 := time.Now()
	_, err := s.App.DB().NewQuery(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 199999)
		INSERT INTO messages (id, channel, author, body, priority, source, created, updated)
		SELECT printf('bench%010d', n.i), {:c}, {:a}, ` + body + ` || CASE WHEN n.i % 1000 = 17 THEN ' Deichbruch bei km ' || (n.i % 90) ELSE '' END,
			'normal', 'web', strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-30 days', '+' || (n.i * 10) || ' seconds'),
			strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-30 days', '+' || (n.i * 10) || ' seconds')
		FROM n`).Bind(dbx.Params{"w": words, "c": flood, "a": s.Demo.Users["jwagner"].Id}).Execute()
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("200,000 messages written with their index in %v", time.Since(t0).Round(time.Millisecond))
	c := s.As(b, "sbraun")
	var deep string // the page after it is the last but two of "pegel"
	if err := s.App.DB().NewQuery(`SELECT id FROM messages WHERE channel = {:c} ORDER BY created, rowid LIMIT 1 OFFSET 100`).
		Bind(dbx.Params{"c": flood}).Row(&deep); err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct{ name, query string }{{"Deichbruch", "Deichbruch"}, {"pegel", "pegel"}, {"deich", "deich"},
		{"sands", "sands"}, {"pegel, a page at the end", "pegel&before=" + deep}} {
		query := q.query
		b.Run(q.name, func(b *testing.B) {
			items := 0
			cpu0 := processCPU()
			for b.Loop() {
				r := c.Do(b, "GET", "/api/crisisroom/channels/"+flood+"/messages?q="+query, nil)
				if r.Status != 200 {
					b.Fatal(r)
				}
				items = len(r.JSON(b)["items"].([]any))
			}
			b.ReportMetric(float64(items), "items")
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// processCPU is the CPU time of this process so far (the appliance runs in it): on a
// machine shared with other work, wall-clock figures say more about the neighbours.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
