package messaging

import (
	"fmt"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/subscriptions"
)

// Finding the subscribers of one channel among many connections: the topic index
// against walking every client of the broker (what the stock path does for each event).
// go test ./hooks/ -run '^$' -bench ChannelSubscribers
func BenchmarkChannelSubscribers(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		const channels = 100
		broker := subscriptions.NewBroker()
		f := &fanout{conns: map[string]*rtConn{}, topics: map[string]map[*rtConn]*rtSub{}, users: map[string]map[*rtConn]struct{}{}, gen: map[string]uint64{}}
		for i := 0; i < n; i++ {
			c := subscriptions.NewDefaultClient()
			ch := fmt.Sprintf("ch%03d", i%channels)
			c.Subscribe("crisisroom/me", topicChannelPre+ch)
			broker.Register(c)
			f.mu.Lock()
			conn := &rtConn{client: c, topics: map[string]struct{}{}}
			f.conns[c.Id()] = conn
			f.mu.Unlock()
			f.index(c, fmt.Sprintf("u%d", i), map[string]time.Time{ch: {}}, 0)
		}
		want := n / channels
		b.Run(fmt.Sprintf("index/%d", n), func(b *testing.B) {
			for b.Loop() {
				got := 0
				f.each("ch007", func(*rtConn, string) { got++ })
				if got != want {
					b.Fatalf("%d subscribers, want %d", got, want)
				}
			}
		})
		b.Run(fmt.Sprintf("broker/%d", n), func(b *testing.B) {
			for b.Loop() {
				got := 0
				for _, c := range broker.Clients() {
					if c.HasSubscription(topicChannelPre + "ch007") {
						got++
					}
				}
				if got != want {
					b.Fatalf("%d subscribers, want %d", got, want)
				}
			}
		})
	}
}
