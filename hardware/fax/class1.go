package fax

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"crisisroom/hardware/serialport"
)

// Fax classes the driver can use (AT+FCLASS).
const (
	Class1  = "1"   // ITU T.31: the driver runs T.30 itself
	Class20 = "2.0" // ITU T.32: the modem runs T.30
)

// T30Timers are the T.30 timers (ITU T.30 5.4.3) the Class 1 driver keeps.
// Zero fields take the standard values.
type T30Timers struct {
	T1 time.Duration // 35 s: find the other fax after the call is set up
	T2 time.Duration // 6 s: a receiver waits this long for the next command
	T3 time.Duration // 10 s: procedure interrupt (operator); kept for completeness
	T4 time.Duration // 3 s: a sender waits this long for a response, then repeats
	T5 time.Duration // 60 s: ECM busy receiver; unused (no ECM)
}

// DefaultT30Timers are the values of ITU T.30 5.4.3.
func DefaultT30Timers() T30Timers {
	return T30Timers{T1: 35 * time.Second, T2: 6 * time.Second, T3: 10 * time.Second, T4: 3 * time.Second, T5: 60 * time.Second}
}

func (t T30Timers) withDefaults() T30Timers {
	d := DefaultT30Timers()
	for _, p := range []struct{ v, def *time.Duration }{{&t.T1, &d.T1}, {&t.T2, &d.T2}, {&t.T3, &d.T3}, {&t.T4, &d.T4}, {&t.T5, &d.T5}} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return t
}

// maxRepeats is how often a T.30 command goes unanswered before the call
// is given up (T.30: three times).
const maxRepeats = 3

// ChooseClass picks the fax class from a modem's answer to AT+FCLASS=?
// ("0,1,1.0,2,2.0"): want "" takes 2.0 where offered, else Class 1; want
// "1" or "2.0" insists on that class. The error says what the modem offers.
func ChooseClass(lines []string, want string) (string, error) {
	offered := map[string]bool{}
	for _, l := range lines {
		for _, c := range strings.Split(strings.TrimPrefix(l, "+FCLASS:"), ",") {
			offered[strings.TrimSpace(c)] = true
		}
	}
	has1 := offered["1"] || offered["1.0"]
	switch {
	case want == Class20 && offered["2.0"], want == "" && offered["2.0"]:
		return Class20, nil
	case (want == Class1 || want == "") && has1:
		return Class1, nil
	}
	if want == "" {
		want = "2.0 or 1"
	}
	return "", fmt.Errorf("modem does not offer fax class %s (AT+FCLASS=? said %q)", want, lines)
}

// class1 runs one call of a Class 1 modem.
type class1 struct {
	d     *Driver
	m     *modem
	t     T30Timers
	codes map[int]bool // AT+FTM=? of the modem
	// x is the X bit of our frames: 1 once we received a DIS (we are the
	// sender of the document), 0 when we sent it.
	x byte
	// last is what we sent last, for a CRP.
	last []Frame
}

var (
	errNoFrame      = errors.New("t30: no frame in time")
	errBadFCS       = errors.New("t30: frame arrived damaged (FCS)")
	errWrongCarrier = errors.New("t31: other carrier than expected (+FCERROR)")
	errNoCarrier    = errors.New("t31: NO CARRIER")
)

// initClass1 puts the modem into Class 1 and learns its modulations.
func (d *Driver) initClass1(m *modem) error {
	t := d.cfg.Timeouts
	if _, err := m.command("AT+FCLASS=1", t.Command); err != nil {
		return err
	}
	r, err := m.command("AT+FTM=?", t.Command)
	if err != nil {
		return err
	}
	d.codes = parseFTM(r.lines)
	usable := 0
	for _, mo := range modulations {
		if d.codes[mo.Code] {
			usable++
		}
	}
	if usable == 0 {
		return fmt.Errorf("class 1 modem offers no fax modulation (AT+FTM=? said %q)", r.lines)
	}
	// Flow control for page data as in Class 2.0; a modem that knows
	// neither (many Class 1 modems) paces us by not reading.
	d.flow = serialport.FlowNone
	if _, err := m.command("AT+FLO=2", t.Command); err == nil {
		d.flow = serialport.FlowHardware
	} else if _, err := m.command("AT+FLO=1", t.Command); err == nil {
		d.flow = serialport.FlowXonXoff
	} else if serialport.IsGone(err) || errors.Is(err, errTimeout) {
		return err
	}
	d.log.Info("fax modem ready", "class", Class1, "modulations", r.lines, "flow", d.flow)
	return nil
}

// result waits for a final result of a Class 1 modem, +FCERROR included.
func (c *class1) result(timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		line, err := c.m.readLine(deadline)
		if err != nil {
			return "", err
		}
		if line == "+FCERROR" || line == "+F34:" || isFinal(line) {
			return line, nil
		}
		c.d.log.Debug("class 1 modem line", "line", line)
	}
}

