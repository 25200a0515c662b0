package fax

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"crisisroom/hardware/serialport"
)

// Status is what the fax device is doing, as published on
// crisisroom/fax/<device>/status.
type Status string

const (
	StatusIdle      Status = "idle"
	StatusRinging   Status = "ringing"
	StatusReceiving Status = "receiving"
	StatusSending   Status = "sending"
	StatusError     Status = "error"
)

// Timeouts of a real Class 2.0 call (efax's values). Tests shorten them.
type Timeouts struct {
	Command     time.Duration // ordinary AT commands: 3 s
	Dial        time.Duration // ATD until the remote fax answers: 120 s
	Answer      time.Duration // ATA until the caller's fax identifies: 120 s
	FDTConnect  time.Duration // AT+FDT until CONNECT: 45 s
	FDRConnect  time.Duration // AT+FDR until CONNECT: 60 s
	PageReply   time.Duration // modem's verdict after a page: 20 s
	DataSilence time.Duration // silence inside received page data: 5 s
}

// DefaultTimeouts are the timeouts real modems and telephone lines need.
func DefaultTimeouts() Timeouts {
	return Timeouts{
		Command: 3 * time.Second, Dial: 120 * time.Second, Answer: 120 * time.Second,
		FDTConnect: 45 * time.Second, FDRConnect: 60 * time.Second,
		PageReply: 20 * time.Second, DataSilence: 5 * time.Second,
	}
}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts()
	for _, p := range []struct{ v, def *time.Duration }{
		{&t.Command, &d.Command}, {&t.Dial, &d.Dial}, {&t.Answer, &d.Answer},
		{&t.FDTConnect, &d.FDTConnect}, {&t.FDRConnect, &d.FDRConnect},
		{&t.PageReply, &d.PageReply}, {&t.DataSilence, &d.DataSilence},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return t
}

// Config of a fax driver (Class 2.0 or Class 1). Only Port.Name is required.
type Config struct {
	// Port names the serial device; use a stable udev name so a modem that
	// is unplugged and plugged back in is found again.
	Port serialport.Config
	// Open opens the port; nil means serialport.Open.
	Open func(serialport.Config) (serialport.Port, error)
	// LocalID is our station ID (AT+FLI, at most 20 characters) and the
	// sender in page headers.
	LocalID  string
	Timeouts Timeouts
	// RetryDelays are the waits before the 2nd, 3rd, … attempt of a send
	// that failed for a reason that may pass (busy, no answer); their
	// number is the number of retries. nil means 30 s, 60 s, 120 s.
	RetryDelays []time.Duration
	// PageResends is how often a page the receiver rejected is sent again
	// before giving up; 0 means 2.
	PageResends int
	// HealthEvery is how often an idle modem is asked whether it is still
	// there; 0 means a minute.
	HealthEvery time.Duration
	// Reopen bounds the waits between attempts to reopen a vanished port.
	Reopen serialport.Backoff
	Logger *slog.Logger
	// Class is the fax class to use: "" asks the modem (AT+FCLASS=?) and
	// takes 2.0 where offered, else Class 1; "1" or "2.0" insists.
	Class string
	// T30 are the T.30 timers of the Class 1 driver; zero means standard.
	T30 T30Timers
}

// Events are the driver's reports. Callbacks run on the driver's goroutine:
// keep them short.
type Events struct {
	Status   func(s Status, err error)
	Received func(f *Received)
	Result   func(r SendResult)
	// Class reports the fax class chosen after AT+FCLASS=? ("1" or "2.0").
	Class func(class string)
}

// Received is an incoming fax. It is delivered even if the call broke off:
// whatever pages arrived are kept.
type Received struct {
	ID         string
	RemoteID   string
	Pages      []Page
	ReceivedAt time.Time
	// Complete is false if the call ended before the last page.
	Complete bool
	// Err says why an incomplete fax ended.
	Err *CallError
}

// BadLines sums the damaged lines over all pages.
func (r *Received) BadLines() int {
	n := 0
	for _, p := range r.Pages {
		n += p.BadLines
	}
	return n
}

// SendJob asks for pages to be faxed to Number.
type SendJob struct {
	ID     string
	Number string
	Pages  []Page
}

// Send result states, as published on …/send/result.
const (
	ResultSent     = "sent"
	ResultFailed   = "failed"
	ResultRetrying = "retrying"
)

// SendResult reports one attempt of a SendJob.
type SendResult struct {
	ID      string
	Number  string
	Status  string // sent, failed or retrying
	Pages   int    // pages the receiver accepted
	Attempt int
	Err     *CallError
	// NextAttempt is when a retrying job is dialled again.
	NextAttempt time.Time
}

type queuedJob struct {
	SendJob
	attempt int
	due     time.Time
}

