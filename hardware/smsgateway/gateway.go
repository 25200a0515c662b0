// Package smsgateway is the appliance's side of SMS: it runs the sms-gsm driver of a
// device in-process (or lets `crisisroom bridge` run it elsewhere), keeps the SMS log
// of each device (collection sms_messages: sent and received, with status), and hands
// received texts to whoever waits for answers (the staff call-out, Blitz by SMS).
// The driver (hardware/sms) speaks MQTT only; this package speaks to it only through
// crisisroom/sms/<device>/send|send/result|inbox|status.
package smsgateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"crisisroom/hardware"
	"crisisroom/hardware/serialport"
	"crisisroom/hardware/sms"
	"crisisroom/hardware/sms/gsmsim"
	"crisisroom/hooks/tenancy"
)

const storeKey = "crisisroom.smsgateway"

// Kind and Driver of SMS devices (DESIGN §10).
const (
	Kind   = "sms"
	Driver = "sms-gsm"
)

// DeviceConfig is the config of an sms-gsm device driven by the appliance:
// {"port": "/dev/ttyUSB2", "baud": 115200, "pin": "1234"}. Without a port (and without
// "simulator") the device is driven by a bridge and only talks MQTT.
type DeviceConfig struct {
	Port string `json:"port"`
	Baud int    `json:"baud"`
	PIN  string `json:"pin"`
	// MinIntervalMs between two SMS (the network's rate limit; default 3000).
	MinIntervalMs int `json:"min_interval_ms"`
	// Simulator runs the GSM modem simulator on a pseudo-terminal (the demo).
	Simulator bool `json:"simulator"`
	// DemoPeers makes the simulator's pretend phones of the demo people answer
	// call-outs and Blitz messages by SMS after a few seconds.
	DemoPeers bool `json:"demo_peers"`
}

// Inbound is a received SMS as handlers see it.
type Inbound struct {
	Record  *core.Record // the sms_messages record
	Device  *core.Record
	From    string // E.164 as the network gave it
	Text    string
	Person  *core.Record // the person whose number it is, or nil (unknown sender)
	Unknown bool
}

// InboundHandler takes a received SMS; it returns true when it was an answer it
// consumed (the call-out's "1 20", Blitz "OK"). It runs outside any transaction.
type InboundHandler func(app core.App, in Inbound) bool

// ResultHandler hears every status change of a sent SMS (the sms_messages record).
type ResultHandler func(app core.App, rec *core.Record)

// Gateway is the SMS gateway of one appliance.
type Gateway struct {
	app core.App
	b   *hardware.Broker
	log *slog.Logger

	mu      sync.Mutex
	runs    map[string]*run // by device id
	inbound []InboundHandler
	results []ResultHandler
	stopped bool
	started bool

	reconcileMu sync.Mutex
	statusMu    sync.Mutex
	// work counts results and received SMS being handled, so that the appliance stops
	// only after them (the database closes then).
	work sync.WaitGroup
}

// async runs fn in the background unless the gateway is stopping.
func (g *Gateway) async(fn func()) {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return
	}
	g.work.Add(1)
	g.mu.Unlock()
	go func() {
		defer g.work.Done()
		fn()
	}()
}

type run struct {
	key      string
	username string
	cancel   context.CancelFunc
	done     chan struct{}
	sim      *gsmsim.Sim
	driver   *sms.Driver
}

// Register binds the gateway to app and the broker; appliance.Register calls it once.
func Register(app core.App, b *hardware.Broker) *Gateway {
	g := &Gateway{app: app, b: b, runs: map[string]*run{}, log: app.Logger().With("component", "smsgateway")}
	app.Store().Set(storeKey, g)
	changed := func(e *core.RecordEvent) error {
		id := e.Record.Id
		if g.brokerUp() {
			g.async(func() { g.reconcile(id) })
		}
		return e.Next()
	}
	app.OnRecordAfterCreateSuccess("devices").BindFunc(changed)
	app.OnRecordAfterUpdateSuccess("devices").BindFunc(changed)
	app.OnRecordAfterDeleteSuccess("devices").BindFunc(changed)
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		g.routes(e)
		return e.Next()
	})
	app.OnRecordEnrich("devices").BindFunc(maskPIN)
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{Id: "crisisroom_sms_stop", Priority: -10, Func: func(e *core.TerminateEvent) error {
		g.stopAll()
		return e.Next()
	}})
	b.OnStart(g.start)
	return g
}

