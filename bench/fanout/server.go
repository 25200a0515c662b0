package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/appliance"
	"crisisroom/connbound"
	"crisisroom/durability"
	"crisisroom/hooks"
	"crisisroom/hooks/messaging"
)

// The benchmark opens its 1,000 connections (and 5,000 idle ones) from one address before
// it subscribes them: the appliance's bounds per address, on all connections
// (connbound) and on those holding no subscription yet (messaging), are lifted for the
// appliance it starts, as a child (which inherits the environment) or in-process.
func init() {
	os.Setenv(connbound.EnvPerAddress, "0")
	os.Setenv(messaging.EnvRealtimeWaiting, "0")
}

// The appliance runs as a child process so that its memory and CPU can be read from
// /proc apart from the load generator's, although both share the machine.
type server struct {
	URL       string
	StreamURL string // where the realtime streams connect (-tls: the HTTPS listener); empty: URL
	cmd       *exec.Cmd
	log       *os.File
	out       chan error

	inproc func() // stops an in-process appliance (profiling mode)
}

// buildServer compiles the appliance from the module that contains the working directory.
func buildServer(ctx context.Context, dst string) error {
	var modDir bytes.Buffer
	c := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}")
	c.Stdout = &modDir
	c.Stderr = os.Stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("failed to find the module (run from inside the repository): %w", err)
	}
	b := exec.CommandContext(ctx, "go", "build", "-o", dst, ".")
	b.Dir = strings.TrimSpace(modDir.String())
	b.Stdout = os.Stderr
	b.Stderr = os.Stderr
	if err := b.Run(); err != nil {
		return fmt.Errorf("failed to build the appliance: %w", err)
	}
	return nil
}

// raiseFileLimit lifts this process's open-file limit to the hard limit. Setting it
// explicitly (rather than relying on the Go runtime's own raise) makes children inherit
// it; each loopback connection costs a descriptor on both sides.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	l.Cur = l.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	return l.Cur, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// streams is the base URL of the realtime streams.
func (s *server) streams() string {
	if s.StreamURL != "" {
		return s.StreamURL
	}
	return s.URL
}

// startServer runs the appliance binary on a loopback port; withTLS adds its HTTPS listener
// (the appliance's own CA and certificate) on another, for the realtime streams.
func startServer(ctx context.Context, bin, dataDir, logPath string, withTLS bool) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	httpsFlag := "off"
	if withTLS {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		httpsFlag = fmt.Sprintf("127.0.0.1:%d", p)
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--dir", dataDir, "--http", addr, "--https", httpsFlag, "--mdns=false", "--mqtt", "off")
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the bench
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("failed to start the appliance: %w", err)
	}
	s := &server{URL: "http://" + addr, cmd: cmd, log: logf, out: make(chan error, 1)}
	go func() { s.out <- cmd.Wait() }()

	switch err := waitHealthy(ctx, s.URL, s.out); {
	case errors.Is(err, errEnded):
		logf.Close()
		return nil, fmt.Errorf("the appliance ended before answering (%v); see %s", err, logPath)
	case err != nil:
		s.stop()
		return nil, fmt.Errorf("%w; see %s", err, logPath)
	}
	if withTLS {
		s.StreamURL = "https://" + httpsFlag
		if err := waitHealthy(ctx, s.StreamURL, s.out); err != nil {
			s.stop()
			return nil, fmt.Errorf("the appliance's HTTPS listener: %w; see %s", err, logPath)
		}
	}
	return s, nil
}

var errEnded = errors.New("ended")

// waitHealthy polls url's health route until it answers 200, the appliance ends (its
// exit arrives on ended), ctx is done, or 30 s pass.
func waitHealthy(ctx context.Context, url string, ended <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := healthClient.Get(url + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-ended:
			return fmt.Errorf("%w: %v", errEnded, err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("the appliance did not answer within 30 s")
		}
	}
}

func (s *server) pid() int {
	if s.inproc != nil {
		return selfPID
	}
	return s.cmd.Process.Pid
}

// stop ends the child gracefully, then forcibly.
func (s *server) stop() {
	if s.inproc != nil {
		s.inproc()
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.out:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.out
	}
	s.log.Close()
}

// procStatus reads the "Name: value kB" fields of /proc/<pid>/status, in bytes.
func procStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		out[strings.TrimSuffix(f[0], ":")] = v << 10
	}
	return out, nil
}

// procMem reads VmRSS and VmHWM (peak) of a process in bytes.
func procMem(pid int) (rss, hwm int64, err error) {
	st, err := procStatus(pid)
	if err != nil {
		return 0, 0, err
	}
	if st["VmRSS"] == 0 {
		return 0, 0, errors.New("no VmRSS in /proc status")
	}
	return st["VmRSS"], st["VmHWM"], nil
}

// procRSSParts splits a process's resident memory into anonymous pages (Go's heap,
// stacks and runtime) and file-backed ones (mostly the binary's own pages), in bytes.
func procRSSParts(pid int) (anon, file int64) {
	st, _ := procStatus(pid)
	return st["RssAnon"], st["RssFile"]
}

// procCPU is the process's user+system CPU time so far.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// The command name in field 2 may contain spaces: count fields after its ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const clockTicks = 100 // USER_HZ is 100 on every Linux this runs on
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// machineBusy is the CPU time all cores spent on anything but idling, so that load from
// other programs on the box shows up next to the figures.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest time is already in user
			continue
		}
		busy += n
	}
	const clockTicks = 100
	return time.Duration(busy) * time.Second / clockTicks
}

// startInProcess serves the seeded data dir from this process, with the same hooks and
// the same database connections as the binary (durability.Connect: synchronous=FULL, the
// statements kept per connection; the MQTT broker is off in both). Only for CPU profiles:
// memory and CPU figures then include the load generator.
//
// withTLS adds the appliance's HTTPS listener, as the binary's --https does, for the
// realtime streams.
func startInProcess(ctx context.Context, dataDir string, withTLS bool) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	httpsAddr := ""
	if withTLS {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		httpsAddr = fmt.Sprintf("127.0.0.1:%d", p)
	}
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dataDir, DBConnect: durability.Connect})
	if err := app.Bootstrap(); err != nil {
		return nil, err
	}
	appliance.RegisterHooks(app, &hooks.Config{Quiet: true, HTTPAddr: addr, HTTPSAddr: httpsAddr})
	out := make(chan error, 1)
	go func() { out <- apis.Serve(app, apis.ServeConfig{HttpAddr: addr, AllowedOrigins: []string{"*"}}) }()
	s := &server{URL: "http://" + addr}
	s.inproc = func() {
		ev := new(core.TerminateEvent)
		ev.App = app
		_ = app.OnTerminate().Trigger(ev, func(e *core.TerminateEvent) error {
			app.ResetBootstrapState()
			return e.Next()
		})
		select {
		case <-out:
		case <-time.After(5 * time.Second):
		}
	}
	switch err := waitHealthy(ctx, s.URL, out); {
	case errors.Is(err, errEnded):
		return nil, fmt.Errorf("the in-process appliance ended before answering: %v", err)
	case err != nil:
		s.inproc()
		return nil, fmt.Errorf("the in-process appliance: %w", err)
	}
	if withTLS {
		s.StreamURL = "https://" + httpsAddr
		if err := waitHealthy(ctx, s.StreamURL, out); err != nil {
			s.inproc()
			return nil, fmt.Errorf("the in-process appliance's HTTPS listener: %w", err)
		}
	}
	return s, nil
}
