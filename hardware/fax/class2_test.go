package fax_test

import (
	"bytes"
	"context"
	"image"
	"testing"
	"time"

	"crisisroom/hardware/fax"
	"crisisroom/hardware/fax/sim"
	"crisisroom/hardware/serialport"
)

type harness struct {
	sim      *sim.Sim
	driver   *fax.Driver
	statuses chan fax.Status
	received chan *fax.Received
	results  chan fax.SendResult
}

// waitLimit bounds every wait for an event of the driver (a status, a result, a received
// fax). It only stops a hang: the waits end as soon as the event comes, and under the
// race detector on a busy machine a fax through the simulator takes many seconds.
const waitLimit = 60 * time.Second

func testConfig(path string) fax.Config {
	return fax.Config{
		Port:    serialport.Config{Name: path, Baud: 19200, WriteTimeout: 3 * time.Second},
		LocalID: "Krisenstab Test",
		Timeouts: fax.Timeouts{
			Command: time.Second, Dial: 2 * time.Second, Answer: 3 * time.Second,
			FDTConnect: 2 * time.Second, FDRConnect: 2 * time.Second,
			PageReply: 3 * time.Second, DataSilence: 2 * time.Second,
		},
		RetryDelays: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond},
		HealthEvery: time.Second,
		Reopen:      serialport.Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond},
	}
}

func start(t *testing.T, so sim.Options) *harness {
	t.Helper()
	s, err := sim.New(so)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		sim: s, driver: fax.New(testConfig(s.Path())),
		statuses: make(chan fax.Status, 100), received: make(chan *fax.Received, 10),
		results: make(chan fax.SendResult, 20),
	}
	h.driver.Listen(fax.Events{
		Status:   func(st fax.Status, _ error) { h.statuses <- st },
		Received: func(r *fax.Received) { h.received <- r },
		Result:   func(r fax.SendResult) { h.results <- r },
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.driver.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		s.Close()
	})
	h.waitStatus(t, fax.StatusIdle)
	return h
}

func (h *harness) waitStatus(t *testing.T, want fax.Status) {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case s := <-h.statuses:
			if s == want {
				return
			}
		case <-timeout:
			t.Fatalf("status %q never came (now %q)", want, h.driver.Status())
		}
	}
}

func (h *harness) result(t *testing.T) fax.SendResult {
	t.Helper()
	select {
	case r := <-h.results:
		return r
	case <-time.After(waitLimit):
		t.Fatal("no send result")
	}
	return fax.SendResult{}
}

func twoPages(t *testing.T) []fax.Page {
	t.Helper()
	pages, err := fax.RenderText("Lagemeldung 1\fLagemeldung 2: Pegel steigt, Ölsperre gesetzt.", fax.RenderOptions{SenderID: "Test"})
	if err != nil || len(pages) != 2 {
		t.Fatalf("render: %d pages, %v", len(pages), err)
	}
	return pages
}

func equalImages(a, b *image.Gray) bool {
	return a.Bounds() == b.Bounds() && bytes.Equal(a.Pix, b.Pix)
}

func TestReceiveTwoPages(t *testing.T) {
	h := start(t, sim.Options{})
	pages := twoPages(t)
	done := h.sim.Ring("+49 221 999", sim.Page{Image: pages[0].Image}, sim.Page{Image: pages[1].Image})
	h.waitStatus(t, fax.StatusRinging)
	h.waitStatus(t, fax.StatusReceiving)
	var got *fax.Received
	select {
	case got = <-h.received:
	case <-time.After(waitLimit):
		t.Fatal("no fax received")
	}
	if err := <-done; err != nil {
		t.Errorf("simulated caller: %v", err)
	}
	if got.RemoteID != "+49 221 999" || !got.Complete || len(got.Pages) != 2 || got.BadLines() != 0 {
		t.Fatalf("received %q complete=%v pages=%d bad=%d", got.RemoteID, got.Complete, len(got.Pages), got.BadLines())
	}
	for i := range pages {
		if !equalImages(pages[i].Image, got.Pages[i].Image) || !got.Pages[i].Fine {
			t.Errorf("page %d arrived changed", i+1)
		}
	}
	h.waitStatus(t, fax.StatusIdle)
}