// Of returns the gateway registered on app, or nil.
func Of(app core.App) *Gateway {
	g, _ := app.Store().Get(storeKey).(*Gateway)
	return g
}

// OnInbound adds a handler for received SMS; handlers run in order until one
// consumes the text.
func (g *Gateway) OnInbound(h InboundHandler) {
	g.mu.Lock()
	g.inbound = append(g.inbound, h)
	g.mu.Unlock()
}

// OnResult adds a handler for status changes of sent SMS.
func (g *Gateway) OnResult(h ResultHandler) {
	g.mu.Lock()
	g.results = append(g.results, h)
	g.mu.Unlock()
}

func (g *Gateway) brokerUp() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.started
}

func (g *Gateway) start(b *hardware.Broker) {
	base := b.Prefix() + "sms/+/"
	// A received SMS is stored before the driver deletes it from the SIM (an in-process
	// driver's publish returns when the handler did; a bridge gets its PUBACK then).
	b.SubscribeBeforeAck(base+"inbox", func(username, topic string, payload []byte) error {
		dev, ok := g.deviceOf(username, topic, "inbox")
		if !ok {
			return nil
		}
		return g.receive(dev, payload)
	})
	for _, s := range []struct {
		filter string
		fn     func(username, topic string, payload []byte)
	}{{base + "send/result", g.onResult}, {base + "status", g.onStatus}} {
		if err := b.SubscribeFrom(s.filter, s.fn); err != nil {
			g.log.Error("SMS subscription failed", "filter", s.filter, "error", err)
		}
	}
	g.mu.Lock()
	g.started = true
	g.mu.Unlock()
	g.reconcileAll()
	g.dispatchPending()
}

// deviceOf reads <device> out of crisisroom/sms/<device>/<rest>. A device over MQTT may
// publish only in its own subtree (ACL) and is held to it here too; the inline client
// (in-process drivers) publishes as "".
func (g *Gateway) deviceOf(username, topic, rest string) (*core.Record, bool) {
	base := g.b.Prefix() + "sms/"
	name, ok := strings.CutPrefix(topic, base)
	if !ok {
		return nil, false
	}
	name, ok = strings.CutSuffix(name, "/"+rest)
	if !ok || strings.Contains(name, "/") || (username != "" && username != name) {
		return nil, false
	}
	dev, err := g.app.FindFirstRecordByData("devices", "username", name)
	if err != nil || dev.GetString("kind") != Kind {
		return nil, false
	}
	return dev, true
}

func (g *Gateway) onStatus(username, topic string, payload []byte) {
	dev, ok := g.deviceOf(username, topic, "status")
	if !ok {
		return
	}
	var st sms.Status
	if json.Unmarshal(payload, &st) != nil {
		return
	}
	// Saved in the order published (the driver publishes from one goroutine): a
	// stopped driver's "offline" must not land after its successor's "ready".
	g.statusMu.Lock()
	defer g.statusMu.Unlock()
	err := g.app.RunInTransaction(func(tx core.App) error {
		d, err := tx.FindRecordById("devices", dev.Id)
		if err != nil {
			return nil
		}
		d.Set("sms_status", st)
		return tx.SaveNoValidate(d)
	})
	if err != nil {
		g.log.Warn("SMS status not saved", "device", dev.GetString("username"), "error", err)
	}
}

func (g *Gateway) onResult(username, topic string, payload []byte) {
	dev, ok := g.deviceOf(username, topic, "send/result")
	if !ok {
		return
	}
	var r sms.Result
	if json.Unmarshal(payload, &r) != nil || r.ID == "" {
		return
	}
	g.async(func() { g.applyResult(dev.Id, r) })
}

// statusRank orders statuses so a late "sent" never overwrites "delivered".
var statusRank = map[string]int{"pending": 0, "queued": 1, "retrying": 2, "sent": 3, "failed": 4, "delivered": 5, "undelivered": 5}

