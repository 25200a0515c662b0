package sms_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"crisisroom/hardware/serialport"
	"crisisroom/hardware/sms"
	"crisisroom/hardware/sms/gsmsim"
)

// rig is a driver on a simulated modem, with everything it reported.
type rig struct {
	t      *testing.T
	sim    *gsmsim.Sim
	d      *sms.Driver
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	status  []sms.Status
	results []sms.Result
	inbox   []sms.Inbox
}

func startRig(t *testing.T, s *gsmsim.Sim, cfg sms.Config) *rig {
	t.Helper()
	cfg.Port = serialport.Config{Name: s.Path()}
	if cfg.MinInterval == 0 {
		cfg.MinInterval = 5 * time.Millisecond
	}
	if cfg.PollEvery == 0 {
		cfg.PollEvery = 100 * time.Millisecond
	}
	if cfg.RetryDelays == nil {
		cfg.RetryDelays = []time.Duration{50 * time.Millisecond, 50 * time.Millisecond}
	}
	d, err := sms.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, sim: s, d: d, done: make(chan struct{})}
	d.Listen(sms.Events{
		Status: func(st sms.Status) { r.mu.Lock(); r.status = append(r.status, st); r.mu.Unlock() },
		Result: func(x sms.Result) { r.mu.Lock(); r.results = append(r.results, x); r.mu.Unlock() },
		Inbox:  func(in sms.Inbox) { r.mu.Lock(); r.inbox = append(r.inbox, in); r.mu.Unlock() },
	})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { defer close(r.done); d.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *rig) stop() {
	r.cancel()
	<-r.done
}

// wait polls cond for up to 10 s (bounded; the machine may be busy).
func (r *rig) wait(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(60 * time.Second) // a hang guard, not a timing
	for !cond() {
		if time.Now().After(deadline) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.t.Fatalf("timed out waiting for %s; status %+v; results %+v; inbox %+v", what, r.d.Status(), r.results, r.inbox)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *rig) resultFor(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, x := range r.results {
		if x.ID == id {
			out = append(out, x.Status)
		}
	}
	return out
}

func (r *rig) has(id, status string) bool {
	for _, s := range r.resultFor(id) {
		if s == status {
			return true
		}
	}
	return false
}

func (r *rig) lastResult(id string) sms.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	var last sms.Result
	for _, x := range r.results {
		if x.ID == id {
			last = x
		}
	}
	return last
}

func (r *rig) inboxTexts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, in := range r.inbox {
		out = append(out, in.From+": "+in.Text)
	}
	return out
}

