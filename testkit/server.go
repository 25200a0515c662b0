// Package testkit starts the whole appliance on loopback ports and drives Debian's
// chromium against it. It is a fixture for tests in every package, so it lives in
// non-test files.
package testkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"golang.org/x/crypto/bcrypt"

	"crisisroom/appliance"
	"crisisroom/durability"
	"crisisroom/hardware"
	"crisisroom/hooks"
	"crisisroom/hooks/demo"
	_ "crisisroom/migrations"
)

// Options choose what the test appliance runs.
type Options struct {
	Demo      bool   // seed the demo crisis staff before serving
	NoMQTT    bool   // leave the MQTT broker off
	PublicDir string // serve the UI from disk instead of the embedded copy
	// DataDir starts from a copy of another appliance's data dir (a restart: what the
	// first one stored, none of its memory).
	DataDir string
	// Before runs after the appliance's own hooks are registered and before it serves,
	// for tests that add hooks of their own.
	Before func(app core.App)
	// CountQueries counts every SQL statement on the app's data.db (Server.Queries),
	// for tests that bound what a request costs by a count instead of a time.
	CountQueries bool
	// Hooks is the hooks' configuration (HTTPS, links); Quiet is always set, and MQTTAddr
	// is filled in with the broker's address once it listens.
	Hooks hooks.Config
}

// Server is a running appliance: real SQLite in a temp dir, real HTTP and MQTT listeners.
type Server struct {
	URL      string // http://127.0.0.1:PORT
	App      *tests.TestApp
	Broker   *hardware.Broker
	MQTTAddr string // 127.0.0.1:PORT, empty with NoMQTT
	Demo     *demo.Data
	Cfg      *hooks.Config // what the hooks run with

	stop func()

	mu      sync.Mutex
	queries []string // the SQL of every statement counted, in order (with CountQueries)
}

// Queries is the number of SQL statements (queries and executions on data.db, where
// rules and hooks run) the appliance has run since it started; it stays 0 without
// Options.CountQueries. A test reads it before and after a request it makes alone.
func (s *Server) Queries() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.queries))
}

// Statements is the SQL of the statements counted after the first `since` (a value
// Queries returned before), for a test that reports what a request ran.
func (s *Server) Statements(since int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if since < 0 || since > int64(len(s.queries)) {
		return nil
	}
	return append([]string(nil), s.queries[since:]...)
}

func (s *Server) count(sql string) {
	s.mu.Lock()
	s.queries = append(s.queries, sql)
	s.mu.Unlock()
}

// countQueries adds a counter to the log hooks of app's data.db handles. auxiliary.db is
// left out: it holds the request log, which PocketBase writes in batches every few
// seconds from its own goroutine, so its inserts would land on whichever request a test
// happens to be measuring. dbx calls the hooks after each statement; they are set
// before the appliance serves, so no request races with the assignment.
func (s *Server) countQueries(app core.App) {
	for _, b := range []dbx.Builder{app.ConcurrentDB(), app.NonconcurrentDB()} {
		db, ok := b.(*dbx.DB)
		if !ok {
			continue
		}
		q, e := db.QueryLogFunc, db.ExecLogFunc
		db.QueryLogFunc = func(ctx context.Context, d time.Duration, sql string, rows *sql.Rows, err error) {
			s.count(sql)
			if q != nil {
				q(ctx, d, sql, rows, err)
			}
		}
		db.ExecLogFunc = func(ctx context.Context, d time.Duration, sql string, res sql.Result, err error) {
			s.count(sql)
			if e != nil {
				e(ctx, d, sql, res, err)
			}
		}
	}
}

// Stop ends the appliance before the test does (a restart); it is also run at cleanup.
func (s *Server) Stop() { s.stop() }

