package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The bare path is the ceiling of what the machine can do with this workload: a minimal Go
// SSE server that speaks the part of PocketBase's realtime protocol the load uses
// (GET /api/realtime with PB_CONNECT, POST /api/realtime to subscribe, POST
// /api/collections/messages/records to create) with no database, no auth, no rules and no
// hooks. A create is decoded, given an id, encoded once as the same event the appliance
// sends on channels/<id>, and written to every connection subscribed to the channel, each
// event with its own write and flush as PocketBase's connection loop does.
//
// It runs as a child process of the benchmark (the bench binary started again with
// bareEnv set), so that its CPU and memory are read apart from the load generator's,
// exactly as the appliance's are.

// childEnv, when set to "bare <addr>" or "plain <dataDir> <addr>", makes the bench binary
// serve instead of measuring. Read in init so that the test binary honours it too.
const childEnv = "CRISISROOM_BENCH_CHILD"

func init() {
	v := os.Getenv(childEnv)
	if v == "" {
		return
	}
	f := strings.Fields(v)
	var err error
	switch {
	case len(f) == 2 && f[0] == "bare":
		err = serveBare(f[1], "")
	case len(f) == 3 && f[0] == "bare" && strings.HasPrefix(f[1], "tls="):
		err = serveBare(f[2], strings.TrimPrefix(f[1], "tls="))
	case len(f) == 3 && f[0] == "plain":
		err = servePlain(f[1], f[2])
	default:
		err = fmt.Errorf("bad %s %q", childEnv, v)
	}
	fmt.Fprintln(os.Stderr, "bench child:", err)
	os.Exit(1)
}

// startChild runs this binary again as a server of the given kind (see childEnv) and waits
// until its /api/health answers.
func startChild(ctx context.Context, args []string, logPath string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(append(args, addr), " "))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{URL: "http://" + addr, cmd: cmd, log: logf, out: make(chan error, 1)}
	go func() { s.out <- cmd.Wait() }()
	if err := waitHealthy(ctx, s.URL, s.out); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s server: %w; see %s", args[0], err, logPath)
	}
	return s, nil
}

type bareConn struct {
	id     string
	out    chan []byte // ready-made SSE frames
	topics map[string]bool
}

type bareServer struct {
	mu     sync.RWMutex
	conns  map[string]*bareConn
	topics map[string]map[*bareConn]bool
	seq    uint64
	order  sync.Mutex // one writer at a time, as SQLite's: events leave in creation order
}

// serveBare serves on addr (HTTP/1.1) and, when tlsAddr is set, the same routes on tlsAddr
// over TLS, where net/http speaks HTTP/2 as the appliance's HTTPS listener does.
func serveBare(addr, tlsAddr string) error {
	b := &bareServer{conns: map[string]*bareConn{}, topics: map[string]map[*bareConn]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"code":200,"message":"API is healthy.","data":{}}`))
	})
	mux.HandleFunc("GET /api/realtime", b.connect)
	mux.HandleFunc("POST /api/realtime", b.subscribe)
	mux.HandleFunc("POST /api/collections/messages/records", b.create)
	if tlsAddr != "" {
		cert, err := selfSigned()
		if err != nil {
			return err
		}
		ts := &http.Server{Addr: tlsAddr, Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
		go func() {
			fmt.Fprintln(os.Stderr, "bare HTTPS:", ts.ListenAndServeTLS("", ""))
			os.Exit(1)
		}()
	}
	return (&http.Server{Addr: addr, Handler: mux}).ListenAndServe()
}

func randomID(n int) string {
	buf := make([]byte, n/2)
	rand.Read(buf)
	return hex.EncodeToString(buf)
}

func (b *bareServer) connect(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	c := &bareConn{id: randomID(40), out: make(chan []byte, 512), topics: map[string]bool{}}
	b.mu.Lock()
	b.conns[c.id] = c
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		delete(b.conns, c.id)
		for t := range c.topics {
			delete(b.topics[t], c)
		}
		b.mu.Unlock()
	}()
	fmt.Fprintf(w, "id:%s\nevent:PB_CONNECT\ndata:{\"clientId\":\"%s\"}\n\n", c.id, c.id)
	if rc.Flush() != nil {
		return
	}
	for {
		select {
		case frame := <-c.out:
			if _, err := w.Write(frame); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

func (b *bareServer) subscribe(w http.ResponseWriter, r *http.Request) {
	var form struct {
		ClientID      string   `json:"clientId"`
		Subscriptions []string `json:"subscriptions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&form); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.conns[form.ClientID]
	if c == nil {
		http.Error(w, "unknown client", http.StatusNotFound)
		return
	}
	for t := range c.topics {
		delete(b.topics[t], c)
	}
	c.topics = map[string]bool{}
	for _, s := range form.Subscriptions {
		c.topics[s] = true
		if b.topics[s] == nil {
			b.topics[s] = map[*bareConn]bool{}
		}
		b.topics[s][c] = true
	}
	w.WriteHeader(http.StatusNoContent)
}

func (b *bareServer) create(w http.ResponseWriter, r *http.Request) {
	rec := map[string]any{}
	if err := json.NewDecoder(r.Body).Decode(&rec); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	channel, _ := rec["channel"].(string)
	now := time.Now().UTC().Format("2006-01-02 15:04:05.000Z")
	rec["collectionName"], rec["created"], rec["updated"] = "messages", now, now
	b.order.Lock()
	b.seq++
	rec["id"] = "m" + strconv.FormatUint(b.seq, 36)
	data, _ := json.Marshal(map[string]any{"action": "create", "collection": "messages", "record": rec})
	topic := "channels/" + channel
	b.mu.RLock()
	for c := range b.topics[topic] {
		frame := make([]byte, 0, len(c.id)+len(topic)+len(data)+24)
		frame = append(append(append(frame, "id:"...), c.id...), "\nevent:"...)
		frame = append(append(append(frame, topic...), "\ndata:"...), data...)
		frame = append(frame, "\n\n"...)
		select {
		case c.out <- frame:
		default: // a connection that cannot keep up loses the event, as the appliance's is closed
		}
	}
	b.mu.RUnlock()
	b.order.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rec)
}
