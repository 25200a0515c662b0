// Package sim is a Class 2.0 fax modem simulator on a pseudo-terminal. The
// driver opens Path() like a real modem; the simulator answers AT commands,
// rings with pages from a pretend caller, records what the driver faxes to
// it, and misbehaves on request (busy, no carrier, training failure,
// rejected pages, line noise, XOFF, unplugging). The appliance's demo
// command and tests in other packages use it, so it is not a _test file.
//
//	s, _ := sim.New(sim.Options{})
//	defer s.Close()
//	d := fax.New(fax.Config{Port: serialport.Config{Name: s.Path()}, LocalID: "Krisenstab"})
//	go d.Run(ctx)
//	pages, _ := fax.RenderText("Lage 12:00", fax.RenderOptions{})
//	done := s.Ring("+49 221 42", sim.Page{Image: pages[0].Image}) // an incoming fax
//	sent := <-s.Faxes()                                            // what the driver faxed out
package sim

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"crisisroom/hardware/fax/mh"
	"crisisroom/hardware/serialport"
)

// Fault makes the simulated modem or line misbehave.
type Fault int

const (
	FaultNone Fault = iota
	// FaultBusy answers ATD with BUSY.
	FaultBusy
	// FaultNoAnswer answers ATD with NO ANSWER.
	FaultNoAnswer
	// FaultNoCarrier answers ATD with NO CARRIER (a person picked up).
	FaultNoCarrier
	// FaultNoDialtone answers ATD with NO DIALTONE (line unplugged).
	FaultNoDialtone
	// FaultTraining fails AT+FDT with +FHS:27.
	FaultTraining
	// FaultRejectOnce rejects the first page of a call once (ERROR).
	FaultRejectOnce
	// FaultRejectAlways rejects every page.
	FaultRejectAlways
	// FaultLineNoise corrupts some bytes of pages sent to the driver.
	FaultLineNoise
	// FaultXoff sends XOFF in the middle of a page from the driver, pauses,
	// and counts bytes that arrive before XON.
	FaultXoff
	// FaultVanish closes the pty in the middle of a page from the driver,
	// like a USB modem being unplugged. Call Replug to bring it back.
	FaultVanish
)

// Options configure a simulator.
type Options struct {
	// RemoteID is the station ID of the fax we pretend to dial (+FCI).
	RemoteID string
	// HardwareFlow makes AT+FLO=2 succeed; by default it fails, as on a
	// modem without RTS/CTS wiring, so the driver falls back to XON/XOFF
	// (a pty has no modem lines anyway).
	HardwareFlow bool
	Logger       *slog.Logger
}

// Page to send when ringing: an image, or ready MH data (LSB first).
type Page struct {
	Image image.Image
	MH    []byte
}

// Fax is what the driver sent to the simulator.
type Fax struct {
	Number  string
	LocalID string // the driver's AT+FLI
	Pages   []*mh.Page
	// Rejected counts pages the simulator refused (and the driver resent).
	Rejected int
}

type ring struct {
	remoteID string
	pages    [][]byte
	done     chan error
}

// Sim is a simulated modem. Its methods are safe for concurrent use.
type Sim struct {
	opts Options
	log  *slog.Logger
	dir  string
	link string

	mu         sync.Mutex
	master     *os.File
	fault      Fault
	xoffPauses int
	xoffLeaks  int
	xoffFlow   serialport.FlowControl

	rings chan ring
	faxes chan Fax
}

