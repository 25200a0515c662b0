// Command durability measures what synchronous=FULL costs the write path: the appliance (built
// from this module, run as a child process on loopback) creates messages through the REST
// API with SQLite's synchronous=NORMAL (PocketBase's default) and FULL (the appliance's),
// one after the other on fresh demo data, and prints creates/s and latency percentiles side by
// side: first closed-loop (each of -writers people sends its next message when the last was
// answered: the most it keeps up with), then open-loop at -rate messages/s.
//
//	go run ./bench/durability                      # about 1 minute
//	go run ./bench/durability -duration 5s -rate 100
package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"crisisroom/durability"
	"crisisroom/durability/harness"
	"crisisroom/hooks/demo"
)

// tb lets the test harness run outside a test: a fatal error panics and is reported by main.
type tb struct {
	testing.TB
	cleanups []func()
	root     string
	n        int
}

// TempDir returns a new folder under the bench's temporary root.
func (b *tb) TempDir() string {
	b.n++
	d := filepath.Join(b.root, fmt.Sprintf("tmp%d", b.n))
	if err := os.MkdirAll(d, 0o755); err != nil {
		panic(err)
	}
	return d
}

func (b *tb) Helper()                   {}
func (b *tb) Fatal(a ...any)            { panic(fmt.Sprint(a...)) }
func (b *tb) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (b *tb) Errorf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (b *tb) Logf(f string, a ...any)   { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (b *tb) Cleanup(f func())          { b.cleanups = append(b.cleanups, f) }
func (b *tb) runCleanups() {
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
}

type result struct {
	level                string
	closedN              int
	closedRate           float64
	closedP50, closedP99 time.Duration
	openRate             float64
	openN                int
	openP50, openP99     time.Duration
}

func main() {
	duration := flag.Duration("duration", 8*time.Second, "how long each phase runs")
	writers := flag.Int("writers", 6, "people sending at once in the closed loop (1..6)")
	rate := flag.Float64("rate", 100, "messages/s of the open-loop phase")
	flag.Parse()
	b := &tb{}
	defer b.runCleanups()
	defer func() {
		if r := recover(); r != nil {
			b.runCleanups()
			fmt.Fprintln(os.Stderr, "bench failed:", r)
			os.Exit(1)
		}
	}()
	root, err := os.MkdirTemp("", "crisisroom-bench-durability-")
	if err != nil {
		panic(err)
	}
	b.root = root
	b.Cleanup(func() { os.RemoveAll(root) })
	b.Cleanup(harness.Cleanup)
	bin := harness.Binary(b)
	raw := map[string][3]float64{}
	for _, level := range []string{"NORMAL", "FULL"} {
		raw[level] = rawSQLite(filepath.Join(root, "raw-"+level+".db"), level, *duration/2)
	}
	var results []result
	for _, level := range []string{"NORMAL", "FULL"} {
		results = append(results, runLevel(b, bin, filepath.Join(root, level), level, *writers, *duration, *rate))
	}
	fmt.Printf("\nmessage creates through REST, %d writers closed-loop and %.0f/s open-loop, %v each\n", *writers, *rate, *duration)
	fmt.Printf("%-8s | %12s %10s %10s | %12s %10s %10s\n", "sync", "closed: /s", "p50", "p99", "open: /s", "p50", "p99")
	for _, r := range results {
		fmt.Printf("%-8s | %12.0f %10v %10v | %12.0f %10v %10v\n", r.level, r.closedRate, r.closedP50.Round(100*time.Microsecond), r.closedP99.Round(100*time.Microsecond),
			r.openRate, r.openP50.Round(100*time.Microsecond), r.openP99.Round(100*time.Microsecond))
	}
	fmt.Printf("\nraw SQLite (same driver and pragmas, one INSERT per transaction, one connection, %v each)\n", *duration/2)
	fmt.Printf("%-8s | %12s %10s %10s\n", "sync", "commits/s", "p50", "p99")
	for _, level := range []string{"NORMAL", "FULL"} {
		r := raw[level]
		fmt.Printf("%-8s | %12.0f %10v %10v\n", level, r[0], time.Duration(r[1]).Round(time.Microsecond), time.Duration(r[2]).Round(time.Microsecond))
	}
	if len(results) == 2 && results[0].closedRate > 0 {
		fmt.Printf("FULL/NORMAL: throughput x%.2f, closed-loop p99 x%.2f, open-loop p99 x%.2f\n",
			results[1].closedRate/results[0].closedRate, float64(results[1].closedP99)/float64(results[0].closedP99), float64(results[1].openP99)/float64(results[0].openP99))
	}
}

type writer struct {
	c               *harness.Client
	author, channel string
}

func runLevel(b *tb, bin, dir, level string, nw int, d time.Duration, rate float64) result {
	env := []string{durability.SyncEnv + "=" + level}
	seed := harness.Start(b, bin, dir, harness.Options{Command: "demo", Env: env})
	var ws []writer
	for _, w := range []struct{ user, channel string }{
		{"abecker", "KS intern"}, {"tkeller", "POL intern"}, {"sbraun", "FW intern"},
		{"sroth", "KLM intern"}, {"mschneider", "SW intern"}, {"jwagner", "KS intern"},
	}[:max(1, min(nw, 6))] {
		c := harness.Login(b, seed.URL, w.user, demo.Password)
		ws = append(ws, writer{c, c.UserID(b), c.ChannelID(b, w.channel)})
	}
	seed.Stop(b)
	p := harness.Start(b, bin, dir, harness.Options{Env: env})
	defer p.Stop(b)
	for _, w := range ws {
		w.c.Base = p.URL
	}
	r := result{level: level}
	var seq atomic.Int64
	key := func() string { return fmt.Sprintf("bench-%s-%d", level, seq.Add(1)) }

	// Closed loop.
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	start := time.Now()
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				if !w.c.Post(w.channel, w.author, key()) {
					panic("a create failed")
				}
				mu.Lock()
				lat = append(lat, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.closedN = len(lat)
	r.closedRate = float64(len(lat)) / time.Since(start).Seconds()
	r.closedP50, r.closedP99 = pct(lat, 0.50), pct(lat, 0.99)

	// Open loop: creates scheduled every 1/rate s, latency from the scheduled moment.
	lat = lat[:0]
	interval := time.Duration(float64(time.Second) / rate)
	start = time.Now()
	n := int(d.Seconds() * rate)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		w := ws[i%len(ws)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !w.c.Post(w.channel, w.author, key()) {
				panic("a create failed")
			}
			mu.Lock()
			lat = append(lat, time.Since(at))
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.openN = len(lat)
	r.openRate = float64(len(lat)) / time.Since(start).Seconds()
	r.openP50, r.openP99 = pct(lat, 0.50), pct(lat, 0.99)
	fmt.Fprintf(os.Stderr, "%s: closed %d creates (%.0f/s, p99 %v); open %d at %.0f/s (p99 %v)\n", level, r.closedN, r.closedRate, r.closedP99, r.openN, rate, r.openP99)
	return r
}

// pct returns the q-quantile (0..1) of ds, nearest rank.
func pct(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// rawSQLite measures commits/s and the p50/p99 commit time (ns) of single-row transactions on
// a fresh database opened as the appliance opens its own (durability.Pragmas).
func rawSQLite(path, level string, d time.Duration) [3]float64 {
	db, err := sql.Open("sqlite", path+durability.Pragmas(level))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE m (id INTEGER PRIMARY KEY, body TEXT)"); err != nil {
		panic(err)
	}
	body := strings.Repeat("Lagemeldung ", 20)
	var lat []time.Duration
	end := time.Now().Add(d)
	start := time.Now()
	for time.Now().Before(end) {
		t0 := time.Now()
		if _, err := db.Exec("INSERT INTO m (body) VALUES (?)", body); err != nil {
			panic(err)
		}
		lat = append(lat, time.Since(t0))
	}
	return [3]float64{float64(len(lat)) / time.Since(start).Seconds(), float64(pct(lat, 0.5)), float64(pct(lat, 0.99))}
}