// abort stops a pending AT+FRH/FRM/ATD: T.31 ends them on any character
// from the computer, and the modem then answers OK (or NO CARRIER).
func (c *class1) abort() {
	c.m.write([]byte{0x18})
	c.result(c.d.cfg.Timeouts.Command)
	// Whatever the modem still says belongs to the aborted command.
	c.m.buf = c.m.buf[:0]
}

// cmdConnect sends an AT command that answers CONNECT on success.
func (c *class1) cmdConnect(cmd string, timeout time.Duration) error {
	if err := c.m.send(cmd); err != nil {
		return err
	}
	res, err := c.result(timeout)
	if errors.Is(err, errTimeout) {
		c.abort()
		return err
	}
	if err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(res, "CONNECT"):
		return nil
	case res == "+FCERROR":
		return errWrongCarrier
	case res == "NO CARRIER":
		return errNoCarrier
	}
	return fmt.Errorf("%s: %w", cmd, &modemResult{res})
}

// readDLE reads DLE-shielded data up to DLE ETX (T.31 8.3.3 / 8.3.4):
// DLE DLE is one DLE, DLE SUB two, other DLE pairs carry nothing. It stops
// with an error after silence without a byte or more than max bytes.
func (c *class1) readDLE(silence time.Duration, max int) ([]byte, error) {
	var data []byte
	first := true
	for {
		b, err := c.m.readByte(time.Now().Add(silence))
		if err != nil {
			return data, err
		}
		if first && b == '\n' && len(data) == 0 {
			first = false // the LF of a late "CONNECT\r\n"
			continue
		}
		first = false
		if b != dle {
			data = append(data, b)
		} else {
			b, err = c.m.readByte(time.Now().Add(silence))
			if err != nil {
				return data, err
			}
			switch b {
			case dle:
				data = append(data, dle)
			case sub:
				data = append(data, dle, dle)
			case etx:
				return data, nil
			}
		}
		if len(data) > max {
			return data, fmt.Errorf("t31: more than %d bytes of data", max)
		}
	}
}

// shield doubles each DLE and ends the data with DLE ETX (T.31 8.3.3).
func shield(data []byte) []byte {
	out := bytes.ReplaceAll(data, []byte{dle}, []byte{dle, dle})
	return append(out, dle, etx)
}

// writeFrames sends frames once the modem said CONNECT to AT+FTH=3 (or
// ATA): CONNECT after each frame but the last, OK after the final one.
func (c *class1) writeFrames(frames []Frame) error {
	c.last = frames
	for i, f := range frames {
		f.Final = i == len(frames)-1
		if f.Kind() != fcfDIS && f.Kind() != fcfCSI && f.Kind() != fcfNSF && f.Kind() != fcfDTC {
			f.FCF = f.FCF&^1 | c.x
		}
		c.d.log.Debug("t30 send", "frame", f.String(), "fif", fmt.Sprintf("% X", f.FIF))
		if err := c.m.write(shield(f.bytes())); err != nil {
			return err
		}
		// V.21 is 300 bit/s: a 25-byte frame with flags takes about a second.
		res, err := c.result(c.d.cfg.Timeouts.Command + 3*time.Second)
		if err != nil {
			return err
		}
		want := "CONNECT"
		if f.Final {
			want = "OK"
		}
		if res != want {
			return fmt.Errorf("after %s: %w", f, &modemResult{res})
		}
	}
	return nil
}

// sendFrames transmits frames in one V.21 burst (AT+FTH=3).
func (c *class1) sendFrames(frames ...Frame) error {
	if err := c.cmdConnect("AT+FTH=3", c.d.cfg.Timeouts.Command); err != nil {
		return err
	}
	return c.writeFrames(frames)
}

// readFrame reads one frame after CONNECT and the modem's verdict on its
// FCS.
func (c *class1) readFrame() (Frame, error) {
	// V.21 brings a byte every 27 ms; a pause as long as a command's
	// timeout means the frame is lost.
	data, err := c.readDLE(c.d.cfg.Timeouts.Command, maxFrame+2)
	if err != nil {
		return Frame{}, err
	}
	res, err := c.result(c.d.cfg.Timeouts.Command)
	if err != nil {
		return Frame{}, err
	}
	if res == "ERROR" {
		return Frame{}, errBadFCS
	}
	if res != "OK" {
		return Frame{}, &modemResult{res}
	}
	f, err := ParseFrame(data, true)
	if err != nil {
		return Frame{}, err
	}
	c.d.log.Debug("t30 received", "frame", f.String(), "fif", fmt.Sprintf("% X", f.FIF))
	return f, nil
}