func (g *Gateway) applyResult(deviceId string, r sms.Result) {
	var saved *core.Record
	err := g.app.RunInTransaction(func(tx core.App) error {
		rec, err := tx.FindRecordById("sms_messages", r.ID)
		if err != nil || rec.GetString("device") != deviceId || rec.GetString("direction") != "out" {
			return nil
		}
		cur := rec.GetString("status")
		if statusRank[r.Status] < statusRank[cur] && !(cur == "retrying" && r.Status == "queued") {
			return nil
		}
		rec.Set("status", r.Status)
		if r.Parts > 0 {
			rec.Set("parts", r.Parts)
		}
		reason := strings.TrimSpace(r.ReasonDE + " / " + r.ReasonEN)
		if r.Code != "" {
			reason += " (" + r.Code + ")"
		}
		if r.ReasonDE == "" && r.ReasonEN == "" {
			reason = ""
		}
		rec.Set("reason", reason)
		saved = rec
		return tx.Save(rec)
	})
	if err != nil {
		g.log.Warn("SMS result not saved", "id", r.ID, "error", err)
		return
	}
	if saved != nil {
		g.mu.Lock()
		hs := append([]ResultHandler(nil), g.results...)
		g.mu.Unlock()
		for _, h := range hs {
			h(g.app, saved)
		}
	}
}

// receive stores a received SMS (once: the driver's id is stable) and hands it on.
func (g *Gateway) receive(dev *core.Record, payload []byte) error {
	var in sms.Inbox
	if err := json.Unmarshal(payload, &in); err != nil || in.ID == "" {
		return nil // malformed: nothing a retry would fix
	}
	if dup, err := g.app.FindFirstRecordByFilter("sms_messages", "device = {:d} && inbox_id = {:i}", dbx.Params{"d": dev.Id, "i": in.ID}); err == nil && dup != nil {
		return nil
	}
	coll, err := g.app.FindCollectionByNameOrId("sms_messages")
	if err != nil {
		return err
	}
	from := strings.TrimSpace(in.From)
	if n, err := sms.NormalizeE164(from); err == nil {
		from = n
	}
	person := PersonByNumber(g.app, from)
	rec := core.NewRecord(coll)
	rec.Set("device", dev.Id)
	rec.Set("direction", "in")
	rec.Set("number", clip(from, 32))
	rec.Set("text", clip(in.Text, 2000))
	rec.Set("status", "received")
	rec.Set("inbox_id", in.ID)
	rec.Set("purpose", "other")
	if person != nil {
		rec.Set("person", person.Id)
	} else {
		rec.Set("unknown_sender", true)
	}
	if err := g.app.Save(rec); err != nil {
		return err
	}
	g.async(func() { g.route(dev, rec, from, in.Text, person) })
	return nil
}

// route hands a stored SMS to the handlers; one nobody took goes to the device's
// channel, marked when the sender is unknown.
func (g *Gateway) route(dev, rec *core.Record, from, text string, person *core.Record) {
	in := Inbound{Record: rec, Device: dev, From: from, Text: text, Person: person, Unknown: person == nil}
	g.mu.Lock()
	hs := append([]InboundHandler(nil), g.inbound...)
	g.mu.Unlock()
	// Only the host's own modems carry answers: a device of another organisation could
	// claim any sender number, and must not answer a call-out or acknowledge a Blitz
	// in someone's name.
	if host := tenancy.HostOrganisation(g.app); host == nil || dev.GetString("organisation") != host.Id {
		hs = nil
	}
	for _, h := range hs {
		if h(g.app, in) {
			rec.Set("purpose", "answer")
			if err := g.app.Save(rec); err != nil {
				g.log.Warn("SMS record not updated", "error", err)
			}
			return
		}
	}
	ch := dev.GetString("channel")
	if ch == "" {
		return
	}
	coll, err := g.app.FindCollectionByNameOrId("messages")
	if err != nil {
		return
	}
	m := core.NewRecord(coll)
	m.Set("channel", ch)
	m.Set("device", dev.Id)
	m.Set("source", "sms")
	m.Set("priority", "normal")
	m.Set("body", clip(ChannelText(g.app, ch, from, text, person), 20000))
	if err := g.app.Save(m); err != nil {
		g.log.Warn("received SMS not posted to the channel", "device", dev.GetString("username"), "error", err)
	}
}

