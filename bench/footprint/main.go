// Command footprint measures what the installed appliance costs at rest and how fast a busy
// channel opens: the size of the binary install.sh builds, the cold start to a healthy
// /api/health over an existing data folder (median of -starts), the idle memory, and the
// server time of a channel's first page (50,000 messages, 2,000 with attachments) and of a
// search in a channel of 200,000 messages. It prints figures; it never passes or fails on
// a time. See bench/README.md.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/durability"
)

type config struct {
	Bin, Dir                      string
	Starts                        int
	Messages, Attachments, Search int
	Requests                      int
	BuildFlags                    string
	Out                           io.Writer
}

func main() {
	var cfg config
	flag.StringVar(&cfg.Bin, "bin", "", "appliance binary (default: build one the way install.sh does)")
	flag.StringVar(&cfg.Dir, "dir", "", "work dir for binary, data and logs (default: a temp dir, removed afterwards)")
	flag.IntVar(&cfg.Starts, "starts", 10, "cold starts to time (median printed)")
	flag.IntVar(&cfg.Messages, "messages", 50000, "messages in the channel whose first page is timed")
	flag.IntVar(&cfg.Attachments, "attachments", 2000, "of those, messages with an attachment")
	flag.IntVar(&cfg.Search, "search", 200000, "messages in the channel searched (0 skips)")
	flag.IntVar(&cfg.Requests, "requests", 20, "timed requests per figure (after one untimed first)")
	flag.Parse()
	cfg.Out = os.Stdout
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "footprint:", err)
		os.Exit(1)
	}
}

func logf(cfg config, format string, args ...any) { fmt.Fprintf(cfg.Out, "# "+format+"\n", args...) }

// installGenerate and installBuild are the build of install.sh (kept in step with it by
// hand): pb_public zipped, then both web UIs deflated into the binary (-tags no_ui).
var (
	installGenerate = []string{"go", "generate", "-run", "public", "./uizip"}
	installBuild    = []string{"go", "build", "-ldflags", "-s -w", "-trimpath", "-tags", "no_ui", "-o"}
)

