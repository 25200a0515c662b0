// Package sms drives a GSM/LTE modem on a serial line as an SMS gateway (driver
// sms-gsm): SIM PIN, registration and signal, sending in PDU mode (GSM 7-bit or
// UCS-2, long texts concatenated), delivery reports, a persistent queue with retries
// and a rate limit, receiving (+CMTI → AT+CMGR → AT+CMGD), and a modem that is
// unplugged and comes back. It speaks MQTT only (crisisroom/sms/<device>/…), never
// PocketBase, so it runs in-process or in `crisisroom bridge` alike.
//
// Standards: 3GPP TS 27.007 (AT commands), TS 27.005 (SMS AT commands, PDU mode),
// TS 23.040 (PDU layout), TS 23.038 (alphabets).
package sms

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"crisisroom/hardware/serialport"
)

// Modem states, published in Status.State.
const (
	StateOffline     = "offline"      // no modem on the port
	StateStarting    = "starting"     // talking to the modem
	StatePINRequired = "pin_required" // the SIM wants a PIN and none is configured
	StatePINWrong    = "pin_wrong"    // the SIM refused the PIN; not tried again (three tries lock it)
	StateSIMError    = "sim_error"    // no SIM, or it wants the PUK
	StateNoNetwork   = "no_network"   // not registered (searching, denied, no coverage)
	StateReady       = "ready"
)

// Result statuses of a send request.
const (
	ResultQueued      = "queued"
	ResultSent        = "sent"
	ResultRetrying    = "retrying"
	ResultFailed      = "failed"
	ResultDelivered   = "delivered"
	ResultUndelivered = "undelivered"
)

// Config of a driver.
type Config struct {
	Port serialport.Config
	// PIN of the SIM, tried once per start: a refused PIN is never tried again by
	// itself (three wrong tries lock the SIM).
	PIN string
	// QueuePath is the file of the persistent queue; "" keeps it in memory.
	QueuePath string
	// RetryDelays before the 2nd, 3rd, … attempt after a temporary network error;
	// nil means 30 s, 2 min, 10 min.
	RetryDelays []time.Duration
	// MinInterval between two submitted PDUs (a rate limit most networks ask of a
	// SIM; 0 means 3 s).
	MinInterval time.Duration
	// PollEvery is how often registration, signal and storage are asked (0: 30 s).
	PollEvery time.Duration
	Logger    *slog.Logger
}

// Status is the modem's state as the device view shows it.
type Status struct {
	State        string `json:"state"`
	SignalDBM    int    `json:"signal_dbm,omitempty"`
	SignalKnown  bool   `json:"signal_known"`
	Registration int    `json:"registration"` // +CREG stat: 1 home, 5 roaming
	Queue        int    `json:"queue"`
	SIMUsed      int    `json:"sim_used"`
	SIMTotal     int    `json:"sim_total"`
	ReasonDE     string `json:"reason_de,omitempty"`
	ReasonEN     string `json:"reason_en,omitempty"`
	Updated      string `json:"updated"`
}

// Result reports what became of a send request.
type Result struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Parts       int    `json:"parts"`
	Attempt     int    `json:"attempt"`
	Code        string `json:"code,omitempty"`
	ReasonDE    string `json:"reason_de,omitempty"`
	ReasonEN    string `json:"reason_en,omitempty"`
	NextAttempt string `json:"next_attempt,omitempty"`
}

// Inbox is one received text (long texts joined).
type Inbox struct {
	ID         string `json:"id"` // stable: the same message read twice has the same id
	From       string `json:"from"`
	Text       string `json:"text"`
	SentAt     string `json:"sent_at,omitempty"`
	ReceivedAt string `json:"received_at"`
}

// Events are the driver's outputs. They are called on the driver's goroutine.
type Events struct {
	Status func(Status)
	Result func(Result)
	Inbox  func(Inbox)
}

// Driver is one modem.
type Driver struct {
	cfg  Config
	log  *slog.Logger
	q    *queue
	wake chan struct{}

	mu       sync.Mutex
	ev       Events
	status   Status
	lastSend time.Time
}

