package serialport

import (
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

type filePort struct {
	f    *os.File
	name string

	mu           sync.Mutex
	readTimeout  time.Duration
	writeTimeout time.Duration
}

var _ Port = (*filePort)(nil)

// Open opens and configures a serial device in raw mode. The file is kept
// non-blocking under Go's poller, so read timeouts are real deadlines and
// Close wakes a pending Read instead of hanging on it.
func Open(cfg Config) (Port, error) {
	cfg = cfg.withDefaults()
	// O_NONBLOCK: do not wait for carrier detect on open.
	f, err := os.OpenFile(cfg.Name, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, classify(err, ErrTimeout)
	}
	p := &filePort{f: f, name: cfg.Name, readTimeout: cfg.ReadTimeout, writeTimeout: cfg.WriteTimeout}
	if err := p.configure(cfg); err != nil {
		f.Close()
		return nil, fmt.Errorf("failed to configure %s: %w", cfg.Name, err)
	}
	return p, nil
}

var bauds = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600,
	19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600,
	115200: unix.B115200, 230400: unix.B230400, 460800: unix.B460800,
}

// control runs fn on the descriptor without f.Fd(), which would switch the
// file back to blocking mode and defeat deadlines.
func (p *filePort) control(fn func(fd int) error) error {
	rc, err := p.f.SyscallConn()
	if err != nil {
		return err
	}
	var inner error
	if err := rc.Control(func(fd uintptr) { inner = fn(int(fd)) }); err != nil {
		return classify(err, ErrTimeout)
	}
	return classify(inner, ErrTimeout)
}

func (p *filePort) configure(cfg Config) error {
	rate, ok := bauds[cfg.Baud]
	if !ok {
		return fmt.Errorf("unsupported baud rate %d", cfg.Baud)
	}
	return p.control(func(fd int) error {
		t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return err
		}
		makeRaw(t)
		t.Cflag &^= unix.CBAUD | unix.CSIZE | unix.PARENB | unix.PARODD | unix.CSTOPB
		t.Cflag |= rate
		t.Ispeed, t.Ospeed = rate, rate
		switch cfg.DataBits {
		case 5:
			t.Cflag |= unix.CS5
		case 6:
			t.Cflag |= unix.CS6
		case 7:
			t.Cflag |= unix.CS7
		case 8:
			t.Cflag |= unix.CS8
		default:
			return fmt.Errorf("unsupported data bits %d", cfg.DataBits)
		}
		switch cfg.Parity {
		case ParityNone:
		case ParityEven:
			t.Cflag |= unix.PARENB
			t.Iflag |= unix.INPCK
		case ParityOdd:
			t.Cflag |= unix.PARENB | unix.PARODD
			t.Iflag |= unix.INPCK
		default:
			return fmt.Errorf("unsupported parity %q", cfg.Parity)
		}
		switch cfg.StopBits {
		case 1:
		case 2:
			t.Cflag |= unix.CSTOPB
		default:
			return fmt.Errorf("unsupported stop bits %d", cfg.StopBits)
		}
		setFlow(t, cfg.Flow)
		if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
			return err
		}
		// Drop whatever the device said before we were listening.
		return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIOFLUSH)
	})
}

// makeRaw is cfmakeraw(3) plus VMIN=1/VTIME=0: the poller does the waiting.
func makeRaw(t *unix.Termios) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR |
		unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CRTSCTS
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
}

func setFlow(t *unix.Termios, f FlowControl) {
	t.Iflag &^= unix.IXON | unix.IXOFF | unix.IXANY
	t.Cflag &^= unix.CRTSCTS
	switch f {
	case FlowXonXoff:
		t.Iflag |= unix.IXON | unix.IXOFF
		// tarm/serial and some drivers leave these zero, which would make
		// NUL bytes the stop character.
		t.Cc[unix.VSTART] = 0x11
		t.Cc[unix.VSTOP] = 0x13
	case FlowHardware:
		t.Cflag |= unix.CRTSCTS
	}
}

func (p *filePort) SetFlowControl(f FlowControl) error {
	return p.control(func(fd int) error {
		t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return err
		}
		setFlow(t, f)
		return unix.IoctlSetTermios(fd, unix.TCSETS, t)
	})
}

func (p *filePort) Flush() error {
	return p.control(func(fd int) error {
		return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIOFLUSH)
	})
}

func (p *filePort) SetReadTimeout(d time.Duration) error {
	p.mu.Lock()
	p.readTimeout = d
	p.mu.Unlock()
	return nil
}

func (p *filePort) Read(b []byte) (int, error) {
	p.mu.Lock()
	d := p.readTimeout
	p.mu.Unlock()
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	if err := p.f.SetReadDeadline(deadline); err != nil {
		return 0, classify(err, ErrTimeout)
	}
	n, err := p.f.Read(b)
	return n, classify(err, ErrTimeout)
}

func (p *filePort) Write(b []byte) (int, error) {
	p.mu.Lock()
	d := p.writeTimeout
	p.mu.Unlock()
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	if err := p.f.SetWriteDeadline(deadline); err != nil {
		return 0, classify(err, ErrWriteTimeout)
	}
	n, err := p.f.Write(b)
	return n, classify(err, ErrWriteTimeout)
}

func (p *filePort) Close() error {
	return p.f.Close()
}

func (p *filePort) String() string { return p.name }
