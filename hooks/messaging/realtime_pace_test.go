package messaging

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// The pacer's rules, on a clock of its own: a quiet channel's events go out at once; an
// event less than a pace after the channel's last delivery waits, with whatever comes
// meanwhile, until that pace has passed; a channel quiet for a pace is forgotten.
func TestPacerHoldsOnlyBusyChannels(t *testing.T) {
	const pace = 25 * time.Millisecond
	p := newPacer(pace)
	t0 := time.Unix(1_800_000_000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	slot := func(ch string, n int) []*eventSlot {
		return []*eventSlot{{channel: ch, ready: true, data: []byte(strconv.Itoa(n))}}
	}
	var got []string
	deliver := func(ch string, slots []*eventSlot) {
		var b strings.Builder
		for _, s := range slots {
			b.Write(s.data)
		}
		got = append(got, ch+":"+b.String())
	}
	ripe := func(ms int, want ...string) {
		t.Helper()
		got = nil
		p.ripe(at(ms), deliver)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("at %d ms delivered %v, want %v", ms, got, want)
		}
	}
	if p.hold("a", slot("a", 1), at(0)) {
		t.Fatal("the first event of a quiet channel was held")
	}
	p.sent("a", at(0))
	if !p.hold("a", slot("a", 2), at(10)) || !p.hold("a", slot("a", 3), at(20)) {
		t.Fatal("events within a pace of the last delivery went out at once")
	}
	if p.hold("b", slot("b", 9), at(20)) {
		t.Fatal("another channel's event waited for a busy one")
	}
	p.sent("b", at(20))
	if !p.due.Equal(at(25)) {
		t.Fatalf("timer due %v, want %v", p.due, at(25))
	}
	ripe(24)
	ripe(25, "a:23")
	if !p.hold("a", slot("a", 4), at(30)) {
		t.Fatal("an event within a pace of the held ones' delivery went out at once")
	}
	ripe(49)
	ripe(50, "a:4")
	ripe(80) // a and b quiet for a pace: forgotten
	if len(p.channels) != 0 {
		t.Fatalf("%d channels kept after a quiet pace", len(p.channels))
	}
	if p.hold("a", slot("a", 5), at(100)) {
		t.Fatal("a channel quiet for a pace still held its event")
	}
	// Channels delivered to once and then quiet are forgotten too (the timer runs while
	// any is noted): 10,000 channels, one event each, a second apart.
	q := newPacer(pace)
	for i := range 10000 {
		ch := "c" + strconv.Itoa(i)
		now := t0.Add(time.Duration(i) * time.Second)
		if !q.due.IsZero() && !now.Before(q.due) {
			q.ripe(now, deliver)
		}
		if q.hold(ch, slot(ch, i), now) {
			t.Fatal("a quiet channel's event was held")
		}
		q.sent(ch, now)
	}
	if n := len(q.channels); n > 1 {
		t.Fatalf("%d quiet channels kept", n)
	}
	off := newPacer(0)
	off.sent("a", at(0))
	if off.hold("a", slot("a", 1), at(1)) {
		t.Fatal("pace 0 held an event")
	}
}

// On a real connection: the first event of a quiet channel is written alone, and the
// events that follow it within the pace reach the connection together, in order, in one
// HTTP chunk (one write) once the pace has passed, instead of one write each. Without the
// pace (fanout.pace 0) the second chunk holds only the first of them.
func TestFanoutPacedEventsShareOneWrite(t *testing.T) {
	c, client := directPair(t)
	f := &fanout{done: make(chan struct{}), pace: 2 * time.Second, topics: map[string]map[*rtConn]*rtSub{
		"channels/a": {c: {names: []string{"channels/a"}}},
	}}
	defer close(f.done)
	in := make(chan *eventSlot, 8)
	go f.work(in)
	ev := func(n int) *eventSlot {
		return &eventSlot{channel: "a", ready: true, data: []byte(fmt.Sprintf(`{"n":%d}`, n))}
	}
	r := bufio.NewReader(client)
	_ = client.SetReadDeadline(time.Now().Add(20 * time.Second))
	for { // the response head
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	in <- ev(0)
	if got := readChunkData(t, r); got != `{"n":0}` {
		t.Fatalf("first chunk %q, want the first event alone", got)
	}
	for n := 1; n <= 4; n++ { // one at a time: without the pace, each would be a write of its own
		in <- ev(n)
		time.Sleep(10 * time.Millisecond)
	}
	if got, want := readChunkData(t, r), `{"n":1}{"n":2}{"n":3}{"n":4}`; got != want {
		t.Fatalf("second chunk %q, want %q", got, want)
	}
}

// readChunkData reads one HTTP/1.1 chunk of SSE frames and returns their data fields joined.
func readChunkData(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	size, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
	if err != nil {
		t.Fatalf("chunk size %q: %v", line, err)
	}
	body := make([]byte, size+2)
	if _, err := io.ReadFull(r, body); err != nil {
		t.Fatal(err)
	}
	var data strings.Builder
	for _, l := range strings.Split(string(body[:size]), "\n") {
		if v, ok := strings.CutPrefix(l, "data:"); ok {
			data.WriteString(v)
		}
	}
	return data.String()
}

// The same on an HTTP/2 stream (HTTPS, PocketBase's loop writes it): the events held for
// the pace reach PocketBase's loop as one message (coalesce: one hook call, one write, one
// flush and one write deadline), which WriteSSE writes as the same events one after
// another, in order. The loop's goroutine is played by a reader of the client's channel.
func TestFanoutPacedEventsShareOneHTTP2Write(t *testing.T) {
	pb := subscriptions.NewDefaultClient()
	c := &rtConn{client: pb, topics: map[string]struct{}{}}
	f := &fanout{done: make(chan struct{}), pace: 2 * time.Second, topics: map[string]map[*rtConn]*rtSub{
		"channels/a": {c: {names: []string{"channels/a"}}},
	}}
	defer close(f.done)
	got := make(chan string, 8)
	go func() { // PocketBase's loop: each message is one WriteSSE and one flush
		for m := range pb.Channel() {
			var b strings.Builder
			if err := m.WriteSSE(&b, pb.Id()); err != nil {
				t.Error(err)
			}
			got <- b.String()
		}
	}()
	defer pb.Discard()
	in := make(chan *eventSlot, 8)
	go f.work(in)
	ev := func(n int) *eventSlot {
		return &eventSlot{channel: "a", ready: true, data: []byte(fmt.Sprintf(`{"n":%d}`, n))}
	}
	next := func() string {
		t.Helper()
		select {
		case s := <-got:
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("no message reached the loop")
			return ""
		}
	}
	frame := func(n int) string { return fmt.Sprintf("id:%s\nevent:channels/a\ndata:{\"n\":%d}\n\n", pb.Id(), n) }
	in <- ev(0)
	if s := next(); s != frame(0) {
		t.Fatalf("first message %q, want the first event alone", s)
	}
	for n := 1; n <= 4; n++ {
		in <- ev(n)
		time.Sleep(10 * time.Millisecond)
	}
	if s, want := next(), frame(1)+frame(2)+frame(3)+frame(4); s != want {
		t.Fatalf("second message %q, want the four held events in one: %q", s, want)
	}
}