func newSim(t *testing.T, o gsmsim.Options) *gsmsim.Sim {
	s, err := gsmsim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestDriverSendsReceivesAndReports(t *testing.T) {
	s := newSim(t, gsmsim.Options{PIN: "4711", AutoReport: true})
	r := startRig(t, s, sms.Config{PIN: "4711", QueuePath: filepath.Join(t.TempDir(), "q.json")})
	r.wait("ready", func() bool { return r.d.Status().State == sms.StateReady })
	if st := r.d.Status(); !st.SignalKnown || st.SignalDBM != -73 || st.Registration != 1 {
		t.Errorf("status %+v, want -73 dBm, home network", st)
	}
	long := strings.Repeat("Lagebesprechung im Rathaus, Großer Saal. Grüße € ", 9)
	if err := r.d.Send("a", "+491701110001", "Stab alarmieren: Übung", true); err != nil {
		t.Fatal(err)
	}
	if err := r.d.Send("b", "+491701110002", long, true); err != nil {
		t.Fatal(err)
	}
	r.wait("both delivered", func() bool { return r.has("a", sms.ResultDelivered) && r.has("b", sms.ResultDelivered) })
	if got := r.lastResult("b"); got.Parts != 3 {
		t.Errorf("long text in %d parts, want 3", got.Parts)
	}
	// What reached the network: every part, once.
	var texts = map[string]string{}
	for texts["+491701110002"] != long || texts["+491701110001"] == "" {
		select {
		case sub := <-s.Submitted():
			texts[sub.To] += sub.Text
		case <-time.After(60 * time.Second):
			t.Fatalf("network got %v", texts)
		}
	}
	if texts["+491701110002"] != long || texts["+491701110001"] != "Stab alarmieren: Übung" {
		t.Errorf("network read %q", texts)
	}

	// Receiving: a short answer, a long text in parts, an alphanumeric sender's PDU.
	s.Receive("+491701110001", "1 20")
	longIn := strings.Repeat("Ich komme später, Straße gesperrt. ", 8)
	s.Receive("+491701110002", longIn)
	r.wait("inbox", func() bool { return len(r.inboxTexts()) == 2 })
	got := strings.Join(r.inboxTexts(), "\n")
	if !strings.Contains(got, "+491701110001: 1 20") || !strings.Contains(got, "+491701110002: "+longIn) {
		t.Errorf("inbox %q", got)
	}
	r.wait("SIM emptied", func() bool { u, _ := s.Stored(); return u == 0 })
}

func TestDriverFaultsEndInClearStates(t *testing.T) {
	t.Run("wrong PIN is tried once and kept queued", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{PIN: "1234"})
		q := filepath.Join(t.TempDir(), "q.json")
		r := startRig(t, s, sms.Config{PIN: "9999", QueuePath: q})
		if err := r.d.Send("x", "+491701110001", "Test", false); err != nil {
			t.Fatal(err)
		}
		r.wait("pin_wrong", func() bool { return r.d.Status().State == sms.StatePINWrong })
		if st := r.d.Status(); st.ReasonDE == "" || st.ReasonEN == "" || st.Queue != 1 {
			t.Errorf("status %+v: want reasons and the message still queued", st)
		}
		r.stop()
		// The right PIN (a new configuration): the message goes out.
		r2 := startRig(t, s, sms.Config{PIN: "1234", QueuePath: q})
		r2.wait("sent after the right PIN", func() bool { return r2.has("x", sms.ResultSent) })
	})
	t.Run("no PIN configured", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{PIN: "1234"})
		r := startRig(t, s, sms.Config{})
		r.wait("pin_required", func() bool { return r.d.Status().State == sms.StatePINRequired })
	})
	t.Run("no network, then network", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{})
		s.SetRegistration(2)
		r := startRig(t, s, sms.Config{})
		r.wait("no_network", func() bool { return r.d.Status().State == sms.StateNoNetwork })
		r.d.Send("n", "+491701110001", "Warte auf Netz", false)
		time.Sleep(300 * time.Millisecond)
		if r.has("n", sms.ResultSent) || r.d.Status().Queue != 1 {
			t.Fatalf("sent without network: %v", r.resultFor("n"))
		}
		s.SetRegistration(5)
		r.wait("sent when roaming", func() bool { return r.has("n", sms.ResultSent) })
	})
	t.Run("weak signal", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{})
		s.SetSignal(2)
		r := startRig(t, s, sms.Config{})
		r.wait("weak", func() bool { st := r.d.Status(); return st.State == sms.StateReady && st.SignalDBM == -109 })
		if st := r.d.Status(); st.ReasonEN != "Weak signal." {
			t.Errorf("status %+v", st)
		}
	})
	t.Run("full SIM is emptied, waiting messages arrive", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{Slots: 5})
		if err := s.Fill("+491709990000", 5); err != nil {
			t.Fatal(err)
		}
		s.Receive("+491701110001", "2") // waits in the network: the SIM is full
		r := startRig(t, s, sms.Config{})
		r.wait("6 messages", func() bool { return len(r.inboxTexts()) == 6 })
		if !strings.Contains(strings.Join(r.inboxTexts(), "|"), "+491701110001: 2") {
			t.Errorf("inbox %v", r.inboxTexts())
		}
		r.wait("SIM empty", func() bool { u, _ := s.Stored(); return u == 0 })
	})
	t.Run("CMS ERROR temporary then permanent", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{})
		r := startRig(t, s, sms.Config{})
		s.FailNext(42) // congestion
		r.d.Send("t", "+491701110001", "nach Stau", false)
		r.wait("retried and sent", func() bool { return r.has("t", sms.ResultRetrying) && r.has("t", sms.ResultSent) })
		s.FailNext(21) // short message transfer rejected
		r.d.Send("p", "+491701110002", "abgelehnt", false)
		r.wait("failed", func() bool { return r.has("p", sms.ResultFailed) })
		if res := r.lastResult("p"); res.Code != "+CMS ERROR: 21" || res.ReasonDE == "" || res.ReasonEN == "" {
			t.Errorf("failed result %+v", res)
		}
		s.FailNext(42, 42, 42) // more than the retries
		r.d.Send("g", "+491701110003", "gibt auf", false)
		r.wait("gave up", func() bool { return r.has("g", sms.ResultFailed) })
		if r.d.Status().Queue != 0 {
			t.Errorf("queue %d after final failures", r.d.Status().Queue)
		}
	})
	t.Run("undelivered report", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{})
		r := startRig(t, s, sms.Config{})
		r.d.Send("u", "+491701110001", "Bericht", true)
		var sub gsmsim.Submission
		select {
		case sub = <-s.Submitted():
		case <-time.After(60 * time.Second):
			t.Fatal("nothing submitted")
		}
		r.wait("sent", func() bool { return r.has("u", sms.ResultSent) })
		s.Report(sub.MR, sub.To, 0x41) // incompatible destination: permanent
		r.wait("undelivered", func() bool { return r.has("u", sms.ResultUndelivered) })
	})
	t.Run("unplugged mid-send, nothing lost", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{})
		r := startRig(t, s, sms.Config{QueuePath: filepath.Join(t.TempDir(), "q.json")})
		r.wait("ready", func() bool { return r.d.Status().State == sms.StateReady })
		s.VanishOnNextSubmit()
		r.d.Send("v", "+491701110001", strings.Repeat("Teil ", 70), false) // two parts
		r.wait("offline", func() bool { return r.d.Status().State == sms.StateOffline })
		if r.has("v", sms.ResultSent) {
			t.Fatal("sent although the modem vanished")
		}
		if err := s.Replug(); err != nil {
			t.Fatal(err)
		}
		r.wait("sent after replug", func() bool { return r.has("v", sms.ResultSent) })
		got := ""
		for len(got) < len(strings.Repeat("Teil ", 70)) {
			select {
			case sub := <-s.Submitted():
				got += sub.Text
			case <-time.After(60 * time.Second):
				t.Fatalf("network got %q", got)
			}
		}
		if got != strings.Repeat("Teil ", 70) {
			t.Errorf("network got %q", got)
		}
	})
	t.Run("queue survives a restart", func(t *testing.T) {
		s := newSim(t, gsmsim.Options{})
		s.SetRegistration(0)
		q := filepath.Join(t.TempDir(), "q.json")
		r := startRig(t, s, sms.Config{QueuePath: q})
		for _, id := range []string{"r1", "r2", "r3"} {
			if err := r.d.Send(id, "+491701110001", "bleibt "+id, true); err != nil {
				t.Fatal(err)
			}
		}
		r.stop()
		s.SetRegistration(1)
		r2 := startRig(t, s, sms.Config{QueuePath: q})
		if r2.d.Status().Queue != 3 {
			t.Fatalf("queue after restart %d, want 3", r2.d.Status().Queue)
		}
		r2.wait("all sent", func() bool {
			return r2.has("r1", sms.ResultSent) && r2.has("r2", sms.ResultSent) && r2.has("r3", sms.ResultSent)
		})
		// The same id again (a repeated request) is not sent twice.
		r2.d.Send("r1", "+491701110001", "bleibt r1", true)
		time.Sleep(100 * time.Millisecond)
		if n := len(r2.resultFor("r1")); n != 1 {
			t.Errorf("r1 reported %d times: %v", n, r2.resultFor("r1"))
		}
	})
}
