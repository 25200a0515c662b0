// Command fanout measures how fast crisisroom delivers messages to the members of busy
// shared channels, through its own fan-out (subscriptions "channels/<id>") and through
// PocketBase's stock, rule-checked collection subscription ("messages"), on the same
// server with the same clients, and how much memory idle realtime connections cost.
//
// It builds the appliance, seeds a data dir (organisations, people, shared channels,
// auth tokens), runs the appliance as a child process on a loopback port, and prints a
// table. It stops by itself. See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"crisisroom/hooks/messaging"
)

var selfPID = os.Getpid()

type config struct {
	Clients, Orgs, Channels int
	Idle                    int // idle connections for the memory figure (0: skip)
	Duration                time.Duration
	Rates                   []float64
	Inflight                int
	Bound                   time.Duration // p99 delivery bound for "sustained"
	Paths                   []string      // "fanout", "stock"
	Bin                     string        // prebuilt appliance binary (empty: build one)
	Dir                     string        // work dir (empty: a temp dir, removed afterwards)
	CPUProfile              string        // serve in-process and write a CPU profile of the load here
	BlockProfile            string        // with CPUProfile: also where goroutines waited (mutexes, channels, I/O locks)
	IdleSubs                []string      // idle connections' subscription: "none", "stock", "fanout"
	IdleSettle              time.Duration // quiet time before the idle memory is read
	Busy                    float64       // other programs' CPU share (of one core) above which a missed rate is measured again
	Retries                 int           // how many such repeats a run may spend
	RestParallel            int           // closed-loop clients of the REST create path
	RestDuration            time.Duration // how long the REST create path runs per server
	MemProfile              string        // with CPUProfile: also an allocation profile
	Stalled                 int           // connections that never read, for a second fan-out run (stalled.go)
	TLS                     bool          // realtime streams over HTTPS with HTTP/2, each on a TLS connection of its own (tls.go)
	Out                     io.Writer
}

type pathReport struct {
	Path      string
	Available bool
	Note      string
	Steps     []stepResult
	Best      *stepResult // highest offered rate that passed
	Most      *stepResult // highest offered rate kept up with, whatever the latency
}

type idleReport struct {
	Settle                 time.Duration
	Conns                  int
	Subscription           string
	Before, After, PeakHWM int64
	Anon, File             int64 // After split: anonymous memory (heap, stacks) and mapped files (the binary)
	Dropped                int64
}

type report struct {
	Paths   []*pathReport
	Idle    []*idleReport
	Rest    []restReport
	Unknown int64 // events without a key of this run
	Dropped int64 // realtime connections the server closed during the load
}