// New makes a driver; the queue is read from cfg.QueuePath (a damaged file is kept
// beside and is an error).
func New(cfg Config) (*Driver, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.RetryDelays == nil {
		cfg.RetryDelays = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute}
	}
	if cfg.MinInterval <= 0 {
		cfg.MinInterval = 3 * time.Second
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = 30 * time.Second
	}
	if cfg.Port.Baud == 0 {
		cfg.Port.Baud = 115200
	}
	q, err := openQueue(cfg.QueuePath)
	if err != nil {
		return nil, err
	}
	d := &Driver{cfg: cfg, log: cfg.Logger.With("component", "sms"), q: q, wake: make(chan struct{}, 1)}
	d.status = Status{State: StateOffline, Queue: q.Len()}
	return d, nil
}

// Listen sets the event handlers.
func (d *Driver) Listen(ev Events) {
	d.mu.Lock()
	d.ev = ev
	d.mu.Unlock()
}

// Status is the last known state.
func (d *Driver) Status() Status {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status
}

func (d *Driver) events() Events {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ev
}

func (d *Driver) setStatus(fn func(*Status)) {
	d.mu.Lock()
	old := d.status
	fn(&d.status)
	d.status.Queue = d.q.Len()
	s := d.status
	changed := s.State != old.State || s.SignalDBM != old.SignalDBM || s.SignalKnown != old.SignalKnown ||
		s.Registration != old.Registration || s.Queue != old.Queue || s.SIMUsed != old.SIMUsed || s.SIMTotal != old.SIMTotal || s.ReasonEN != old.ReasonEN
	ev := d.ev
	d.mu.Unlock()
	if changed && ev.Status != nil {
		s.Updated = time.Now().UTC().Format(time.RFC3339)
		ev.Status(s)
	}
}

func (d *Driver) setState(state, de, en string) {
	d.setStatus(func(s *Status) { s.State, s.ReasonDE, s.ReasonEN = state, de, en })
}

func (d *Driver) result(r Result) {
	if ev := d.events(); ev.Result != nil {
		ev.Result(r)
	}
}

// Send queues a text. The text is encoded at once, so a text that cannot be sent
// (a bad number, too long) is refused here, and nothing that was accepted can fail
// later for its content. A request with an id already queued or finished in the last
// day is answered with its state and not sent again.
func (d *Driver) Send(id, number, text string, report bool) error {
	if id == "" {
		return errors.New("send request without id")
	}
	d.q.mu.Lock()
	for _, j := range d.q.st.Jobs {
		if j.ID == id {
			d.q.mu.Unlock()
			return nil
		}
	}
	if _, done := d.q.st.Done[id]; done {
		d.q.mu.Unlock()
		return nil
	}
	d.q.st.Ref++
	ref := d.q.st.Ref
	d.q.mu.Unlock()
	pdus, err := EncodeSubmit(number, text, ref, report)
	if err != nil {
		return err
	}
	n, _ := NormalizeE164(number)
	d.q.mu.Lock()
	d.q.st.Jobs = append(d.q.st.Jobs, &Job{ID: id, Number: n, Text: text, Report: report, PDUs: pdus})
	err = d.q.saveLocked()
	d.q.mu.Unlock()
	if err != nil {
		return fmt.Errorf("failed to save the SMS queue: %w", err)
	}
	d.setStatus(func(*Status) {})
	d.result(Result{ID: id, Status: ResultQueued, Parts: len(pdus)})
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return nil
}

var errPINWrong = errors.New("the SIM refused the PIN")

