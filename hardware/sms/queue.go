package sms

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Job is one text to one number, as the queue keeps it.
type Job struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Text   string `json:"text"`
	Report bool   `json:"report"`
	// PDUs are encoded once, so a retry resends exactly the parts not yet sent (with
	// the same concatenation reference, so the handset joins them).
	PDUs    []SubmitPDU `json:"pdus"`
	Sent    int         `json:"sent"` // parts the network accepted
	MRs     []int       `json:"mrs"`  // their message references
	Attempt int         `json:"attempt"`
	NextAt  time.Time   `json:"next_at"`
}

// pendingReport maps a message reference to the job and part it belongs to, until
// its status report arrives.
type pendingReport struct {
	ID    string    `json:"id"`
	Parts int       `json:"parts"`
	At    time.Time `json:"at"`
}

// partial is a part of a long received text, kept until the others arrive.
type partial struct {
	From   string    `json:"from"`
	Ref    int       `json:"ref"`
	Parts  int       `json:"parts"`
	Texts  []string  `json:"texts"`
	SentAt time.Time `json:"sent_at"`
	First  time.Time `json:"first"`
}

// queueState is what survives a restart of the driver: jobs not yet sent, reports
// not yet received, parts of texts not yet complete, the next concatenation
// reference.
type queueState struct {
	Jobs     []*Job                `json:"jobs"`
	Reports  map[int]pendingReport `json:"reports"`
	Partials map[string]*partial   `json:"partials"`
	Ref      byte                  `json:"ref"`
	Done     map[string]time.Time  `json:"done"` // ids already finished: a repeated request is not sent twice
}

// queue is the driver's persistent queue: a JSON file replaced atomically (write,
// fsync, rename) after every change, so a crash or an unplugged modem loses nothing.
// An empty path keeps it in memory only (tests of other packages).
type queue struct {
	mu   sync.Mutex
	path string
	st   queueState
}

func openQueue(path string) (*queue, error) {
	q := &queue{path: path, st: queueState{Reports: map[int]pendingReport{}, Partials: map[string]*partial{}, Done: map[string]time.Time{}}}
	if path == "" {
		return q, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return q, nil
	}
	if err != nil {
		return nil, fmt.Errorf("failed to read the SMS queue: %w", err)
	}
	if err := json.Unmarshal(data, &q.st); err != nil {
		// Keep the damaged file for a person to look at rather than overwrite it.
		bad := path + ".damaged-" + time.Now().UTC().Format("20060102T150405")
		_ = os.Rename(path, bad)
		return nil, fmt.Errorf("the SMS queue %s is damaged (kept as %s): %w", path, bad, err)
	}
	if q.st.Reports == nil {
		q.st.Reports = map[int]pendingReport{}
	}
	if q.st.Partials == nil {
		q.st.Partials = map[string]*partial{}
	}
	if q.st.Done == nil {
		q.st.Done = map[string]time.Time{}
	}
	return q, nil
}

// saveLocked writes the state; the caller holds q.mu.
func (q *queue) saveLocked() error {
	if q.path == "" {
		return nil
	}
	// Forget what is old: finished ids after a day, reports after three days (the
	// validity period is one), parts of texts after a day.
	now := time.Now()
	for id, t := range q.st.Done {
		if now.Sub(t) > 24*time.Hour {
			delete(q.st.Done, id)
		}
	}
	for mr, r := range q.st.Reports {
		if now.Sub(r.At) > 72*time.Hour {
			delete(q.st.Reports, mr)
		}
	}
	data, err := json.Marshal(q.st)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(q.path), 0o700); err != nil {
		return err
	}
	tmp := q.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, q.path)
}

// Len is the number of texts waiting.
func (q *queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.st.Jobs)
}