// ChannelText is how a received SMS nobody took as an answer reads in the device's
// channel, which every organisation taking part in it and its guests read. A person's
// mobile number is shown only to them, their organisations' admins and the host's
// admins and operators (callout.MayViewPhone), so a known sender is named by name and
// organisation, never by number: "SMS von Laura Neumann (POL): …". A number nobody has
// entered is all there is to say about its sender and is shown, marked as unknown; a
// number that names no single person (a duty phone two entered) is not shown either.
// The number stays in the SMS log (sms_messages), which shows it per that rule.
func ChannelText(app core.App, channelId, from, text string, person *core.Record) string {
	switch {
	case person != nil:
		return "SMS von " + senderLabel(app, person, channelId) + ": " + text
	case numberRegistered(app, from):
		return "SMS von einer eingetragenen Nummer ohne eindeutige Person / from a registered number of no single person: " + text
	}
	return fmt.Sprintf("SMS von %s (unbekannte Nummer / unknown number): %s", from, text)
}

// senderLabel names a known sender in a channel as its messages name authors: "Name
// (POL)" with the organisation they speak for there (the first of the channel's
// organisations they are a live member of, else their first live membership),
// "Name (Gast, POL)" for a guest, the bare name for a person with no live membership.
func senderLabel(app core.App, person *core.Record, channelId string) string {
	var orgs []string
	if ch, err := app.FindRecordById("channels", channelId); err == nil {
		orgs = tenancy.ChannelOrgs(ch)
	}
	m := tenancy.LiveMembershipIn(app, person.Id, orgs)
	if m == nil {
		ms, _ := app.FindRecordsByFilter("memberships", "user = {:u}", "created", 0, 0, dbx.Params{"u": person.Id})
		for _, x := range ms {
			if tenancy.LiveMembership(app, x) {
				m = x
				break
			}
		}
	}
	name := person.GetString("name")
	if m == nil {
		return name
	}
	org, err := app.FindRecordById("organisations", m.GetString("organisation"))
	if err != nil {
		return name
	}
	if m.GetString("role") == "guest" {
		return name + " (Gast, " + org.GetString("short") + ")"
	}
	return name + " (" + org.GetString("short") + ")"
}

// numberRegistered: number (E.164) is stored as somebody's mobile number.
func numberRegistered(app core.App, number string) bool {
	if number == "" {
		return false
	}
	n, err := app.CountRecords("user_phones", dbx.HashExp{"number": number})
	return err == nil && n > 0
}

// PersonByNumber is the person whose stored mobile number is number (E.164), or nil.
// A number two people share (a duty phone) names nobody: an answer from it could be
// either's, so it is treated as unknown.
func PersonByNumber(app core.App, number string) *core.Record {
	if number == "" {
		return nil
	}
	rows, err := app.FindRecordsByFilter("user_phones", "number = {:n}", "", 2, 0, dbx.Params{"n": number})
	if err != nil || len(rows) != 1 {
		return nil
	}
	u, err := app.FindRecordById("users", rows[0].GetString("user"))
	if err != nil {
		return nil
	}
	return u
}

// SendOptions say what to send to whom and why.
type SendOptions struct {
	Number  string // E.164
	Text    string
	Person  *core.Record // the recipient, if known
	Purpose string       // callout, reminder, blitz, other
	Ref     string       // the call-out or message it belongs to
}

// ErrNoDevice: the host has no SMS device.
var ErrNoDevice = errors.New("no SMS device")

// Send queues an SMS on the host's SMS device: it is logged (sms_messages, status
// pending) and published to the driver with a delivery report asked for. An SMS
// accepted here survives a restart of the appliance (dispatchPending) and of the
// driver (its queue file). Errors: ErrNoDevice, a number that is not E.164.
func (g *Gateway) Send(o SendOptions) (*core.Record, error) {
	number, err := sms.NormalizeE164(o.Number)
	if err != nil {
		return nil, err
	}
	dev := HostDevice(g.app)
	if dev == nil {
		return nil, ErrNoDevice
	}
	coll, err := g.app.FindCollectionByNameOrId("sms_messages")
	if err != nil {
		return nil, err
	}
	rec := core.NewRecord(coll)
	rec.Set("device", dev.Id)
	rec.Set("direction", "out")
	rec.Set("number", number)
	rec.Set("text", clip(o.Text, 2000))
	rec.Set("status", "pending")
	rec.Set("purpose", o.Purpose)
	rec.Set("ref", o.Ref)
	if o.Person != nil {
		rec.Set("person", o.Person.Id)
	}
	if err := g.app.Save(rec); err != nil {
		return nil, err
	}
	g.publish(dev, rec)
	return rec, nil
}

