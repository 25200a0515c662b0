package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// sseConn is one browser tab: a PocketBase realtime connection of one user.
type sseConn struct {
	user     *benchUser
	clientID string
	body     io.ReadCloser
	cancel   context.CancelFunc
	done     chan struct{}
}

// deliverFunc receives each event's data with the moment it was read off the wire.
type deliverFunc func(name string, data []byte, at time.Time)

func newTransport(idle int) *http.Transport {
	return &http.Transport{
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
		DisableCompression:  true,
		IdleConnTimeout:     90 * time.Second,
	}
}

// dialSSE opens GET /api/realtime and waits for PB_CONNECT. Events after that go to
// deliver from the connection's own goroutine until the connection ends.
func dialSSE(ctx context.Context, hc *http.Client, base string, user *benchUser, deliver deliverFunc, dropped *atomic.Int64) (*sseConn, error) {
	cctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, base+"/api/realtime", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("realtime connect: HTTP %d", resp.StatusCode)
	}
	if req.URL.Scheme == "https" && resp.ProtoMajor != 2 {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("realtime connect over TLS: %s, not HTTP/2", resp.Proto)
	}
	er := newEventReader(bufio.NewReaderSize(resp.Body, 8<<10))
	name, data, err := er.next()
	if err != nil || name != "PB_CONNECT" {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("realtime connect: no PB_CONNECT (%q, %v)", name, err)
	}
	var hello struct {
		ClientID string `json:"clientId"`
	}
	if err := json.Unmarshal(data, &hello); err != nil || hello.ClientID == "" {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("realtime connect: bad PB_CONNECT data %q", data)
	}
	c := &sseConn{user: user, clientID: hello.ClientID, body: resp.Body, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for {
			name, data, err := er.next()
			if err != nil {
				if cctx.Err() == nil {
					dropped.Add(1)
				}
				return
			}
			if deliver != nil {
				deliver(name, data, time.Now())
			}
		}
	}()
	return c, nil
}

func (c *sseConn) close() {
	c.cancel()
	c.body.Close()
	<-c.done
}

// eventReader reads SSE events (lines up to a blank line) off one connection. PocketBase
// writes "id:…", "event:…", "data:…" without a space after the colon. The load
// generator shares the cores with the server it measures, so it reads without allocating
// per line: the data of an event is valid until the next call.
type eventReader struct {
	br   *bufio.Reader
	data []byte
	name string // the last event name, reused while it repeats
	long []byte // a line longer than the reader's buffer
}

func newEventReader(br *bufio.Reader) *eventReader { return &eventReader{br: br} }

// next returns the next event's name and data.
func (r *eventReader) next() (name string, data []byte, err error) {
	r.data = r.data[:0]
	hasData, hasAny := false, false
	for {
		line, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			r.long = append(r.long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = r.br.ReadSlice('\n')
				r.long = append(r.long, line...)
			}
			line = r.long
		}
		if err != nil {
			return "", nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if hasAny {
				return name, r.data, nil
			}
			continue
		}
		switch {
		case bytes.HasPrefix(line, []byte("event:")):
			n := bytes.TrimSpace(line[len("event:"):])
			if string(n) != r.name {
				r.name = string(n)
			}
			name, hasAny = r.name, true
		case bytes.HasPrefix(line, []byte("data:")):
			if hasData {
				r.data = append(r.data, '\n')
			}
			r.data = append(r.data, bytes.TrimPrefix(line[len("data:"):], []byte(" "))...)
			hasData, hasAny = true, true
		}
	}
}

// subscribe sets the connection's subscriptions with the user's token, as the web UI does.
func subscribe(ctx context.Context, hc *http.Client, base string, c *sseConn, subs []string) error {
	body, _ := json.Marshal(map[string]any{"clientId": c.clientID, "subscriptions": subs})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/realtime", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", c.user.Token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("subscribe %v: HTTP %d %s", subs, resp.StatusCode, msg)
	}
	return nil
}

// postMessage creates a message as user; it returns an error for anything but 200.
func postMessage(ctx context.Context, hc *http.Client, base string, u *benchUser, body, clientKey string) error {
	b, _ := json.Marshal(map[string]string{"channel": u.Channel, "author": u.ID, "body": body, "client_key": clientKey})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/collections/messages/records", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", u.Token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("create message: HTTP %d %s", resp.StatusCode, msg)
	}
	return nil
}

// clientKeyOf pulls the "client_key" value out of an event without decoding the whole
// record: the load generator shares the machine's two cores with the server, so its
// per-delivery work is kept small.
func clientKeyOf(data []byte) ([]byte, error) {
	const k = `"client_key":"`
	i := bytes.Index(data, []byte(k))
	if i < 0 {
		return nil, errors.New("no client_key")
	}
	rest := data[i+len(k):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil, errors.New("unterminated client_key")
	}
	return rest[:j], nil
}
