package bridge

import (
	"context"
	"log/slog"

	"crisisroom/hardware/serialport"
	"crisisroom/hardware/sms"
)

// runSMS drives a GSM modem as SMS gateway; its queue lives in a file beside the
// bridge, so texts accepted before a power cut are sent after it.
func runSMS(ctx context.Context, o Options, bus sms.Bus, log *slog.Logger) error {
	queue := o.Queue
	if queue == "" {
		queue = "sms-" + o.User + ".queue.json"
	}
	d, err := sms.New(sms.Config{Port: serialport.Config{Name: o.Port, Baud: o.Baud}, PIN: o.SIMPIN, QueuePath: queue, Logger: log})
	if err != nil {
		return err
	}
	if err := sms.Attach(ctx, d, bus, o.Prefix, o.User, log); err != nil {
		return err
	}
	return d.Run(ctx)
}