// Driver runs one fax modem (Class 2.0, or Class 1 with T.30 in class1*.go):
// it answers calls, sends queued jobs
// and reopens the port when the modem comes back after vanishing.
type Driver struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	listeners []Events
	queue     []*queuedJob
	status    Status
	flow      serialport.FlowControl // what the modem agreed to while sending
	idles     int                    // sessions that got as far as idle; Run's goroutine only
	wake      chan struct{}
	class     string       // fax class in use, "" before the first set-up
	codes     map[int]bool // Class 1 modulations (AT+FTM=?)
}

// New builds a driver for a modem on cfg.Port.Name. Call Run to start it.
func New(cfg Config) *Driver {
	cfg.Timeouts = cfg.Timeouts.withDefaults()
	cfg.T30 = cfg.T30.withDefaults()
	if cfg.Open == nil {
		cfg.Open = serialport.Open
	}
	if cfg.RetryDelays == nil {
		cfg.RetryDelays = []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second}
	}
	if cfg.PageResends == 0 {
		cfg.PageResends = 2
	}
	if cfg.HealthEvery == 0 {
		cfg.HealthEvery = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(cfg.LocalID) > 20 {
		cfg.LocalID = cfg.LocalID[:20]
	}
	return &Driver{
		cfg:  cfg,
		log:  cfg.Logger.With("component", "fax", "port", cfg.Port.Name),
		wake: make(chan struct{}, 1),
	}
}

// LocalID is the station ID the driver announces.
func (d *Driver) LocalID() string { return d.cfg.LocalID }

// Listen adds a receiver of the driver's events.
func (d *Driver) Listen(e Events) {
	d.mu.Lock()
	d.listeners = append(d.listeners, e)
	d.mu.Unlock()
}

// Status is what the driver is doing now.
func (d *Driver) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

func (d *Driver) each(fn func(Events)) {
	d.mu.Lock()
	ls := append([]Events(nil), d.listeners...)
	d.mu.Unlock()
	for _, l := range ls {
		fn(l)
	}
}

func (d *Driver) setStatus(s Status, err error) {
	d.mu.Lock()
	same := d.status == s
	d.status = s
	d.mu.Unlock()
	if same && s != StatusError {
		return
	}
	if err != nil {
		d.log.Warn("fax status", "status", s, "error", err)
	} else {
		d.log.Info("fax status", "status", s)
	}
	d.each(func(e Events) {
		if e.Status != nil {
			e.Status(s, err)
		}
	})
}

func (d *Driver) report(r SendResult) {
	d.each(func(e Events) {
		if e.Result != nil {
			e.Result(r)
		}
	})
}

// ErrInvalidJob rejects a job that cannot be sent at all.
var ErrInvalidJob = errors.New("fax: send job needs a number and at least one page")

// Send queues a job; its outcome arrives through Events.Result. The number
// may contain digits, spaces, '-', '/', and the dial modifiers ,+*#W.
func (d *Driver) Send(job SendJob) error {
	num := cleanNumber(job.Number)
	if num == "" || len(job.Pages) == 0 {
		return ErrInvalidJob
	}
	job.Number = num
	if job.ID == "" {
		job.ID = newID()
	}
	d.mu.Lock()
	d.queue = append(d.queue, &queuedJob{SendJob: job, attempt: 0, due: time.Now()})
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}

