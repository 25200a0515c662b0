package messaging

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"
)

// A channel's created times rise by at least a millisecond, the stored text's step, even
// within one millisecond or when the clock is set back; each channel on its own.
func TestChannelClockRisesPerChannel(t *testing.T) {
	var c channelClock
	at := func(s string) types.DateTime {
		d, err := types.ParseDateTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := at("2026-12-01 08:00:00.000Z").Time()
	ns := func(n int) types.DateTime { d, _ := types.ParseDateTime(base.Add(time.Duration(n))); return d }
	steps := []struct {
		channel string
		now     types.DateTime
		want    string
	}{
		{"a", ns(100), "2026-12-01 08:00:00.000Z"},
		{"a", ns(900_000), "2026-12-01 08:00:00.001Z"}, // the same millisecond: the next one
		{"a", ns(950_000), "2026-12-01 08:00:00.002Z"},
		{"b", ns(950_000), "2026-12-01 08:00:00.000Z"}, // another channel keeps the clock's time
		{"a", at("2026-12-01 08:00:00.010Z"), "2026-12-01 08:00:00.010Z"},
		{"a", at("2026-12-01 07:59:59.000Z"), "2026-12-01 08:00:00.011Z"}, // the clock set back
	}
	for i, s := range steps {
		if got := c.next(s.channel, s.now).String(); got != s.want {
			t.Fatalf("step %d (%s at %s): %s, want %s", i, s.channel, s.now.Time().Format(time.RFC3339Nano), got, s.want)
		}
	}
}
