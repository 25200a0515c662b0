package messaging_test

import (
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"crisisroom/testkit"
)

// BenchmarkMessageCreate is one message created over REST by a member of a shared
// channel (every hook, the request log, no subscriber), the create path alone without
// the fan-out. Besides allocations it reports the whole process's CPU time per create
// (proc-µs/op: the appliance and the HTTP client in one process), less disturbed by
// other programs than the time per op:
//
//	go test ./hooks/messaging -run '^$' -bench MessageCreate -benchmem -benchtime 2000x
func BenchmarkMessageCreate(b *testing.B) {
	s := testkit.StartServer(b, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	ln := s.Demo.Users["lneumann"].Id
	c := s.As(b, "lneumann")
	// The appliance keeps PocketBase's request log (5 days); the test appliance none.
	settings, err := s.App.Settings().Clone()
	if err != nil {
		b.Fatal(err)
	}
	settings.Logs.MaxDays = 5
	if err := s.App.Save(settings); err != nil {
		b.Fatal(err)
	}
	post := func(i int) {
		rep := c.Do(b, http.MethodPost, "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": ln, "body": "Lage am Rheinufer, Pegel steigt", "client_key": fmt.Sprintf("bench-%d-%d", b.N, i)})
		if rep.Status != http.StatusOK {
			b.Fatalf("create: %s", rep)
		}
	}
	for i := 0; i < 50; i++ { // warm: caches, prepared statements, connections
		post(-1 - i)
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ReportAllocs()
	start := cpu()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		post(i)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpu()-start).Microseconds())/float64(b.N), "proc-µs/op")
}
