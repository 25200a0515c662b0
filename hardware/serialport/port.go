// Package serialport gives device drivers one small Port interface over a
// serial line, plus the pseudo-terminal helper their tests use instead of
// hardware.
//
// Open configures the device itself with termios (via golang.org/x/sys/unix)
// rather than through github.com/tarm/serial, because tarm/serial hides the
// file descriptor that flow control needs and its read timeout is
// indistinguishable from end of file. OpenTarm remains for devices that need
// neither (e.g. 7E1 Alpha signs).
package serialport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// Port is a serial line as drivers see it.
type Port interface {
	// Read returns ErrTimeout when nothing arrived within the read timeout,
	// ErrGone when the device disappeared, and an error wrapping
	// os.ErrClosed after Close.
	io.ReadWriteCloser
	// SetReadTimeout sets how long one Read waits; 0 waits for ever.
	SetReadTimeout(d time.Duration) error
	// SetFlowControl switches flow control for data we send.
	SetFlowControl(f FlowControl) error
	// Flush discards unread input and unsent output.
	Flush() error
}

// FlowControl selects how the device may pause our output.
type FlowControl int

const (
	// FlowNone must be used while receiving fax data: 0x11 and 0x13 occur
	// unshielded in image data.
	FlowNone FlowControl = iota
	// FlowXonXoff lets the kernel stop output on XOFF (0x13) and resume on
	// XON (0x11). User space reacting to XOFF is too slow for a modem's
	// small buffer.
	FlowXonXoff
	// FlowHardware uses RTS/CTS.
	FlowHardware
)

func (f FlowControl) String() string {
	switch f {
	case FlowNone:
		return "none"
	case FlowXonXoff:
		return "xon/xoff"
	case FlowHardware:
		return "rts/cts"
	}
	return fmt.Sprintf("FlowControl(%d)", int(f))
}

// Parity of each character.
type Parity byte

const (
	ParityNone Parity = 'N'
	ParityEven Parity = 'E'
	ParityOdd  Parity = 'O'
)

// Config describes how to open a serial device. Zero fields take the
// defaults of a fax modem: 19200 baud, 8N1, no flow control.
type Config struct {
	Name     string // e.g. /dev/ttyUSB0 or a stable /dev/serial/by-id/ link
	Baud     int
	DataBits int // 5..8
	Parity   Parity
	StopBits int // 1 or 2
	// ReadTimeout bounds each Read; 0 blocks until data arrives or Close.
	ReadTimeout time.Duration
	// WriteTimeout bounds each Write, which can stall for as long as the
	// device holds XOFF or CTS; 0 means no limit.
	WriteTimeout time.Duration
	Flow         FlowControl
}

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = 19200
	}
	if c.DataBits == 0 {
		c.DataBits = 8
	}
	if c.Parity == 0 {
		c.Parity = ParityNone
	}
	if c.StopBits == 0 {
		c.StopBits = 1
	}
	return c
}

var (
	// ErrTimeout means a Read saw no data within the read timeout. The port
	// is still usable.
	ErrTimeout = errors.New("serialport: read timeout")
	// ErrWriteTimeout means a Write could not finish within the write
	// timeout, usually because the device held flow control.
	ErrWriteTimeout = errors.New("serialport: write timeout (flow control held?)")
	// ErrGone means the device disappeared (USB unplugged, pty master
	// closed). Close the port and open it again.
	ErrGone = errors.New("serialport: device gone")
	// ErrUnsupported is returned by ports that cannot do what was asked.
	ErrUnsupported = errors.New("serialport: not supported by this port")
)

// IsGone reports whether err means the device went away, as opposed to a
// timeout or a protocol problem.
func IsGone(err error) bool {
	return errors.Is(err, ErrGone) || errors.Is(err, os.ErrClosed)
}

// classify maps what the kernel says to the errors drivers act on.
func classify(err error, timeout error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return timeout
	case errors.Is(err, os.ErrClosed):
		return err
	case errors.Is(err, io.EOF), errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENXIO),
		errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.EBADF):
		return fmt.Errorf("%w: %w", ErrGone, err)
	}
	return err
}

// WriteAll writes all of b to p, as many Write calls as the port needs (a serial write
// may take part of the buffer while the line is flow-controlled), and stops between
// calls once ctx is done: it returns ctx's error, or the first write error.
func WriteAll(ctx context.Context, p Port, b []byte) error {
	for len(b) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := p.Write(b)
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}