// Run drives the modem until ctx ends: it opens the port (again and again, when the
// modem is unplugged), sets it up, sends what is queued and reads what arrives.
func (d *Driver) Run(ctx context.Context) error {
	for {
		d.setState(StateOffline, "Kein Modem am Anschluss.", "No modem on the port.")
		port, err := serialport.OpenRetry(ctx, d.cfg.Port, serialport.Backoff{Max: 5 * time.Second}, nil, func(err error) {
			d.log.Debug("modem not reachable", "error", err)
		})
		if err != nil {
			return ctx.Err()
		}
		err = d.session(ctx, port)
		port.Close()
		if ctx.Err() != nil {
			d.setState(StateOffline, "Treiber angehalten.", "Driver stopped.")
			return ctx.Err()
		}
		if errors.Is(err, errPINWrong) {
			// Wait for a person (a new configuration restarts the driver).
			<-ctx.Done()
			return ctx.Err()
		}
		d.log.Warn("modem session ended; reopening", "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (d *Driver) session(ctx context.Context, port serialport.Port) error {
	m := &modem{ctx: ctx, port: port, log: d.log}
	d.setState(StateStarting, "Modem wird eingerichtet.", "Setting up the modem.")
	var err error
	for range 3 {
		if _, err = m.command("AT", 2*time.Second); err == nil {
			break
		}
		if serialport.IsGone(err) || ctx.Err() != nil {
			return err
		}
	}
	if err != nil {
		return fmt.Errorf("modem does not answer AT: %w", err)
	}
	for _, c := range []string{"ATE0", "AT+CMEE=1"} {
		if _, err := m.command(c, 3*time.Second); err != nil {
			return err
		}
	}
	if err := d.unlock(m); err != nil {
		return err
	}
	for _, c := range []string{"AT+CMGF=0", `AT+CPMS="SM","SM","SM"`, "AT+CNMI=2,1,0,1,0"} {
		if _, err := m.command(c, 5*time.Second); err != nil {
			var me *ModemError
			if errors.As(err, &me) && c == `AT+CPMS="SM","SM","SM"` {
				continue // a modem with one storage only
			}
			return err
		}
	}
	if err := d.poll(m); err != nil {
		return err
	}
	// What arrived while the driver was away: read it all, so a full SIM empties.
	if err := d.readStored(m); err != nil {
		return err
	}
	nextPoll := time.Now().Add(d.cfg.PollEvery)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := d.handleURCs(m); err != nil {
			return err
		}
		if time.Now().After(nextPoll) {
			if err := d.poll(m); err != nil {
				return err
			}
			nextPoll = time.Now().Add(d.cfg.PollEvery)
		}
		if d.Status().State == StateReady {
			sent, err := d.sendDue(m)
			if err != nil {
				return err
			}
			if sent {
				continue
			}
		}
		// Wait for the modem to say something, or for new work.
		select {
		case <-d.wake:
		default:
		}
		line, err := m.readLine(time.Now().Add(200 * time.Millisecond))
		switch {
		case err == nil:
			m.takeURC(line)
		case errors.Is(err, errTimeout):
		default:
			return err
		}
	}
}

// unlock checks the SIM (AT+CPIN?) and enters the PIN when it asks for one.
func (d *Driver) unlock(m *modem) error {
	r, err := m.command("AT+CPIN?", 5*time.Second)
	if err != nil {
		var me *ModemError
		if errors.As(err, &me) {
			d.setState(StateSIMError, "Keine SIM-Karte oder SIM-Fehler ("+me.Result+").", "No SIM card or SIM error ("+me.Result+").")
			return fmt.Errorf("SIM: %w", err)
		}
		return err
	}
	v, _ := r.value("+CPIN:")
	switch strings.TrimSpace(v) {
	case "READY":
		return nil
	case "SIM PIN":
		if d.cfg.PIN == "" {
			d.setState(StatePINRequired, "Die SIM-Karte verlangt eine PIN; bitte in der Gerätekonfiguration eintragen.", "The SIM wants a PIN; enter it in the device configuration.")
			return errPINWrong
		}
		if _, err := m.command(`AT+CPIN="`+d.cfg.PIN+`"`, 10*time.Second); err != nil {
			var me *ModemError
			if errors.As(err, &me) {
				d.setState(StatePINWrong, "Die SIM-Karte hat die PIN abgelehnt. Sie wird nicht noch einmal versucht (nach drei Fehlversuchen ist die SIM gesperrt).", "The SIM refused the PIN. It is not tried again (three wrong tries lock the SIM).")
				return errPINWrong
			}
			return err
		}
		return nil
	default:
		d.setState(StateSIMError, "Die SIM-Karte ist gesperrt ("+v+"); bitte mit PUK in einem Telefon entsperren.", "The SIM is locked ("+v+"); unlock it with the PUK in a phone.")
		return errPINWrong
	}
}

// poll asks registration, signal and storage.
func (d *Driver) poll(m *modem) error {
	r, err := m.command("AT+CREG?", 5*time.Second)
	if err != nil {
		return err
	}
	v, _ := r.value("+CREG:")
	reg := ParseCREG(v)
	r, err = m.command("AT+CSQ", 5*time.Second)
	if err != nil {
		return err
	}
	v, _ = r.value("+CSQ:")
	dbm, known := ParseCSQ(v)
	used, total := -1, -1
	if r, err := m.command("AT+CPMS?", 5*time.Second); err == nil {
		v, _ = r.value("+CPMS:")
		f := splitFields(v)
		if len(f) >= 3 {
			used, _ = strconv.Atoi(f[1])
			total, _ = strconv.Atoi(f[2])
		}
	} else if serialport.IsGone(err) {
		return err
	}
	d.setStatus(func(s *Status) {
		s.Registration, s.SignalDBM, s.SignalKnown = reg, dbm, known
		if used >= 0 {
			s.SIMUsed, s.SIMTotal = used, total
		}
		if reg == 1 || reg == 5 {
			s.State, s.ReasonDE, s.ReasonEN = StateReady, "", ""
			if known && dbm < -105 {
				s.ReasonDE, s.ReasonEN = "Schwaches Signal.", "Weak signal."
			}
		} else {
			s.State = StateNoNetwork
			s.ReasonDE, s.ReasonEN = "Kein Mobilfunknetz (Registrierung "+strconv.Itoa(reg)+"); Nachrichten bleiben in der Warteschlange.", "No mobile network (registration "+strconv.Itoa(reg)+"); messages stay queued."
		}
	})
	return nil
}

// readStored reads every stored message (AT+CMGL=4: all) and deletes each after it
// was handed on.
func (d *Driver) readStored(m *modem) error {
	r, err := m.command("AT+CMGL=4", 20*time.Second)
	if err != nil {
		if serialport.IsGone(err) || errors.Is(err, errTimeout) {
			return err
		}
		d.log.Warn("stored messages not listed", "error", err)
		return nil
	}
	for _, s := range ParseListing(r.lines) {
		d.takePDU(s.PDU)
		if _, err := m.command("AT+CMGD="+strconv.Itoa(s.Index), 5*time.Second); err != nil && serialport.IsGone(err) {
			return err
		}
	}
	return nil
}

func (d *Driver) handleURCs(m *modem) error {
	for len(m.urcs) > 0 {
		u := m.urcs[0]
		m.urcs = m.urcs[1:]
		switch u.Kind {
		case "CDS":
			d.takePDU("00" + strings.TrimPrefix(u.PDU, "00"))
		case "CMTI":
			r, err := m.command("AT+CMGR="+strconv.Itoa(u.Index), 10*time.Second)
			if err != nil {
				if serialport.IsGone(err) || errors.Is(err, errTimeout) {
					m.urcs = append([]URC{u}, m.urcs...)
					return err
				}
				continue
			}
			for i, l := range r.lines {
				if strings.HasPrefix(l, "+CMGR:") && i+1 < len(r.lines) {
					d.takePDU(r.lines[i+1])
				}
			}
			if _, err := m.command("AT+CMGD="+strconv.Itoa(u.Index), 5*time.Second); err != nil && serialport.IsGone(err) {
				return err
			}
		}
	}
	return nil
}

// takePDU hands on a received message or status report.
func (d *Driver) takePDU(h string) {
	v, err := DecodePDU(h)
	if err != nil {
		d.log.Warn("unreadable PDU from the modem", "error", err)
		return
	}
	switch p := v.(type) {
	case *StatusReport:
		d.report(p)
	case *Deliver:
		d.deliver(p)
	}
}

func (d *Driver) deliver(p *Deliver) {
	text, sentAt := p.Text, p.SentAt
	if p.Parts > 1 {
		key := p.From + "|" + strconv.Itoa(p.Ref) + "|" + strconv.Itoa(p.Parts)
		d.q.mu.Lock()
		pt := d.q.st.Partials[key]
		if pt == nil {
			pt = &partial{From: p.From, Ref: p.Ref, Parts: p.Parts, Texts: make([]string, p.Parts), SentAt: p.SentAt, First: time.Now()}
			d.q.st.Partials[key] = pt
		}
		if p.Part <= len(pt.Texts) {
			pt.Texts[p.Part-1] = p.Text
		}
		complete := true
		for _, t := range pt.Texts {
			complete = complete && t != ""
		}
		if complete {
			delete(d.q.st.Partials, key)
		}
		if err := d.q.saveLocked(); err != nil {
			d.log.Error("SMS queue not saved", "error", err)
		}
		d.q.mu.Unlock()
		if !complete {
			return
		}
		text, sentAt = strings.Join(pt.Texts, ""), pt.SentAt
	}
	sum := sha256.Sum256([]byte(p.From + "\x00" + sentAt.UTC().Format(time.RFC3339) + "\x00" + text))
	in := Inbox{ID: hex.EncodeToString(sum[:8]), From: p.From, Text: text, ReceivedAt: time.Now().UTC().Format(time.RFC3339)}
	if !sentAt.IsZero() {
		in.SentAt = sentAt.UTC().Format(time.RFC3339)
	}
	if ev := d.events(); ev.Inbox != nil {
		ev.Inbox(in)
	}
}

func (d *Driver) report(p *StatusReport) {
	if !p.Final() {
		return
	}
	d.q.mu.Lock()
	pr, ok := d.q.st.Reports[p.MR]
	if !ok {
		d.q.mu.Unlock()
		return
	}
	delete(d.q.st.Reports, p.MR)
	rest := 0
	for mr, o := range d.q.st.Reports {
		if o.ID == pr.ID {
			if !p.Delivered() {
				delete(d.q.st.Reports, mr) // one failed part: the text is undelivered
			}
			rest++
		}
	}
	_ = d.q.saveLocked()
	d.q.mu.Unlock()
	switch {
	case !p.Delivered():
		d.result(Result{ID: pr.ID, Status: ResultUndelivered, Parts: pr.Parts, Code: fmt.Sprintf("TP-ST %02X", p.Status),
			ReasonDE: "Das Netz meldet: nicht zugestellt.", ReasonEN: "The network reports: not delivered."})
	case rest == 0:
		d.result(Result{ID: pr.ID, Status: ResultDelivered, Parts: pr.Parts})
	}
}

// sendDue sends the parts of the first due job, one PDU per call to keep the rate
// limit and to read what arrives in between; it reports whether it did something.
func (d *Driver) sendDue(m *modem) (bool, error) {
	now := time.Now()
	if wait := d.cfg.MinInterval - now.Sub(d.lastSend); wait > 0 {
		if d.dueJob(now) != nil {
			time.Sleep(min(wait, 200*time.Millisecond))
			return true, nil
		}
		return false, nil
	}
	j := d.dueJob(now)
	if j == nil {
		return false, nil
	}
	d.q.mu.Lock()
	pdu := j.PDUs[j.Sent]
	if j.Sent == 0 {
		j.Attempt++
	}
	d.q.mu.Unlock()
	d.lastSend = time.Now()
	mr, err := m.submit(pdu)
	if err != nil {
		var me *ModemError
		if !errors.As(err, &me) {
			// The modem went away or stopped answering: the job stays as it is and is
			// sent (its remaining parts) when the modem is back.
			d.result(Result{ID: j.ID, Status: ResultRetrying, Parts: len(j.PDUs), Attempt: j.Attempt, Code: "MODEM",
				ReasonDE: "Modem nicht erreichbar; die Nachricht bleibt in der Warteschlange.", ReasonEN: "Modem not reachable; the message stays queued."})
			return false, err
		}
		if me.CMS == 331 || me.CMS == 332 {
			// No network (or it timed out): not the message's fault. It keeps its place
			// and its attempts; sending waits until registration says the network is back.
			d.q.mu.Lock()
			if j.Sent == 0 && j.Attempt > 0 {
				j.Attempt--
			}
			d.q.mu.Unlock()
			d.result(Result{ID: j.ID, Status: ResultRetrying, Parts: len(j.PDUs), Attempt: j.Attempt, Code: me.Result,
				ReasonDE: "Kein Mobilfunknetz; die Nachricht bleibt in der Warteschlange.", ReasonEN: "No mobile network; the message stays queued."})
			if err := d.poll(m); err != nil {
				return false, err
			}
			if d.Status().State == StateReady {
				// The modem says registered but the network refused: ask again later.
				d.q.mu.Lock()
				j.NextAt = time.Now().Add(5 * time.Second)
				_ = d.q.saveLocked()
				d.q.mu.Unlock()
			}
			return true, nil
		}
		d.failPart(j, me)
		return true, nil
	}
	d.q.mu.Lock()
	j.Sent++
	j.MRs = append(j.MRs, mr)
	finished := j.Sent == len(j.PDUs)
	if finished {
		d.removeLocked(j.ID)
		d.q.st.Done[j.ID] = time.Now()
		if j.Report {
			for _, mr := range j.MRs {
				d.q.st.Reports[mr] = pendingReport{ID: j.ID, Parts: len(j.PDUs), At: time.Now()}
			}
		}
	}
	err = d.q.saveLocked()
	d.q.mu.Unlock()
	if err != nil {
		d.log.Error("SMS queue not saved", "error", err)
	}
	if finished {
		d.setStatus(func(*Status) {})
		d.result(Result{ID: j.ID, Status: ResultSent, Parts: len(j.PDUs), Attempt: j.Attempt})
	}
	return true, nil
}

func (d *Driver) dueJob(now time.Time) *Job {
	d.q.mu.Lock()
	defer d.q.mu.Unlock()
	jobs := append([]*Job(nil), d.q.st.Jobs...)
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].NextAt.Before(jobs[b].NextAt) })
	for _, j := range jobs {
		if !j.NextAt.After(now) {
			return j
		}
	}
	return nil
}

