package fax

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"crisisroom/hardware/serialport"
)

// scripted1 is a Class 1 modem with a scripted remote fax behind it, on a
// pty: enough T.31 to drive the T.30 cases a real peer will not produce on
// demand (FTT, RTN, silence).
type scripted1 struct {
	master *os.File
	path   string
	// fttAt makes the remote answer FTT to a TCF at this bit rate.
	fttAt int
	// rtnPages is how many times the first page is answered RTN.
	rtnPages int
	// silent makes the remote never answer a DCS.
	silent bool

	mu     sync.Mutex
	sent   []Frame // frames the driver sent
	data   []int   // AT+FTM codes of data the driver sent, in order
	queue  []Frame // frames the remote sends on the next AT+FRH=3
	rtns   int
	closed chan struct{}
}

func newScripted1(t *testing.T, s *scripted1) *scripted1 {
	t.Helper()
	m, p, err := serialport.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	s.master, s.path, s.closed = m, p, make(chan struct{})
	go s.run()
	t.Cleanup(func() { m.Close(); <-s.closed })
	return s
}

func (s *scripted1) say(lines ...string) {
	for _, l := range lines {
		s.master.Write([]byte("\r\n" + l + "\r\n"))
	}
}

// frameBytes is a frame as the modem hands it over: with two FCS bytes.
func frameBytes(f Frame) []byte {
	return shield(append(f.bytes(), 0x12, 0x34))
}

func (s *scripted1) run() {
	defer close(s.closed)
	r := bufio.NewReader(s.master)
	readData := func() []byte {
		var out []byte
		for {
			b, err := r.ReadByte()
			if err != nil {
				return out
			}
			if b == dle {
				b2, _ := r.ReadByte()
				if b2 == etx {
					return out
				}
				out = append(out, b2)
				continue
			}
			out = append(out, b)
		}
	}
	rates := map[int]int{}
	for _, m := range modulations {
		rates[m.Code] = m.BPS
	}
	for {
		line, err := r.ReadString('\r')
		if err != nil {
			return
		}
		cmd := strings.TrimSpace(strings.Trim(line, "\x18\r\n"))
		switch {
		case cmd == "":
			if strings.Contains(line, "\x18") {
				s.say("OK") // abort of a pending AT+FRH
			}
		case cmd == "AT+FCLASS=?":
			s.say("0,1,1.0", "OK")
		case cmd == "AT+FTM=?":
			s.say("24,48,72,73,74,96,97,98,121,122,145,146", "OK")
		case strings.HasPrefix(cmd, "AT+FLO"):
			s.say("ERROR")
		case strings.HasPrefix(cmd, "ATD"):
			s.say("CONNECT")
			s.master.Write(frameBytes(Frame{FCF: fcfCSI, FIF: stationID("+49 30 999")}))
			s.say("OK")
			s.mu.Lock()
			s.queue = []Frame{{FCF: fcfDIS, Final: true, FIF: []byte{0x00, 0x6E, 0x78}}}
			s.mu.Unlock()
		case cmd == "AT+FTH=3":
			s.say("CONNECT")
			for {
				b, err := ParseFrame(readData(), false)
				if err != nil {
					return
				}
				s.mu.Lock()
				s.sent = append(s.sent, b)
				s.react(b)
				s.mu.Unlock()
				if b.Final {
					s.say("OK")
					break
				}
				s.say("CONNECT")
			}
		case strings.HasPrefix(cmd, "AT+FTM="):
			var code int
			fmt.Sscanf(cmd, "AT+FTM=%d", &code)
			s.say("CONNECT")
			readData()
			s.say("OK")
			s.mu.Lock()
			s.data = append(s.data, code)
			if len(s.sent) > 0 && s.sent[len(s.sent)-1].Kind() == fcfDCS {
				// The TCF: the remote judges the training.
				if rates[code] == s.fttAt {
					s.queue = []Frame{{FCF: fcfFTT, Final: true}}
				} else if !s.silent {
					s.queue = []Frame{{FCF: fcfCFR, Final: true}}
				}
			}
			s.mu.Unlock()
		case cmd == "AT+FRH=3":
			s.mu.Lock()
			var f *Frame
			if len(s.queue) > 0 {
				f = &s.queue[0]
				s.queue = s.queue[1:]
			}
			s.mu.Unlock()
			if f == nil {
				continue // silence: the driver's T4 runs out and it aborts
			}
			s.say("CONNECT")
			s.master.Write(frameBytes(*f))
			s.say("OK")
		default:
			s.say("OK")
		}
	}
}

// react decides the remote's response to a post-page message.
func (s *scripted1) react(f Frame) {
	switch f.Kind() {
	case fcfMPS, fcfEOP:
		if s.rtns < s.rtnPages {
			s.rtns++
			s.queue = []Frame{{FCF: fcfRTN, Final: true}}
			return
		}
		s.queue = []Frame{{FCF: fcfMCF, Final: true}}
	}
}

