// Package deploy holds the checks of the appliance as it is installed and run: the
// install script and the built binary's network behaviour.
package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// binary is the appliance as install.sh builds and installs it (into a prefix), once per
// test run: so the script's own build is exercised too.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "crisisroom-build")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("bash", filepath.Join(repoRoot(t), "install.sh"), "--prefix", buildDir, "--dry-run")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("install.sh without --binary: %v\n%s", err, out)
		} else if !strings.Contains(string(out), "building:  env CGO_ENABLED=0 go build") {
			buildErr = fmt.Errorf("install.sh did not build:\n%s", out)
		}
		binPath = filepath.Join(buildDir, "usr/local/bin/crisisroom")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func install(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(repoRoot(t), "install.sh")}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustInstall(t *testing.T, args ...string) string {
	t.Helper()
	out, err := install(t, args...)
	if err != nil {
		t.Fatalf("install.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

const unitRel = "etc/systemd/system/crisisroom.service"

func TestInstallScript(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	base := []string{"--prefix", dir, "--dry-run", "--binary", bin, "--http", "0.0.0.0:8090", "--mqtt", "0.0.0.0:1883"}

	out := mustInstall(t, base...)
	for _, want := range []string{
		"would run: useradd --system --user-group --home-dir /var/lib/crisisroom --no-create-home --shell /usr/sbin/nologin crisisroom",
		"would run: usermod --append --groups dialout crisisroom",
		"would run: systemctl enable crisisroom.service",
		"written:   /usr/local/bin/crisisroom",
		"written:   /" + unitRel,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("first run does not say %q:\n%s", want, out)
		}
	}
	installed, err := os.ReadFile(filepath.Join(dir, "usr/local/bin/crisisroom"))
	if err != nil {
		t.Fatal(err)
	}
	built, _ := os.ReadFile(bin)
	if !bytes.Equal(installed, built) {
		t.Error("the installed binary differs from the given one")
	}
	unitFile := filepath.Join(dir, unitRel)
	unit, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	directives := parseUnit(string(unit))
	for k, v := range map[string]string{
		"User": "crisisroom", "Group": "crisisroom", "SupplementaryGroups": "dialout",
		"Restart": "always", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
		"ReadWritePaths": "/var/lib/crisisroom", "WorkingDirectory": "/var/lib/crisisroom",
		"ExecStart":             "/usr/local/bin/crisisroom serve --dir /var/lib/crisisroom/data --http 0.0.0.0:8090 --mqtt 0.0.0.0:1883",
		"CapabilityBoundingSet": "", "WantedBy": "multi-user.target",
	} {
		if got, ok := directives[k]; !ok || got != v {
			t.Errorf("unit %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"PrivateDevices", "AmbientCapabilities", "DevicePolicy"} {
		if _, ok := directives[k]; ok {
			t.Errorf("unit sets %s: the serial devices or the missing need for it say no", k)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "var/lib/crisisroom/data")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("data dir: %v %v", fi, err)
	}
	verifyUnit(t, dir, unitFile)

	// Again: nothing changes, and the service is started rather than restarted.
	before, _ := os.Stat(unitFile)
	out = mustInstall(t, base...)
	if strings.Contains(out, "written:") || !strings.Contains(out, "unchanged: /"+unitRel) || !strings.Contains(out, "unchanged: /usr/local/bin/crisisroom") {
		t.Errorf("second run changed files:\n%s", out)
	}
	if strings.Contains(out, "systemctl restart") || !strings.Contains(out, "systemctl start crisisroom.service") {
		t.Errorf("second run restarts an unchanged service:\n%s", out)
	}
	after, _ := os.Stat(unitFile)
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("the unit file was rewritten")
	}

	// A port below 1024 is the one reason for a capability.
	out = mustInstall(t, append(base, "--http", "0.0.0.0:80")...)
	unit, _ = os.ReadFile(unitFile)
	d := parseUnit(string(unit))
	if d["AmbientCapabilities"] != "CAP_NET_BIND_SERVICE" || d["CapabilityBoundingSet"] != "CAP_NET_BIND_SERVICE" {
		t.Errorf("port 80 without CAP_NET_BIND_SERVICE: %v", d)
	}
	if !strings.Contains(out, "systemctl restart crisisroom.service") {
		t.Errorf("a changed unit does not restart the service:\n%s", out)
	}
	verifyUnit(t, dir, unitFile)

	out = mustInstall(t, "--prefix", dir, "--dry-run", "--uninstall")
	for _, f := range []string{unitRel, "usr/local/bin/crisisroom"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s still there after --uninstall", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "var/lib/crisisroom/data")); err != nil {
		t.Error("--uninstall removed the data")
	}
	if !strings.Contains(out, "would run: systemctl disable --now crisisroom.service") {
		t.Errorf("uninstall does not stop the service:\n%s", out)
	}
	mustInstall(t, "--prefix", dir, "--dry-run", "--uninstall", "--purge")
	if _, err := os.Stat(filepath.Join(dir, "var/lib/crisisroom")); !os.IsNotExist(err) {
		t.Error("--purge kept the data")
	}

	if out, err := install(t, "--prefix", dir, "--frobnicate"); err == nil || !strings.Contains(out, "unknown option --frobnicate") {
		t.Errorf("unknown option: %v %s", err, out)
	}
}

// TestInstallDryRunTouchesNothing: without --prefix, --dry-run writes nothing to the
// system and names the build it would run.
func TestInstallDryRunTouchesNothing(t *testing.T) {
	unit := "/" + unitRel
	_, existed := os.Stat(unit)
	out := mustInstall(t, "--dry-run")
	for _, want := range []string{"would build: env CGO_ENABLED=0 go build -ldflags", "would write: " + unit, "would write: /usr/local/bin/crisisroom", "would create: /var/lib/crisisroom/data"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(unit); os.IsNotExist(existed) && !os.IsNotExist(err) {
		t.Errorf("--dry-run wrote %s", unit)
	}
}

// parseUnit reads KEY=VALUE lines; later lines win, as in systemd for these keys.
func parseUnit(s string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = v
		}
	}
	return out
}

// verifyUnit runs systemd-analyze verify where it is installed. The unit names the
// binary at its final path, so a copy pointing into the prefix is checked; every
// warning about the unit counts as a failure, because verify exits 0 on most of them.
func verifyUnit(t *testing.T, prefix, unitFile string) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("systemd-analyze not installed: unit not verified")
		return
	}
	unit, _ := os.ReadFile(unitFile)
	tmp := filepath.Join(t.TempDir(), "crisisroom.service")
	os.WriteFile(tmp, bytes.ReplaceAll(unit, []byte("/usr/local/bin/crisisroom"), []byte(filepath.Join(prefix, "usr/local/bin/crisisroom"))), 0o644)
	out, err := exec.Command("systemd-analyze", "verify", tmp).CombinedOutput()
	var complaints []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "crisisroom") {
			complaints = append(complaints, l)
		}
	}
	if err != nil || len(complaints) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, strings.Join(complaints, "\n"))
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// addrRE picks the address out of strace's connect(), sendto() and sendmsg() lines (a
// datagram sent without connect() names its address in sendto or sendmsg).
var addrRE = regexp.MustCompile(`^\d+ +(?:connect|sendto|sendmsg)\(.*?sa_family=(AF_\w+)(?:, ([^}]*))?\}`)

