package serialport

import (
	"context"
	"time"
)

// Backoff bounds the waits between attempts to open a device.
type Backoff struct {
	Min, Max time.Duration
}

func (b Backoff) next(d time.Duration) time.Duration {
	if b.Min <= 0 {
		b.Min = 500 * time.Millisecond
	}
	if b.Max < b.Min {
		b.Max = 30 * time.Second
	}
	if d < b.Min {
		return b.Min
	}
	if d *= 2; d > b.Max {
		return b.Max
	}
	return d
}

// OpenRetry opens cfg.Name with open (Open if nil), retrying with
// exponential backoff until it succeeds or ctx ends. A USB modem that was
// unplugged comes back under the same udev name (/dev/serial/by-id/…), not
// necessarily the same /dev/ttyUSBn, so pass the stable name. onErr, if set,
// hears every failed attempt (to report the device as down once).
func OpenRetry(ctx context.Context, cfg Config, b Backoff, open func(Config) (Port, error), onErr func(error)) (Port, error) {
	if open == nil {
		open = Open
	}
	var wait time.Duration
	for {
		p, err := open(cfg)
		if err == nil {
			return p, nil
		}
		if onErr != nil {
			onErr(err)
		}
		wait = b.next(wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
