package serialport

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// OpenPTY opens a pseudo-terminal pair for tests and simulators: the far end
// (a simulated modem) keeps master, the driver opens slavePath with Open as
// if it were /dev/ttyUSB0. The slave starts in raw mode so nothing written
// before the driver configures it gets cooked.
//
// Closing master makes the slave read ErrGone, like an unplugged USB modem.
func OpenPTY() (master *os.File, slavePath string, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, "", fmt.Errorf("failed to open /dev/ptmx: %w", err)
	}
	rc, err := master.SyscallConn()
	if err != nil {
		master.Close()
		return nil, "", err
	}
	var n uint32
	var inner error
	err = rc.Control(func(fd uintptr) {
		// unlockpt(3); grantpt(3) has nothing to do on devpts.
		if inner = unix.IoctlSetPointerInt(int(fd), unix.TIOCSPTLCK, 0); inner != nil {
			return
		}
		if n, inner = unix.IoctlGetUint32(int(fd), unix.TIOCGPTN); inner != nil {
			return
		}
		// Mode ioctls on a master apply to its slave's termios.
		var t *unix.Termios
		if t, inner = unix.IoctlGetTermios(int(fd), unix.TCGETS); inner != nil {
			return
		}
		makeRaw(t)
		inner = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	})
	if err == nil {
		err = inner
	}
	if err != nil {
		master.Close()
		return nil, "", fmt.Errorf("failed to set up pty: %w", err)
	}
	return master, fmt.Sprintf("/dev/pts/%d", n), nil
}

// PTYFlow reports the flow control the slave of master currently has set,
// so a simulator can tell whether the kernel will honour its XOFF.
func PTYFlow(master *os.File) (FlowControl, error) {
	rc, err := master.SyscallConn()
	if err != nil {
		return FlowNone, err
	}
	var t *unix.Termios
	var inner error
	if err := rc.Control(func(fd uintptr) { t, inner = unix.IoctlGetTermios(int(fd), unix.TCGETS) }); err != nil {
		return FlowNone, err
	}
	if inner != nil {
		return FlowNone, inner
	}
	switch {
	case t.Iflag&unix.IXON != 0:
		return FlowXonXoff, nil
	case t.Cflag&unix.CRTSCTS != 0:
		return FlowHardware, nil
	}
	return FlowNone, nil
}
