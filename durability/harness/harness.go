// Package harness runs the crisisroom binary as a child process for the durability tests
// (kill -9, power cut, backup under load, standby): it builds the binary once per test
// process, starts it on loopback ports, signs demo people in and creates messages through the
// REST API, counting only the answers 200 as acknowledged. It is a test fixture in non-test
// files so that the tests of several packages share it.
package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

// BinEnv names an environment variable with the path of an already built appliance binary to
// use instead of building one.
const BinEnv = "CRISISROOM_BIN"

// Binary builds the appliance from the module root once per test process and returns the
// path of the binary ($CRISISROOM_BIN instead, when set). Call Cleanup from TestMain to remove it.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(BinEnv); p != "" {
		return p
	}
	buildOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
		if err != nil {
			buildErr = fmt.Errorf("go list -m: %w", err)
			return
		}
		if buildDir, buildErr = os.MkdirTemp("", "crisisroom-bin-"); buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "crisisroom")
		b := exec.Command("go", "build", "-o", buildBin, ".")
		b.Dir = strings.TrimSpace(string(out))
		if msg, err := b.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, msg)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// Cleanup removes the binary Binary built (from TestMain, after m.Run).
func Cleanup() {
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
}

// Proc is a running appliance.
type Proc struct {
	URL      string // http://127.0.0.1:PORT
	MQTTAddr string // 127.0.0.1:PORT with Options.MQTT, else empty
	Dir      string // its data dir
	Log      string // path of its combined output
	cmd      *exec.Cmd
	done     chan error
	appPid   int // the appliance's own pid (differs from cmd's when it runs under a wrapper)
	stopped  bool
}