func main() {
	var cfg config
	var rates, paths, idleSubs string
	flag.IntVar(&cfg.Clients, "clients", 1000, "people, each with one realtime connection")
	flag.IntVar(&cfg.Orgs, "orgs", 10, "organisations (tenants) the people belong to")
	flag.IntVar(&cfg.Channels, "channels", 10, "shared channels; each person is in one")
	flag.IntVar(&cfg.Idle, "idle", 5000, "idle connections for the memory figure (0 skips it)")
	flag.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long each offered rate is held")
	flag.StringVar(&rates, "rates", "1,2,5,10,20,50,100,150,200,300,400,500,600,800,1200,1600", "offered messages/s, tried in order (see README for when the climb stops)")
	flag.IntVar(&cfg.Inflight, "inflight", 32, "most create requests open at once")
	flag.DurationVar(&cfg.Bound, "p99", 100*time.Millisecond, "p99 delivery bound a rate must keep to count as sustained")
	flag.StringVar(&paths, "paths", "fanout,rest,stock,bare", "which paths to measure, in order: fanout, rest (REST creates against plain PocketBase), stock, bare (a minimal Go SSE server: the ceiling)")
	flag.IntVar(&cfg.RestParallel, "rest-parallel", 32, "closed-loop clients of the rest path")
	flag.DurationVar(&cfg.RestDuration, "rest-duration", 10*time.Second, "how long the rest path runs against each server")
	flag.BoolVar(&cfg.TLS, "tls", false, "open the realtime streams over HTTPS (HTTP/2, one TLS connection each, as browsers on the appliance's HTTPS address do) against the appliance and the bare server; creates and subscribes stay on plain HTTP")
	flag.IntVar(&cfg.Stalled, "stalled", 0, "after the fanout path, run it again with this many more connections on the first channel that subscribe and never read (0: no such run)")
	flag.StringVar(&cfg.MemProfile, "memprofile", "", "with -cpuprofile: also write an allocation profile of the load to this file")
	flag.StringVar(&cfg.Bin, "bin", "", "appliance binary to run (default: build the repository's)")
	flag.StringVar(&cfg.Dir, "dir", "", "work dir for binary, data and logs (default: a temp dir, removed afterwards)")
	flag.StringVar(&cfg.CPUProfile, "cpuprofile", "", "serve in-process and write a CPU profile of the load to this file (figures then mix server and load generator)")
	flag.StringVar(&cfg.BlockProfile, "blockprofile", "", "with -cpuprofile: also write a profile of where goroutines waited")
	flag.Float64Var(&cfg.Busy, "busy", 0.5, "other programs' CPU (share of one core) above which a rate that missed the bound is measured again")
	flag.IntVar(&cfg.Retries, "retries", 3, "how many such repeats one run may spend (0: none)")
	flag.DurationVar(&cfg.IdleSettle, "idle-settle", 3*time.Second, "quiet time before the idle connections' memory is read (Go collects garbage at the latest every 2 minutes)")
	flag.StringVar(&idleSubs, "idle-subs", "none,stock,fanout", "what each idle connection subscribes to, one fresh server per entry: none, stock (messages) or fanout (channels/<id>)")
	flag.Parse()
	for _, s := range strings.Split(rates, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v <= 0 {
			fmt.Fprintf(os.Stderr, "bad rate %q\n", s)
			os.Exit(2)
		}
		cfg.Rates = append(cfg.Rates, v)
	}
	cfg.Paths = splitList(paths)
	cfg.IdleSubs = splitList(idleSubs)
	cfg.Out = os.Stdout

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "fanout:", err)
		os.Exit(1)
	}
}

func logf(cfg config, format string, args ...any) {
	fmt.Fprintf(cfg.Out, "# "+format+"\n", args...)
}