// New starts a simulator. Path() names the device to open; it stays the
// same across Unplug and Replug, like a /dev/serial/by-id/ link.
func New(o Options) (*Sim, error) {
	if o.RemoteID == "" {
		o.RemoteID = "+49 30 5550100"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dir, err := os.MkdirTemp("", "faxsim")
	if err != nil {
		return nil, err
	}
	s := &Sim{
		opts: o, log: o.Logger.With("component", "faxsim"), dir: dir,
		link:  filepath.Join(dir, "ttyFAX"),
		rings: make(chan ring, 4), faxes: make(chan Fax, 16),
	}
	if err := s.Replug(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Path is the device the driver should open.
func (s *Sim) Path() string { return s.link }

// SetFault selects how the next calls misbehave.
func (s *Sim) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

func (s *Sim) getFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fault
}

// XoffStats reports how many XOFF pauses were made, how many bytes arrived
// during them (should be 0), and the flow control the driver had set on its
// side of the pty at the time.
func (s *Sim) XoffStats() (pauses, leaked int, flow serialport.FlowControl) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.xoffPauses, s.xoffLeaks, s.xoffFlow
}

// Ring makes a call to the driver with pages from remoteID. The channel
// reports when the call is over: nil if every page was taken.
func (s *Sim) Ring(remoteID string, pages ...Page) <-chan error {
	r := ring{remoteID: remoteID, done: make(chan error, 1)}
	for _, p := range pages {
		if p.MH != nil {
			r.pages = append(r.pages, p.MH)
		} else {
			r.pages = append(r.pages, mh.Encode(p.Image, nil))
		}
	}
	s.rings <- r
	return r.done
}

// Faxes delivers what the driver sent.
func (s *Sim) Faxes() <-chan Fax { return s.faxes }

// Unplug closes the pty: the driver's port reads ErrGone and the device
// path disappears.
func (s *Sim) Unplug() {
	s.mu.Lock()
	m := s.master
	s.master = nil
	s.mu.Unlock()
	os.Remove(s.link)
	if m != nil {
		m.Close()
	}
}

// Replug brings the modem back under the same Path.
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
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
	c := &conn{s: s, f: master, log: s.log}
	go c.serve()
	return nil
}

// Close unplugs the modem for good.
func (s *Sim) Close() error {
	s.Unplug()
	return os.RemoveAll(s.dir)
}

var errClosed = errors.New("sim: pty closed")

type conn struct {
	s       *Sim
	f       *os.File
	buf     []byte
	log     *slog.Logger
	localID string
}

func (c *conn) fill(timeout time.Duration) error {
	c.f.SetReadDeadline(time.Now().Add(timeout))
	var b [4096]byte
	n, err := c.f.Read(b[:])
	c.buf = append(c.buf, b[:n]...)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return os.ErrDeadlineExceeded
	case errors.Is(err, syscall.EIO):
		// Nobody has the slave open (the driver is between opens).
		time.Sleep(min(timeout, 20*time.Millisecond))
		return os.ErrDeadlineExceeded
	}
	return errClosed
}

func (c *conn) readByte(timeout time.Duration) (byte, error) {
	deadline := time.Now().Add(timeout)
	for len(c.buf) == 0 {
		left := time.Until(deadline)
		if left <= 0 {
			return 0, os.ErrDeadlineExceeded
		}
		if err := c.fill(left); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, err
		}
	}
	b := c.buf[0]
	c.buf = c.buf[1:]
	return b, nil
}

// readLine reads one command, terminated by CR as modems expect.
func (c *conn) readLine(timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		if i := bytes.IndexAny(c.buf, "\r\n"); i >= 0 {
			line := strings.TrimSpace(string(c.buf[:i]))
			c.buf = c.buf[i+1:]
			if line != "" {
				return line, nil
			}
			continue
		}
		left := time.Until(deadline)
		if left <= 0 {
			return "", os.ErrDeadlineExceeded
		}
		if err := c.fill(left); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return "", err
		}
	}
}

func (c *conn) say(lines ...string) {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString("\r\n" + l + "\r\n")
	}
	c.f.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.f.Write(b.Bytes())
}

func (c *conn) serve() {
	for {
		select {
		case r := <-c.s.rings:
			err := c.incoming(r)
			r.done <- err
			if errors.Is(err, errClosed) {
				return
			}
			continue
		default:
		}
		line, err := c.readLine(30 * time.Millisecond)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		if err != nil {
			return
		}
		if err := c.command(line); errors.Is(err, errClosed) {
			return
		}
	}
}

