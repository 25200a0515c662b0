package messaging

import (
	"context"
	"hash/fnv"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// Realtime fan-out for messaging (DESIGN §4). PocketBase's stock broadcast checks the
// collection rule for every subscriber of every event; here membership is checked once,
// when a client subscribes to channels/<id>, and again whenever it changes. An event is
// encoded once and the same bytes go to every subscriber of its channel.
//
// Order: each channel has a sequence of slots, reserved together with the write of the
// row (see orderedWrite), and filled once the write has committed. Slots leave a channel's sequence strictly in
// order, each channel always to the same worker, and each connection drains its own outbox
// in order, so every subscriber sees a channel's events in the order they were stored.

const (
	topicMe         = "crisisroom/me"
	topicChannelPre = "channels/"
	outboxSize      = 512 // events a connection may owe before it is closed
	batchBytes      = 64 << 10
	fanoutWorkers   = 4
)

type rtConn struct {
	client subscriptions.Client
	w      *sseWriter // a taken-over connection's writer: the fan-out writes to it itself
	user   string
	me     []string            // the client's subscription names for crisisroom/me
	topics map[string]struct{} // its channel topics in the index (guarded by fanout.mu)

	// The outbox: events owed to the connection, oldest first. A drain goroutine runs
	// only while it holds something, so an idle connection (most browser tabs, most of
	// the time) costs neither a goroutine nor a buffer.
	qmu      sync.Mutex
	queue    []subscriptions.Message
	taken    int // events the drain goroutine has taken and not yet handed on
	draining bool
	closed   bool
	// overflowed is closed when the connection owes too much; a drain goroutine blocked
	// handing an event to PocketBase's SSE goroutine wakes on it, leaves, and only then
	// discards the client. Discarding closes the client's channel, and closing it while
	// our own send waits on it is a data race (and relies on a recovered panic).
	overflowed chan struct{}
}

// rtSub is one connection's subscription to one channel topic.
type rtSub struct {
	names   []string  // as the client spelled them (a name may carry ?options=…)
	expires time.Time // a guest's access ends here even before the cleanup job runs
}

type eventSlot struct {
	channel     string
	ready, dead bool
	data        []byte       // a ready-made event, or
	record      *core.Record // a message to encode on the worker
	action      string
}

type fanout struct {
	app     core.App
	dir     *directory
	done    chan struct{}
	streams *sseStreams   // realtime connections served off net/http's goroutine
	release *burstRelease // returns memory after a burst of connects and subscribes

	mu     sync.RWMutex
	conns  map[string]*rtConn // by client id
	topics map[string]map[*rtConn]*rtSub
	users  map[string]map[*rtConn]struct{}
	// gen counts the revocations per user, so a subscribe that was checked before a
	// concurrent removal notices it and checks again.
	gen map[string]uint64

	seqMu   sync.Mutex
	seqs    map[string][]*eventSlot       // per channel, in write order
	pending map[*core.Record][]*eventSlot // a record written twice in one transaction has two
	workers []chan *eventSlot
	pace    time.Duration  // of busy channels: deliveryPace (0 where a test builds a fanout itself)
	working sync.WaitGroup // the workers, which close waits for (they read the database)
}

func newFanout(app core.App, dir *directory) *fanout {
	f := &fanout{
		app: app, dir: dir, done: make(chan struct{}), streams: &sseStreams{live: map[*sseWriter]context.CancelFunc{}},
		release: newBurstRelease(),
		conns:   map[string]*rtConn{}, topics: map[string]map[*rtConn]*rtSub{}, users: map[string]map[*rtConn]struct{}{}, gen: map[string]uint64{},
		seqs: map[string][]*eventSlot{}, pending: map[*core.Record][]*eventSlot{},
		pace: deliveryPace,
	}
	for i := 0; i < fanoutWorkers; i++ {
		ch := make(chan *eventSlot, 4096)
		f.workers = append(f.workers, ch)
		f.working.Go(func() { f.work(ch) })
	}
	return f
}

// close stops the workers and ends every connection's outbox. It returns once no worker
// runs any more: the app closes its databases after its terminate hooks, and a worker
// encoding an event then would read a closed database.
func (f *fanout) close() {
	select {
	case <-f.done:
	default:
		close(f.done)
	}
	f.working.Wait()
	f.mu.Lock()
	for _, c := range f.conns {
		c.close()
	}
	f.mu.Unlock()
}

// topicOf strips the options PocketBase's SDK may append to a subscription.
func topicOf(sub string) string {
	if i := strings.IndexByte(sub, '?'); i >= 0 {
		return sub[:i]
	}
	return sub
}

// ---- connections and the topic index ----

func (f *fanout) generation(userId string) uint64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.gen[userId]
}