// Options of Start.
type Options struct {
	Command string   // "serve" (default) or "demo"
	Env     []string // added to the environment, e.g. CRISISROOM_SQLITE_SYNCHRONOUS=NORMAL
	Wrap    []string // a wrapper the appliance runs under, e.g. strace …; the appliance is its child
	Args    []string // more arguments after the command
	MQTT    bool     // run the MQTT broker on a free loopback port (else --mqtt off)
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Start runs the appliance on dir and waits (up to 60 s) until /api/health answers. The
// process is killed at the test's end if still running.
func Start(t testing.TB, bin, dir string, o Options) *Proc {
	t.Helper()
	if o.Command == "" {
		o.Command = "serve"
	}
	addr := FreeAddr(t)
	mqttAddr := "off"
	if o.MQTT {
		mqttAddr = FreeAddr(t)
	}
	args := append([]string{}, o.Wrap...)
	args = append(args, bin, o.Command, "--dir", dir, "--http", addr, "--https", "off", "--mqtt", mqttAddr, "--mdns=false")
	args = append(args, o.Args...)
	// The log lives apart from the data folder, which a test may fill up or make read-only.
	logf, err := os.CreateTemp(t.TempDir(), "appliance-*.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logf.Close()
	p := &Proc{URL: "http://" + addr, Dir: dir, Log: logf.Name(), cmd: cmd, done: make(chan error, 1), appPid: cmd.Process.Pid}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if !p.stopped {
			p.Kill(t)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-p.done:
			p.stopped = true
			t.Fatalf("appliance ended before answering: %v\n%s", err, p.Output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("appliance did not answer within 60 s\n%s", p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(o.Wrap) > 0 {
		p.appPid = childOf(cmd.Process.Pid)
	}
	if o.MQTT {
		p.MQTTAddr = mqttAddr
	}
	return p
}

// childOf returns the first child process of pid (the appliance under a wrapper), or pid.
func childOf(pid int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(s); err == nil {
				return c
			}
		}
	}
	return pid
}

// Output returns what the appliance printed.
func (p *Proc) Output() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// Kill sends SIGKILL to the appliance itself (not to a wrapper, which then ends by itself) and
// waits until the process started by Start has ended (up to 30 s).
func (p *Proc) Kill(t testing.TB) {
	t.Helper()
	p.signal(t, syscall.SIGKILL)
}

// Stop sends SIGTERM and waits for a clean exit (up to 30 s).
func (p *Proc) Stop(t testing.TB) {
	t.Helper()
	p.signal(t, syscall.SIGTERM)
}

func (p *Proc) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if p.stopped {
		return
	}
	p.stopped = true
	syscall.Kill(p.appPid, sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("appliance did not end within 30 s of %v", sig)
	}
}

// Client talks to the appliance's REST API as one person.
type Client struct {
	Base, Token string
	HTTP        *http.Client
}

// LoginSuperuser signs a PocketBase superuser in (made with `crisisroom superuser upsert`).
func LoginSuperuser(t testing.TB, base, email, password string) *Client {
	t.Helper()
	c := &Client{Base: base, HTTP: &http.Client{Timeout: 30 * time.Second}}
	var out struct {
		Token string `json:"token"`
	}
	if status, raw := c.Do("POST", "/api/collections/_superusers/auth-with-password", map[string]any{"identity": email, "password": password}, &out); status != 200 {
		t.Fatalf("superuser login: %d %s", status, raw)
	}
	c.Token = out.Token
	return c
}

// Login signs a demo person in with the demo password.
func Login(t testing.TB, base, username, password string) *Client {
	t.Helper()
	c := &Client{Base: base, HTTP: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	var out struct {
		Token string `json:"token"`
	}
	if status, raw := c.Do("POST", "/api/collections/users/auth-with-password", map[string]any{"identity": username, "password": password}, &out); status != 200 {
		t.Fatalf("login %s: %d %s", username, status, raw)
	}
	c.Token = out.Token
	return c
}

// Do sends a JSON request and decodes a JSON answer into out (if not nil); it returns the
// status (0 when the request failed: the connection broke) and the raw answer.
func (c *Client) Do(method, path string, body any, out any) (int, string) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err.Error()
	}
	if out != nil && resp.StatusCode < 300 {
		json.Unmarshal(raw, out)
	}
	return resp.StatusCode, string(raw)
}

// UserID returns the signed-in person's record id.
func (c *Client) UserID(t testing.TB) string {
	t.Helper()
	var out struct {
		Record struct {
			ID string `json:"id"`
		} `json:"record"`
	}
	if status, raw := c.Do("POST", "/api/collections/users/auth-refresh", nil, &out); status != 200 {
		t.Fatalf("auth-refresh: %d %s", status, raw)
	}
	return out.Record.ID
}

// ChannelID returns the id of the channel with this name that the person sees.
func (c *Client) ChannelID(t testing.TB, name string) string {
	t.Helper()
	var out struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	q := "/api/collections/channels/records?filter=" + url.QueryEscape("name='"+name+"'")
	if status, raw := c.Do("GET", q, nil, &out); status != 200 || len(out.Items) == 0 {
		t.Fatalf("channel %q: %d %s", name, status, raw)
	}
	return out.Items[0].ID
}

// Post creates a message with this client key; true when the appliance answered 200.
func (c *Client) Post(channel, author, key string) bool {
	status, _ := c.PostBody(channel, author, key, "Lagemeldung "+key)
	return status == 200
}

// PostBody creates a message with this client key and body; it returns the status and answer.
func (c *Client) PostBody(channel, author, key, body string) (int, string) {
	return c.Do("POST", "/api/collections/messages/records", map[string]any{
		"channel": channel, "author": author, "body": body, "client_key": key}, nil)
}

// PostFile creates a message with one attachment (multipart form, as the web UI sends it);
// true when the appliance answered 200.
func (c *Client) PostFile(channel, author, key, filename string, data []byte) bool {
	status, _ := c.PostFileStatus(channel, author, key, filename, data)
	return status == 200
}

// PostFileStatus is PostFile returning the status (0: no answer) and the answer.
func (c *Client) PostFileStatus(channel, author, key, filename string, data []byte) (int, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"channel": channel, "author": author, "body": "Anlage " + key, "client_key": key} {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("attachments", filename)
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest("POST", c.Base+"/api/collections/messages/records", &buf)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}