// command answers one AT command outside a call.
func (c *conn) command(line string) error {
	cmd := strings.ToUpper(line)
	c.log.Debug("sim got", "cmd", line)
	switch {
	case cmd == "AT+FCLASS=?":
		c.say("0,1,2,2.0", "OK")
	case cmd == "AT+FLO=2" && !c.s.opts.HardwareFlow:
		c.say("ERROR")
	case strings.HasPrefix(cmd, "AT+FLI="):
		c.localID = strings.Trim(line[len("AT+FLI="):], `"`)
		c.say("OK")
	case strings.HasPrefix(cmd, "ATD"):
		return c.dialled(strings.TrimPrefix(strings.TrimPrefix(cmd[3:], "T"), "P"))
	case cmd == "AT+FDR", cmd == "AT+FDT", cmd == "ATA":
		c.say("ERROR") // not in a call
	case strings.HasPrefix(cmd, "AT"):
		c.say("OK")
	default:
		c.say("ERROR")
	}
	return nil
}

// incoming plays a caller sending pages to the driver.
func (c *conn) incoming(r ring) error {
	answered := false
	for i := 0; i < 5 && !answered; i++ {
		c.say("RING")
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) {
			line, err := c.readLine(time.Until(deadline))
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			if err != nil {
				return errClosed
			}
			if strings.ToUpper(line) == "ATA" {
				answered = true
				break
			}
			c.command(line)
		}
	}
	if !answered {
		return errors.New("sim: nobody answered")
	}
	c.say("+FCO", fmt.Sprintf(`+FTI:"%s"`, r.remoteID), "+FCS:1,5,0,2,0,0,0,0", "OK")
	next := 0
	for {
		line, err := c.readLine(10 * time.Second)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return errors.New("sim: driver went quiet during receive")
			}
			return errClosed
		}
		switch strings.ToUpper(line) {
		case "AT+FDR":
			if next == len(r.pages) {
				c.say("+FHS:00", "OK")
				return nil
			}
			c.say("+FCS:1,5,0,2,0,0,0,0", "CONNECT")
			if err := c.awaitDC2(); err != nil {
				return err
			}
			data := r.pages[next]
			if c.s.getFault() == FaultLineNoise {
				data = corrupt(data)
			}
			c.f.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.f.Write(append(shield(data), 0x10, 0x03)); err != nil {
				return errClosed
			}
			next++
			fet := "0"
			if next == len(r.pages) {
				fet = "2"
			}
			c.say(fmt.Sprintf("+FPS:1,%X,0,0,0", 2287), "+FET:"+fet, "OK")
		case "AT+FKS", "ATH0", "ATH":
			c.say("+FHS:02", "OK")
			return errors.New("sim: driver aborted the call")
		default:
			c.command(line)
		}
	}
}

func (c *conn) awaitDC2() error {
	for {
		b, err := c.readByte(3 * time.Second)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return errors.New("sim: no DC2 after CONNECT")
			}
			return errClosed
		}
		if b == 0x12 {
			return nil
		}
	}
}

// shield doubles DLE as a modem does towards the computer.
func shield(data []byte) []byte {
	return bytes.ReplaceAll(data, []byte{0x10}, []byte{0x10, 0x10})
}

// corrupt flips a few bytes in the middle of a page, as a noisy line does.
func corrupt(data []byte) []byte {
	out := append([]byte(nil), data...)
	rng := rand.New(rand.NewPCG(uint64(len(data)), 42))
	for range 8 {
		i := len(out)/4 + rng.IntN(len(out)/2+1)
		if i < len(out) {
			out[i] ^= byte(1 + rng.IntN(255))
		}
	}
	return out
}