func run(ctx context.Context, cfg config) (*report, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	began := time.Now()
	work := cfg.Dir
	if work == "" {
		d, err := os.MkdirTemp("", "crisisroom-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		work = d
	}
	dataDir := filepath.Join(work, "data")
	if err := os.RemoveAll(dataDir); err != nil {
		return nil, err
	}
	limit, err := raiseFileLimit()
	if err != nil {
		return nil, fmt.Errorf("failed to raise the open-file limit: %w", err)
	}
	if need := uint64(2*max(cfg.Clients, cfg.Idle) + 256); limit < need {
		logf(cfg, "warning: open-file limit %d is below the %d this run needs", limit, need)
	}

	bin := cfg.Bin
	if bin == "" && cfg.CPUProfile == "" { // a profile run serves in-process and skips the idle figures
		bin = filepath.Join(work, "crisisroom")
		t := time.Now()
		if err := buildServer(ctx, bin); err != nil {
			return nil, err
		}
		logf(cfg, "built the appliance in %.1f s", time.Since(t).Seconds())
	}
	t := time.Now()
	sd, err := seed(dataDir, cfg.Clients, cfg.Orgs, cfg.Channels)
	if err != nil {
		return nil, err
	}
	logf(cfg, "seeded %d people in %d organisations, %d shared channels of ~%d in %.1f s",
		cfg.Clients, cfg.Orgs, cfg.Channels, cfg.Clients/cfg.Channels, time.Since(t).Seconds())

	var srv *server
	if cfg.CPUProfile != "" {
		srv, err = startInProcess(ctx, dataDir, cfg.TLS)
	} else {
		srv, err = startServer(ctx, bin, dataDir, filepath.Join(work, "server.log"), cfg.TLS)
	}
	if err != nil {
		return nil, err
	}
	rep := &report{}
	tr := &tracker{}
	sseClient := streamClients(cfg.TLS)
	sendTransport := newTransport(cfg.Inflight + 16)
	e := &env{base: srv.URL, send: &http.Client{Transport: sendTransport, Timeout: 60 * time.Second},
		users: sd.Users, members: sd.Members, channels: sd.Channels, inflight: cfg.Inflight,
		serverPID: srv.pid(), tr: tr, retries: &cfg.Retries}

	idleRSS, _, _ := procMem(srv.pid())
	var dropped atomic.Int64
	t = time.Now()
	conns, err := openConns(ctx, sseClient, srv.streams(), sd.Users, len(sd.Users), tr, &dropped)
	if err != nil {
		srv.stop()
		return nil, err
	}
	rss, _, _ := procMem(srv.pid())
	logf(cfg, "opened %d realtime connections in %.1f s; server RSS %s before, %s after",
		len(conns), time.Since(t).Seconds(), mb(idleRSS), mb(rss))

	// Warm up before any profile starts: the profiles show the room talking, not its
	// first message per person.
	if hasAppliancePath(cfg.Paths) {
		t := time.Now()
		if err := warmUp(ctx, e); err != nil {
			srv.stop()
			return nil, err
		}
		logf(cfg, "warm-up: every person sent one message, in %.1f s", time.Since(t).Seconds())
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			srv.stop()
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			srv.stop()
			return nil, err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
			logf(cfg, "CPU profile written to %s", cfg.CPUProfile)
		}()
		if cfg.MemProfile != "" {
			runtime.MemProfileRate = 64 << 10
			defer func() {
				if err := writeProfile("allocs", cfg.MemProfile); err != nil {
					logf(cfg, "allocation profile: %v", err)
				}
			}()
		}
		if cfg.BlockProfile != "" {
			runtime.SetBlockProfileRate(int(10 * time.Microsecond))
			defer func() {
				if err := writeProfile("block", cfg.BlockProfile); err != nil {
					logf(cfg, "block profile: %v", err)
				}
				runtime.SetBlockProfileRate(0)
			}()
		}
	}
	subscribed := false // whether a path before subscribed the connections
	for _, p := range cfg.Paths {
		switch p {
		case "bare":
			continue // after the appliance has stopped: below
		case "rest":
			rep.Rest = append(rep.Rest, runRest(ctx, cfg, e, work, subscribed)...)
			continue
		}
		subscribed = true
		pr := runPath(ctx, cfg, e, conns, p)
		rep.Paths = append(rep.Paths, pr)
		if p == "fanout" && cfg.Stalled > 0 && pr.Available && ctx.Err() == nil {
			rep.Paths = append(rep.Paths, runStalled(ctx, cfg, e, conns, pr))
		}
		if ctx.Err() != nil {
			break
		}
	}
	for _, c := range conns {
		c.close()
	}
	srv.stop()
	sendTransport.CloseIdleConnections()
	for _, p := range cfg.Paths {
		if p == "bare" && ctx.Err() == nil && cfg.CPUProfile == "" {
			rep.Paths = append(rep.Paths, runBare(ctx, cfg, e, work, &dropped))
		}
	}
	rep.Unknown = tr.unknown.Load()
	rep.Dropped = dropped.Load()

	for _, sub := range cfg.IdleSubs {
		if cfg.Idle <= 0 || ctx.Err() != nil || cfg.CPUProfile != "" {
			break
		}
		sub = strings.TrimSpace(sub)
		if sub == "fanout" && fanoutMissing(rep) {
			continue
		}
		ir, err := runIdle(ctx, cfg, bin, dataDir, filepath.Join(work, "server.log"), sd, sub)
		if err != nil {
			return rep, err
		}
		rep.Idle = append(rep.Idle, ir)
	}
	printReport(cfg, rep)
	logf(cfg, "whole run %.0f s", time.Since(began).Seconds())
	return rep, ctx.Err()
}