func (d *Driver) removeLocked(id string) {
	jobs := d.q.st.Jobs[:0]
	for _, j := range d.q.st.Jobs {
		if j.ID != id {
			jobs = append(jobs, j)
		}
	}
	d.q.st.Jobs = jobs
}

// failPart decides after a refused PDU: try again later (temporary network trouble)
// or give up with the reason.
func (d *Driver) failPart(j *Job, me *ModemError) {
	code, de, en, temporary := ExplainCMS(me)
	d.q.mu.Lock()
	retry := temporary && j.Attempt <= len(d.cfg.RetryDelays)
	var next time.Time
	if retry {
		next = time.Now().Add(d.cfg.RetryDelays[j.Attempt-1])
		j.NextAt = next
	} else {
		d.removeLocked(j.ID)
		d.q.st.Done[j.ID] = time.Now()
	}
	if err := d.q.saveLocked(); err != nil {
		d.log.Error("SMS queue not saved", "error", err)
	}
	d.q.mu.Unlock()
	r := Result{ID: j.ID, Parts: len(j.PDUs), Attempt: j.Attempt, Code: code, ReasonDE: de, ReasonEN: en}
	if retry {
		r.Status, r.NextAttempt = ResultRetrying, next.UTC().Format(time.RFC3339)
	} else {
		r.Status = ResultFailed
		d.setStatus(func(*Status) {})
	}
	d.result(r)
}

