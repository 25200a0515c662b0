// Package gsmsim is a GSM modem simulator on a pseudo-terminal pair (not a mock of
// the port): the SMS driver opens Path() like a real modem and talks AT commands
// (3GPP TS 27.007/27.005, PDU mode). Tests and the demo script it: a SIM that wants
// a PIN, weak signal, no network, a full SIM, a message the network refuses,
// incoming messages, delivery reports, and a modem that is unplugged and comes back.
//
//	s, _ := gsmsim.New(gsmsim.Options{PIN: "1234"})
//	defer s.Close()
//	d, _ := sms.New(sms.Config{Port: serialport.Config{Name: s.Path()}, PIN: "1234"})
//	go d.Run(ctx)
//	s.Receive("+491701234567", "1 20") // an answer arrives
//	sub := <-s.Submitted()              // what the driver sent
package gsmsim

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"crisisroom/hardware/serialport"
	"crisisroom/hardware/sms"
)

// Options configure a simulator.
type Options struct {
	// PIN the SIM asks for; "" means the SIM is unlocked.
	PIN string
	// Slots is the SIM's message storage (default 20).
	Slots int
	// AutoReport sends a delivery report ("delivered") for every submitted PDU that
	// asked for one, after ReportDelay.
	AutoReport  bool
	ReportDelay time.Duration
	Logger      *slog.Logger
}

// Submission is one PDU the driver sent (AT+CMGS).
type Submission struct {
	PDU string // hex as the driver wrote it
	MR  int
	*sms.Submitted
}

// Sim is a simulated modem. Its methods are safe for concurrent use.
type Sim struct {
	opts Options
	log  *slog.Logger
	dir  string
	link string

	mu         sync.Mutex
	master     *os.File
	unlocked   bool
	pinTries   int
	creg       int
	csq        int
	failNext   []int // +CMS ERROR codes for the next AT+CMGS
	vanishNext bool
	slots      []string // "" free, else a stored PDU
	network    []string // deliveries waiting for a free slot
	mr         int
	cnmi       bool
	ref        byte

	submitted chan Submission
	onSubmit  func(Submission)
}