// openConns opens n realtime connections, person i%len(users) on connection i.
//
// hc gives each connection its client: one shared client for HTTP/1.1 (a connection per
// stream anyway), a client of its own per connection over TLS (streamClients).
func openConns(ctx context.Context, hc func() *http.Client, base string, users []benchUser, n int, tr *tracker, dropped *atomic.Int64) ([]*sseConn, error) {
	conns := make([]*sseConn, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			u := &users[i%len(users)]
			var deliver deliverFunc
			if tr != nil {
				deliver = tr.deliverTo(u)
			}
			conns[i], errs[i] = dialSSE(ctx, hc(), base, u, deliver, dropped)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, c := range conns {
			if c != nil {
				c.close()
			}
		}
		return nil, fmt.Errorf("failed to open realtime connections: %w", err)
	}
	return conns, nil
}

func hasAppliancePath(paths []string) bool {
	for _, p := range paths {
		if p != "bare" {
			return true
		}
	}
	return false
}

// runBare climbs the same ladder against the bare SSE server (bare.go) with as many fresh
// connections of the same people.
func runBare(ctx context.Context, cfg config, e *env, work string, dropped *atomic.Int64) *pathReport {
	args := []string{"bare"}
	var tlsAddr string
	if cfg.TLS {
		port, err := freePort()
		if err != nil {
			return &pathReport{Path: "bare", Note: err.Error()}
		}
		tlsAddr = fmt.Sprintf("127.0.0.1:%d", port)
		args = append(args, "tls="+tlsAddr)
	}
	srv, err := startChild(ctx, args, filepath.Join(work, "bare.log"))
	if err != nil {
		return &pathReport{Path: "bare", Note: err.Error()}
	}
	defer srv.stop()
	if tlsAddr != "" {
		srv.StreamURL = "https://" + tlsAddr
		if err := waitHealthy(ctx, srv.StreamURL, srv.out); err != nil {
			return &pathReport{Path: "bare", Note: "its HTTPS listener: " + err.Error()}
		}
	}
	conns, err := openConns(ctx, streamClients(cfg.TLS), srv.streams(), e.users, len(e.users), e.tr, dropped)
	if err != nil {
		return &pathReport{Path: "bare", Note: err.Error()}
	}
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()
	be := *e
	be.base, be.serverPID = srv.URL, srv.pid()
	return runPath(ctx, cfg, &be, conns, "bare")
}

func subscriptionOf(path string, u *benchUser) []string {
	if path == "stock" {
		return []string{"messages"}
	}
	return []string{"channels/" + u.Channel}
}