func TestReceiveLineNoise(t *testing.T) {
	h := start(t, sim.Options{})
	h.sim.SetFault(sim.FaultLineNoise)
	pages := twoPages(t)
	h.sim.Ring("noisy", sim.Page{Image: pages[0].Image}, sim.Page{Image: pages[1].Image})
	select {
	case got := <-h.received:
		if len(got.Pages) != 2 || got.BadLines() == 0 {
			t.Fatalf("noisy fax: %d pages, %d bad lines; want 2 pages with bad lines counted", len(got.Pages), got.BadLines())
		}
		for i, p := range got.Pages {
			if d := p.Image.Bounds().Dy(); d < fax.PageHeightFine-40 || d > fax.PageHeightFine+40 {
				t.Errorf("page %d: %d lines after noise", i+1, d)
			}
		}
	case <-time.After(waitLimit):
		t.Fatal("noisy fax lost")
	}
}

func TestSendTwoPagesWithXoff(t *testing.T) {
	h := start(t, sim.Options{})
	h.sim.SetFault(sim.FaultXoff)
	pages := twoPages(t)
	if err := h.driver.Send(fax.SendJob{ID: "j1", Number: "0221 / 12 34-5", Pages: pages}); err != nil {
		t.Fatal(err)
	}
	r := h.result(t)
	if r.ID != "j1" || r.Status != fax.ResultSent || r.Pages != 2 || r.Attempt != 1 {
		t.Fatalf("result %+v", r)
	}
	f := <-h.sim.Faxes()
	if f.Number != "022112345" || f.LocalID != "Krisenstab Test" || len(f.Pages) != 2 {
		t.Fatalf("sim got %q from %q, %d pages", f.Number, f.LocalID, len(f.Pages))
	}
	for i := range pages {
		if !equalImages(pages[i].Image, f.Pages[i].Image) {
			t.Errorf("page %d arrived changed", i+1)
		}
	}
	pauses, leaked, flow := h.sim.XoffStats()
	if pauses != 2 || leaked != 0 || flow != serialport.FlowXonXoff {
		t.Errorf("XOFF: %d pauses, %d bytes leaked, driver flow %v; want 2, 0, xon/xoff", pauses, leaked, flow)
	}
}

func TestSendFaults(t *testing.T) {
	for _, tc := range []struct {
		fault    sim.Fault
		code     string
		statuses []string // one per attempt
	}{
		{sim.FaultBusy, "BUSY", []string{"retrying", "retrying", "failed"}},
		{sim.FaultNoAnswer, "NO ANSWER", []string{"retrying", "retrying", "failed"}},
		{sim.FaultNoCarrier, "NO CARRIER", []string{"retrying", "retrying", "failed"}},
		{sim.FaultNoDialtone, "NO DIALTONE", []string{"retrying", "retrying", "failed"}},
		{sim.FaultTraining, "27", []string{"retrying", "retrying", "failed"}},
		{sim.FaultRejectAlways, "REJECTED", []string{"failed"}},
	} {
		t.Run(tc.code, func(t *testing.T) {
			h := start(t, sim.Options{})
			h.sim.SetFault(tc.fault)
			h.driver.Send(fax.SendJob{ID: "x", Number: "110", Pages: twoPages(t)[:1]})
			for i, want := range tc.statuses {
				r := h.result(t)
				if r.Status != want || r.Attempt != i+1 || r.Err == nil || r.Err.Code != tc.code || r.Err.DE == "" || r.Err.EN == "" {
					t.Fatalf("attempt %d: %+v (err %+v), want %s with code %s", i+1, r, r.Err, want, tc.code)
				}
			}
			h.waitStatus(t, fax.StatusIdle)
		})
	}
}