// index replaces what the fan-out knows about a client with its current subscriptions.
// channelExpiry holds the channel memberships checked at generation gen (zero time: no
// end); channel subscriptions without one are dropped. It reports false, changing
// nothing, when the user's memberships were revoked since: check again.
func (f *fanout) index(client subscriptions.Client, userId string, channelExpiry map[string]time.Time, gen uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen[userId] != gen {
		return false
	}
	if client.IsDiscarded() {
		return true // the connection ended while it subscribed; drop has run or will find nothing
	}
	c := f.conns[client.Id()]
	if c == nil {
		c = &rtConn{client: client, w: writerOf(client), topics: map[string]struct{}{}}
		f.conns[client.Id()] = c
	}
	f.unindexLocked(c)
	c.user = userId
	if userId != "" {
		if f.users[userId] == nil {
			f.users[userId] = map[*rtConn]struct{}{}
		}
		f.users[userId][c] = struct{}{}
	}
	for name := range client.Subscriptions() {
		topic := topicOf(name)
		switch {
		case topic == topicMe:
			c.me = append(c.me, name)
		case strings.HasPrefix(topic, topicChannelPre):
			exp, ok := channelExpiry[strings.TrimPrefix(topic, topicChannelPre)]
			if !ok {
				client.Unsubscribe(name)
				continue
			}
			subs := f.topics[topic]
			if subs == nil {
				subs = map[*rtConn]*rtSub{}
				f.topics[topic] = subs
			}
			s := subs[c]
			if s == nil {
				s = &rtSub{expires: exp}
				subs[c] = s
				c.topics[topic] = struct{}{}
			}
			s.names = append(s.names, name)
		}
	}
	return true
}

func (f *fanout) unindexLocked(c *rtConn) {
	c.me = nil
	for topic := range c.topics {
		f.removeLocked(c, topic)
	}
	if c.user != "" {
		delete(f.users[c.user], c)
		if len(f.users[c.user]) == 0 {
			delete(f.users, c.user)
		}
	}
}

// endWrites stops the outbox of a connection whose write has failed while PocketBase's
// loop is still in its message hook (an HTTP/2 stream past its write deadline): a drain
// waiting to hand an event to that loop leaves and discards the client itself, before the
// loop ends and PocketBase discards it again, so no send of ours meets the closing of the
// client's channel. It waits at most a second for the drain to leave.
func (f *fanout) endWrites(clientId string) {
	f.mu.Lock()
	c := f.conns[clientId]
	f.mu.Unlock()
	if c == nil {
		return
	}
	c.qmu.Lock()
	c.closed, c.queue = true, nil
	if c.overflowed == nil {
		c.overflowed = make(chan struct{})
	}
	select {
	case <-c.overflowed:
	default:
		close(c.overflowed)
	}
	c.qmu.Unlock()
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		c.qmu.Lock()
		draining := c.draining
		c.qmu.Unlock()
		if !draining {
			return
		}
	}
}

// drop forgets a client whose connection has ended.
func (f *fanout) drop(clientId string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.conns[clientId]; c != nil {
		f.unindexLocked(c)
		delete(f.conns, clientId)
		c.close()
	}
}