// StartServer runs the appliance for the duration of the test.
func StartServer(t testing.TB, opts Options) *Server {
	t.Helper()
	dir := opts.DataDir
	if dir == "" {
		var err error
		if dir, err = migratedTemplate(); err != nil {
			t.Fatalf("test app: %v", err)
		}
	}
	// NewTestAppWithConfig runs on a copy of dir (a fresh one per test) and applies the
	// migrations that copy lacks.
	app, err := newTestApp(dir)
	if err != nil {
		t.Fatalf("test app: %v", err)
	}
	if err := cheapPasswords(app); err != nil {
		t.Fatalf("test app: %v", err)
	}
	hcfg := opts.Hooks
	hcfg.Quiet = true
	mqttAddr := "127.0.0.1:0"
	if opts.NoMQTT {
		mqttAddr = "off"
	}
	broker := appliance.Register(app, appliance.Config{Hooks: &hcfg, Broker: &hardware.Config{Addr: mqttAddr}, PublicDir: &opts.PublicDir})
	broker.OnStart(func(b *hardware.Broker) { hcfg.MQTTAddr = b.Addr().String() })
	if opts.Before != nil {
		opts.Before(app)
	}
	s := &Server{App: app, Broker: broker, Cfg: &hcfg}
	if opts.CountQueries {
		s.countQueries(app)
	}
	if opts.Demo {
		d, err := demo.Seed(app, appliance.DemoExtras()...)
		if err != nil {
			t.Fatalf("demo seed: %v", err)
		}
		s.Demo = d
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s.URL = "http://" + ln.Addr().String()
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Listener = ln
		return e.Next()
	})
	served := make(chan error, 1)
	go func() {
		served <- apis.Serve(app, apis.ServeConfig{HttpAddr: ln.Addr().String(), AllowedOrigins: []string{"*"}})
	}()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/api/health")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-served:
			t.Fatalf("appliance did not start: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("appliance did not answer within 15 s: %v", err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	if broker != nil && !opts.NoMQTT {
		if a := broker.Addr(); a != nil {
			s.MQTTAddr = a.String()
		}
	}
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			app.Cleanup() // triggers OnTerminate: HTTP shutdown, broker stop
			select {
			case err := <-served:
				if err != nil && !errors.Is(err, http.ErrServerClosed) {
					t.Logf("serve ended: %v", err)
				}
			case <-time.After(5 * time.Second):
			}
		})
	}
	t.Cleanup(s.stop)
	return s
}

// newTestApp opens a test appliance on a copy of dir, with the same database options as
// main (synchronous=FULL) and the rest as tests.NewTestApp.
func newTestApp(dir string) (*tests.TestApp, error) {
	return tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env", DBConnect: durability.Connect})
}

var template struct {
	once sync.Once
	dir  string
	err  error
}

// migratedTemplate returns a data dir with every migration applied (and cheap
// passwords), made once per test process in $TMPDIR/crisisroom-testkit-<pid>: each test
// appliance starts from a copy of it instead of running the migrations again. Templates
// of processes that have ended are removed.
func migratedTemplate() (string, error) {
	template.once.Do(func() {
		removeStaleTemplates()
		empty, err := os.MkdirTemp("", "crisisroom-testkit-empty-")
		if err != nil {
			template.err = err
			return
		}
		defer os.RemoveAll(empty)
		app, err := newTestApp(empty)
		if err != nil {
			template.err = err
			return
		}
		if err := cheapPasswords(app); err != nil {
			template.err = err
			return
		}
		built := app.DataDir()
		if err := app.ResetBootstrapState(); err != nil { // closes the databases
			template.err = err
			return
		}
		final := filepath.Join(os.TempDir(), fmt.Sprintf("crisisroom-testkit-%d", os.Getpid()))
		os.RemoveAll(final)
		if err := os.Rename(built, final); err != nil {
			template.err = err
			return
		}
		template.dir = final
	})
	return template.dir, template.err
}

// removeStaleTemplates removes the templates of test processes that no longer run.
func removeStaleTemplates() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "crisisroom-testkit-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "crisisroom-testkit-"))
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			os.RemoveAll(d)
		}
	}
}

// cheapPasswords sets bcrypt's lowest cost on the password field of every auth
// collection of the test appliance (users, devices, superusers). Hashing the demo's
// people and devices at the default cost was over half the CPU of starting a test
// appliance; a sign-in still compares a real bcrypt hash, only with fewer rounds. The
// appliance itself keeps PocketBase's default (the migrations set no cost).
func cheapPasswords(app core.App) error {
	cols, err := app.FindAllCollections(core.CollectionTypeAuth)
	if err != nil {
		return err
	}
	for _, c := range cols {
		f, ok := c.Fields.GetByName("password").(*core.PasswordField)
		if !ok || f.Cost == bcrypt.MinCost {
			continue
		}
		f.Cost = bcrypt.MinCost
		if err := app.SaveNoValidate(c); err != nil {
			return fmt.Errorf("password cost of %s: %w", c.Name, err)
		}
	}
	return nil
}

// Token returns an auth token for the user with this username (demo users have
// demo.Password).
func (s *Server) Token(t testing.TB, username string) string {
	t.Helper()
	u, err := s.App.FindFirstRecordByData("users", "username", username)
	if err != nil {
		t.Fatalf("no user %q: %v", username, err)
	}
	tok, err := u.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