// dialled plays the called fax machine receiving pages from the driver.
func (c *conn) dialled(number string) error {
	switch c.s.getFault() {
	case FaultBusy:
		c.say("BUSY")
		return nil
	case FaultNoAnswer:
		c.say("NO ANSWER")
		return nil
	case FaultNoCarrier:
		c.say("NO CARRIER")
		return nil
	case FaultNoDialtone:
		c.say("NO DIALTONE")
		return nil
	}
	c.say("+FCO", fmt.Sprintf(`+FCI:"%s"`, c.s.opts.RemoteID), "+FIS:1,5,0,2,0,0,0,0", "OK")
	fax := Fax{Number: number, LocalID: c.localID}
	rejectedOnce := false
	for {
		line, err := c.readLine(10 * time.Second)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return errors.New("sim: driver went quiet during send")
			}
			return errClosed
		}
		switch strings.ToUpper(line) {
		case "AT+FDT":
			if c.s.getFault() == FaultTraining {
				c.say("+FHS:27", "ERROR")
				return nil
			}
			c.say("+FCS:1,5,0,2,0,0,0,0", "CONNECT")
			data, end, err := c.pageData()
			if err != nil {
				return err
			}
			fault := c.s.getFault()
			if fault == FaultRejectAlways || fault == FaultRejectOnce && !rejectedOnce {
				rejectedOnce = true
				fax.Rejected++
				c.say("+FPS:2,0,0,0,0", "ERROR")
				continue
			}
			p, err := mh.Decode(data, nil)
			if err != nil {
				c.say("+FPS:2,0,0,0,0", "ERROR")
				continue
			}
			fax.Pages = append(fax.Pages, p)
			if end == '.' {
				c.say(fmt.Sprintf("+FPS:1,%X,0,0,0", p.Image.Bounds().Dy()), "+FHS:00", "OK")
				select {
				case c.s.faxes <- fax:
				default:
					c.log.Warn("sim: fax dropped, nobody reads Faxes()")
				}
				return nil
			}
			c.say(fmt.Sprintf("+FPS:1,%X,0,0,0", p.Image.Bounds().Dy()), "OK")
		case "AT+FPS?":
			c.say("+FPS:2,0,0,0,0", "OK")
		case "AT+FKS", "ATH0", "ATH":
			c.say("+FHS:02", "OK")
			return nil
		default:
			c.command(line)
		}
	}
}

// pageData reads DLE-doubled page data up to DLE ',' / DLE ';' / DLE '.'.
func (c *conn) pageData() (data []byte, end byte, err error) {
	fault := c.s.getFault()
	paused := false
	for {
		b, err := c.readByte(5 * time.Second)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil, 0, errors.New("sim: page data stopped")
			}
			return nil, 0, errClosed
		}
		if b == 0x10 {
			b2, err := c.readByte(5 * time.Second)
			if err != nil {
				return nil, 0, errClosed
			}
			switch b2 {
			case 0x10:
				data = append(data, 0x10)
			case ',', ';', '.':
				return data, b2, nil
			}
		} else {
			data = append(data, b)
		}
		if len(data) >= 1000 && !paused {
			paused = true
			switch fault {
			case FaultXoff:
				if err := c.xoffPause(); err != nil {
					return nil, 0, err
				}
			case FaultVanish:
				c.s.Unplug()
				return nil, 0, errClosed
			}
		}
	}
}

// xoffPause holds XOFF for 300 ms and counts what still arrives. Bytes in
// flight before the XOFF took effect are drained first; a pty's slave stops
// output at once when its IXON flag is set, so nothing may arrive after.
func (c *conn) xoffPause() error {
	flow, _ := serialport.PTYFlow(c.f)
	c.f.Write([]byte{0x13})
	time.Sleep(20 * time.Millisecond)
	for {
		if err := c.fill(30 * time.Millisecond); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			return errClosed
		}
	}
	held := len(c.buf)
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		if err := c.fill(time.Until(deadline)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return errClosed
		}
	}
	leaked := len(c.buf) - held
	c.s.mu.Lock()
	c.s.xoffPauses++
	c.s.xoffLeaks += leaked
	c.s.xoffFlow = flow
	c.s.mu.Unlock()
	c.f.Write([]byte{0x11})
	return nil
}
