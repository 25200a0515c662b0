package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// hist is a log-bucketed latency histogram (2 % wide buckets) that many goroutines
// add to at once.
type hist struct {
	b [histBuckets]atomic.Int64
}

const (
	histBuckets = 1100 // 1.02^1100 µs is far beyond any step
	histBase    = 1.02
)

var invLogBase = 1 / math.Log(histBase)

func (h *hist) add(d time.Duration) {
	us := d.Microseconds()
	if us < 1 {
		us = 1
	}
	i := int(math.Log(float64(us)) * invLogBase)
	if i >= histBuckets {
		i = histBuckets - 1
	}
	h.b[i].Add(1)
}

// quantile returns the upper edge of the bucket holding the q-th value (0 when empty).
func (h *hist) quantile(q float64) time.Duration {
	var total int64
	for i := range h.b {
		total += h.b[i].Load()
	}
	if total == 0 {
		return 0
	}
	target := int64(math.Ceil(q * float64(total)))
	var cum int64
	for i := range h.b {
		cum += h.b[i].Load()
		if cum >= target {
			return time.Duration(math.Pow(histBase, float64(i+1))) * time.Microsecond
		}
	}
	return 0
}

// step is one fixed offered rate held for a while. Every message carries its step,
// sequence number and scheduled send time in its client_key, so a delivery can be
// attributed without any shared lookup.
type step struct {
	id         int
	rate       float64
	n          int
	expected   []int32        // recipients per message (0 until created)
	got        []atomic.Int32 // deliveries per message
	hist       hist           // delivery latency
	createHist hist           // create answer latency, from the same scheduled time
	start      time.Time

	created, failed, deliveries, foreign atomic.Int64
	lastDelivery                         atomic.Int64 // unix nanoseconds
	firstErr                             atomic.Pointer[string]
}

// tracker routes deliveries to their step.
type tracker struct {
	steps    [256]atomic.Pointer[step]
	unknown  atomic.Int64 // events without a key of this run (should stay 0)
	next     int
	stepLock sync.Mutex
}

func (tr *tracker) newStep(rate float64, n int) *step {
	tr.stepLock.Lock()
	defer tr.stepLock.Unlock()
	id := tr.next % len(tr.steps)
	tr.next++
	st := &step{id: id, rate: rate, n: n, expected: make([]int32, n), got: make([]atomic.Int32, n)}
	tr.steps[id].Store(st)
	return st
}

func clientKey(stepID, seq int, due time.Time) string {
	return "b" + strconv.Itoa(stepID) + "_" + strconv.Itoa(seq) + "_" + strconv.FormatInt(due.UnixMicro(), 10)
}

// deliverTo returns the event handler of one connection. A record of another channel
// than the user's counts as foreign: it would be a leak between channels.
func (tr *tracker) deliverTo(u *benchUser) deliverFunc {
	channelField := []byte(`"channel":"` + u.Channel + `"`)
	return func(name string, data []byte, at time.Time) {
		key, err := clientKeyOf(data)
		if err == nil && len(key) > 0 && (key[0] == 'w' || key[0] == 'r') {
			return // a warm-up message still on its way when the subscriptions began, or one of the rest path's
		}
		if err != nil || len(key) < 2 || key[0] != 'b' {
			tr.unknown.Add(1)
			return
		}
		parts := bytes.SplitN(key[1:], []byte("_"), 3)
		if len(parts) != 3 {
			tr.unknown.Add(1)
			return
		}
		id, err1 := strconv.Atoi(string(parts[0]))
		seq, err2 := strconv.Atoi(string(parts[1]))
		sent, err3 := strconv.ParseInt(string(parts[2]), 10, 64)
		if err1 != nil || err2 != nil || err3 != nil || id < 0 || id >= len(tr.steps) {
			tr.unknown.Add(1)
			return
		}
		st := tr.steps[id].Load()
		if st == nil || seq < 0 || seq >= st.n {
			tr.unknown.Add(1)
			return
		}
		if !bytes.Contains(data, channelField) {
			st.foreign.Add(1)
			return
		}
		st.got[seq].Add(1)
		st.deliveries.Add(1)
		st.hist.add(at.Sub(time.UnixMicro(sent)))
		ns := at.UnixNano()
		for {
			old := st.lastDelivery.Load()
			if ns <= old || st.lastDelivery.CompareAndSwap(old, ns) {
				break
			}
		}
	}
}

// stepResult is one row of the table.
type stepResult struct {
	Path                 string
	Offered              float64 // messages/s asked for
	Messages             int     // scheduled
	Created, Failed      int64
	CreatedPerSec        float64
	Delivered            int64 // messages that reached every recipient
	DeliveredPerSec      float64
	Deliveries, Expected int64
	DeliveriesPerSec     float64
	Foreign              int64
	P50, P99, Max        time.Duration
	CreateP50, CreateP99 time.Duration // until the create request was answered
	ServerRSS, ServerHWM int64         // bytes; RSS is the highest sample during the step
	ServerCPU, BenchCPU  float64       // share of one core
	OtherCPU             float64       // the rest of the machine's busy time (other work on the box)
	Pass                 bool
	Disturbed            bool // missed while other programs were busy; measured again after it
	FirstError           string
}