func run(ctx context.Context, cfg config) error {
	began := time.Now()
	work := cfg.Dir
	if work == "" {
		d, err := os.MkdirTemp("", "crisisroom-footprint-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		work = d
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	bin := cfg.Bin
	if bin == "" {
		bin = filepath.Join(work, "crisisroom")
		var modDir bytes.Buffer
		c := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}")
		c.Stdout = &modDir
		if err := c.Run(); err != nil {
			return fmt.Errorf("run from inside the repository: %w", err)
		}
		g := exec.CommandContext(ctx, installGenerate[0], installGenerate[1:]...)
		g.Dir = strings.TrimSpace(modDir.String())
		g.Stdout, g.Stderr = os.Stderr, os.Stderr
		if err := g.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(installGenerate, " "), err)
		}
		b := exec.CommandContext(ctx, installBuild[0], append(installBuild[1:], bin, ".")...)
		b.Dir = g.Dir
		b.Env = append(os.Environ(), "CGO_ENABLED=0")
		b.Stdout, b.Stderr = os.Stderr, os.Stderr
		t := time.Now()
		if err := b.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
		logf(cfg, "built with CGO_ENABLED=0 %s in %.0f s", strings.Join(installBuild, " "), time.Since(t).Seconds())
	}
	st, err := os.Stat(bin)
	if err != nil {
		return err
	}
	data := filepath.Join(work, "data")
	os.RemoveAll(data)
	logPath := filepath.Join(work, "server.log")

	// The demo seeds a fresh data folder once (the first start also makes the CA); every
	// timed start after it finds an existing folder.
	srv, err := start(ctx, bin, data, logPath, true)
	if err != nil {
		return err
	}
	srv.stop()

	var starts []time.Duration
	var idle []int64
	for range cfg.Starts {
		srv, err := start(ctx, bin, data, logPath, false)
		if err != nil {
			return err
		}
		starts = append(starts, srv.took)
		time.Sleep(time.Second)
		rss, _ := procRSS(srv.cmd.Process.Pid)
		idle = append(idle, rss)
		srv.stop()
	}

	var page, pageFirst time.Duration
	var pageItems int
	var pageCPU time.Duration
	var searches []searchTiming
	var sq []sqlTiming
	if cfg.Messages > 0 {
		ch, searchCh, user, err := fill(data, cfg)
		if err != nil {
			return err
		}
		srv, err := start(ctx, bin, data, logPath, false)
		if err != nil {
			return err
		}
		tok, err := signIn(srv.url, user)
		if err != nil {
			srv.stop()
			return err
		}
		pid := srv.cmd.Process.Pid
		path := "/api/crisisroom/channels/" + ch + "/messages"
		var r getTiming
		r, err = timeGet(srv.url+path, tok, pid, cfg.Requests)
		pageFirst, page, pageItems, pageCPU = r.first, r.med, r.items, r.cpu
		if err == nil && searchCh != "" {
			// Inside the channel of cfg.Search messages (the search box of a channel), then
			// across every channel of the person (the "Suche" view; 404 where the appliance
			// has no such route). "Deichbruch" is in one message of 1,000, "pegel" in every
			// one, "deich" is the beginning of "Deichbruch" only, "sands" of "Sandsäcke" (in
			// about a third of them).
			for _, s := range []searchTiming{
				{what: "in the channel", word: "Deichbruch", path: "/api/crisisroom/channels/" + searchCh + "/messages?q="},
				{what: "in the channel", word: "pegel", path: "/api/crisisroom/channels/" + searchCh + "/messages?q="},
				{what: "in the channel", word: "deich", path: "/api/crisisroom/channels/" + searchCh + "/messages?q="},
				{what: "in the channel", word: "sands", path: "/api/crisisroom/channels/" + searchCh + "/messages?q="},
				{what: "across channels", word: "Deichbruch", path: "/api/crisisroom/search?q="},
				{what: "across channels", word: "pegel", path: "/api/crisisroom/search?q="},
				{what: "across channels", word: "deich", path: "/api/crisisroom/search?q="},
			} {
				s.getTiming, err = timeGet(srv.url+s.path+url.QueryEscape(s.word), tok, pid, cfg.Requests)
				if err != nil && strings.Contains(err.Error(), "HTTP 404") {
					err = nil
					continue
				}
				if err != nil {
					break
				}
				searches = append(searches, s)
			}
		}
		srv.stop()
		if err != nil {
			return err
		}
		if searchCh != "" {
			if sq, err = searchSQL(data, searchCh, cfg.Requests); err != nil {
				return err
			}
		}
	}

	w := cfg.Out
	fmt.Fprintf(w, "\nFootprint of the appliance as install.sh builds it\n\n")
	fmt.Fprintf(w, "binary: %.1f MB (%d bytes)\n", float64(st.Size())/(1<<20), st.Size())
	fmt.Fprintf(w, "cold start to a healthy /api/health over an existing data folder, %d starts: median %s, min %s, max %s\n",
		len(starts), msf(median(starts)), msf(slices.Min(starts)), msf(slices.Max(starts)))
	fmt.Fprintf(w, "idle RSS 1 s after start: median %.1f MB, min %.1f, max %.1f\n", mbf(medianInt(idle)), mbf(slices.Min(idle)), mbf(slices.Max(idle)))
	if cfg.Messages > 0 {
		fmt.Fprintf(w, "first page of a channel of %d messages (%d with attachments), %d items: median %s over %d requests (the first after start %s), server CPU %s per request\n",
			cfg.Messages, cfg.Attachments, pageItems, msf(page), cfg.Requests, msf(pageFirst), msf(pageCPU))
	}
	for _, s := range searches {
		size := cfg.Search
		if s.what != "in the channel" {
			size += cfg.Messages
		}
		fmt.Fprintf(w, "search %s (%d messages) %q: median %s (first %s), server CPU %s per request; %d items%s\n",
			s.what, size, s.word, msf(s.med), msf(s.first), msf(s.cpu), s.items, s.total)
	}
	for _, t := range sq {
		fmt.Fprintf(w, "search query in SQLite alone, %s: median %s, %d rows\n", t.what, msf(t.med), t.rows)
	}
	logf(cfg, "whole run %.0f s", time.Since(began).Seconds())
	return nil
}

type searchTiming struct {
	what, word, path string
	getTiming
}

type sqlTiming struct {
	what string
	med  time.Duration
	rows int
}

