package messaging

import (
	"errors"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// Events of the fan-out to a taken-over connection (realtime_takeover.go) do not pass
// PocketBase's connection loop: the fan-out's worker writes an event to the connection
// itself when the connection owes nothing, without waiting (the socket takes it or not),
// and a connection's drain goroutine writes what queued up otherwise. Through the loop,
// each delivery cost a hand-over to the connection's goroutine (waking it, often another
// thread), a hook call, two allocations for the event's head, a flush, a deadline and a
// timer reset; most of the CPU a message cost besides its write. The bytes on the wire
// are the same: PocketBase's Message.WriteSSE frame in a chunk of its own.
//
// sseWriter.evMu keeps whole events apart: PocketBase's loop (PB_CONNECT, events of the
// stock broadcast) holds it from its first Write of an event to the flush (our
// OnRealtimeMessageSend hook), the fan-out while it writes, the end of the stream while
// it writes the last chunk. The worker only tries it and queues the event if it is held,
// so a connection never holds up the fan-out.

// sseWriterKey: the realtime client's store key of its taken-over connection's writer.
const sseWriterKey = "crisisroomSSEWriter"

// writerOf returns the taken-over connection's writer of a realtime client, or nil (a
// connection PocketBase serves itself: HTTP/2, or a test's client).
func writerOf(client subscriptions.Client) *sseWriter {
	w, _ := client.Get(sseWriterKey).(*sseWriter)
	return w
}

// tryResult says what became of an event offered without waiting.
type tryResult int

const (
	tryBusy    tryResult = iota // not written: queue it
	trySent                     // written completely (or the connection has ended: dropped)
	tryPartial                  // written in part; the rest is kept in w.rest and must be written next
)

// appendFrame appends one event as PocketBase's Message.WriteSSE writes it.
func appendFrame(b []byte, clientId, name string, data []byte) []byte {
	b = append(b, "id:"...)
	b = append(b, clientId...)
	b = append(b, "\nevent:"...)
	b = append(b, name...)
	b = append(b, "\ndata:"...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// chunk turns b[chunkRoom:] into one HTTP/1.1 chunk in place: the chunk is
// full[start:]; full is b with the chunk's end appended (the same buffer where it had room).
func chunk(b []byte) (full []byte, start int) {
	var size [chunkRoom]byte
	line := append(strconv.AppendInt(size[:0], int64(len(b)-chunkRoom), 16), '\r', '\n')
	start = chunkRoom - len(line)
	copy(b[start:], line)
	return append(b, '\r', '\n'), start
}

// tryEvents writes events to the connection, as one chunk, if that needs no waiting:
// nobody else is writing to it, nothing of an earlier event is left to write, and the
// socket takes the bytes now. Called by the fan-out's worker with the connection's outbox
// empty.
func (w *sseWriter) tryEvents(clientId string, ms []subscriptions.Message) tryResult {
	if w.raw == nil || !w.evMu.TryLock() {
		return tryBusy
	}
	defer w.evMu.Unlock()
	if w.err != nil {
		return trySent // the stream has ended; its browser reconnects and reloads
	}
	if !w.headSent || w.rest != nil || (w.buf != nil && len(*w.buf) > chunkRoom) {
		return tryBusy
	}
	if len(ms) > 1 {
		// Each connection's chunk is a copy of the events (its client id is in every
		// frame): many long ones at once (a worker's batch of 32 messages of 19 KB) would
		// cost every subscriber a buffer too large for the pool, 10 GB of garbage and 1 GB
		// of RSS with 1,500 connections (bench/fanout -stalled 500). Over batchBytes they
		// are handed on one by one, or queued for the drain's chunks of batchBytes.
		size := 0
		for _, m := range ms {
			size += len(m.Data)
		}
		if size > batchBytes {
			return tryBusy
		}
	}
	bp := sseBuffers.Get().(*[]byte)
	b := (*bp)[:chunkRoom]
	for _, m := range ms {
		b = appendFrame(b, clientId, m.Name, m.Data)
	}
	b, start := chunk(b)
	n, err := w.writeNow(b[start:])
	res := trySent
	switch {
	case err != nil:
		w.err = err
	case start+n < len(b):
		w.rest = append([]byte(nil), b[start+n:]...)
		res = tryPartial
	}
	if cap(b) <= 128<<10 {
		*bp = b[:0]
		sseBuffers.Put(bp)
	}
	return res
}

// writeNow writes b with one write(2) on the non-blocking socket and reports how much
// it took (0 when its buffer is full).
func (w *sseWriter) writeNow(b []byte) (int, error) {
	var n int
	var werr error
	write := func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if werr != syscall.EINTR {
				break
			}
		}
		return true // never wait for the socket here
	}
	err := w.raw.Write(write)
	if errors.Is(err, os.ErrDeadlineExceeded) && !w.aborted.Load() {
		// The deadline of an earlier write that could wait (PB_CONNECT's, a drain's) has
		// passed: it would fail this one, which does not wait, on a connection that is
		// quiet, not stalled (TestRealtimeWriteTimeoutEndsOnlyStalledStreams). Called with
		// evMu held, so no write an abort must cut short is running.
		_ = w.conn.SetWriteDeadline(time.Time{})
		if w.aborted.Load() { // an abort came in between: its deadline, not ours
			_ = w.conn.SetWriteDeadline(abortDeadline)
			return 0, errStreamAborted
		}
		err = w.raw.Write(write)
	}
	if err != nil {
		return 0, err
	}
	if n < 0 {
		n = 0
	}
	if werr == syscall.EAGAIN {
		werr = nil
	}
	return n, werr
}

// writeEvents writes events (at most batchBytes of them, none the close marker) as one
// chunk, after what is left of an earlier one, waiting for the socket up to
// sseWriteTimeout. It reports false once the connection has failed.
func (w *sseWriter) writeEvents(clientId string, ms []subscriptions.Message) bool {
	w.evMu.Lock()
	defer w.evMu.Unlock()
	if err := w.writeRestLocked(); err != nil {
		return false
	}
	if len(ms) == 0 {
		return true
	}
	if w.err != nil {
		return false
	}
	bp := sseBuffers.Get().(*[]byte)
	b := (*bp)[:chunkRoom]
	for _, m := range ms {
		b = appendFrame(b, clientId, m.Name, m.Data)
	}
	b, start := chunk(b)
	err := w.deadline()
	if err == nil {
		_, err = w.conn.Write(b[start:])
	}
	if cap(b) <= 128<<10 {
		*bp = b[:0]
		sseBuffers.Put(bp)
	}
	if err != nil {
		w.err = err
		return false
	}
	return true
}

// writeRestLocked writes what is left of an event written in part, waiting for the
// socket up to sseWriteTimeout. Called with evMu held.
func (w *sseWriter) writeRestLocked() error {
	if w.err != nil || w.rest == nil {
		return w.err
	}
	err := w.deadline()
	if err == nil {
		_, err = w.conn.Write(w.rest)
	}
	w.rest = nil
	if err != nil {
		w.err = err
	}
	return err
}

// abort makes a write that waits for the socket fail at once, and every later one: the
// connection owes too much, or its stream ends.
func (w *sseWriter) abort() {
	w.aborted.Store(true)
	_ = w.conn.SetWriteDeadline(abortDeadline)
}

// abortDeadline is the write deadline of an aborted stream: long past, so every write fails.
var abortDeadline = time.Unix(1, 0)

// deadline sets the deadline of a write that may wait for the socket. It is set before
// the abort is checked: an abort that came before the check is seen here, and its deadline
// put back (ours may have overwritten it), and one that comes after it overrides ours.
func (w *sseWriter) deadline() error {
	_ = w.conn.SetWriteDeadline(time.Now().Add(sseWriteTimeout.Load()))
	if w.aborted.Load() {
		_ = w.conn.SetWriteDeadline(abortDeadline)
		return errStreamAborted
	}
	return nil
}

var errStreamAborted = errors.New("realtime stream aborted")