// revokeChannel takes a channel's topic away from every connection of a user at once.
func (f *fanout) revokeChannel(userId, channelId string) {
	topic := topicChannelPre + channelId
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen[userId]++
	for c := range f.users[userId] {
		if s, ok := f.topics[topic][c]; ok {
			c.client.Unsubscribe(s.names...)
			f.removeLocked(c, topic)
		}
	}
}

func (f *fanout) removeLocked(c *rtConn, topic string) {
	delete(c.topics, topic)
	if subs := f.topics[topic]; subs != nil {
		delete(subs, c)
		if len(subs) == 0 {
			delete(f.topics, topic)
		}
	}
}

// revokeUser takes every channel topic away from a user's connections (signed out, or
// their tokens were renewed): they must subscribe again with a valid token.
func (f *fanout) revokeUser(userId string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gen[userId]++
	for c := range f.users[userId] {
		for topic := range c.topics {
			if s := f.topics[topic][c]; s != nil {
				c.client.Unsubscribe(s.names...)
			}
			f.removeLocked(c, topic)
		}
	}
}

// userChannels lists the channels (ids) any connection of a user follows.
func (f *fanout) userChannels(userId string) []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for c := range f.users[userId] {
		for topic := range c.topics {
			id := strings.TrimPrefix(topic, topicChannelPre)
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// channelUsers lists the users whose connections follow a channel.
func (f *fanout) channelUsers(channelId string) []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for c := range f.topics[topicChannelPre+channelId] {
		if c.user != "" && !seen[c.user] {
			seen[c.user] = true
			out = append(out, c.user)
		}
	}
	return out
}

// setExpiry follows a changed end date of a channel membership.
func (f *fanout) setExpiry(userId, channelId string, exp time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	subs := f.topics[topicChannelPre+channelId]
	for c := range f.users[userId] {
		if s, ok := subs[c]; ok {
			s.expires = exp
		}
	}
}

// ---- per-connection outbox ----

// push never blocks the fan-out: a connection that owes 512 events is closed, and its
// browser reconnects and reloads what it missed.
func (c *rtConn) push(m subscriptions.Message) {
	c.qmu.Lock()
	if c.closed {
		c.qmu.Unlock()
		return
	}
	if len(c.queue)+c.taken >= outboxSize {
		c.closed, c.queue = true, nil
		if c.overflowed == nil {
			c.overflowed = make(chan struct{})
		}
		close(c.overflowed)
		draining := c.draining
		c.qmu.Unlock()
		if c.w != nil {
			c.w.abort() // a drain waiting for the socket gives up now, and then discards
		}
		if !draining { // no send of ours can be waiting on the client's channel
			c.client.Discard()
		}
		return
	}
	// Nothing owed (an idle connection, the usual case): a taken-over connection's socket
	// takes the event now, or PocketBase's SSE goroutine is waiting for one; either way
	// without a drain goroutine.
	if !c.draining && len(c.queue) == 0 && m.Name != closeMarker {
		if c.w == nil {
			if c.send(m, nil) {
				c.qmu.Unlock()
				return
			}
		} else if c.tryDirectLocked([]subscriptions.Message{m}) {
			c.qmu.Unlock()
			return
		}
	}
	c.queue = append(c.queue, m)
	if !c.draining {
		c.draining = true
		go c.drain()
	}
	c.qmu.Unlock()
}

// tryDirectLocked offers ms to the taken-over connection's socket without waiting (c owes
// nothing; c.qmu held). It reports whether they are taken care of: written, or written in
// part with the drain started to write the rest first.
func (c *rtConn) tryDirectLocked(ms []subscriptions.Message) bool {
	switch c.w.tryEvents(c.client.Id(), ms) {
	case trySent:
		return true
	case tryPartial:
		c.draining = true
		go c.drain()
		return true
	}
	return false
}

// pushAll pushes events in order. To a connection that owes nothing they go in one
// write: a taken-over connection's socket takes them now, or PocketBase's loop of an
// HTTP/2 stream, waiting for an event, takes them as one message (coalesce: one hook call,
// one write deadline, one write and one flush instead of one each per event, and no drain
// goroutine for the rest). Otherwise they queue one by one. ms is not kept.
func (c *rtConn) pushAll(ms []subscriptions.Message) {
	if len(ms) > 1 {
		c.qmu.Lock()
		if !c.closed && !c.draining && len(c.queue) == 0 {
			if c.w != nil {
				if c.tryDirectLocked(ms) {
					c.qmu.Unlock()
					return
				}
			} else if fitsOneMessage(ms) && c.send(coalesce(c.client.Id(), ms), nil) {
				c.qmu.Unlock()
				return
			}
		}
		c.qmu.Unlock()
	}
	for _, m := range ms {
		c.push(m)
	}
}

// fitsOneMessage reports whether events may go as one coalesced message: together at most
// batchBytes, as a drain joins them.
func fitsOneMessage(ms []subscriptions.Message) bool {
	n := 0
	for _, m := range ms {
		if n += len(m.Data); n > batchBytes || m.Name == closeMarker {
			return false
		}
	}
	return true
}

func (c *rtConn) close() {
	c.qmu.Lock()
	c.closed, c.queue = true, nil
	c.qmu.Unlock()
}

// closeMarker, queued behind a last message, ends the connection once it is written.
const closeMarker = "\x00close"

// drain hands the outbox to PocketBase's SSE goroutine until it is empty. Events that
// have queued up meanwhile go as one message (see coalesce): one hook call, one write and
// one flush for all of them, so a busy connection costs less per event, not more.
func (c *rtConn) drain() {
	var batch []subscriptions.Message
	c.qmu.Lock()
	if c.overflowed == nil {
		c.overflowed = make(chan struct{})
	}
	overflowed := c.overflowed
	c.qmu.Unlock()
	for {
		if c.w != nil && !c.w.writeEvents(c.client.Id(), nil) { // what the socket took in part
			c.failed(overflowed)
			return
		}
		c.qmu.Lock()
		if c.closed || len(c.queue) == 0 {
			closed := c.closed
			c.draining, c.queue = false, nil // an idle connection keeps no buffer
			c.qmu.Unlock()
			if closed {
				select {
				case <-overflowed: // it overflowed while this goroutine was starting or between batches
					c.client.Discard()
				default:
				}
			}
			return
		}
		batch, c.queue = c.queue, batch[:0]
		c.taken = len(batch)
		c.qmu.Unlock()
		for i := 0; i < len(batch); {
			n, size := 0, 0
			for i+n < len(batch) && batch[i+n].Name != closeMarker && (n == 0 || size+len(batch[i+n].Data) <= batchBytes) {
				size += len(batch[i+n].Data)
				n++
			}
			if n == 0 { // the close marker
				c.client.Unsubscribe()
				c.client.Discard()
				c.close()
				return
			}
			var ok bool
			if c.w != nil {
				ok = c.w.writeEvents(c.client.Id(), batch[i:i+n])
			} else {
				ok = c.send(coalesce(c.client.Id(), batch[i:i+n]), overflowed)
			}
			if !ok {
				c.failed(overflowed)
				return
			}
			i += n
			c.qmu.Lock()
			c.taken -= n
			c.qmu.Unlock()
		}
		clear(batch)
	}
}

// failed ends a drain whose events could not be handed on or written. A connection that
// owes too much is discarded now that no send waits; so is a taken-over one whose write
// failed (its peer went away, or stopped reading for sseWriteTimeout), which ends its stream.
func (c *rtConn) failed(overflowed <-chan struct{}) {
	c.qmu.Lock()
	c.draining, c.queue = false, nil
	c.qmu.Unlock()
	select {
	case <-overflowed:
		c.client.Discard()
	default:
		if c.w != nil {
			c.close()
			c.client.Discard()
		}
	}
}

// send hands m to PocketBase's SSE goroutine, waiting until it has taken it or until
// the connection overflowed; with overflowed nil it does not wait and hands m on only if
// that goroutine is waiting for an event right now. It reports false when m was not handed
// on: the client was discarded (its browser went away), overflowed, or was busy. PocketBase closes a client's channel
// when its connection ends; a send that meets that closed channel panics, which is
// recovered here as PocketBase's own Client.Send does.
func (c *rtConn) send(m subscriptions.Message, overflowed <-chan struct{}) (ok bool) {
	if c.client.IsDiscarded() {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if overflowed == nil {
		select {
		case c.client.Channel() <- m:
			return true
		default:
			return false
		}
	}
	select {
	case c.client.Channel() <- m:
		return true
	case <-overflowed:
		return false
	}
}

// coalesce joins events into one message that PocketBase's Message.WriteSSE writes as
// the same events one after another: WriteSSE writes "id:<client>\nevent:<name>\ndata:",
// the data and "\n\n"; the data of the first event is followed by the complete frames of
// the others, minus the final "\n\n" WriteSSE adds. Event data here is JSON, which has no
// raw line breaks, so each frame stays one "data:" line (WHATWG HTML, server-sent events).
func coalesce(clientId string, ms []subscriptions.Message) subscriptions.Message {
	if len(ms) == 1 {
		return ms[0]
	}
	n := len(ms[0].Data)
	for _, m := range ms[1:] {
		n += len(clientId) + len(m.Name) + len(m.Data) + 20
	}
	buf := make([]byte, 0, n)
	buf = append(buf, ms[0].Data...)
	for _, m := range ms[1:] {
		buf = append(buf, "\n\nid:"...)
		buf = append(buf, clientId...)
		buf = append(buf, "\nevent:"...)
		buf = append(buf, m.Name...)
		buf = append(buf, "\ndata:"...)
		buf = append(buf, m.Data...)
	}
	return subscriptions.Message{Name: ms[0].Name, Data: buf}
}

// sendUser hands an event to every connection of a user that subscribed to crisisroom/me.
func (f *fanout) sendUser(userId string, data []byte, thenClose bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for c := range f.users[userId] {
		for _, name := range c.me {
			c.push(subscriptions.Message{Name: name, Data: data})
		}
		if thenClose {
			c.push(subscriptions.Message{Name: closeMarker})
		}
	}
}

// silenceUser takes crisisroom/me away from every connection of a user, as revokeUser
// takes the channel topics: after a new token key (a password change) a connection
// subscribed with a token of before hears nothing more of the person (new channels,
// memberships). The tab that changed the password subscribes again with its new token on
// the same connection; a browser holding an old token is refused when it tries.
func (f *fanout) silenceUser(userId string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.users[userId] {
		if len(c.me) > 0 {
			c.client.Unsubscribe(c.me...)
			c.me = nil
		}
	}
}

func (f *fanout) deliver(channelId string, data []byte) {
	f.each(channelId, func(c *rtConn, name string) {
		c.push(subscriptions.Message{Name: name, Data: data})
	})
}

// each calls fn for every live subscription to a channel's topic, under the read lock.
func (f *fanout) each(channelId string, fn func(c *rtConn, name string)) {
	now := time.Now()
	f.mu.RLock()
	defer f.mu.RUnlock()
	for c, s := range f.topics[topicChannelPre+channelId] {
		if !s.expires.IsZero() && now.After(s.expires) {
			continue
		}
		for _, name := range s.names {
			fn(c, name)
		}
	}
}

// ---- ordering ----

// reserve takes the next place in a channel's sequence for a row being written now.
func (f *fanout) reserve(channelId string, r *core.Record) {
	f.seqMu.Lock()
	defer f.seqMu.Unlock()
	s := &eventSlot{channel: channelId}
	f.seqs[channelId] = append(f.seqs[channelId], s)
	f.pending[r] = append(f.pending[r], s)
}

// takeLocked removes and returns the oldest reservation of r, or nil.
func (f *fanout) takeLocked(r *core.Record) *eventSlot {
	q := f.pending[r]
	if len(q) == 0 {
		return nil
	}
	if len(q) == 1 {
		delete(f.pending, r)
	} else {
		f.pending[r] = q[1:]
	}
	return q[0]
}

// commit fills a reserved place once the write is durable.
func (f *fanout) commit(r *core.Record, action string) {
	snapshot := r.Fresh()
	f.seqMu.Lock()
	defer f.seqMu.Unlock()
	s := f.takeLocked(r)
	if s == nil {
		// written before the hooks were bound: nothing waits for it
		s = &eventSlot{channel: r.GetString("channel")}
		f.seqs[s.channel] = append(f.seqs[s.channel], s)
	}
	s.record, s.action, s.ready = snapshot, action, true
	f.flushLocked(s.channel)
}

// abandon frees the place of a write that was rolled back.
func (f *fanout) abandon(r *core.Record) {
	f.seqMu.Lock()
	defer f.seqMu.Unlock()
	if s := f.takeLocked(r); s != nil {
		s.dead = true
		f.flushLocked(s.channel)
	}
}

// emit queues a ready-made event behind everything already written to the channel.
func (f *fanout) emit(channelId string, data []byte) {
	f.seqMu.Lock()
	defer f.seqMu.Unlock()
	f.seqs[channelId] = append(f.seqs[channelId], &eventSlot{channel: channelId, data: data, ready: true})
	f.flushLocked(channelId)
}

func (f *fanout) flushLocked(channelId string) {
	q := f.seqs[channelId]
	h := fnv.New32a()
	h.Write([]byte(channelId))
	w := f.workers[h.Sum32()%uint32(len(f.workers))]
	for len(q) > 0 && (q[0].ready || q[0].dead) {
		if q[0].ready {
			select {
			case w <- q[0]:
			case <-f.done:
				return
			}
		}
		q[0] = nil
		q = q[1:]
	}
	if len(q) == 0 {
		delete(f.seqs, channelId)
	} else {
		f.seqs[channelId] = q
	}
}

// workBatch: most events a worker takes from its queue at once. A worker that fell
// behind (a burst, or other programs took the CPU) delivers what waits for a channel
// together: each connection gets those events in one write instead of one each.
const workBatch = 32

// PaceEnv names the environment variable that sets the delivery pace of busy channels, in
// whole milliseconds from 0 (no pace: every event is written as soon as a worker takes
// it) to 1000; unset or anything else means DefaultPace.
const PaceEnv = "CRISISROOM_REALTIME_PACE_MS"

// DefaultPace is the delivery pace of a busy channel. An event goes out at once unless its
// channel's last delivery was less than a pace ago; then it waits for the rest of that pace,
// and whatever else comes for the channel meanwhile goes with it, each connection's share
// in one write. A channel with fewer events than one per pace is never held; a busy one
// costs each subscriber one write (and its reader one wake-up) per pace instead of one per
// event, and each event at most a pace of delay. Writes are most of what a delivery costs
// (bench/README.md, "The delivery pace").
const DefaultPace = 50 * time.Millisecond

// deliveryPace is the pace the appliance runs with, read once at start.
var deliveryPace = paceFromEnv()

func paceFromEnv() time.Duration {
	v, ok := os.LookupEnv(PaceEnv)
	if !ok {
		return DefaultPace
	}
	ms, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || ms < 0 || ms > 1000 {
		return DefaultPace
	}
	return time.Duration(ms) * time.Millisecond
}

// paced is a worker's record of a channel it delivered to within the last pace: when, and
// the events waiting for the pace to pass, in the channel's order.
type paced struct {
	last time.Time
	held []*eventSlot
}

// pacer holds a worker's recently busy channels; only its worker touches it.
type pacer struct {
	pace     time.Duration // 0: nothing is held
	channels map[string]*paced
	timer    *time.Timer
	due      time.Time // when the timer fires; zero while it is stopped
}

func newPacer(pace time.Duration) *pacer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &pacer{pace: pace, channels: map[string]*paced{}, timer: t}
}

// hold reports whether a channel's events that came at now must wait for its pace, and
// keeps them (behind those already waiting) if so.
func (p *pacer) hold(channelId string, slots []*eventSlot, now time.Time) bool {
	if p.pace <= 0 {
		return false
	}
	c := p.channels[channelId]
	if c == nil || (len(c.held) == 0 && now.Sub(c.last) >= p.pace) {
		return false
	}
	c.held = append(c.held, slots...)
	p.wake(c.last.Add(p.pace), now)
	return true
}

// sent notes that a channel's events went out at now. The timer runs while any channel is
// noted, so one quiet for a pace is forgotten.
func (p *pacer) sent(channelId string, now time.Time) {
	if p.pace <= 0 {
		return
	}
	c := p.channels[channelId]
	if c == nil {
		c = &paced{}
		p.channels[channelId] = c
	}
	c.last = now
	if p.due.IsZero() {
		p.wake(now.Add(p.pace), now)
	}
}

// wake makes the timer fire at due, unless it fires earlier already.
func (p *pacer) wake(due, now time.Time) {
	if !p.due.IsZero() && !due.Before(p.due) {
		return
	}
	p.due = due
	p.timer.Reset(due.Sub(now))
}

// ripe runs when the timer fires: deliver gets the waiting events of every channel whose
// pace has passed, channels quiet for a pace are forgotten, and the timer is set for the
// next channel due.
func (p *pacer) ripe(now time.Time, deliver func(channelId string, slots []*eventSlot)) {
	p.due = time.Time{}
	for id, c := range p.channels {
		due := c.last.Add(p.pace)
		if len(c.held) == 0 {
			if !due.After(now) {
				delete(p.channels, id)
			} else {
				p.wake(due, now) // to forget it then
			}
			continue
		}
		if due.After(now) {
			p.wake(due, now)
			continue
		}
		deliver(id, c.held)
		clear(c.held)
		c.held, c.last = c.held[:0], now
		p.wake(now.Add(p.pace), now) // to forget it once quiet
	}
}

func (f *fanout) work(in chan *eventSlot) {
	var slots, group []*eventSlot
	var datas [][]byte
	p := newPacer(f.pace)
	send := func(channelId string, slots []*eventSlot) {
		datas = datas[:0]
		for _, t := range slots {
			if data := f.encode(t); data != nil {
				datas = append(datas, data)
			}
		}
		f.deliverAll(channelId, datas)
		clear(datas)
	}
	for {
		select {
		case s := <-in:
			slots = append(slots[:0], s)
		more:
			for len(slots) < workBatch {
				select {
				case s := <-in:
					slots = append(slots, s)
				default:
					break more
				}
			}
			now := time.Now()
			// Each channel's events in their order; channels in the order they came.
			for i, s := range slots {
				if s == nil {
					continue
				}
				group = group[:0]
				for j := i; j < len(slots); j++ {
					if slots[j] != nil && slots[j].channel == s.channel {
						group = append(group, slots[j])
						slots[j] = nil
					}
				}
				if p.hold(s.channel, group, now) {
					continue
				}
				send(s.channel, group)
				p.sent(s.channel, now)
			}
			clear(group[:cap(group)])
		case <-p.timer.C:
			p.ripe(time.Now(), send)
		case <-f.done:
			return
		}
	}
}

// encode returns a slot's event, or nil (logged) when it cannot be encoded.
func (f *fanout) encode(s *eventSlot) []byte {
	if s.data != nil {
		return s.data
	}
	data, err := encodeMessageEvent(f.app, f.dir, s.action, s.record)
	if err != nil {
		f.app.Logger().Error("message event not encoded", "message", s.record.Id, "error", err)
		return nil
	}
	return data
}

// deliverAll hands a channel's events, in order, to every connection subscribed to it.
func (f *fanout) deliverAll(channelId string, datas [][]byte) {
	switch len(datas) {
	case 0:
		return
	case 1:
		f.deliver(channelId, datas[0])
		return
	}
	ms := make([]subscriptions.Message, len(datas))
	f.each(channelId, func(c *rtConn, name string) {
		for i, d := range datas {
			ms[i] = subscriptions.Message{Name: name, Data: d}
		}
		c.pushAll(ms)
	})
}