// searchSQL times the query the search route runs (LIKE over the channel, newest first)
// against SQLite's full-text index FTS5, once with whole words (unicode61, diacritics
// folded) and once with trigrams (which answers the same LIKE '%…%' as the route).
func searchSQL(data, channel string, n int) ([]sqlTiming, error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: data, DBConnect: durability.Connect})
	if err := app.Bootstrap(); err != nil {
		return nil, err
	}
	defer app.ResetBootstrapState()
	db := app.NonconcurrentDB()
	timeQ := func(what, q string) (sqlTiming, error) {
		var ds []time.Duration
		var rows []struct {
			ID string `db:"id"`
		}
		for range n {
			t := time.Now()
			rows = rows[:0]
			if err := db.NewQuery(q).Bind(dbx.Params{"c": channel}).All(&rows); err != nil {
				return sqlTiming{}, fmt.Errorf("%s: %w", what, err)
			}
			ds = append(ds, time.Since(t))
		}
		return sqlTiming{what: what, med: median(ds), rows: len(rows)}, nil
	}
	var out []sqlTiming
	like, err := timeQ("LIKE '%deichbruch%' (as the route)", `SELECT id FROM messages WHERE channel = {:c} AND body LIKE '%deichbruch%' AND deleted = FALSE ORDER BY created DESC, rowid DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	out = append(out, like)
	for _, fts := range []struct{ name, tokenizer, match string }{
		{"bench_fts_words", "unicode61 remove_diacritics 2", `bench_fts_words MATCH 'deichbruch'`},
		{"bench_fts_tri", "trigram", `bench_fts_tri.body LIKE '%deichbruch%'`},
	} {
		t := time.Now()
		if _, err := db.NewQuery("CREATE VIRTUAL TABLE " + fts.name + " USING fts5(body, content='messages', content_rowid='rowid', tokenize='" + fts.tokenizer + "')").Execute(); err != nil {
			return out, fmt.Errorf("FTS5 %s: %w", fts.tokenizer, err)
		}
		if _, err := db.NewQuery("INSERT INTO " + fts.name + "(rowid, body) SELECT rowid, body FROM messages").Execute(); err != nil {
			return out, err
		}
		built := time.Since(t)
		r, err := timeQ(fmt.Sprintf("FTS5 %s (index of every message built in %.1f s)", fts.tokenizer, built.Seconds()),
			`SELECT m.id AS id FROM `+fts.name+` JOIN messages m ON m.rowid = `+fts.name+`.rowid WHERE `+fts.match+` AND m.channel = {:c} AND m.deleted = FALSE ORDER BY m.created DESC, m.rowid DESC LIMIT 200`)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

type server struct {
	url  string
	cmd  *exec.Cmd
	out  chan error
	took time.Duration
	log  *os.File
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0"
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the appliance as installed (HTTP, HTTPS with its own CA, the MQTT broker; on
// loopback ports) and returns once /api/health answers 200, with the time that took.
func start(ctx context.Context, bin, data, logPath string, demo bool) (*server, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	httpAddr := freePort()
	cmdName := "serve"
	if demo {
		cmdName = "demo"
	}
	cmd := exec.Command(bin, cmdName, "--dir", data, "--http", httpAddr, "--https", freePort(), "--mqtt", freePort(), "--mdns=false")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	hc := &http.Client{Timeout: time.Second}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{url: "http://" + httpAddr, cmd: cmd, out: make(chan error, 1), log: logf}
	go func() { s.out <- cmd.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); ; {
		resp, err := hc.Get(s.url + "/api/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.took = time.Since(t0)
				return s, nil
			}
		}
		select {
		case err := <-s.out:
			return nil, fmt.Errorf("the appliance ended (%v); see %s", err, logPath)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("no healthy answer within 60 s")
		}
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.out:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.out
	}
	s.log.Close()
}

func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v << 10, nil
		}
	}
	return 0, errors.New("no VmRSS")
}

// words: the vocabulary of the messages ("Pegel" is added to every one, "Deichbruch" to
// one in 1,000; no other word begins with "deich").
var words = []string{"Lagemeldung", "Wasserstand", "steigend", "Sandsäcke", "Abschnitt", "Einsatzabschnitt", "Bereitstellungsraum",
	"Evakuierung", "Straße", "gesperrt", "Kräfte", "angefordert", "Rückmeldung", "Stromausfall", "Notstrom", "Krankenhaus",
	"Pumpen", "Feuerwehr", "Polizei", "THW", "Lagebesprechung", "um", "Uhr", "bitte", "bestätigen", "verfügbar"}

// fill writes the messages straight into SQLite (the appliance is stopped): one channel of
// cfg.Messages with cfg.Attachments attachments, one of cfg.Search for the search. Both are
// channels the demo's abecker is a member of. It returns both ids and the user name.
func fill(data string, cfg config) (page, search, user string, err error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: data, DBConnect: durability.Connect})
	if err := app.Bootstrap(); err != nil {
		return "", "", "", err
	}
	defer app.ResetBootstrapState()
	user = "abecker"
	var rows []struct {
		Channel string `db:"channel"`
		User    string `db:"user"`
	}
	err = app.DB().NewQuery(`SELECT cm.channel AS channel, u.id AS user FROM channel_members cm JOIN users u ON u.id = cm.user
		WHERE u.username = {:u} ORDER BY cm.channel`).Bind(dbx.Params{"u": user}).All(&rows)
	if err != nil || len(rows) == 0 {
		return "", "", "", fmt.Errorf("no channel of %s in the demo: %v", user, err)
	}
	page = rows[0].Channel
	if cfg.Search > 0 {
		search = rows[len(rows)-1].Channel
		if len(rows) < 2 {
			return "", "", "", errors.New("the demo's abecker has only one channel")
		}
	}
	uid := rows[0].User
	t := time.Now()
	base := time.Now().UTC().Add(-30 * 24 * time.Hour)
	insert := func(tx *dbx.Tx, ch string, n, withFiles int, salt int) error {
		stmt := tx.NewQuery(`INSERT INTO messages (id, channel, author, body, attachments, priority, source, created, updated)
			VALUES ({:id}, {:ch}, {:a}, {:b}, {:f}, 'normal', 'web', {:c}, {:c})`)
		stmt.Prepare()
		defer stmt.Close()
		every := 0
		if withFiles > 0 {
			every = n / withFiles
		}
		for i := range n {
			// Eleven words drawn from the vocabulary (a fixed sequence per message) and
			// "Pegel" among them, so that one word is in every message.
			var sb strings.Builder
			x := uint64(i)*0x9e3779b97f4a7c15 + uint64(salt) + 1
			at := int(x % 12)
			for j := range 12 {
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				if j == at {
					sb.WriteString("Pegel ")
					continue
				}
				sb.WriteString(words[x%uint64(len(words))])
				sb.WriteByte(' ')
			}
			if i%1000 == 17 {
				sb.WriteString("Deichbruch bei Kilometer " + strconv.Itoa(i%90))
			}
			files := "[]"
			if every > 0 && i%every == 0 {
				files = `["lagekarte_` + strconv.Itoa(i) + `_ab12cd34ef.pdf"]`
			}
			created := base.Add(time.Duration(i) * 10 * time.Millisecond).Format("2006-01-02 15:04:05.000Z")
			_, err := stmt.Bind(dbx.Params{"id": randomID(), "ch": ch, "a": uid, "b": sb.String(), "f": files, "c": created}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	}
	err = app.NonconcurrentDB().(*dbx.DB).Transactional(func(tx *dbx.Tx) error {
		if err := insert(tx, page, cfg.Messages, cfg.Attachments, 0); err != nil {
			return err
		}
		if search != "" {
			return insert(tx, search, cfg.Search, 0, 5)
		}
		return nil
	})
	if err != nil {
		return "", "", "", fmt.Errorf("filling: %w", err)
	}
	logf(cfg, "wrote %d + %d messages in %.1f s", cfg.Messages, cfg.Search, time.Since(t).Seconds())
	return page, search, user, nil
}

func randomID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 15)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func signIn(base, user string) (string, error) {
	body, _ := json.Marshal(map[string]string{"identity": user, "password": "krisenstab2026"})
	resp, err := http.Post(base+"/api/collections/users/auth-with-password", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("sign-in as %s: HTTP %d", user, resp.StatusCode)
	}
	return out.Token, nil
}

// getTiming is what timeGet measured: the first request's time, the median of the
// others, the server's CPU time per request (utime+stime of the appliance process over
// the timed requests, in clock ticks of 10 ms: a figure the neighbours on a shared machine
// do not move), and of the last answer the number of items and, where it has them,
// ", total N" and " (capped)".
type getTiming struct {
	first, med, cpu time.Duration
	items           int
	total           string
}

// timeGet requests url once untimed-as-first, then n times, as token, against the
// appliance process pid.
func timeGet(u, token string, pid, n int) (getTiming, error) {
	var g getTiming
	var ds []time.Duration
	var cpu0 time.Duration
	for i := 0; i <= n; i++ {
		if i == 1 {
			cpu0 = procCPU(pid)
		}
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", token)
		t := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return g, err
		}
		var out struct {
			Items       []json.RawMessage `json:"items"`
			Total       *int              `json:"total"`
			TotalCapped bool              `json:"total_capped"`
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(t)
		if resp.StatusCode != http.StatusOK {
			return g, fmt.Errorf("GET %s: HTTP %d %s", u, resp.StatusCode, b)
		}
		json.Unmarshal(b, &out)
		g.items = len(out.Items)
		g.total = ""
		if out.Total != nil {
			g.total = fmt.Sprintf(", total %d", *out.Total)
			if out.TotalCapped {
				g.total += " (capped)"
			}
		}
		if i == 0 {
			g.first = d
		} else {
			ds = append(ds, d)
		}
	}
	g.med = median(ds)
	if n > 0 {
		g.cpu = (procCPU(pid) - cpu0) / time.Duration(n)
	}
	return g, nil
}

// procCPU is the user and system CPU time of process pid so far (0 if unreadable).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after its ')' are fixed:
	// utime and stime are the 14th and 15th of the line, the 12th and 13th after it.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianInt(v []int64) int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func msf(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
func mbf(b int64) float64        { return float64(b) / (1 << 20) }
