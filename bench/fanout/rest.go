package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// restReport is the closed-loop create rate of one server: `parallel` clients, each
// sending its next create as soon as the last one was answered, for a fixed time.
type restReport struct {
	Server              string // "crisisroom" or "plain PocketBase"
	What                string
	Parallel            int
	Created, Failed     int64
	PerSec              float64
	P50, P99            time.Duration
	ServerCPU, BenchCPU float64
	OtherCPU            float64
	FirstError          string
}

// creator is what one closed-loop client sends: its collection's create body and token.
type creator struct {
	token string
	body  func(seq int) map[string]string
}

func runCreates(ctx context.Context, hc *http.Client, base, collection string, pid int, creators []creator, parallel int, d time.Duration) restReport {
	r := restReport{Parallel: parallel}
	var created, failed atomic.Int64
	var lat hist
	var firstErr atomic.Pointer[string]
	srv0, bench0, busy0 := procCPU(pid), procCPU(selfPID), machineBusy()
	start := time.Now()
	end := start.Add(d)
	var wg sync.WaitGroup
	for w := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := creators[w%len(creators)]
			for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
				b, _ := json.Marshal(c.body(w*1_000_000 + i))
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/collections/"+collection+"/records", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", c.token)
				t := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("HTTP %d %s", resp.StatusCode, firstLine(string(msg)))
					}
				}
				lat.add(time.Since(t))
				if err != nil {
					failed.Add(1)
					s := err.Error()
					firstErr.CompareAndSwap(nil, &s)
					continue
				}
				created.Add(1)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	r.Created, r.Failed = created.Load(), failed.Load()
	r.PerSec = float64(r.Created) / wall
	r.P50, r.P99 = lat.quantile(0.5), lat.quantile(0.99)
	r.ServerCPU = (procCPU(pid) - srv0).Seconds() / wall
	r.BenchCPU = (procCPU(selfPID) - bench0).Seconds() / wall
	r.OtherCPU = max(0, (machineBusy()-busy0).Seconds()/wall-r.ServerCPU-r.BenchCPU)
	if p := firstErr.Load(); p != nil {
		r.FirstError = *p
	}
	return r
}

// runRest measures message creates through the appliance (every hook; when a path before
// subscribed the connections to their channels, each create is also fanned out; with
// `-paths rest` alone the connections are open but follow nothing) and, right after, note
// creates through plain PocketBase on a collection without hooks.
func runRest(ctx context.Context, cfg config, e *env, work string, subscribed bool) []restReport {
	var out []restReport
	creators := make([]creator, 0, cfg.RestParallel)
	for i := range cfg.RestParallel {
		u := &e.users[(i*7919)%len(e.users)] // spread over channels and organisations
		creators = append(creators, creator{token: u.Token, body: func(seq int) map[string]string {
			return map[string]string{"channel": u.Channel, "author": u.ID, "body": "Lagemeldung " + strconv.Itoa(seq) + ": Pegel 7,85 m, steigend.", "client_key": "r" + strconv.Itoa(seq)}
		}})
	}
	hc := &http.Client{Transport: newTransport(cfg.RestParallel + 8), Timeout: 60 * time.Second}
	defer hc.CloseIdleConnections()
	r := runCreates(ctx, hc, e.base, "messages", e.serverPID, creators, cfg.RestParallel, cfg.RestDuration)
	r.Server, r.What = "crisisroom", "messages, every hook, fan-out to ~"+strconv.Itoa(len(e.users)/max(1, len(e.channels)))+" subscribers"
	if !subscribed {
		r.What = "messages, every hook, no subscribers"
	}
	out = append(out, r)
	logf(cfg, "rest: crisisroom %.0f creates/s (p99 %s, %d failed %s)", r.PerSec, ms(r.P99), r.Failed, firstLine(r.FirstError))

	dir := work + "/plain"
	userID, token, err := plainSeed(dir)
	if err != nil {
		logf(cfg, "rest: plain PocketBase not seeded: %v", err)
		return out
	}
	srv, err := startChild(ctx, []string{"plain", dir}, work+"/plain.log")
	if err != nil {
		logf(cfg, "rest: plain PocketBase not started: %v", err)
		return out
	}
	defer srv.stop()
	pc := creator{token: token, body: func(seq int) map[string]string {
		return map[string]string{"channel": "lage", "author": userID, "body": "Lagemeldung " + strconv.Itoa(seq) + ": Pegel 7,85 m, steigend.", "client_key": "r" + strconv.Itoa(seq)}
	}}
	p := runCreates(ctx, hc, srv.URL, "notes", srv.pid(), []creator{pc}, cfg.RestParallel, cfg.RestDuration)
	p.Server, p.What = "plain PocketBase", "notes, no hooks, no subscribers"
	out = append(out, p)
	logf(cfg, "rest: plain PocketBase %.0f creates/s (p99 %s, %d failed %s)", p.PerSec, ms(p.P99), p.Failed, firstLine(p.FirstError))
	return out
}