func (g *Gateway) publish(dev, rec *core.Record) {
	send, _, _, _ := sms.Topics(g.b.Prefix(), dev.GetString("username"))
	data, _ := json.Marshal(sms.SendRequest{ID: rec.Id, Number: rec.GetString("number"), Text: rec.GetString("text"), Report: true})
	if err := g.b.Publish(send, data, false, 1); err != nil {
		g.log.Warn("SMS not handed to the driver yet", "id", rec.Id, "error", err)
	}
}

// dispatchPending hands SMS that were logged but not yet taken by a driver (the
// appliance stopped in between) to the driver again; the driver ignores ids it has.
func (g *Gateway) dispatchPending() {
	recs, err := g.app.FindRecordsByFilter("sms_messages", `direction = "out" && (status = "pending" || status = "queued" || status = "retrying")`, "created", 1000, 0)
	if err != nil {
		return
	}
	for _, r := range recs {
		dev, err := g.app.FindRecordById("devices", r.GetString("device"))
		if err == nil {
			g.publish(dev, r)
		}
	}
}

// HostDevice is the host's SMS device: one driven in-process first, else one that is
// online, else any.
func HostDevice(app core.App) *core.Record {
	host := tenancy.HostOrganisation(app)
	if host == nil {
		return nil
	}
	devs, err := app.FindRecordsByFilter("devices", "organisation = {:o} && kind = {:k}", "created", 20, 0, dbx.Params{"o": host.Id, "k": Kind})
	if err != nil || len(devs) == 0 {
		return nil
	}
	for _, d := range devs {
		if _, ok := parseConfig(d); ok {
			return d
		}
	}
	for _, d := range devs {
		if d.GetBool("online") {
			return d
		}
	}
	return devs[0]
}

func parseConfig(dev *core.Record) (DeviceConfig, bool) {
	var cfg DeviceConfig
	if dev.GetString("kind") != Kind || dev.GetString("driver") != Driver {
		return cfg, false
	}
	if err := json.Unmarshal([]byte(dev.GetString("config")), &cfg); err != nil {
		return cfg, false
	}
	cfg.Port = strings.TrimSpace(cfg.Port)
	return cfg, cfg.Port != "" || cfg.Simulator
}

func (g *Gateway) reconcileAll() {
	devs, err := g.app.FindRecordsByFilter("devices", "kind = {:k}", "", 0, 0, dbx.Params{"k": Kind})
	if err != nil {
		return
	}
	for _, d := range devs {
		g.reconcile(d.Id)
	}
}

// reconcile starts, restarts or stops the in-process driver of one device.
func (g *Gateway) reconcile(deviceId string) {
	g.reconcileMu.Lock()
	defer g.reconcileMu.Unlock()
	var (
		want bool
		cfg  DeviceConfig
		dev  *core.Record
		key  string
	)
	if d, err := g.app.FindRecordById("devices", deviceId); err == nil {
		dev = d
		cfg, want = parseConfig(d)
		b, _ := json.Marshal(cfg)
		key = d.GetString("username") + "|" + string(b)
	}
	g.mu.Lock()
	cur := g.runs[deviceId]
	stopped := g.stopped
	g.mu.Unlock()
	if cur != nil && want && cur.key == key {
		return
	}
	if cur != nil {
		g.stopRun(deviceId, cur)
	}
	if !want || stopped {
		return
	}
	if err := g.startRun(dev, cfg, key); err != nil {
		g.log.Error("SMS driver not started", "device", dev.GetString("username"), "error", err)
	}
}

func (g *Gateway) startRun(dev *core.Record, cfg DeviceConfig, key string) error {
	username := dev.GetString("username")
	r := &run{key: key, username: username, done: make(chan struct{})}
	port := cfg.Port
	if cfg.Simulator {
		s, err := gsmsim.New(gsmsim.Options{PIN: cfg.PIN, AutoReport: true, ReportDelay: 2 * time.Second, Logger: g.app.Logger()})
		if err != nil {
			return fmt.Errorf("failed to start the GSM simulator: %w", err)
		}
		r.sim = s
		port = s.Path()
	}
	log := g.app.Logger().With("device", username)
	d, err := sms.New(sms.Config{
		Port:        serialport.Config{Name: port, Baud: cfg.Baud},
		PIN:         cfg.PIN,
		QueuePath:   filepath.Join(g.app.DataDir(), "sms", username+".queue.json"),
		MinInterval: time.Duration(cfg.MinIntervalMs) * time.Millisecond,
		Logger:      log,
	})
	if err != nil {
		if r.sim != nil {
			r.sim.Close()
		}
		return err
	}
	r.driver = d
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if err := sms.Attach(ctx, d, &inlineBus{g: g, username: username}, g.b.Prefix(), username, log); err != nil {
		cancel()
		if r.sim != nil {
			r.sim.Close()
		}
		return err
	}
	g.mu.Lock()
	g.runs[dev.Id] = r
	g.mu.Unlock()
	go func() {
		defer close(r.done)
		if err := d.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("SMS driver ended", "error", err)
		}
	}()
	if r.sim != nil && cfg.DemoPeers {
		g.startDemoPeers(r.sim)
	}
	g.log.Info("SMS driver started", "device", username, "port", port, "simulator", cfg.Simulator)
	return nil
}