// env is what a step needs.
type env struct {
	base      string
	send      *http.Client
	users     []benchUser
	members   map[string][]int
	channels  []string
	inflight  int
	serverPID int
	tr        *tracker
	retries   *int // repeats of disturbed rates this run may still spend
}

// runStep offers n messages at rate per second (open loop: the schedule does not wait
// for the server; at most inflight requests are open, and a message waiting for a slot
// keeps its scheduled time, so queueing in front of a slow server counts as latency),
// then waits until every recipient has it or deliveries stop coming.
func runStep(ctx context.Context, e *env, rate float64, n int, bound time.Duration) stepResult {
	st := e.tr.newStep(rate, n)
	sem := make(chan struct{}, e.inflight)
	var wg sync.WaitGroup
	var expectedTotal atomic.Int64

	srvCPU0, benchCPU0, busy0 := procCPU(e.serverPID), procCPU(selfPID), machineBusy()
	var peakRSS atomic.Int64
	sampleDone := make(chan struct{})
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := procMem(e.serverPID); err == nil && rss > peakRSS.Load() {
				peakRSS.Store(rss)
			}
			select {
			case <-sampleDone:
				return
			case <-t.C:
			}
		}
	}()

	interval := time.Duration(float64(time.Second) / rate)
	st.start = time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		due := st.start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		c := i % len(e.channels)
		members := e.members[e.channels[c]]
		u := &e.users[members[(i/len(e.channels))%len(members)]]
		wg.Add(1)
		go func(i int, due time.Time) {
			defer func() { <-sem; wg.Done() }()
			body := fmt.Sprintf("Lagemeldung %d: Pegel 7,85 m, steigend. Sandsäcke an Abschnitt %d.", i, i%40)
			err := postMessage(ctx, e.send, e.base, u, body, clientKey(st.id, i, due))
			st.createHist.add(time.Since(due))
			if err != nil {
				st.failed.Add(1)
				msg := err.Error()
				st.firstErr.CompareAndSwap(nil, &msg)
				return
			}
			st.expected[i] = int32(len(members))
			expectedTotal.Add(int64(len(members)))
			st.created.Add(1)
		}(i, due)
	}
	wg.Wait()
	sendEnd := time.Now()

	// Drain: all there, or nothing new for two seconds, or 15 s at most.
	last, lastChange := st.deliveries.Load(), time.Now()
	for drainEnd := time.Now().Add(15 * time.Second); time.Now().Before(drainEnd) && ctx.Err() == nil; {
		d := st.deliveries.Load()
		if d >= expectedTotal.Load() {
			break
		}
		if d != last {
			last, lastChange = d, time.Now()
		} else if time.Since(lastChange) > 2*time.Second {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(sampleDone)
	end := time.Now()

	r := stepResult{Offered: rate, Messages: n, Created: st.created.Load(), Failed: st.failed.Load(),
		Deliveries: st.deliveries.Load(), Expected: expectedTotal.Load(), Foreign: st.foreign.Load()}
	// The window is at least the schedule's length, so a fast server does not show more
	// than was offered.
	sendWindow := max(sendEnd.Sub(st.start), time.Duration(n)*interval)
	r.CreatedPerSec = float64(r.Created) / sendWindow.Seconds()
	for i := range n {
		if st.expected[i] > 0 && st.got[i].Load() >= st.expected[i] {
			r.Delivered++
		}
	}
	deliveryWindow := sendWindow
	if ld := st.lastDelivery.Load(); ld > 0 {
		deliveryWindow = max(deliveryWindow, time.Unix(0, ld).Sub(st.start))
	}
	r.DeliveredPerSec = float64(r.Delivered) / deliveryWindow.Seconds()
	r.DeliveriesPerSec = float64(r.Deliveries) / deliveryWindow.Seconds()
	r.P50, r.P99, r.Max = st.hist.quantile(0.50), st.hist.quantile(0.99), st.hist.quantile(1)
	r.CreateP50, r.CreateP99 = st.createHist.quantile(0.50), st.createHist.quantile(0.99)
	r.ServerRSS = peakRSS.Load()
	_, r.ServerHWM, _ = procMem(e.serverPID)
	wall := end.Sub(st.start).Seconds()
	r.ServerCPU = (procCPU(e.serverPID) - srvCPU0).Seconds() / wall
	r.BenchCPU = (procCPU(selfPID) - benchCPU0).Seconds() / wall
	r.OtherCPU = max(0, (machineBusy()-busy0).Seconds()/wall-r.ServerCPU-r.BenchCPU)
	if p := st.firstErr.Load(); p != nil {
		r.FirstError = *p
	}
	r.Pass = keepsUp(r) && r.P99 <= bound
	return r
}

// keepsUp: every message was created at (nearly) the offered rate and reached every
// recipient, and nobody else.
func keepsUp(r stepResult) bool {
	return r.Created == int64(r.Messages) && r.Deliveries == r.Expected && r.Foreign == 0 &&
		r.CreatedPerSec >= 0.95*r.Offered
}
