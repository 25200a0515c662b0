package faxgateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/hardware/fax"
	"crisisroom/hardware/fax/sim"
	"crisisroom/hardware/serialport"
)

// faxDeviceConfig is the config of a fax-class2 or fax-class1 device driven by the
// appliance itself:
// {"port": "/dev/ttyUSB0", "baud": 19200}. A device without a port is driven elsewhere
// (`crisisroom bridge`) and only talks MQTT.
type faxDeviceConfig struct {
	Port    string `json:"port"`
	Baud    int    `json:"baud"`
	LocalID string `json:"local_id"`
	// RetryDelaysMs are the waits before the 2nd, 3rd, … attempt of a busy or
	// unanswered call (default 30 s, 60 s, 120 s).
	RetryDelaysMs []int `json:"retry_delays_ms"`
	// Simulator runs a simulated Class 2.0 modem on a pseudo-terminal instead of a
	// serial port (the demo): every number answers, and test calls can be made.
	Simulator bool `json:"simulator"`
}

func parseFaxConfig(dev *core.Record) (faxDeviceConfig, bool) {
	var cfg faxDeviceConfig
	if dev.GetString("kind") != "fax" || faxClassOf(dev) == "-" {
		return cfg, false
	}
	if err := json.Unmarshal([]byte(dev.GetString("config")), &cfg); err != nil {
		return cfg, false
	}
	cfg.Port = strings.TrimSpace(cfg.Port)
	return cfg, cfg.Port != "" || cfg.Simulator
}

// faxClassOf is the fax class a device's driver asks for: "" (fax-class2: ask the
// modem, 2.0 where offered, else Class 1), "1" (fax-class1), "-" (not a fax driver).
func faxClassOf(dev *core.Record) string {
	switch dev.GetString("driver") {
	case "fax-class2":
		return ""
	case "fax-class1":
		return fax.Class1
	}
	return "-"
}

// runKey changes exactly when the driver must restart.
func runKey(dev *core.Record, cfg faxDeviceConfig) string {
	b, _ := json.Marshal(cfg)
	return dev.GetString("username") + "|" + dev.GetString("driver") + "|" + string(b)
}

// faxRun is one in-process driver.
type faxRun struct {
	key      string
	username string
	cancel   context.CancelFunc
	done     chan struct{}
	bus      *inlineBus
	sim      *sim.Sim
	driver   *fax.Driver
}

func (f *Faxes) bindDrivers(app core.App) {
	changed := func(e *core.RecordEvent) error {
		id := e.Record.Id
		if f.brokerUp() {
			go f.reconcile(id)
		}
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess("devices").BindFunc(changed)
	app.OnRecordAfterUpdateSuccess("devices").BindFunc(changed)
	app.OnRecordAfterDeleteSuccess("devices").BindFunc(changed)
}

// Running reports whether the appliance drives this device's modem itself.
func (f *Faxes) Running(deviceId string) bool { return f.running(deviceId) }

func (f *Faxes) running(deviceId string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.runs[deviceId]
	return ok
}

// Simulator returns the simulated modem of a device driven in-process with
// {"simulator": true}, or nil.
func (f *Faxes) Simulator(deviceId string) *sim.Sim {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.runs[deviceId]; r != nil {
		return r.sim
	}
	return nil
}

// requeueInProcess: faxes handed to an in-process driver of an earlier run of the
// appliance died with it; hand them over again.
func (f *Faxes) requeueInProcess() {
	devs, err := f.app.FindRecordsByFilter("devices", `kind = "fax" && (driver = "fax-class2" || driver = "fax-class1")`, "", 0, 0)
	if err != nil {
		return
	}
	for _, d := range devs {
		if _, ok := parseFaxConfig(d); !ok {
			continue
		}
		_, err := f.app.DB().NewQuery(`UPDATE faxes SET status = 'queued', dispatched = FALSE WHERE device = {:d} AND direction = 'out' AND status IN ('queued', 'sending', 'retrying')`).
			Bind(map[string]any{"d": d.Id}).Execute()
		if err != nil {
			f.log.Warn("fax requeue failed", "device", d.Id, "error", err)
		}
	}
}

func (f *Faxes) reconcileAll() {
	devs, err := f.app.FindRecordsByFilter("devices", `kind = "fax"`, "", 0, 0)
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, d := range devs {
		seen[d.Id] = true
		f.reconcile(d.Id)
	}
	f.mu.Lock()
	var gone []string
	for id := range f.runs {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	f.mu.Unlock()
	for _, id := range gone {
		f.reconcile(id)
	}
}

// reconcile starts, restarts or stops the in-process driver of one device to match its
// record.
func (f *Faxes) reconcile(deviceId string) {
	f.reconcileMu.Lock()
	defer f.reconcileMu.Unlock()
	var (
		want bool
		cfg  faxDeviceConfig
		dev  *core.Record
	)
	if d, err := f.app.FindRecordById("devices", deviceId); err == nil {
		dev = d
		cfg, want = parseFaxConfig(d)
	}
	f.mu.Lock()
	cur := f.runs[deviceId]
	stopped := f.stopped
	f.mu.Unlock()
	if cur != nil && want && cur.key == runKey(dev, cfg) {
		return
	}
	if cur != nil {
		f.stopRun(deviceId, cur)
	}
	if !want || stopped || !f.brokerUp() {
		return
	}
	if err := f.startRun(dev, cfg); err != nil {
		f.log.Error("fax driver not started", "device", dev.GetString("username"), "error", err)
		f.setState(dev.GetString("username"), "error")
		return
	}
	f.dispatchPending(deviceId)
}

func (f *Faxes) startRun(dev *core.Record, cfg faxDeviceConfig) error {
	username := dev.GetString("username")
	r := &faxRun{key: runKey(dev, cfg), username: username, done: make(chan struct{})}
	port := cfg.Port
	if cfg.Simulator {
		s, err := sim.New(sim.Options{RemoteID: "+49 221 9999 0", Logger: f.app.Logger()})
		if err != nil {
			return fmt.Errorf("failed to start the fax simulator: %w", err)
		}
		r.sim = s
		port = s.Path()
	}
	var delays []time.Duration
	for _, ms := range cfg.RetryDelaysMs {
		delays = append(delays, time.Duration(ms)*time.Millisecond)
	}
	localID := cfg.LocalID
	if localID == "" {
		localID = senderOf(f.app, dev)
	}
	log := f.app.Logger().With("device", username)
	r.driver = fax.New(fax.Config{
		Port:        serialport.Config{Name: port, Baud: cfg.Baud},
		LocalID:     localID,
		RetryDelays: delays,
		Logger:      log,
		Class:       faxClassOf(dev),
	})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.bus = &inlineBus{b: f.b}
	if err := fax.Attach(ctx, r.driver, r.bus, fax.MQTTOptions{Prefix: f.b.Prefix(), Device: username, Logger: log}); err != nil {
		cancel()
		r.bus.close()
		if r.sim != nil {
			r.sim.Close()
		}
		return err
	}
	f.mu.Lock()
	f.runs[dev.Id] = r
	f.mu.Unlock()
	go func() {
		defer close(r.done)
		if err := r.driver.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("fax driver ended", "error", err)
		}
	}()
	if r.sim != nil {
		// What the demo "sends" lands here; nobody else reads it.
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case fx := <-r.sim.Faxes():
					log.Info("simulated fax delivered", "number", fx.Number, "pages", len(fx.Pages))
				}
			}
		}()
	}
	f.log.Info("fax driver started", "device", username, "port", port, "simulator", cfg.Simulator)
	return nil
}

