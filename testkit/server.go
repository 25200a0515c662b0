// Package testkit starts the whole appliance on loopback ports and drives Debian's
// chromium against it. It is a fixture for tests in every package, so it lives in
// non-test files.
package testkit

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"crisisroom/appliance"
	"crisisroom/durability"
	"crisisroom/hardware"
	"crisisroom/hooks"
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
	// CountQueries counts every SQL statement of the app's databases (Server.Queries),
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
	Demo     *hooks.Demo
	Cfg      *hooks.Config // what the hooks run with

	stop    func()
	queries atomic.Int64
}

// Queries is the number of SQL statements (queries and executions, data.db and
// auxiliary.db) the appliance has run since it started; it stays 0 without
// Options.CountQueries. A test reads it before and after a request it makes alone.
func (s *Server) Queries() int64 { return s.queries.Load() }

// countQueries adds a counter to the log hooks of every database handle of app. dbx calls
// them after each statement; they are set before the appliance serves, so no request
// races with the assignment.
func (s *Server) countQueries(app core.App) {
	for _, b := range []dbx.Builder{app.ConcurrentDB(), app.NonconcurrentDB(), app.AuxConcurrentDB(), app.AuxNonconcurrentDB()} {
		db, ok := b.(*dbx.DB)
		if !ok {
			continue
		}
		q, e := db.QueryLogFunc, db.ExecLogFunc
		db.QueryLogFunc = func(ctx context.Context, d time.Duration, sql string, rows *sql.Rows, err error) {
			s.queries.Add(1)
			if q != nil {
				q(ctx, d, sql, rows, err)
			}
		}
		db.ExecLogFunc = func(ctx context.Context, d time.Duration, sql string, res sql.Result, err error) {
			s.queries.Add(1)
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
		dir = t.TempDir()
	}
	// The same database options as main (synchronous=FULL); the rest as tests.NewTestApp.
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: dir, EncryptionEnv: "pb_test_env", DBConnect: durability.Connect})
	if err != nil {
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
		d, err := hooks.SeedDemo(app)
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

// Token returns an auth token for the user with this username (demo users have
// hooks.DemoPassword).
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
