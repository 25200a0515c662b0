package serialport

import (
	"errors"
	"io"
	"time"

	"github.com/tarm/serial"
)

type tarmPort struct {
	p       *serial.Port
	timeout time.Duration
}

var _ Port = (*tarmPort)(nil)

// OpenTarm opens a device through github.com/tarm/serial, for simple
// devices that need no flow control (Alpha signs at 9600 7E1). A read
// timeout is forced because without one tarm's Close hangs on a pending
// Read. Prefer Open for modems.
func OpenTarm(cfg Config) (Port, error) {
	cfg = cfg.withDefaults()
	if cfg.Flow != FlowNone {
		return nil, ErrUnsupported
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 200 * time.Millisecond
	}
	stop := serial.Stop1
	if cfg.StopBits == 2 {
		stop = serial.Stop2
	}
	p, err := serial.OpenPort(&serial.Config{
		Name: cfg.Name, Baud: cfg.Baud, Size: byte(cfg.DataBits),
		Parity: serial.Parity(cfg.Parity), StopBits: stop, ReadTimeout: cfg.ReadTimeout,
	})
	if err != nil {
		return nil, classify(err, ErrTimeout)
	}
	return &tarmPort{p: p, timeout: cfg.ReadTimeout}, nil
}

// Read turns tarm's (0, io.EOF) on timeout into ErrTimeout: with VMIN=0 the
// kernel cannot tell "nothing yet" from "gone", and treating it as EOF would
// make every driver drop a healthy line after one quiet moment.
func (t *tarmPort) Read(b []byte) (int, error) {
	n, err := t.p.Read(b)
	if n == 0 && errors.Is(err, io.EOF) {
		return 0, ErrTimeout
	}
	return n, classify(err, ErrTimeout)
}

func (t *tarmPort) Write(b []byte) (int, error) {
	n, err := t.p.Write(b)
	return n, classify(err, ErrWriteTimeout)
}

func (t *tarmPort) Close() error { return t.p.Close() }
func (t *tarmPort) Flush() error { return t.p.Flush() }

func (t *tarmPort) SetReadTimeout(d time.Duration) error {
	if d == t.timeout {
		return nil
	}
	return ErrUnsupported
}

func (t *tarmPort) SetFlowControl(f FlowControl) error {
	if f == FlowNone {
		return nil
	}
	return ErrUnsupported
}
