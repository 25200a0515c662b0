package bridge

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// NewCommand is `crisisroom bridge`. It stops cleanly when the app terminates (Ctrl-C,
// SIGTERM): the driver reports the jobs it could not finish before the bridge leaves.
func NewCommand(app core.App) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:   "bridge",
		Short: "Runs one serial device (fax modem, Alpha sign) on this machine and connects it to the appliance over MQTT",
		Long: `Runs one serial device driver on this machine and connects it to the appliance over MQTT.

  crisisroom bridge --broker tcp://appliance:1883 --user fax2 --password … \
      --driver fax-class2 --port /dev/serial/by-id/usb-…-if00 --local-id "+49 221 1234567"

fax-class2 uses Class 2.0 where the modem offers it, else Class 1 (AT+FCLASS=?);
fax-class1 always runs T.30 here (Class 1, ITU T.31; most USB fax modems).
sms-gsm sends and receives SMS through a GSM/LTE modem (SIM PIN from CRISISROOM_SIM_PIN).

--user and --password are the device's MQTT credentials from the appliance (Geräte).
The password may also come from the environment variable CRISISROOM_BRIDGE_PASSWORD,
which keeps it out of the process list.`,
		SilenceUsage: true,
		RunE: func(c *cobra.Command, _ []string) error {
			if o.Password == "" {
				o.Password = os.Getenv("CRISISROOM_BRIDGE_PASSWORD")
			}
			o.SIMPIN = os.Getenv("CRISISROOM_SIM_PIN")
			if f := c.Flag("mqtt-prefix"); f != nil {
				o.Prefix = f.Value.String()
			}
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			if err := o.check(); err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
				cancel()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
				}
				return e.Next()
			})
			fmt.Fprintf(os.Stderr, "crisisroom bridge: %s on %s as %s → %s\n", o.Driver, o.Port, o.User, o.Broker)
			err := Run(ctx, o)
			done <- err
			cancel()
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Broker, "broker", "", "the appliance's MQTT address, e.g. tcp://192.168.1.10:1883")
	f.StringVar(&o.User, "user", "", "the device's username on the appliance")
	f.StringVar(&o.Password, "password", "", "the device's password (or CRISISROOM_BRIDGE_PASSWORD)")
	f.StringVar(&o.Driver, "driver", "", "the device driver: "+strings.Join(Drivers, ", "))
	f.StringVar(&o.Port, "port", "", "the serial device, e.g. /dev/ttyUSB0 or a /dev/serial/by-id/ link")
	f.IntVar(&o.Baud, "baud", 0, "baud rate (default: fax 19200, Alpha 9600)")
	f.StringVar(&o.LocalID, "local-id", "", `fax station ID sent to the other side, at most 20 characters, e.g. "+49 221 1234567"`)
	f.StringVar(&o.Queue, "queue", "", "sms-gsm: file of the persistent send queue (default sms-<user>.queue.json; the SIM PIN comes from CRISISROOM_SIM_PIN)")
	return cmd
}