func cleanNumber(n string) string {
	var b strings.Builder
	for _, r := range n {
		switch {
		case r >= '0' && r <= '9', strings.ContainsRune(",+*#Ww", r):
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '/' || r == '(' || r == ')':
		default:
			return "" // anything else could smuggle AT commands into ATD
		}
	}
	return b.String()
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// nextDue takes the first job that is due, if any.
func (d *Driver) nextDue() *queuedJob {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	for i, j := range d.queue {
		if !j.due.After(now) {
			d.queue = append(d.queue[:i], d.queue[i+1:]...)
			return j
		}
	}
	return nil
}

func (d *Driver) requeue(j *queuedJob) {
	d.mu.Lock()
	d.queue = append(d.queue, j)
	d.mu.Unlock()
}

// Run drives the modem until ctx ends: open, initialise, idle, answer,
// send; when the port vanishes or the modem stops answering it reports
// StatusError and keeps trying to reopen.
func (d *Driver) Run(ctx context.Context) error {
	defer d.abandonQueue()
	var wait time.Duration
	for {
		reported := false
		port, err := serialport.OpenRetry(ctx, d.cfg.Port, d.cfg.Reopen, d.cfg.Open, func(err error) {
			if !reported {
				d.setStatus(StatusError, fmt.Errorf("failed to open fax modem: %w", err))
				reported = true
			}
		})
		if err != nil {
			return ctx.Err()
		}
		idles := d.idles
		err = d.session(ctx, port)
		port.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.setStatus(StatusError, err)
		// A modem that keeps failing its set-up is not hammered: the wait
		// grows like OpenRetry's until a session gets as far as idle.
		if d.idles == idles && wait > 0 {
			wait = min(2*wait, max(d.cfg.Reopen.Max, 30*time.Second))
		} else {
			wait = max(d.cfg.Reopen.Min, 50*time.Millisecond)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// session runs one open port until it fails.
func (d *Driver) session(ctx context.Context, port serialport.Port) error {
	m := &modem{ctx: ctx, port: port, log: d.log}
	// A modem plugged in anew may be of another class: ask again.
	d.mu.Lock()
	d.class = ""
	d.mu.Unlock()
	if err := d.initModem(m); err != nil {
		return fmt.Errorf("failed to initialise fax modem: %w", err)
	}
	d.each(func(e Events) {
		if e.Class != nil {
			e.Class(d.Class())
		}
	})
	d.idles++
	d.setStatus(StatusIdle, nil)
	nextHealth := time.Now().Add(d.cfg.HealthEvery)
	for {
		if j := d.nextDue(); j != nil {
			err := d.sendJob(m, j)
			if err != nil {
				return err
			}
			d.setStatus(StatusIdle, nil)
			continue
		}
		if time.Now().After(nextHealth) {
			if err := d.healthCheck(m); err != nil {
				return fmt.Errorf("fax modem health check failed: %w", err)
			}
			nextHealth = time.Now().Add(d.cfg.HealthEvery)
		}
		line, err := m.readLine(time.Now().Add(pollSlice))
		switch {
		case errors.Is(err, errTimeout):
			continue
		case err != nil:
			return err
		case line == "RING":
			receive := d.receive
			if d.Class() == Class1 {
				receive = d.receive1
			}
			if err := receive(m); err != nil {
				return err
			}
			d.setStatus(StatusIdle, nil)
		default:
			d.log.Debug("unsolicited modem line", "line", line)
		}
	}
}

// initModem sets the modem up as HylaFAX and efax do (see
// notes/hardware-protocols.md).
func (d *Driver) initModem(m *modem) error {
	t := d.cfg.Timeouts
	if err := m.port.SetFlowControl(serialport.FlowNone); err != nil {
		return err
	}
	// ATZ may answer before the echo is off; a second plain AT syncs us up.
	if _, err := m.command("ATZ", t.Command); err != nil {
		return err
	}
	if _, err := m.command("ATE0V1Q0", t.Command); err != nil {
		return err
	}
	if err := d.healthCheck(m); err != nil {
		return err
	}
	if d.Class() == Class1 {
		return d.initClass1(m)
	}
	if _, err := m.command("AT+FCLASS=2.0", t.Command); err != nil {
		return err
	}
	d.flow = serialport.FlowHardware
	if _, err := m.command("AT+FLO=2", t.Command); err != nil {
		var mr *modemResult
		if !errors.As(err, &mr) {
			return err
		}
		if _, err := m.command("AT+FLO=1", t.Command); err != nil {
			return err
		}
		d.flow = serialport.FlowXonXoff
	}
	id := strings.NewReplacer(`"`, "", "\r", "", "\n", "").Replace(d.cfg.LocalID)
	for _, c := range []string{
		"AT+FBO=0", "AT+FPP=0", "AT+FIE=0", "AT+FNR=1,1,1,0",
		fmt.Sprintf(`AT+FLI="%s"`, id),
		"AT+FCC=1,5,0,2,0,0,0,0", "AT+FCR=1", "AT+FCT=30",
	} {
		if _, err := m.command(c, t.Command); err != nil {
			return err
		}
	}
	d.log.Info("fax modem ready", "flow", d.flow)
	return nil
}

// healthCheck asks whether the modem is alive and still offers the fax
// class in use; on the first set-up it chooses the class (ChooseClass).
func (d *Driver) healthCheck(m *modem) error {
	if _, err := m.command("AT", d.cfg.Timeouts.Command); err != nil {
		return err
	}
	r, err := m.command("AT+FCLASS=?", d.cfg.Timeouts.Command)
	if err != nil {
		return err
	}
	want := d.cfg.Class
	if cur := d.Class(); cur != "" {
		want = cur
	}
	class, err := ChooseClass(r.lines, want)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.class = class
	d.mu.Unlock()
	return nil
}

// Class is the fax class the driver uses ("1" or "2.0"); "" until the
// modem has answered AT+FCLASS=?.
func (d *Driver) Class() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.class
}

// abandonQueue reports every job still waiting when the driver stops, so
// that no request goes unanswered.
func (d *Driver) abandonQueue() {
	d.mu.Lock()
	q := d.queue
	d.queue = nil
	d.mu.Unlock()
	for _, j := range q {
		d.report(SendResult{
			ID: j.ID, Number: j.Number, Status: ResultFailed, Attempt: j.attempt,
			Err: &CallError{Reason: ResultReason("STOPPED")},
		})
	}
}