// onClass takes the fax class a bridge's modem speaks (crisisroom/fax/<device>/class,
// "1" or "2.0") into the device record.
func (f *Faxes) onClass(username, topic string, payload []byte) {
	device, ok := f.faxDeviceOf(username, topic, "class")
	if !ok {
		return
	}
	if class := string(payload); class == fax.Class1 || class == fax.Class20 {
		go f.setClass(device, class)
	}
}

// setClass records the fax class for the device view.
func (f *Faxes) setClass(username, class string) {
	err := f.app.RunInTransaction(func(tx core.App) error {
		dev, err := tx.FindFirstRecordByData("devices", "username", username)
		if err != nil || dev.GetString("fax_class") == class {
			return nil
		}
		dev.Set("fax_class", class)
		return tx.Save(dev)
	})
	if err != nil {
		f.log.Warn("fax class not saved", "device", username, "error", err)
	}
}

func (f *Faxes) stopRun(deviceId string, r *faxRun) {
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		f.log.Warn("fax driver did not stop in time", "device", r.username)
	}
	f.mu.Lock()
	if f.runs[deviceId] == r {
		delete(f.runs, deviceId)
	}
	f.mu.Unlock()
	r.bus.close()
	if r.sim != nil {
		r.sim.Close()
	}
}

func (f *Faxes) stopAll() {
	f.reconcileMu.Lock()
	defer f.reconcileMu.Unlock()
	f.mu.Lock()
	f.stopped = true
	runs := maps.Clone(f.runs)
	f.mu.Unlock()
	for id, r := range runs {
		f.stopRun(id, r)
	}
}

// inlineBus gives an in-process driver the broker's inline client, and takes its
// subscriptions back when the driver stops, so a restarted driver is the only one that
// hears its send requests.
type inlineBus struct {
	b    *hardware.Broker
	mu   sync.Mutex
	subs []inlineSub
}

type inlineSub struct {
	filter string
	id     int
}

func (ib *inlineBus) Publish(topic string, payload []byte, retain bool, qos byte) error {
	return ib.b.Publish(topic, payload, retain, qos)
}

func (ib *inlineBus) Subscribe(filter string, handler func(topic string, payload []byte)) error {
	ib.b.Mu.Lock()
	server := ib.b.Server
	ib.b.SubID++
	id := ib.b.SubID
	ib.b.Mu.Unlock()
	if server == nil {
		return hardware.ErrBrokerDown
	}
	if err := server.Subscribe(filter, id, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		handler(pk.TopicName, pk.Payload)
	}); err != nil {
		return err
	}
	ib.mu.Lock()
	ib.subs = append(ib.subs, inlineSub{filter, id})
	ib.mu.Unlock()
	return nil
}

func (ib *inlineBus) close() {
	ib.b.Mu.Lock()
	server := ib.b.Server
	ib.b.Mu.Unlock()
	ib.mu.Lock()
	subs := ib.subs
	ib.subs = nil
	ib.mu.Unlock()
	if server == nil {
		return
	}
	for _, s := range subs {
		_ = server.Unsubscribe(s.filter, s.id)
	}
}

var _ fax.Bus = (*inlineBus)(nil)

func (f *Faxes) brokerUp() bool {
	f.b.Mu.Lock()
	defer f.b.Mu.Unlock()
	return f.b.Server != nil
}
