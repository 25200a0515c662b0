// Package bridge runs one serial device driver on another machine (a small box next to
// a fax modem or a sign) and connects it to the appliance over MQTT: `crisisroom bridge`.
// The drivers are the same ones the appliance runs in-process; only the bus differs.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"crisisroom/hardware/board"
	"crisisroom/hardware/fax"
	"crisisroom/hardware/mqttbus"
	"crisisroom/hardware/serialport"
)

// Drivers the bridge can run.
// fax-class2 asks the modem (AT+FCLASS=?) and uses Class 2.0 where offered, else
// Class 1; fax-class1 insists on Class 1 (the appliance runs T.30 itself).
// sms-gsm drives a GSM/LTE modem as SMS gateway (AT commands, PDU mode).
var Drivers = []string{"fax-class2", "fax-class1", "alpha", "sms-gsm"}

// Options of one bridge.
type Options struct {
	Broker   string // tcp://host:1883
	User     string // the device's username (its MQTT credentials)
	Password string
	Driver   string // fax-class2, fax-class1 or alpha
	Port     string // /dev/ttyUSB0, better a /dev/serial/by-id/ link
	Baud     int    // 0: the driver's default (fax 19200, Alpha 9600)
	LocalID  string // fax station ID (AT+FLI), at most 20 characters
	Prefix   string // topic prefix; "" means "crisisroom/"
	SIMPIN   string // sms-gsm: the SIM's PIN (tried once)
	Queue    string // sms-gsm: file of the persistent send queue ("" sms-<user>.queue.json)

	// RetryDelays of busy or unanswered fax calls; nil: the driver's default.
	RetryDelays []time.Duration
	Logger      *slog.Logger
	// Connected, if set, hears every (re)connection to the broker.
	Connected func()
}

func (o *Options) check() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"--broker", o.Broker}, {"--user", o.User}, {"--password", o.Password}, {"--driver", o.Driver}, {"--port", o.Port}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	known := false
	for _, d := range Drivers {
		known = known || d == o.Driver
	}
	if !known {
		return fmt.Errorf("unknown driver %q (known: %s)", o.Driver, strings.Join(Drivers, ", "))
	}
	if o.Prefix == "" {
		o.Prefix = "crisisroom/"
	}
	if !strings.HasSuffix(o.Prefix, "/") {
		o.Prefix += "/"
	}
	if !strings.Contains(o.Broker, "://") {
		o.Broker = "tcp://" + o.Broker
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// Run connects to the broker and drives the device until ctx ends. The broker learns
// the device is gone from the last will (crisisroom/device/<user>/status "offline",
// retained) if the connection breaks, and from an explicit "offline" on a clean stop.
func Run(ctx context.Context, o Options) error {
	if err := o.check(); err != nil {
		return err
	}
	log := o.Logger.With("component", "bridge", "device", o.User, "driver", o.Driver)
	statusTopic := o.Prefix + "device/" + o.User + "/status"
	bus := &resubscriber{subs: map[string]func(string, []byte){}, log: log}

	opts := paho.NewClientOptions().AddBroker(o.Broker).
		SetClientID("crisisroom-bridge-"+o.User).
		SetUsername(o.User).SetPassword(o.Password).
		SetWill(statusTopic, "offline", 1, true).
		SetAutoReconnect(true).SetMaxReconnectInterval(30 * time.Second).
		SetKeepAlive(30 * time.Second).SetConnectTimeout(10 * time.Second).
		SetCleanSession(true).
		SetOnConnectHandler(func(c paho.Client) {
			// A new session has no subscriptions: take them up again, then say we are here.
			bus.resubscribe()
			c.Publish(statusTopic, 1, true, "online")
			log.Info("connected to the appliance", "broker", o.Broker)
			if o.Connected != nil {
				o.Connected()
			}
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			log.Warn("connection to the appliance lost; reconnecting", "error", err)
		})
	client := paho.NewClient(opts)
	bus.Paho = mqttbus.NewPaho(client)

	// The appliance may still be starting: keep trying, but a refused password is final.
	wait := time.Second
	for {
		tok := client.Connect()
		tok.Wait()
		err := tok.Error()
		if err == nil {
			break
		}
		if errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword) || errors.Is(err, packets.ErrorRefusedNotAuthorised) {
			return fmt.Errorf("the appliance refused %s: check --user and --password (the device's MQTT credentials): %w", o.User, err)
		}
		log.Warn("appliance not reachable; trying again", "broker", o.Broker, "error", err, "in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}

	var err error
	switch o.Driver {
	case "fax-class2", "fax-class1":
		err = runFax(ctx, o, bus, log)
	case "alpha":
		err = runAlpha(ctx, o, bus, log)
	case "sms-gsm":
		err = runSMS(ctx, o, bus, log)
	}
	// The driver has said its last words (jobs it could not send); now leave cleanly.
	client.Publish(statusTopic, 1, true, "offline").WaitTimeout(2 * time.Second)
	client.Disconnect(250)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func runFax(ctx context.Context, o Options, bus fax.Bus, log *slog.Logger) error {
	d := fax.New(fax.Config{
		Port:        serialport.Config{Name: o.Port, Baud: o.Baud},
		LocalID:     o.LocalID,
		RetryDelays: o.RetryDelays,
		Logger:      log,
		Class:       map[string]string{"fax-class1": fax.Class1}[o.Driver],
	})
	if err := fax.Attach(ctx, d, bus, fax.MQTTOptions{Prefix: o.Prefix, Device: o.User, Logger: log}); err != nil {
		return err
	}
	return d.Run(ctx)
}

// runAlpha drives an Alpha (BetaBrite) sign: 9600 baud, 7 data bits, even parity. A sign
// that vanishes is opened again.
func runAlpha(ctx context.Context, o Options, bus board.Bus, log *slog.Logger) error {
	baud := o.Baud
	if baud == 0 {
		baud = 9600
	}
	cfg := serialport.Config{Name: o.Port, Baud: baud, DataBits: 7, Parity: serialport.ParityEven, StopBits: 1, WriteTimeout: 5 * time.Second}
	for {
		port, err := serialport.OpenRetry(ctx, cfg, serialport.Backoff{}, nil, func(err error) {
			log.Warn("sign not reachable", "error", err)
		})
		if err != nil {
			return ctx.Err()
		}
		err = board.RunAlpha(ctx, bus, port, o.Prefix, o.User)
		port.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("sign stopped; reopening", "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// resubscriber remembers the driver's subscriptions and takes them up again on every
// new connection: the broker forgets a clean session's subscriptions, and the appliance
// may have restarted in between. A later Subscribe of the same filter replaces the
// handler (the Alpha driver subscribes again after its port is reopened).
type resubscriber struct {
	*mqttbus.Paho
	log  *slog.Logger
	mu   sync.Mutex
	subs map[string]func(string, []byte)
}

func (r *resubscriber) Subscribe(filter string, handler func(topic string, payload []byte)) error {
	r.mu.Lock()
	r.subs[filter] = handler
	r.mu.Unlock()
	return r.Paho.Subscribe(filter, handler)
}

func (r *resubscriber) resubscribe() {
	r.mu.Lock()
	subs := make(map[string]func(string, []byte), len(r.subs))
	for f, h := range r.subs {
		subs[f] = h
	}
	r.mu.Unlock()
	for f, h := range subs {
		if err := r.Paho.Subscribe(f, h); err != nil {
			r.log.Warn("subscription not renewed", "filter", f, "error", err)
		}
	}
}
