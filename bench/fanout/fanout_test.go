package main

import (
	"bufio"
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runToy runs the benchmark with cfg (its data in a temporary folder, at most 3 minutes)
// and returns its report and what it printed, which the test's log shows too.
func runToy(t *testing.T, cfg config) (*report, string) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	cfg.Out = &out
	rep, err := run(ctx, cfg)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	return rep, out.String()
}

// The benchmark at toy scale: it must build and start the appliance, seed it, and get
// every message to every member of its channel and to nobody else, on every path (the
// appliance's own, PocketBase's stock, the bare ceiling), and REST creates must succeed
// against the appliance and plain PocketBase.
// Then the same over HTTPS (-tls): the realtime streams are HTTP/2 (dialSSE refuses any
// other protocol), against the appliance's own HTTPS listener and the bare server's.
// Timings are printed, never asserted.
func TestFanoutBenchDeliversEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole appliance")
	}
	dir := t.TempDir()
	rep, _ := runToy(t, config{Dir: dir,
		Clients: 20, Orgs: 4, Channels: 2, Idle: 50,
		Duration: time.Second, Rates: []float64{20}, Inflight: 8, Bound: time.Hour,
		Paths: []string{"fanout", "rest", "stock", "bare"}, RestParallel: 4, RestDuration: time.Second, IdleSubs: []string{"none", "stock", "fanout"},
	})
	if len(rep.Paths) != 3 {
		t.Fatalf("want 3 paths (fanout, stock, bare), got %d", len(rep.Paths))
	}
	if len(rep.Rest) != 2 {
		t.Fatalf("want REST create figures of crisisroom and plain PocketBase, got %d", len(rep.Rest))
	}
	for _, r := range rep.Rest {
		if r.Created == 0 || r.Failed != 0 {
			t.Errorf("rest %s: %d created, %d failed: %s", r.Server, r.Created, r.Failed, r.FirstError)
		}
	}
	checkPaths(t, rep)
	if rep.Unknown != 0 {
		t.Errorf("%d events without a key of this run", rep.Unknown)
	}
	if rep.Dropped != 0 {
		t.Errorf("the server closed %d connections during the load", rep.Dropped)
	}
	if len(rep.Idle) != 3 {
		t.Fatalf("want idle figures for none, stock and fanout subscriptions, got %d", len(rep.Idle))
	}
	for _, ir := range rep.Idle {
		if ir.Conns != 50 || ir.After <= 0 || ir.Dropped != 0 {
			t.Errorf("idle figure incomplete: %+v", ir)
		}
	}

	tlsRep, out := runToy(t, config{Bin: filepath.Join(dir, "crisisroom"),
		Clients: 20, Orgs: 4, Channels: 2, Duration: time.Second, Rates: []float64{20}, Inflight: 8, Bound: time.Hour,
		Paths: []string{"fanout", "bare"}, TLS: true,
	})
	if len(tlsRep.Paths) != 2 {
		t.Fatalf("over TLS: want 2 paths (fanout, bare), got %d", len(tlsRep.Paths))
	}
	checkPaths(t, tlsRep)
	if !strings.Contains(out, "Realtime streams: HTTP/2 over TLS") {
		t.Error("the report does not say the streams were HTTP/2 over TLS")
	}
	if tlsRep.Unknown != 0 || tlsRep.Dropped != 0 {
		t.Errorf("over TLS: %d events without a key of this run, %d connections closed", tlsRep.Unknown, tlsRep.Dropped)
	}
}

// checkPaths: every path of a toy run was measured, created every message, and delivered
// each to the 10 members of its channel and to nobody else.
func checkPaths(t *testing.T, rep *report) {
	t.Helper()
	for _, p := range rep.Paths {
		if !p.Available {
			t.Errorf("%s: not measured: %s", p.Path, p.Note)
			continue
		}
		if len(p.Steps) != 1 {
			t.Fatalf("%s: want 1 step, got %d", p.Path, len(p.Steps))
		}
		s := p.Steps[0]
		if s.Created != int64(s.Messages) || s.Failed != 0 {
			t.Errorf("%s: created %d of %d messages (%d failed: %s)", p.Path, s.Created, s.Messages, s.Failed, s.FirstError)
		}
		// 20 people in 2 channels: each message goes to the 10 members of its channel.
		if want := s.Created * 10; s.Expected != want || s.Deliveries != want || s.Delivered != s.Created {
			t.Errorf("%s: %d deliveries of %d expected (%d), %d of %d messages complete", p.Path, s.Deliveries, s.Expected, want, s.Delivered, s.Created)
		}
		if s.Foreign != 0 {
			t.Errorf("%s: %d messages reached people outside their channel", p.Path, s.Foreign)
		}
		if s.ServerRSS <= 0 {
			t.Errorf("%s: no server memory figure", p.Path)
		}
	}
}

// The load generator's SSE reader: several events in one write, a data line longer than
// its buffer, two data lines, and the end of the stream.
func TestEventReader(t *testing.T) {
	long := strings.Repeat("x", 100)
	in := "id:a\nevent:PB_CONNECT\ndata:{\"clientId\":\"a\"}\n\n" +
		"id:a\nevent:channels/1\ndata:" + long + "\n\nid:a\nevent:channels/1\ndata:eins\ndata:zwei\n\n"
	r := newEventReader(bufio.NewReaderSize(strings.NewReader(in), 16))
	want := []struct{ name, data string }{{"PB_CONNECT", `{"clientId":"a"}`}, {"channels/1", long}, {"channels/1", "eins\nzwei"}}
	for _, w := range want {
		name, data, err := r.next()
		if err != nil || name != w.name || string(data) != w.data {
			t.Fatalf("got %q %q %v, want %q %q", name, data, err, w.name, w.data)
		}
	}
	if _, _, err := r.next(); err == nil {
		t.Fatal("no error at the end of the stream")
	}
}