// ExplainCMS names a refusal of AT+CMGS: a code for logs, German and English
// reasons, and whether trying again later may help (TS 27.005 §3.2.5; the values
// below 128 are the network's RP causes of TS 24.011 §8.2.5.4).
func ExplainCMS(me *ModemError) (code, de, en string, temporary bool) {
	n := me.CMS
	code = me.Result
	switch {
	case n == 1 || n == 8 || n == 10 || n == 21 || n == 29 || n == 30 || n == 50 || n == 96 || n == 111 || n == 127:
		return code, "Das Netz hat die Nachricht abgelehnt (Nummer unbekannt oder gesperrt).", "The network refused the message (unknown or barred number).", false
	case n >= 128 && n <= 255, n == 304, n == 305:
		return code, "Das Modem hat die Nachricht als ungültig abgelehnt.", "The modem refused the message as invalid.", false
	case n == 310 || n == 311 || n == 312 || n == 313 || n == 316 || n == 317:
		return code, "Die SIM-Karte fehlt oder ist gesperrt.", "The SIM is missing or locked.", false
	case n == 331:
		return code, "Kein Mobilfunknetz.", "No mobile network.", true
	case n == -1 && me.CME == -1:
		return code, "Das Modem hat den Versand abgelehnt.", "The modem refused to send.", true
	}
	return code, "Vorübergehender Fehler im Netz; neuer Versuch folgt.", "Temporary network failure; trying again.", true
}