// TestServeMakesNoOutboundConnection runs the built binary under strace and records every
// connect(), and every datagram sent to an address, of the process and its threads while it starts, is set up and serves the UI
// and the broker. Only loopback and local sockets are allowed: the room may have no uplink.
func TestServeMakesNoOutboundConnection(t *testing.T) {
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace is not installed (test.sh installs it)")
	}
	bin := binary(t)
	for _, command := range []string{"serve", "demo"} {
		t.Run(command, func(t *testing.T) {
			dir := t.TempDir()
			httpAddr, httpsAddr, mqttAddr := freePort(t), freePort(t), freePort(t)
			trace := filepath.Join(dir, "net.trace")
			cmd := exec.Command("strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect,sendto,sendmsg", "-o", trace,
				bin, command, "--dir", filepath.Join(dir, "data"), "--http", httpAddr, "--https", httpsAddr, "--mqtt", mqttAddr)
			var logs bytes.Buffer
			cmd.Stdout, cmd.Stderr = &logs, &logs
			// Wait returns this long after strace ended even if its output pipe is still
			// held open, so that the test waits on processes, not on a pipe.
			cmd.WaitDelay = 5 * time.Second
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{}) // closed when strace, and so the appliance, has ended
			go func() { cmd.Wait(); close(done) }()
			// Signals go to the appliance itself: strace, signalled, would detach and leave
			// it running untraced.
			app := func() int {
				for i := 0; i < 100; i++ {
					raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
					if f := strings.Fields(string(raw)); len(f) > 0 {
						var pid int
						fmt.Sscan(f[0], &pid)
						return pid
					}
					time.Sleep(50 * time.Millisecond)
				}
				return 0
			}()
			if app == 0 {
				cmd.Process.Kill()
				t.Fatal("strace started no appliance")
			}
			stop := func() { syscall.Kill(app, syscall.SIGTERM) }
			defer func() {
				stop()
				select {
				case <-done:
				case <-time.After(20 * time.Second):
					syscall.Kill(app, syscall.SIGKILL)
					cmd.Process.Kill()
				}
			}()

			started := time.Now()
			base := "http://" + httpAddr
			deadline := time.Now().Add(60 * time.Second)
			for {
				resp, err := http.Get(base + "/api/health")
				if err == nil {
					resp.Body.Close()
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s did not answer: %v\n%s", command, err, logs.String())
				}
				select {
				case <-done:
					t.Fatalf("%s ended: %v\n%s", command, cmd.ProcessState, logs.String())
				case <-time.After(100 * time.Millisecond):
				}
			}
			t.Logf("%s answered after %v", command, time.Since(started).Round(time.Millisecond))
			// plain HTTP may send the browser on to HTTPS: look, do not follow
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for _, p := range []string{"/", "/setup.html", "/api/crisisroom/setup", "/_/", "/ca.crt"} {
				resp, err := client.Get(base + p)
				if err != nil {
					t.Fatalf("GET %s: %v", p, err)
				}
				resp.Body.Close()
			}
			// a device knocking on the broker (refused: no such device)
			if c, err := net.Dial("tcp", mqttAddr); err == nil {
				c.Write([]byte{0x10, 0x13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xc2, 0, 60, 0, 1, 'x', 0, 1, 'u', 0, 1, 'p'})
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 4)
				c.Read(buf)
				c.Close()
			} else {
				t.Fatalf("MQTT: %v", err)
			}

			// What must end within 30 s of SIGTERM is the appliance itself: watched by its
			// pid (gone, or a zombie strace has not reaped yet), not by strace's end, which
			// on a loaded machine came later (the appliance was gone, no goroutine dump).
			exited := func() bool {
				raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", app))
				if err != nil {
					return true
				}
				i := bytes.LastIndexByte(raw, ')')
				return i < 0 || i+2 >= len(raw) || raw[i+2] == 'Z' || raw[i+2] == 'X'
			}
			stopping := time.Now()
			stop()
			for !exited() {
				if time.Since(stopping) > 30*time.Second {
					// Go prints every goroutine on SIGQUIT: the report shows where it hangs.
					state, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", app))
					syscall.Kill(app, syscall.SIGQUIT)
					select {
					case <-done:
					case <-time.After(5 * time.Second):
					}
					t.Fatalf("no exit 30 s after SIGTERM (%s)\n%s", firstLines(string(state), 3), logs.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Logf("%s stopped %v after SIGTERM", command, time.Since(stopping).Round(time.Millisecond))
			// The trace is complete once strace has ended.
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("strace did not end 60 s after the appliance")
			}
			raw, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			var local, foreign int
			for _, line := range strings.Split(string(raw), "\n") {
				m := addrRE.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				switch {
				case m[1] == "AF_UNIX", m[1] == "AF_NETLINK", m[1] == "AF_UNSPEC":
					local++
				case m[1] == "AF_INET" && strings.Contains(m[2], `inet_addr("127.`):
					local++
				case m[1] == "AF_INET6" && (strings.Contains(m[2], `"::1"`) || strings.Contains(m[2], `"::ffff:127.`)):
					local++
				default:
					foreign++
					t.Errorf("outbound connect: %s", line)
				}
			}
			if local == 0 {
				t.Errorf("the trace shows no local connection at all: is strace tracing? %d bytes", len(raw))
			}
			t.Logf("%s: %d local connect()/sendto() calls, %d outbound", command, local, foreign)
		})
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "; ")
}