// New starts a simulator with a registered network (home) and a good signal.
func New(o Options) (*Sim, error) {
	if o.Slots <= 0 {
		o.Slots = 20
	}
	if o.ReportDelay <= 0 {
		o.ReportDelay = 50 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dir, err := os.MkdirTemp("", "gsmsim")
	if err != nil {
		return nil, err
	}
	s := &Sim{
		opts: o, log: o.Logger.With("component", "gsmsim"), dir: dir, link: filepath.Join(dir, "ttyGSM"),
		unlocked: o.PIN == "", creg: 1, csq: 20, slots: make([]string, o.Slots),
		submitted: make(chan Submission, 256),
	}
	if err := s.Replug(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Path is the device to open; it stays the same across Unplug and Replug.
func (s *Sim) Path() string { return s.link }

// Submitted delivers what the driver sent, one PDU at a time (buffered; the oldest
// are dropped when nobody reads, so a demo never blocks).
func (s *Sim) Submitted() <-chan Submission { return s.submitted }

// OnSubmit sets a function called for every submitted PDU (the demo's pretend
// recipients). It runs on the simulator's goroutine.
func (s *Sim) OnSubmit(fn func(Submission)) {
	s.mu.Lock()
	s.onSubmit = fn
	s.mu.Unlock()
}

// SetRegistration sets the +CREG stat: 1 home, 5 roaming, 2 searching, 0 none, 3 denied.
func (s *Sim) SetRegistration(stat int) { s.mu.Lock(); s.creg = stat; s.mu.Unlock() }

// SetSignal sets the +CSQ rssi (0–31, 99 unknown): 2 is -109 dBm, weak.
func (s *Sim) SetSignal(rssi int) { s.mu.Lock(); s.csq = rssi; s.mu.Unlock() }

// FailNext makes the next AT+CMGS answer "+CMS ERROR: code" (once per code given).
func (s *Sim) FailNext(codes ...int) {
	s.mu.Lock()
	s.failNext = append(s.failNext, codes...)
	s.mu.Unlock()
}

// VanishOnNextSubmit unplugs the modem after the next AT+CMGS prompt, in the middle
// of the PDU: the driver must keep the message and send it when the modem is back.
func (s *Sim) VanishOnNextSubmit() { s.mu.Lock(); s.vanishNext = true; s.mu.Unlock() }

// Stored counts messages in the SIM's storage.
func (s *Sim) Stored() (used, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.slots {
		if p != "" {
			used++
		}
	}
	return used, len(s.slots)
}

// Fill stores n messages from from straight into the SIM (as if they had arrived
// while no driver was listening), without an indication.
func (s *Sim) Fill(from string, n int) error {
	for i := range n {
		pdus, err := sms.EncodeDeliver(from, "Gespeichert "+strconv.Itoa(i+1), time.Now(), 0)
		if err != nil {
			return err
		}
		s.mu.Lock()
		ok := s.storeLocked(pdus[0]) >= 0
		s.mu.Unlock()
		if !ok {
			return errors.New("SIM full")
		}
	}
	return nil
}

// Receive makes the network deliver text from from (long texts in parts). A part
// that finds the SIM full waits in the network until a slot is free, as real
// networks hold messages for a full handset.
func (s *Sim) Receive(from, text string) error {
	s.mu.Lock()
	s.ref++
	ref := s.ref
	s.mu.Unlock()
	pdus, err := sms.EncodeDeliver(from, text, time.Now(), ref)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.network = append(s.network, pdus...)
	s.mu.Unlock()
	s.flushNetwork()
	return nil
}

// ReceivePDU delivers a raw PDU (hex with SCA), e.g. from a fuzzer or another phone.
func (s *Sim) ReceivePDU(pdu string) {
	s.mu.Lock()
	s.network = append(s.network, pdu)
	s.mu.Unlock()
	s.flushNetwork()
}

// Report sends a status report for message reference mr (status 0 delivered,
// 0x40+ failed) as a +CDS indication.
func (s *Sim) Report(mr int, recipient string, status byte) error {
	pdu, err := sms.EncodeStatusReport(mr, recipient, status, time.Now())
	if err != nil {
		return err
	}
	return s.write(fmt.Sprintf("\r\n+CDS: %d\r\n%s\r\n", len(pdu)/2-1, pdu))
}

func (s *Sim) storeLocked(pdu string) int {
	for i, p := range s.slots {
		if p == "" {
			s.slots[i] = pdu
			return i + 1
		}
	}
	return -1
}

// flushNetwork stores waiting deliveries in free slots and indicates each (+CMTI).
func (s *Sim) flushNetwork() {
	s.mu.Lock()
	var idx []int
	for len(s.network) > 0 {
		i := s.storeLocked(s.network[0])
		if i < 0 {
			break
		}
		s.network = s.network[1:]
		idx = append(idx, i)
	}
	cnmi := s.cnmi
	s.mu.Unlock()
	if !cnmi {
		return
	}
	for _, i := range idx {
		s.write(fmt.Sprintf("\r\n+CMTI: \"SM\",%d\r\n", i))
	}
}

// Unplug closes the pty: the driver's port reads ErrGone and the path disappears.
func (s *Sim) Unplug() {
	s.mu.Lock()
	m := s.master
	s.master = nil
	s.cnmi = false
	s.mu.Unlock()
	os.Remove(s.link)
	if m != nil {
		m.Close()
	}
}

// Replug brings the modem back under the same Path (the SIM locked again, as after
// a power cycle).
func (s *Sim) Replug() error {
	master, slave, err := serialport.OpenPTY()
	if err != nil {
		return err
	}
	tmp := s.link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(slave, tmp); err != nil {
		master.Close()
		return err
	}
	if err := os.Rename(tmp, s.link); err != nil {
		master.Close()
		return err
	}
	s.mu.Lock()
	old := s.master
	s.master = master
	s.unlocked = s.opts.PIN == ""
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
	go s.serve(master)
	return nil
}

// Close unplugs the modem for good.
func (s *Sim) Close() error {
	s.Unplug()
	return os.RemoveAll(s.dir)
}

func (s *Sim) write(text string) error {
	s.mu.Lock()
	m := s.master
	s.mu.Unlock()
	if m == nil {
		return errors.New("gsmsim: unplugged")
	}
	_, err := m.Write([]byte(text))
	return err
}

func (s *Sim) serve(f *os.File) {
	var buf []byte
	var b [4096]byte
	var pduLen int // > 0 while reading the PDU after AT+CMGS
	for {
		f.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := f.Read(b[:])
		buf = append(buf, b[:n]...)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			if errors.Is(err, syscall.EIO) {
				time.Sleep(20 * time.Millisecond) // nobody has the slave open
				continue
			}
			return
		}
		for {
			if pduLen > 0 {
				i := strings.IndexAny(string(buf), "\x1a\x1b")
				if i < 0 {
					break
				}
				pdu, end := string(buf[:i]), buf[i]
				buf = buf[i+1:]
				pduLen = 0
				if end == 0x1b { // ESC cancels
					s.reply(f, "OK")
					continue
				}
				s.submit(f, strings.TrimSpace(pdu))
				continue
			}
			i := strings.IndexByte(string(buf), '\r')
			if i < 0 {
				break
			}
			line := strings.TrimSpace(string(buf[:i]))
			buf = buf[i+1:]
			if line == "" {
				continue
			}
			if n, ok := s.command(f, line); ok {
				pduLen = n
			}
		}
	}
}

func (s *Sim) reply(f *os.File, lines ...string) {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("\r\n" + l + "\r\n")
	}
	f.Write([]byte(b.String()))
}

// command answers one AT command; it returns the PDU length of an accepted AT+CMGS.
func (s *Sim) command(f *os.File, line string) (int, bool) {
	up := strings.ToUpper(line)
	s.mu.Lock()
	unlocked := s.unlocked
	s.mu.Unlock()
	needSIM := func() bool {
		if !unlocked {
			s.reply(f, "+CMS ERROR: 311")
			return false
		}
		return true
	}
	switch {
	case up == "AT", up == "ATE0", up == "ATZ", strings.HasPrefix(up, "AT+CMEE"), strings.HasPrefix(up, "AT+CMGF=0"):
		s.reply(f, "OK")
	case up == "AT+CPIN?":
		if unlocked {
			s.reply(f, "+CPIN: READY", "OK")
		} else {
			s.reply(f, "+CPIN: SIM PIN", "OK")
		}
	case strings.HasPrefix(up, "AT+CPIN="):
		pin := strings.Trim(line[len("AT+CPIN="):], `"`)
		s.mu.Lock()
		s.pinTries++
		ok := pin == s.opts.PIN && s.pinTries <= 3
		if ok {
			s.unlocked, s.pinTries = true, 0
		}
		s.mu.Unlock()
		if ok {
			s.reply(f, "OK")
		} else {
			s.reply(f, "+CME ERROR: 16") // incorrect password
		}
	case strings.HasPrefix(up, "AT+CNMI="):
		s.mu.Lock()
		s.cnmi = true
		s.mu.Unlock()
		s.reply(f, "OK")
		s.flushNetwork()
	case up == "AT+CREG?":
		s.mu.Lock()
		v := s.creg
		s.mu.Unlock()
		s.reply(f, "+CREG: 0,"+strconv.Itoa(v), "OK")
	case up == "AT+CSQ":
		s.mu.Lock()
		v := s.csq
		s.mu.Unlock()
		s.reply(f, "+CSQ: "+strconv.Itoa(v)+",99", "OK")
	case strings.HasPrefix(up, "AT+CPMS"):
		if !needSIM() {
			return 0, false
		}
		used, total := s.Stored()
		if up == "AT+CPMS?" {
			s.reply(f, fmt.Sprintf(`+CPMS: "SM",%d,%d,"SM",%d,%d,"SM",%d,%d`, used, total, used, total, used, total), "OK")
		} else {
			s.reply(f, fmt.Sprintf("+CPMS: %d,%d,%d,%d,%d,%d", used, total, used, total, used, total), "OK")
		}
	case strings.HasPrefix(up, "AT+CMGL"):
		if !needSIM() {
			return 0, false
		}
		var lines []string
		s.mu.Lock()
		for i, p := range s.slots {
			if p != "" {
				lines = append(lines, fmt.Sprintf("+CMGL: %d,0,,%d", i+1, len(p)/2-1), p)
			}
		}
		s.mu.Unlock()
		s.reply(f, append(lines, "OK")...)
	case strings.HasPrefix(up, "AT+CMGR="):
		if !needSIM() {
			return 0, false
		}
		i, _ := strconv.Atoi(line[len("AT+CMGR="):])
		s.mu.Lock()
		var p string
		if i >= 1 && i <= len(s.slots) {
			p = s.slots[i-1]
		}
		s.mu.Unlock()
		if p == "" {
			s.reply(f, "+CMS ERROR: 321") // invalid memory index
			return 0, false
		}
		s.reply(f, fmt.Sprintf("+CMGR: 0,,%d", len(p)/2-1), p, "OK")
	case strings.HasPrefix(up, "AT+CMGD="):
		if !needSIM() {
			return 0, false
		}
		i, _ := strconv.Atoi(strings.SplitN(line[len("AT+CMGD="):], ",", 2)[0])
		s.mu.Lock()
		if i >= 1 && i <= len(s.slots) {
			s.slots[i-1] = ""
		}
		s.mu.Unlock()
		s.reply(f, "OK")
		s.flushNetwork()
	case strings.HasPrefix(up, "AT+CMGS="):
		if !needSIM() {
			return 0, false
		}
		n, err := strconv.Atoi(line[len("AT+CMGS="):])
		if err != nil || n <= 0 || n > 176 {
			s.reply(f, "+CMS ERROR: 304")
			return 0, false
		}
		f.Write([]byte("\r\n> "))
		s.mu.Lock()
		vanish := s.vanishNext
		s.vanishNext = false
		s.mu.Unlock()
		if vanish {
			s.Unplug()
			return 0, false
		}
		return n, true
	default:
		s.reply(f, "ERROR")
	}
	return 0, false
}

// submit answers the PDU after AT+CMGS: a message reference, or the error asked for.
func (s *Sim) submit(f *os.File, pdu string) {
	s.mu.Lock()
	var fail int
	if len(s.failNext) > 0 {
		fail, s.failNext = s.failNext[0], s.failNext[1:]
	}
	creg := s.creg
	s.mu.Unlock()
	if fail != 0 {
		s.reply(f, "+CMS ERROR: "+strconv.Itoa(fail))
		return
	}
	if creg != 1 && creg != 5 {
		s.reply(f, "+CMS ERROR: 331") // no network service
		return
	}
	sub, err := sms.DecodeSubmit(pdu)
	if err != nil {
		s.reply(f, "+CMS ERROR: 304")
		return
	}
	s.mu.Lock()
	s.mr = (s.mr + 1) % 256
	mr := s.mr
	fn := s.onSubmit
	s.mu.Unlock()
	s.reply(f, "+CMGS: "+strconv.Itoa(mr), "OK")
	sb := Submission{PDU: pdu, MR: mr, Submitted: sub}
	select {
	case s.submitted <- sb:
	default:
		select {
		case <-s.submitted:
		default:
		}
		select {
		case s.submitted <- sb:
		default:
		}
	}
	if fn != nil {
		fn(sb)
	}
	if s.opts.AutoReport && sub.StatusReport {
		go func() {
			time.Sleep(s.opts.ReportDelay)
			s.Report(mr, sub.To, 0x00)
		}()
	}
}