func TestSendRetriesUntilLineFree(t *testing.T) {
	h := start(t, sim.Options{})
	h.sim.SetFault(sim.FaultBusy)
	h.driver.Send(fax.SendJob{ID: "b", Number: "112", Pages: twoPages(t)})
	if r := h.result(t); r.Status != fax.ResultRetrying || r.NextAttempt.IsZero() {
		t.Fatalf("first attempt: %+v", r)
	}
	h.sim.SetFault(sim.FaultRejectOnce) // line free now, but the first page needs a resend
	r := h.result(t)
	if r.Status != fax.ResultSent || r.Attempt != 2 || r.Pages != 2 {
		t.Fatalf("second attempt: %+v", r)
	}
	if f := <-h.sim.Faxes(); f.Rejected != 1 || len(f.Pages) != 2 {
		t.Errorf("sim: %d rejected, %d pages", f.Rejected, len(f.Pages))
	}
}

func TestPortVanishesMidSendAndReturns(t *testing.T) {
	h := start(t, sim.Options{})
	h.sim.SetFault(sim.FaultVanish)
	h.driver.Send(fax.SendJob{ID: "v", Number: "0800", Pages: twoPages(t)})
	r := h.result(t)
	if r.Status != fax.ResultRetrying || r.Err == nil || r.Err.Code != "GONE" {
		t.Fatalf("after unplug: %+v (%v)", r, r.Err)
	}
	h.waitStatus(t, fax.StatusError)
	time.Sleep(200 * time.Millisecond) // unplugged for a while
	if h.driver.Status() != fax.StatusError {
		t.Fatalf("status %q while unplugged", h.driver.Status())
	}
	h.sim.SetFault(sim.FaultNone)
	if err := h.sim.Replug(); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(t, fax.StatusIdle)
	if r := h.result(t); r.Status != fax.ResultSent || r.Attempt != 2 || r.Pages != 2 {
		t.Fatalf("after replug: %+v", r)
	}
}

func TestInvalidJobRejected(t *testing.T) {
	d := fax.New(fax.Config{})
	if err := d.Send(fax.SendJob{Number: "123;ATZ", Pages: make([]fax.Page, 1)}); err != fax.ErrInvalidJob {
		t.Errorf("AT injection in number: %v", err)
	}
	if err := d.Send(fax.SendJob{Number: "123"}); err != fax.ErrInvalidJob {
		t.Errorf("no pages: %v", err)
	}
}

func TestUnplugWhileIdle(t *testing.T) {
	h := start(t, sim.Options{})
	h.sim.Unplug()
	h.waitStatus(t, fax.StatusError)
	if err := h.sim.Replug(); err != nil {
		t.Fatal(err)
	}
	h.waitStatus(t, fax.StatusIdle)
	// The reopened modem works: a call comes through.
	pages := twoPages(t)
	h.sim.Ring("after replug", sim.Page{Image: pages[0].Image})
	select {
	case r := <-h.received:
		if len(r.Pages) != 1 || r.RemoteID != "after replug" {
			t.Fatalf("received %+v", r)
		}
	case <-time.After(waitLimit):
		t.Fatal("no fax after replug")
	}
}

func TestStopReportsQueuedJobs(t *testing.T) {
	d := fax.New(testConfig("/nonexistent/ttyFAX"))
	results := make(chan fax.SendResult, 2)
	d.Listen(fax.Events{Result: func(r fax.SendResult) { results <- r }})
	if err := d.Send(fax.SendJob{ID: "q", Number: "1", Pages: twoPages(t)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	d.Run(ctx) // the modem never appears
	select {
	case r := <-results:
		if r.ID != "q" || r.Status != fax.ResultFailed || r.Err.Code != "STOPPED" {
			t.Fatalf("%+v", r)
		}
	default:
		t.Fatal("queued job vanished without a result")
	}
}
