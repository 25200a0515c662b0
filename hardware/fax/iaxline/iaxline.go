// Package iaxline makes a telephone line between two pseudo-terminals out of
// two Debian iaxmodems (spandsp's software fax modem, ITU T.31 Class 1)
// pointed at each other over IAX on 127.0.0.1, without a telephone system
// or root configuration. Tests and benchmarks put a fax program on each end.
package iaxline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotInstalled means iaxmodem is not on PATH (apt-get install iaxmodem).
var ErrNotInstalled = errors.New("iaxline: iaxmodem is not installed (apt-get install iaxmodem)")

// Line is a running pair of iaxmodems: dialling any number on A rings B and
// the other way round.
type Line struct {
	A, B  string // pty paths (symlinks iaxmodem creates in the folder)
	procs []*exec.Cmd
	mu    sync.Mutex
	logs  []*bytes.Buffer
}

// handedOut are the ports FreeUDPPort gave this process: the kernel may offer a port
// again once it is closed, before the iaxmodem it was meant for has bound it, and two
// pairs started side by side would then dial into each other.
var (
	handedMu  sync.Mutex
	handedOut = map[int]bool{}
)

// FreeUDPPort asks the kernel for a loopback UDP port nobody uses now and that this
// process has not handed out before.
func FreeUDPPort() (int, error) {
	handedMu.Lock()
	defer handedMu.Unlock()
	for range 100 {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return 0, err
		}
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if !handedOut[port] {
			handedOut[port] = true
			return port, nil
		}
	}
	return 0, errors.New("iaxline: no fresh loopback UDP port")
}

// Start writes two configurations into dir and starts the pair on free
// loopback UDP ports; it returns once both ptys exist (at most 15 s).
// iaxmodem reads /etc/iaxmodem/NAME only; a NAME that climbs out of that
// folder to an absolute path reads our file instead. Stop the line with
// Stop.
func Start(dir string) (*Line, error) {
	if _, err := exec.LookPath("iaxmodem"); err != nil {
		return nil, ErrNotInstalled
	}
	pa, err := FreeUDPPort()
	if err != nil {
		return nil, err
	}
	pb := pa
	for pb == pa {
		if pb, err = FreeUDPPort(); err != nil {
			return nil, err
		}
	}
	l := &Line{A: filepath.Join(dir, "ttyA"), B: filepath.Join(dir, "ttyB")}
	for _, s := range []struct {
		name, dev   string
		port, other int
	}{{"A", l.A, pa, pb}, {"B", l.B, pb, pa}} {
		cfg := filepath.Join(dir, "iax"+s.name+".conf")
		text := fmt.Sprintf("device %s\nowner root:root\nmode 660\nport %d\nrefresh 0\nserver 127.0.0.1:%d\npeername iax%s\nsecret x\ncodec slinear\n",
			s.dev, s.port, s.other, s.name)
		if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
			l.Stop()
			return nil, err
		}
		abs, _ := filepath.Abs(cfg)
		cmd := exec.Command("iaxmodem", "../../../.."+abs)
		buf := &bytes.Buffer{}
		w := &lockedWriter{w: buf, mu: &l.mu}
		cmd.Stdout, cmd.Stderr = w, w
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			l.Stop()
			return nil, fmt.Errorf("iaxline: %w", err)
		}
		l.procs = append(l.procs, cmd)
		l.logs = append(l.logs, buf)
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, p := range []string{l.A, l.B} {
		for {
			if _, err := os.Stat(p); err == nil {
				break
			}
			if time.Now().After(deadline) {
				logs := l.Logs()
				l.Stop()
				return nil, fmt.Errorf("iaxline: iaxmodem did not create %s:\n%s", p, logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return l, nil
}

// Stop ends both iaxmodems (only the processes Start started, by id).
func (l *Line) Stop() {
	for _, c := range l.procs {
		c.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			c.Process.Kill()
			<-done
		}
	}
	l.procs = nil
}

// Logs is what the two iaxmodems said, for a failure message.
func (l *Line) Logs() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for i, lg := range l.logs {
		fmt.Fprintf(&b, "--- iaxmodem %c ---\n%s", 'A'+i, lg.String())
	}
	return b.String()
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