func (s *scripted1) frames() []Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Frame(nil), s.sent...)
}

func runScripted(t *testing.T, s *scripted1, cfg Config, pages int) SendResult {
	t.Helper()
	cfg.Port = serialport.Config{Name: s.path}
	cfg.Logger = testLogger(t)
	cfg.RetryDelays = []time.Duration{}
	cfg.LocalID = "+49 221 1"
	d := New(cfg)
	res := make(chan SendResult, 4)
	d.Listen(Events{Result: func(r SendResult) { res <- r }})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	var p []Page
	for i := 0; i < pages; i++ {
		rp, _ := RenderText(fmt.Sprintf("Seite %d", i+1), RenderOptions{})
		p = append(p, rp[0])
	}
	if err := d.Send(SendJob{ID: "j", Number: "123", Pages: p}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-res:
		return r
	case <-ctx.Done():
		t.Fatal("no result")
	}
	return SendResult{}
}

// A receiver that fails to train at 14400 gets the next rate down; a page
// it rejects (RTN) is sent again after retraining.
func TestClass1StepDownAfterFTTAndResendAfterRTN(t *testing.T) {
	s := newScripted1(t, &scripted1{fttAt: 14400, rtnPages: 1})
	r := runScripted(t, s, Config{}, 2)
	if r.Status != ResultSent || r.Pages != 2 {
		t.Fatalf("result %+v (%v)", r, r.Err)
	}
	var names []string
	var dcsRates []string
	for _, f := range s.frames() {
		names = append(names, f.String())
		if f.Kind() == fcfDCS {
			c, err := ParseDCS(f.FIF)
			if err != nil {
				t.Fatal(err)
			}
			dcsRates = append(dcsRates, c.Rate.String())
			if f.FCF&1 != 1 {
				t.Errorf("DCS without the X bit of the station that received the DIS")
			}
		}
	}
	// TSI+DCS at 14400 → FTT; at 12000 → CFR; page 1, MPS → RTN; TSI+DCS again;
	// page 1, MPS → MCF; page 2, EOP → MCF; DCN.
	want := "TSI DCS TSI DCS MPS TSI DCS MPS EOP DCN"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("frames %q, want %q", got, want)
	}
	if strings.Join(dcsRates, ",") != "V.17 14400,V.17 12000,V.17 12000" {
		t.Errorf("DCS rates %v", dcsRates)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// TCF long training, pages short training: 145 TCF, 121 TCF, 122 page 1,
	// 121 TCF, 122 page 1 again, 122 page 2.
	if fmt.Sprint(s.data) != "[145 121 122 121 122 122]" {
		t.Errorf("modulations %v", s.data)
	}
}

// A receiver that never answers the DCS: it is sent three times (T4 each),
// then the call ends with T.32 code 25 in words, German first.
func TestClass1NoResponseToDCS(t *testing.T) {
	s := newScripted1(t, &scripted1{silent: true})
	// The scripted modem reads whole lines: the CAN that aborts a pending
	// AT+FRH is answered late, so the command timeout is short here.
	r := runScripted(t, s, Config{T30: T30Timers{T4: 300 * time.Millisecond}, Timeouts: Timeouts{Command: 300 * time.Millisecond}}, 1)
	if r.Status != ResultFailed || r.Err == nil || r.Err.Code != "25" {
		t.Fatalf("result %+v (%v)", r, r.Err)
	}
	if !strings.HasPrefix(r.Err.DE, "Phase B (Senden: Aushandlung): ") || !strings.HasPrefix(r.Err.EN, "Phase B (sending: negotiation): ") {
		t.Errorf("reason %q / %q", r.Err.DE, r.Err.EN)
	}
	n := 0
	for _, f := range s.frames() {
		if f.Kind() == fcfDCS {
			n++
		}
	}
	if n != maxRepeats {
		t.Errorf("DCS sent %d times, want %d", n, maxRepeats)
	}
}

func TestChooseClass(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  string
		class string
		ok    bool
	}{
		{[]string{"0,1,2,2.0"}, "", Class20, true},
		{[]string{"0,1,1.0"}, "", Class1, true},
		{[]string{"+FCLASS: 0,1.0,8"}, "", Class1, true},
		{[]string{"0,1,2,2.0"}, Class1, Class1, true},
		{[]string{"0,2.0"}, Class1, "", false},
		{[]string{"0,8"}, "", "", false},
	} {
		got, err := ChooseClass(c.lines, c.want)
		if got != c.class || (err == nil) != c.ok {
			t.Errorf("ChooseClass(%q, %q) = %q, %v", c.lines, c.want, got, err)
		}
	}
}

