package main

import (
	"strings"
	"testing"
	"time"
)

// -stalled at toy scale: the second fan-out run with connections that never read still
// gets every message to every reader of its channel and to nobody else, and the line
// comparing the readers' p99 with and without them is printed. Timings are printed,
// never asserted.
func TestFanoutBenchStalled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole appliance")
	}
	rep, out := runToy(t, config{
		Clients: 20, Orgs: 4, Channels: 2, Stalled: 10,
		Duration: time.Second, Rates: []float64{20}, Inflight: 8, Bound: time.Hour,
		Paths: []string{"fanout"},
	})
	if len(rep.Paths) != 2 || rep.Paths[1].Path != "fanout+10 stalled" {
		t.Fatalf("want the fanout path and the one with stalled connections, got %d", len(rep.Paths))
	}
	for _, p := range rep.Paths {
		if !p.Available || len(p.Steps) == 0 {
			t.Fatalf("%s: not measured: %s", p.Path, p.Note)
		}
		for _, s := range p.Steps {
			if s.Created != int64(s.Messages) || s.Delivered != s.Created || s.Foreign > 0 {
				t.Errorf("%s: %d of %d created, %d complete, %d foreign", p.Path, s.Created, s.Messages, s.Delivered, s.Foreign)
			}
		}
	}
	if !strings.Contains(out, "readers' p99 at 20/s") {
		t.Error("no comparison line")
	}
}