func subscribeAll(ctx context.Context, hc *http.Client, base string, conns []*sseConn, path string) error {
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i, c := range conns {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = subscribe(ctx, hc, base, c, subscriptionOf(path, c.user))
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// runPath subscribes every connection the path's way, checks with one message per
// channel that deliveries arrive at all, then climbs the rate ladder.
func runPath(ctx context.Context, cfg config, e *env, conns []*sseConn, path string) *pathReport {
	pr := &pathReport{Path: path}
	if path != "fanout" && path != "stock" && path != "bare" {
		pr.Note = "unknown path"
		return pr
	}
	t := time.Now()
	if err := subscribeAll(ctx, e.send, e.base, conns, path); err != nil {
		pr.Note = "subscribing failed: " + firstLine(err.Error())
		logf(cfg, "%s: %s", path, pr.Note)
		return pr
	}
	logf(cfg, "%s: %d connections subscribed in %.1f s", path, len(conns), time.Since(t).Seconds())

	probe := runStep(ctx, e, float64(len(e.channels)), len(e.channels), time.Hour)
	if probe.Deliveries == 0 {
		pr.Note = fmt.Sprintf("no deliveries at all (%d/%d messages created; %s)", probe.Created, probe.Messages, firstLine(probe.FirstError))
		logf(cfg, "%s: %s", path, pr.Note)
		return pr
	}
	if probe.Deliveries != probe.Expected || probe.Foreign > 0 {
		pr.Note = fmt.Sprintf("probe incomplete: %d of %d deliveries, %d foreign", probe.Deliveries, probe.Expected, probe.Foreign)
		logf(cfg, "%s: %s", path, pr.Note)
	}
	pr.Available = true

	tryRate := func(rate float64) stepResult {
		n := int(math.Round(rate * cfg.Duration.Seconds()))
		r := runStep(ctx, e, rate, max(n, 1), cfg.Bound)
		r.Path = path
		pr.Steps = append(pr.Steps, r)
		logf(cfg, "%s %6.0f/s offered: created %7.1f/s (p99 %s), delivered %7.1f msg/s, %8.0f deliveries/s, p50 %s p99 %s, RSS %s, CPU server %3.0f%% (%.2f ms/msg) bench %3.0f%% other %3.0f%% %s",
			path, rate, r.CreatedPerSec, ms(r.CreateP99), r.DeliveredPerSec, r.DeliveriesPerSec, ms(r.P50), ms(r.P99), mb(r.ServerRSS),
			100*r.ServerCPU, cpuPerMessage(r.ServerCPU, r.CreatedPerSec), 100*r.BenchCPU, 100*r.OtherCPU, passWord(r))
		return r
	}
	// Climb until the server no longer keeps up: higher rates would only queue. Rates
	// that keep up but miss the bound are measured too, so that both the sustained rate
	// and the most the path keeps up with are known.
	//
	// On a shared machine other programs can starve the appliance for a moment. A rate
	// that misses the bound right after a rate that passed, while other programs took
	// more than -busy of the CPU, is measured again once the machine is quieter (at most
	// -retries times per run); every attempt stays in the table.
	lastPassed := false
	for _, rate := range cfg.Rates {
		if ctx.Err() != nil {
			break
		}
		r := tryRate(rate)
		for !r.Pass && lastPassed && r.OtherCPU > cfg.Busy && *e.retries > 0 && ctx.Err() == nil {
			*e.retries--
			pr.Steps[len(pr.Steps)-1].Disturbed = true
			logf(cfg, "%s %.0f/s: other programs used %.0f%% CPU meanwhile; measuring again when the machine is quieter", path, rate, 100*r.OtherCPU)
			waitQuiet(ctx, e.serverPID, cfg.Busy, 20*time.Second)
			r = tryRate(rate)
		}
		lastPassed = r.Pass
		if !keepsUp(r) {
			break
		}
	}
	for i := range pr.Steps {
		if s := &pr.Steps[i]; s.Pass && (pr.Best == nil || s.Offered > pr.Best.Offered) {
			pr.Best = s
		}
		if s := &pr.Steps[i]; keepsUp(*s) && (pr.Most == nil || s.Offered > pr.Most.Offered) {
			pr.Most = s
		}
	}
	return pr
}

// fanoutMissing: the load found no fan-out in this appliance.
func fanoutMissing(rep *report) bool {
	for _, p := range rep.Paths {
		if p.Path == "fanout" {
			return !p.Available
		}
	}
	return false
}

// runIdle measures a fresh appliance's memory before and after opening many realtime
// connections that then sit still, the way browser tabs in a crisis room do most of the
// time. sub says what each subscribes to: nothing, "messages", or its channel.
func runIdle(ctx context.Context, cfg config, bin, dataDir, logPath string, sd *seeded, sub string) (*idleReport, error) {
	srv, err := startServer(ctx, bin, dataDir, logPath, false)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ir := &idleReport{Conns: cfg.Idle, Subscription: "none"}
	switch sub {
	case "stock":
		ir.Subscription = "messages"
	case "fanout":
		ir.Subscription = "channels/<id>"
	case "none":
	default:
		return nil, fmt.Errorf("unknown idle subscription %q (none, stock, fanout)", sub)
	}
	time.Sleep(time.Second) // let the fresh process finish its start-up work
	ir.Before, _, _ = procMem(srv.pid())
	hc := streamClients(false)
	post := &http.Client{Transport: newTransport(64), Timeout: 60 * time.Second}
	defer post.CloseIdleConnections()
	var dropped atomic.Int64
	t := time.Now()
	conns, err := openConns(ctx, hc, srv.URL, sd.Users, cfg.Idle, nil, &dropped)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()
	if sub != "none" {
		if err := subscribeAll(ctx, post, srv.URL, conns, sub); err != nil {
			return nil, fmt.Errorf("idle connections: %w", err)
		}
	}
	post.CloseIdleConnections()
	logf(cfg, "idle (%s): %d connections opened in %.1f s", ir.Subscription, len(conns), time.Since(t).Seconds())
	settle := cfg.IdleSettle
	if settle <= 0 {
		settle = 3 * time.Second
	}
	select { // idle means idle: let the server settle
	case <-time.After(settle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	ir.After, ir.PeakHWM, _ = procMem(srv.pid())
	ir.Anon, ir.File = procRSSParts(srv.pid())
	ir.Settle = settle
	ir.Dropped = dropped.Load()
	return ir, nil
}

func printReport(cfg config, rep *report) {
	w := cfg.Out
	fmt.Fprintf(w, "\nFan-out benchmark: %d clients (one realtime connection each), %d organisations, %d shared channels of ~%d members; %s per rate; p99 bound %s; at most %d creates in flight\n\n",
		cfg.Clients, cfg.Orgs, cfg.Channels, cfg.Clients/cfg.Channels, cfg.Duration, ms(cfg.Bound), cfg.Inflight)
	pace, set := os.LookupEnv(messaging.PaceEnv)
	if !set {
		pace = "unset"
	}
	streams := "HTTP/1.1 over plain TCP (one connection each)"
	if cfg.TLS {
		streams = "HTTP/2 over TLS (one TLS connection each, as a browser on the HTTPS address); creates and subscribes over plain HTTP"
	}
	fmt.Fprintf(w, "Realtime streams: %s\n", streams)
	fmt.Fprintf(w, "The appliance's delivery pace of busy channels: %s=%s (default %s; 0: every event written alone, as the bare server does)\n\n", messaging.PaceEnv, pace, messaging.DefaultPace)
	if len(rep.Paths) > 0 {
		printTable(w, rep)
	}
	var fan, stock, bare *pathReport
	for _, p := range rep.Paths {
		if !p.Available {
			fmt.Fprintf(w, "%s: not measured: %s\n", p.Path, p.Note)
		}
		switch p.Path {
		case "fanout":
			fan = p
		case "stock":
			stock = p
		case "bare":
			bare = p
		}
	}
	for _, p := range rep.Paths {
		if !p.Available {
			continue
		}
		if p.Best != nil {
			fmt.Fprintf(w, "%s: sustained %.0f messages/s (created %.1f/s, p99 %s)", p.Path, p.Best.Offered, p.Best.CreatedPerSec, ms(p.Best.P99))
		} else {
			b := bestEffort(p)
			fmt.Fprintf(w, "%s: no rate kept p99 under %s; best was %.1f created/s (offered %.0f, p99 %s)", p.Path, ms(cfg.Bound), b.CreatedPerSec, b.Offered, ms(b.P99))
		}
		if p.Most != nil {
			fmt.Fprintf(w, "; kept up with up to %.0f/s (p99 %s)", p.Most.Offered, ms(p.Most.P99))
		}
		fmt.Fprintln(w)
	}
	if fan != nil && stock != nil && fan.Available && stock.Available {
		switch {
		case fan.Best != nil && stock.Best != nil:
			fmt.Fprintf(w, "ratio fan-out/stock at p99 <= %s: %.1fx\n", ms(cfg.Bound), fan.Best.Offered/stock.Best.Offered)
		case fan.Best != nil:
			b := bestEffort(stock)
			fmt.Fprintf(w, "ratio fan-out/stock: stock never kept p99 under %s; against its best created rate (%.1f/s, p99 %s): %.1fx\n",
				ms(cfg.Bound), b.CreatedPerSec, ms(b.P99), fan.Best.Offered/b.CreatedPerSec)
		default:
			fmt.Fprintf(w, "ratio fan-out/stock: fan-out never kept p99 under %s\n", ms(cfg.Bound))
		}
		if fan.Most != nil {
			b := bestEffort(stock)
			fmt.Fprintf(w, "ratio fan-out/stock of the most each kept up with, whatever the latency: %.0f/s against %.1f created/s: %.1fx\n",
				fan.Most.Offered, b.CreatedPerSec, fan.Most.Offered/b.CreatedPerSec)
		}
	}
	if fan != nil && bare != nil && fan.Available && bare.Available {
		fb, bb := 0.0, 0.0
		if fan.Best != nil {
			fb = fan.Best.Offered
		}
		if bare.Best != nil {
			bb = bare.Best.Offered
		}
		if bb > 0 {
			fmt.Fprintf(w, "share of the bare ceiling at p99 <= %s: crisisroom %.0f/s of bare %.0f/s = %.2f", ms(cfg.Bound), fb, bb, fb/bb)
			if bare.Best.Offered >= cfg.Rates[len(cfg.Rates)-1] {
				fmt.Fprintf(w, " (bare passed the highest rate offered: its ceiling is higher, the share lower)")
			}
			fmt.Fprintln(w)
		}
		if fan.Most != nil && bare.Most != nil {
			fmt.Fprintf(w, "share of the bare ceiling, the most each kept up with: %.0f/s of %.0f/s = %.2f\n", fan.Most.Offered, bare.Most.Offered, fan.Most.Offered/bare.Most.Offered)
		}
	}
	for _, r := range rep.Rest {
		fmt.Fprintf(w, "rest creates, %d clients closed-loop: %s (%s): %.0f/s, p50 %s p99 %s, server CPU %.0f%% (%.2f ms per create), bench CPU %.0f%%, other CPU %.0f%%, %d failed %s\n",
			r.Parallel, r.Server, r.What, r.PerSec, ms(r.P50), ms(r.P99), 100*r.ServerCPU, cpuPerMessage(r.ServerCPU, r.PerSec), 100*r.BenchCPU, 100*r.OtherCPU, r.Failed, firstLine(r.FirstError))
	}
	if len(rep.Rest) == 2 && rep.Rest[1].PerSec > 0 {
		fmt.Fprintf(w, "ratio rest creates crisisroom/plain PocketBase: %.2f\n", rep.Rest[0].PerSec/rep.Rest[1].PerSec)
	}
	if last := lastRSS(rep); last > 0 {
		fmt.Fprintf(w, "server RSS after the load: %s\n", mb(last))
	}
	for _, ir := range rep.Idle {
		fmt.Fprintf(w, "idle: %d connections, subscribed to %s: server RSS %s before, %s after %s (+%s, %.1f KB per connection; anonymous %s, files %s), peak %s; %d dropped\n",
			ir.Conns, ir.Subscription, mb(ir.Before), mb(ir.After), ir.Settle, mb(ir.After-ir.Before),
			float64(ir.After-ir.Before)/1024/float64(ir.Conns), mb(ir.Anon), mb(ir.File), mb(ir.PeakHWM), ir.Dropped)
	}
	if rep.Dropped > 0 {
		fmt.Fprintf(w, "warning: the server closed %d realtime connections during the load\n", rep.Dropped)
	}
	if rep.Unknown > 0 {
		fmt.Fprintf(w, "warning: %d events carried no key of this run\n", rep.Unknown)
	}
}

func bestEffort(p *pathReport) stepResult {
	var b stepResult
	for _, s := range p.Steps {
		if s.CreatedPerSec > b.CreatedPerSec {
			b = s
		}
	}
	return b
}

func lastRSS(rep *report) int64 {
	var v int64
	for _, p := range rep.Paths {
		if p.Path == "bare" {
			continue
		}
		for _, s := range p.Steps {
			v = s.ServerRSS
		}
	}
	return v
}

func passWord(s stepResult) string {
	switch {
	case s.Pass:
		return "yes"
	case s.Disturbed:
		return "no (busy box, repeated)"
	}
	return "no"
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.0fms", float64(d)/float64(time.Millisecond))
}

func mb(b int64) string { return fmt.Sprintf("%.0fMB", float64(b)/(1<<20)) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup(name).WriteTo(f, 0)
}

// splitList splits a comma-separated flag value, dropping empty entries.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cpuPerMessage is the server's CPU time per created message in milliseconds: its CPU
// share of one core divided by the messages created per second. The figure other programs
// on the machine disturb least (they slow the server down, they do not add to its CPU).
func cpuPerMessage(cpuShare, perSec float64) float64 {
	if perSec <= 0 {
		return 0
	}
	return 1000 * cpuShare / perSec
}

func printTable(w io.Writer, rep *report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\toffered/s\tcreated/s\tdelivered msg/s\tdeliveries/s\tcomplete\tcreate p50\tcreate p99\tp50\tp99\tmax\tserver RSS\tserver CPU\tCPU/msg\tbench CPU\tother CPU\terrors\tp99 ok\t")
	for _, p := range rep.Paths {
		if !p.Available {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t\n", p.Path)
			continue
		}
		for _, s := range p.Steps {
			complete := "-"
			if s.Expected > 0 {
				complete = fmt.Sprintf("%.2f%%", 100*float64(s.Deliveries)/float64(s.Expected))
			}
			fmt.Fprintf(tw, "%s\t%.0f\t%.1f\t%.1f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f%%\t%.2f ms\t%.0f%%\t%.0f%%\t%d\t%s\t\n",
				s.Path, s.Offered, s.CreatedPerSec, s.DeliveredPerSec, s.DeliveriesPerSec, complete,
				ms(s.CreateP50), ms(s.CreateP99), ms(s.P50), ms(s.P99), ms(s.Max), mb(s.ServerRSS), 100*s.ServerCPU, cpuPerMessage(s.ServerCPU, s.CreatedPerSec), 100*s.BenchCPU, 100*s.OtherCPU, s.Failed+s.Foreign, passWord(s))
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// warmUp has every person send one message before anything is measured, while no
// connection subscribes yet: whatever the appliance caches on a person's first message
// is then warm, as in a room that has been talking for a while.
func warmUp(ctx context.Context, e *env) error {
	errs := make([]error, len(e.users))
	var wg sync.WaitGroup
	sem := make(chan struct{}, min(e.inflight, 16))
	for i := range e.users {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = postMessage(ctx, e.send, e.base, &e.users[i], "Funkprobe", "w"+strconv.Itoa(i))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("warm-up: %w", firstErr(errs))
	}
	return nil
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// waitQuiet waits until, over one second, programs other than this one and the appliance
// used at most busy of one core, or until limit has passed.
func waitQuiet(ctx context.Context, serverPID int, busy float64, limit time.Duration) {
	for end := time.Now().Add(limit); time.Now().Before(end) && ctx.Err() == nil; {
		m0, s0, b0 := machineBusy(), procCPU(serverPID), procCPU(selfPID)
		time.Sleep(time.Second)
		other := (machineBusy() - m0 - (procCPU(serverPID) - s0) - (procCPU(selfPID) - b0)).Seconds()
		if other <= busy {
			return
		}
	}
}