func TestDISAndDCS(t *testing.T) {
	// efax's DIS as iaxmodem delivers it: V.27ter/V.29/V.17, fine, 0 ms.
	c := ParseDIS([]byte{0x00, 0x6E, 0x78})
	if !c.CanReceive || !c.V17 || !c.V29 || !c.V27 || !c.Fine || c.MR || c.MinScanMs != 0 {
		t.Errorf("DIS %+v", c)
	}
	// efax's DCS: V.17 14400, fine.
	d, err := ParseDCS([]byte{0x00, 0x62, 0x78})
	if err != nil || d.Rate.BPS != 14400 || d.Rate.Family != "V.17" || !d.Fine {
		t.Errorf("DCS %+v %v", d, err)
	}
	for _, m := range modulations {
		for _, fine := range []bool{false, true} {
			for _, ms := range []int{0, 5, 10, 20, 40} {
				got, err := ParseDCS(ourDCS(m, fine, ms))
				if err != nil || got.Rate != m || got.Fine != fine || got.MinScanMs != ms {
					t.Errorf("DCS round trip %v fine=%v %d ms: %+v %v", m, fine, ms, got, err)
				}
			}
		}
	}
	if c := ParseDIS(ourDIS(map[int]bool{145: true, 96: true, 48: true})); !c.V17 || !c.V29 || !c.V27 || !c.Fine || c.MR || !c.CanReceive {
		t.Errorf("our DIS %+v", c)
	}
	if got := parseStationID(stationID("+49 221 1234567")); got != "+49 221 1234567" {
		t.Errorf("station id %q", got)
	}
	if FCFName(fcfMCF|1) != "MCF" || FCFName(fcfDTC) != "DTC" || FCFName(fcfDIS) != "DIS" {
		t.Error("FCF names")
	}
}

// FuzzParseFrame: no input makes the T.30 frame parser or the DIS/DCS
// decoders panic, and a parsed frame renders back to its own bytes.
func FuzzParseFrame(f *testing.F) {
	f.Add([]byte{0xFF, 0x13, 0x80, 0x00, 0x6E, 0x78, 0xCD, 0x8E}, true)
	f.Add([]byte{0xFF, 0x03, 0x40, ' ', ' ', '1'}, false)
	f.Add([]byte{0xFF, 0x13, 0x83, 0x00, 0x62, 0x78, 0x00, 0x00, 0x00}, false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, b []byte, fcs bool) {
		fr, err := ParseFrame(b, fcs)
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v is not ErrBadFrame", err)
			}
			return
		}
		body := b
		if fcs {
			body = b[:len(b)-2]
		}
		if string(fr.bytes()) != string(body) {
			t.Fatalf("frame %x renders as %x", body, fr.bytes())
		}
		_ = fr.String()
		ParseDIS(fr.FIF)
		ParseDCS(fr.FIF)
		parseStationID(fr.FIF)
	})
}

// FuzzClass1Reader: garbage from the modem (lines, DLE pairs, frames cut
// short) never makes the Class 1 response reader panic or hang: every read
// ends by its deadline.
func FuzzClass1Reader(f *testing.F) {
	f.Add([]byte("\r\nCONNECT\r\n\xff\x13\x80\x00\x6e\x78\x12\x34\x10\x03\r\nOK\r\n"))
	f.Add([]byte("\r\nCONNECT\r\n\x10\x10\x10\x1a\x10\x03\r\nERROR\r\n"))
	f.Add([]byte("\r\n+FCERROR\r\n"))
	f.Add([]byte("\x10"))
	f.Fuzz(func(t *testing.T, in []byte) {
		port := &bytesPort{data: in}
		d := New(Config{Timeouts: Timeouts{Command: 3 * time.Millisecond, DataSilence: 3 * time.Millisecond}, T30: T30Timers{T4: 3 * time.Millisecond}})
		m := &modem{ctx: context.Background(), port: port, log: d.log}
		c := &class1{d: d, m: m, t: d.cfg.T30}
		start := time.Now()
		c.recvFrames(3*time.Millisecond, true)
		port.data, port.pos = in, 0
		m.buf = nil
		c.recvData(146, 3*time.Millisecond, 1<<16)
		if time.Since(start) > 5*time.Second {
			t.Fatalf("reader took %v", time.Since(start))
		}
	})
}

// bytesPort is a Port that reads from a byte slice and swallows writes.
type bytesPort struct {
	data []byte
	pos  int
}

func (p *bytesPort) Read(b []byte) (int, error) {
	if p.pos >= len(p.data) {
		time.Sleep(time.Millisecond) // a read timeout, shortened
		return 0, serialport.ErrTimeout
	}
	n := copy(b, p.data[p.pos:])
	p.pos += n
	return n, nil
}
func (p *bytesPort) Write(b []byte) (int, error)                 { return len(b), nil }
func (p *bytesPort) Close() error                                { return nil }
func (p *bytesPort) Flush() error                                { return nil }
func (p *bytesPort) SetReadTimeout(time.Duration) error          { return nil }
func (p *bytesPort) SetFlowControl(serialport.FlowControl) error { return nil }