// recvFrames receives one command or response: frames up to the final one.
// wait bounds the time until the first frame's carrier; connected means
// the modem already said CONNECT (after ATD). A frame with a bad FCS is
// reported as errBadFCS once the burst is over, so the caller can answer
// CRP.
func (c *class1) recvFrames(wait time.Duration, connected bool) ([]Frame, error) {
	var frames []Frame
	bad := false
	for n := 0; n < 8; n++ {
		if !connected {
			if err := c.cmdConnect("AT+FRH=3", wait); err != nil {
				if errors.Is(err, errTimeout) {
					err = errNoFrame
				}
				if len(frames) > 0 || bad {
					break
				}
				return nil, err
			}
		}
		connected = false
		wait = c.t.T4 // the next frame of a burst follows at once
		f, err := c.readFrame()
		switch {
		case errors.Is(err, errBadFCS), errors.Is(err, ErrBadFrame):
			bad = true
			continue
		case err != nil:
			return frames, err
		}
		frames = append(frames, f)
		if f.Final {
			return frames, nil
		}
	}
	if bad && !hasFinal(frames) {
		return frames, errBadFCS
	}
	return frames, nil
}

func hasFinal(frames []Frame) bool {
	for _, f := range frames {
		if f.Final {
			return true
		}
	}
	return false
}

// find returns the first frame of one of the kinds.
func find(frames []Frame, kinds ...byte) (Frame, bool) {
	for _, f := range frames {
		for _, k := range kinds {
			if f.Kind() == k {
				return f, true
			}
		}
	}
	return Frame{}, false
}

// sendData transmits high-speed data (TCF or a page) with AT+FTM and waits
// until the modem has sent it all.
func (c *class1) sendData(code int, bps int, data []byte) error {
	if err := c.cmdConnect(fmt.Sprintf("AT+FTM=%d", code), c.d.cfg.Timeouts.Command); err != nil {
		return err
	}
	if err := c.m.port.SetFlowControl(c.d.flow); err != nil {
		return err
	}
	err := c.m.write(shield(data))
	if err == nil {
		// OK comes when the last bit has left the modem.
		airtime := time.Duration(len(data)*8) * time.Second / time.Duration(bps)
		var res string
		res, err = c.result(airtime + c.d.cfg.Timeouts.PageReply)
		if err == nil && res != "OK" {
			err = &modemResult{res}
		}
	}
	if ferr := c.m.port.SetFlowControl(serialport.FlowNone); err == nil {
		err = ferr
	}
	return err
}

// recvData receives high-speed data (TCF or a page) with AT+FRM until the
// carrier drops. errWrongCarrier means the other side sends V.21 frames
// instead (it repeats a command).
func (c *class1) recvData(code int, wait time.Duration, max int) ([]byte, error) {
	if err := c.cmdConnect(fmt.Sprintf("AT+FRM=%d", code), wait); err != nil {
		return nil, err
	}
	data, err := c.readDLE(c.d.cfg.Timeouts.DataSilence, max)
	if err != nil {
		c.abort()
		return data, err
	}
	// NO CARRIER (or OK) follows the DLE ETX.
	if _, err := c.result(c.d.cfg.Timeouts.Command); err != nil && !errors.Is(err, errTimeout) {
		return data, err
	}
	return data, nil
}

// silence keeps the line quiet for ms milliseconds (AT+FTS), as T.30 wants
// 75 ± 20 ms between a V.21 burst and high-speed data and back.
func (c *class1) silence(ms int) error {
	_, err := c.m.command(fmt.Sprintf("AT+FTS=%d", (ms+9)/10), c.d.cfg.Timeouts.Command)
	return err
}

// hangUp ends a Class 1 call.
func (c *class1) hangUp() {
	c.m.command("ATH0", c.d.cfg.Timeouts.Command)
}

// tcfGood judges the training check (T.30 5.3.6.2.13): TCF is 1.5 s of
// zeros. It is good if at least half of it arrived as one run of zeros
// and at most one byte in 20 is damaged.
func tcfGood(data []byte, bps int) (good bool, errs int) {
	want := bps * 3 / 16 // bytes in 1.5 s
	run, best := 0, 0
	for _, b := range data {
		if b == 0 {
			run++
			best = max(best, run)
		} else {
			errs++
			run = 0
		}
	}
	return best >= want/2 && errs*20 <= len(data), errs
}

// respond answers a command after the 75 ms of silence T.30 5.3.2.4 puts
// between the end of one signal and the next: answering at once can start
// our flags before the sender's modem listens again, and the sender then
// repeats its command.
func (c *class1) respond(frames ...Frame) error {
	if err := c.silence(75); err != nil {
		return err
	}
	return c.sendFrames(frames...)
}