func (g *Gateway) stopRun(deviceId string, r *run) {
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		g.log.Warn("SMS driver did not stop in time", "device", r.username)
	}
	g.mu.Lock()
	if g.runs[deviceId] == r {
		delete(g.runs, deviceId)
	}
	g.mu.Unlock()
	send, _, _, _ := sms.Topics(g.b.Prefix(), r.username)
	inlineMu.Lock()
	delete(inlineSubs, fmt.Sprintf("%p|%s", g.b, send))
	inlineMu.Unlock()
	if r.sim != nil {
		r.sim.Close()
	}
}

func (g *Gateway) stopAll() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	// Before reconcileMu: a pending reconcile is part of the work.
	g.work.Wait()
	g.reconcileMu.Lock()
	defer g.reconcileMu.Unlock()
	g.mu.Lock()
	runs := make(map[string]*run, len(g.runs))
	for k, v := range g.runs {
		runs[k] = v
	}
	g.mu.Unlock()
	for id, r := range runs {
		g.stopRun(id, r)
	}
}

// Simulator returns the simulated modem of a device driven with {"simulator": true}.
func (g *Gateway) Simulator(deviceId string) *gsmsim.Sim {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r := g.runs[deviceId]; r != nil {
		return r.sim
	}
	return nil
}

// inlineBus gives an in-process driver the broker's inline client. Its send
// subscription is made once per device and forwards to the device's current driver,
// so a restarted driver is the only one that hears its requests.
type inlineBus struct {
	g        *Gateway
	username string
}

var (
	inlineMu   sync.Mutex
	inlineSubs = map[string]func(string, []byte){}
	inlineOnce = map[*hardware.Broker]map[string]bool{}
)

func (ib *inlineBus) Publish(topic string, payload []byte, retain bool, qos byte) error {
	return ib.g.b.Publish(topic, payload, retain, qos)
}

func (ib *inlineBus) Subscribe(filter string, handler func(topic string, payload []byte)) error {
	key := fmt.Sprintf("%p|%s", ib.g.b, filter)
	inlineMu.Lock()
	inlineSubs[key] = handler
	seen := inlineOnce[ib.g.b]
	if seen == nil {
		seen = map[string]bool{}
		inlineOnce[ib.g.b] = seen
	}
	first := !seen[filter]
	seen[filter] = true
	inlineMu.Unlock()
	if !first {
		return nil
	}
	return ib.g.b.Subscribe(filter, func(topic string, payload []byte) {
		inlineMu.Lock()
		h := inlineSubs[key]
		inlineMu.Unlock()
		if h != nil {
			h(topic, payload)
		}
	})
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// maskPIN keeps an SMS device's SIM PIN from the people who may see the device but
// not manage it (the organisation's plain members): only admins of its organisation
// and the host's admins and operators read it.
func maskPIN(e *core.RecordEnrichEvent) error {
	r := e.Record
	if r.GetString("kind") != Kind || e.RequestInfo == nil {
		return e.Next()
	}
	if a := e.RequestInfo.Auth; a != nil && (a.IsSuperuser() || (a.Collection().Name == "users" &&
		(tenancy.IsHostOperator(e.App, a.Id) || tenancy.RoleIn(e.App, a.Id, r.GetString("organisation")) == "admin"))) {
		return e.Next()
	}
	var cfg map[string]any
	if json.Unmarshal([]byte(r.GetString("config")), &cfg) == nil && cfg["pin"] != nil {
		delete(cfg, "pin")
		r.Set("config", cfg)
	}
	return e.Next()
}
