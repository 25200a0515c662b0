package room

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hardware"
	"crisisroom/hardware/siren"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// Sirens is the appliance's side of the sirens: who may sound them, the safety timers,
// and the records that say what happened. The translation into device topics lives in
// package siren.
//
// Safety rules (DESIGN §5), each enforced here:
//   - commands are never retained; every ON carries the device's own auto-off where the
//     device has one, and the appliance's watchdog sends OFF at the activation's end;
//   - at start every siren gets OFF and every activation still running is ended, and a
//     siren that comes back (connects, subscribes, or announces itself online) gets OFF;
//   - ON is refused while the relay is offline;
//   - "confirmed" is set only when the device echoes its state;
//   - an outdoor siren sounds only after a second host operator confirms in time.
type Sirens struct {
	app core.App
	b   *hardware.Broker
	log *slog.Logger

	// ConfirmWindow is how long an outdoor siren waits for the second operator.
	ConfirmWindow time.Duration

	op      sync.Mutex // one state change of an activation at a time
	mu      sync.Mutex
	timers  map[string]*time.Timer // activation id → watchdog or confirmation deadline
	avail   map[string]bool        // username → last availability the device reported
	devices map[string]siren.Device
	devOrg  map[string]string // username → organisation
	remote  map[string]bool   // username → ha_remote: Home Assistant may sound it
	watched map[string]bool   // subscribed filters
	arrived map[string]time.Time
	// sendLocks keep a device's commands in order (see sendOffIfIdle).
	sendLocks map[string]*sync.Mutex
	// haRefusedAt: when a refused Home Assistant command was last recorded, per server
	// and siren (see haRefuse).
	haRefusedAt map[string]time.Time
	inbox       chan func()
	quit        chan struct{}
	// life is held for reading by every background change (queue, timers) and for
	// writing by shutdown, so none runs while the database closes.
	life    sync.RWMutex
	stopped bool
}

// Activation states.
const (
	statePending = "pending"
	stateOn      = "on"
	stateStopped = "stopped"
	stateExpired = "expired"
	stateRefused = "refused"
	stateFailed  = "failed"
)

// DefaultConfirmWindow is the time a second operator has to confirm an outdoor siren.
// A variable so tests can wait seconds, not minutes.
var DefaultConfirmWindow = 120 * time.Second

// Room is the room's sirens and boards as the appliance runs them.
type Room struct {
	Sirens *Sirens
	Boards *Boards
}

// Register binds sirens and boards; appliance.Register calls it once, with the broker
// hardware.Register returned. Devices seeded by SeedDemo with demoPassword get simulated
// relays while the broker runs ("": none).
func Register(app core.App, b *hardware.Broker, demoPassword string) *Room {
	r := &Room{Sirens: RegisterSirens(app, b), Boards: RegisterBoards(app, b)}
	if demoPassword != "" {
		registerDemoSimulators(app, b, demoPassword)
	}
	return r
}

// RegisterSirens binds the siren hooks to app and the device side to the broker.
func RegisterSirens(app core.App, b *hardware.Broker) *Sirens {
	s := &Sirens{app: app, b: b, ConfirmWindow: DefaultConfirmWindow,
		timers: map[string]*time.Timer{}, avail: map[string]bool{}, devices: map[string]siren.Device{},
		devOrg: map[string]string{}, remote: map[string]bool{}, watched: map[string]bool{}, arrived: map[string]time.Time{},
		sendLocks: map[string]*sync.Mutex{}, inbox: make(chan func(), 4096), quit: make(chan struct{})}
	s.log = app.Logger().With("component", "sirens")

	app.OnRecordCreateRequest("siren_activations").BindFunc(s.onCreateRequest)
	app.OnRecordCreate("siren_activations").BindFunc(s.onCreate)
	app.OnRecordAfterCreateSuccess("siren_activations").BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		s.afterCreate(e.Record.Id)
		return nil
	})
	app.OnRecordUpdateRequest("siren_activations").BindFunc(s.onUpdateRequest)
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		s.blitz(e.Record)
		return nil
	})
	refresh := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if s.b.Running() {
			s.loadDevices()
			s.discoveryChanged(e)
		}
		return nil
	}
	app.OnRecordAfterCreateSuccess("devices").BindFunc(refresh)
	app.OnRecordAfterUpdateSuccess("devices").BindFunc(refresh)
	app.OnRecordAfterDeleteSuccess("devices").BindFunc(refresh)

	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		s.shutdown()
		return e.Next()
	})
	b.OnStart(s.start)
	b.OnPresence(s.presence)
	return s
}

func (s *Sirens) tr() siren.Translator { return siren.Translator{Prefix: s.b.Prefix()} }

func sirenDevice(r *core.Record) siren.Device {
	return siren.Device{Username: r.GetString("username"), Driver: r.GetString("driver"), Topic: r.GetString("topic"), Zone: r.GetString("zone"), Name: r.GetString("name"), Relay: r.GetInt("relay")}
}

// --- start, devices and their reports ---

// Device reports are handled one at a time, in the order the broker delivered them: a
// relay's stale OFF echo must be seen before the ON echo that follows it.
func (s *Sirens) enqueue(fn func()) {
	select {
	case s.inbox <- fn:
	default:
		s.log.Warn("siren report queue full; report dropped")
	}
}

func (s *Sirens) work() {
	for {
		select {
		case fn := <-s.inbox:
			s.guard(fn)
		case <-s.quit:
			return
		}
	}
}

func (s *Sirens) guard(fn func()) {
	s.life.RLock()
	defer s.life.RUnlock()
	if !s.stopped {
		fn()
	}
}

func (s *Sirens) shutdown() {
	s.life.Lock()
	already := s.stopped
	s.stopped = true
	s.life.Unlock()
	if already {
		return
	}
	s.mu.Lock()
	for id, t := range s.timers {
		t.Stop()
		delete(s.timers, id)
	}
	s.mu.Unlock()
	close(s.quit)
}

func (s *Sirens) start(b *hardware.Broker) {
	go s.work()
	if err := b.Server.AddHook(&sirenListenHook{s: s}, nil); err != nil {
		s.log.Error("siren connection hook", "error", err)
	}
	s.loadDevices()
	_ = b.Subscribe("homeassistant/status", func(_ string, payload []byte) {
		if string(payload) == "online" {
			s.enqueue(s.publishDiscovery)
		}
	})
	if err := b.SubscribeFrom(b.Prefix()+"ha/+/set", s.onHACommand); err != nil {
		s.log.Error("Home Assistant command subscription failed", "error", err)
	}
	b.SetHARefused(s.haRefused)
	s.publishDiscovery()
	s.endAfterRestart()
	s.mu.Lock()
	devs := make([]siren.Device, 0, len(s.devices))
	for _, d := range s.devices {
		devs = append(devs, d)
	}
	s.mu.Unlock()
	zones := map[string]bool{}
	for _, d := range devs {
		s.sendOff(d, "start")
		s.publishHAState(d)
		if d.Zone != "" {
			zones[d.Zone] = true
		}
	}
	for z := range zones {
		s.publishZone(z)
	}
}

// loadDevices refreshes the siren devices and subscribes to the topics of new ones.
func (s *Sirens) loadDevices() {
	recs, err := s.app.FindAllRecords("devices", dbx.In("kind", "siren", "relay"))
	if err != nil {
		s.log.Error("siren devices not loaded", "error", err)
		return
	}
	devs := map[string]siren.Device{}
	orgs := map[string]string{}
	remote := map[string]bool{}
	for _, r := range recs {
		d := sirenDevice(r)
		devs[d.Username] = d
		orgs[d.Username] = r.GetString("organisation")
		remote[d.Username] = r.GetBool("ha_remote")
	}
	s.mu.Lock()
	s.devices, s.devOrg, s.remote = devs, orgs, remote
	var todo []string
	for _, d := range devs {
		for _, f := range s.tr().Filters(d) {
			if !s.watched[f] {
				s.watched[f] = true
				todo = append(todo, f)
			}
		}
	}
	s.mu.Unlock()
	for _, f := range todo {
		if err := s.b.Subscribe(f, s.onDeviceMessage); err != nil {
			s.log.Error("siren subscription failed", "filter", f, "error", err)
		}
	}
}

// publishDiscovery publishes every siren's Home Assistant config (retained), as a
// siren where remote activation is on and as a binary_sensor where it is off.
func (s *Sirens) publishDiscovery() {
	s.mu.Lock()
	devs := make([]siren.Device, 0, len(s.devices))
	remote := make([]bool, 0, len(s.devices))
	for _, d := range s.devices {
		devs = append(devs, d)
		remote = append(remote, s.remote[d.Username])
	}
	s.mu.Unlock()
	for i, d := range devs {
		s.publishConfig(d, remote[i])
	}
}

func (s *Sirens) publishConfig(d siren.Device, remote bool) {
	cfg, clear := s.tr().Discovery(d, remote)
	_ = s.b.Publish(clear.Topic, clear.Payload, true, clear.QoS)
	_ = s.b.Publish(cfg.Topic, cfg.Payload, true, cfg.QoS)
}

// discoveryChanged follows a device record: a siren's config is published again, and
// the configs of what it was before (another zone or name, no siren any more, deleted)
// are cleared, so Home Assistant keeps no entity the appliance no longer answers for.
func (s *Sirens) discoveryChanged(e *core.RecordEvent) {
	r := e.Record
	if o := r.Original(); e.Type == "update" && o != nil {
		// Presence writes (online, last_seen) change nothing Home Assistant is told.
		same := true
		for _, f := range []string{"kind", "username", "zone", "name", "ha_remote"} {
			same = same && o.GetString(f) == r.GetString(f)
		}
		if same {
			return
		}
	}
	if e.Type != "create" {
		if o := r.Original(); o != nil && hardware.IsSirenKind(o.GetString("kind")) &&
			(e.Type == "delete" || o.GetString("zone") != r.GetString("zone") || o.GetString("username") != r.GetString("username") || !hardware.IsSirenKind(r.GetString("kind"))) {
			a, b := s.tr().DiscoveryTopics(sirenDevice(o))
			_ = s.b.Publish(a, nil, true, 1)
			_ = s.b.Publish(b, nil, true, 1)
		}
	}
	if e.Type != "delete" && hardware.IsSirenKind(r.GetString("kind")) {
		d := sirenDevice(r)
		s.publishConfig(d, r.GetBool("ha_remote"))
		s.publishHAState(d)
	}
}

// publishHAState sets the retained state Home Assistant reads for d: ON while an
// activation of d is on.
func (s *Sirens) publishHAState(d siren.Device) {
	on := false
	if dev, err := s.app.FindFirstRecordByData("devices", "username", d.Username); err == nil {
		_, err := s.app.FindFirstRecordByFilter("siren_activations", "device = {:d} && state = 'on'", dbx.Params{"d": dev.Id})
		on = err == nil
	}
	m := s.tr().HAState(d, on)
	_ = s.b.Publish(m.Topic, m.Payload, true, m.QoS)
}

// publishState publishes what changed with an activation of d: its zone's state and its
// own state for Home Assistant.
func (s *Sirens) publishState(d siren.Device) {
	s.publishZone(d.Zone)
	s.publishHAState(d)
}

// onDeviceMessage runs on the broker's goroutine: availability is noted at once, the
// rest waits in the queue.
func (s *Sirens) onDeviceMessage(topic string, payload []byte) {
	s.mu.Lock()
	var hits []siren.Device
	for _, d := range s.devices {
		if slices.Contains(s.tr().Filters(d), topic) {
			hits = append(hits, d)
		}
	}
	s.mu.Unlock()
	for _, d := range hits {
		rep, ok := s.tr().Parse(d, topic, payload)
		if !ok {
			continue
		}
		if rep.Online != nil {
			s.setAvailable(d, *rep.Online)
		}
		if rep.On != nil {
			on := *rep.On
			s.enqueue(func() { s.echo(d, on) })
		}
	}
}

// presence hears of devices dropping after the database has been told; arrivals are
// taken from the connection itself (sirenListenHook), which is earlier.
func (s *Sirens) presence(dev hardware.Device, online bool) {
	if online || !hardware.IsSirenKind(dev.Kind) || s.b.Online(dev.Username) {
		return
	}
	s.mu.Lock()
	d, ok := s.devices[dev.Username]
	s.mu.Unlock()
	if ok {
		s.setAvailable(d, false)
	}
}

// setAvailable records availability. A siren that comes back gets OFF, and an
// activation it was part of ends: a relay that dropped out mid-signal is in an unknown
// state. Activations started after its return are its own and stay.
func (s *Sirens) setAvailable(d siren.Device, online bool) {
	now := time.Now()
	s.mu.Lock()
	was, known := s.avail[d.Username]
	s.avail[d.Username] = online
	if online && !(known && was) {
		s.arrived[d.Username] = now
	}
	s.mu.Unlock()
	if !online || (known && was) {
		return
	}
	s.enqueue(func() {
		if a := s.active(d.Username); a != nil {
			if a.GetDateTime("created").Time().Before(now.Truncate(time.Millisecond)) {
				s.finish(a.Id, stateFailed, nil, "Gerät kam wieder online und wurde sicherheitshalber ausgeschaltet / device came back online and was switched off for safety", "siren.failed")
			}
			return
		}
		s.sendOffIfIdle(d, "back online")
	})
}

// listening: a siren subscribed, so now it hears an OFF.
func (s *Sirens) listening(username string) {
	s.mu.Lock()
	d, ok := s.devices[username]
	s.mu.Unlock()
	if ok {
		s.enqueue(func() { s.sendOffIfIdle(d, "subscribed") })
	}
}

func (s *Sirens) online(username string) bool {
	s.mu.Lock()
	a := s.avail[username]
	s.mu.Unlock()
	return a || s.b.Online(username)
}

func (s *Sirens) deviceLock(username string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.sendLocks[username]
	if l == nil {
		l = &sync.Mutex{}
		s.sendLocks[username] = l
	}
	return l
}

// sendOffIfIdle sends OFF unless an activation is sounding on the device. ON goes out
// under the same lock after its record says "on", so an OFF never overtakes a new ON.
func (s *Sirens) sendOffIfIdle(d siren.Device, why string) {
	l := s.deviceLock(d.Username)
	l.Lock()
	defer l.Unlock()
	if s.active(d.Username) != nil {
		return
	}
	s.send(d, siren.Command{On: false}, why)
}

func (s *Sirens) sendOff(d siren.Device, why string) {
	l := s.deviceLock(d.Username)
	l.Lock()
	defer l.Unlock()
	s.send(d, siren.Command{On: false}, why)
}

func (s *Sirens) send(d siren.Device, c siren.Command, why string) error {
	if err := s.tr().Send(s.b, d, c); err != nil {
		s.log.Warn("siren command not sent", "device", d.Username, "on", c.On, "why", why, "error", err)
		return err
	}
	s.log.Debug("siren command sent", "device", d.Username, "on", c.On, "why", why)
	return nil
}

// endAfterRestart ends what a previous run left sounding or waiting: its timers are gone.
func (s *Sirens) endAfterRestart() {
	recs, err := s.app.FindAllRecords("siren_activations", dbx.In("state", statePending, "starting", stateOn))
	if err != nil {
		return
	}
	for _, r := range recs {
		s.finish(r.Id, stateExpired, nil, "Neustart der Anlage: beendet und ausgeschaltet / appliance restarted: ended and switched off", "siren.ended_at_start")
	}
}

// --- the activation's life ---

func (s *Sirens) activationDevice(app core.App, r *core.Record) (*core.Record, error) {
	return app.FindRecordById("devices", r.GetString("device"))
}

// onCreateRequest enforces who may start a siren and what a request may say.
func (s *Sirens) onCreateRequest(e *core.RecordRequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != "users" || !tenancy.IsHostOperator(e.App, e.Auth.Id) {
		return apperr.Forbidden("room.only_operators_crisis_staff")
	}
	if e.Record.GetString("requested_by") != e.Auth.Id {
		return apperr.BadRequest("room.requested_must_signed_person")
	}
	if e.Record.GetString("requested_via") != "" {
		return apperr.BadRequest("room.requested_via_set_appliance")
	}
	if e.Record.GetString("confirmed_by") != "" || e.Record.GetString("stopped_by") != "" || e.Record.GetBool("confirmed") {
		return apperr.BadRequest("room.confirmation_stop_not_set")
	}
	if err := checkSignal(e.Record); err != nil {
		return err
	}
	// Sounding uses the device: only its own organisation (the host's operators for the
	// host's sirens) may, whatever device id the request names.
	if dev, err := s.activationDevice(e.App, e.Record); err == nil && !hardware.MayUseDevice(e.App, e.Auth.Id, dev) {
		return hardware.DeviceForbidden()
	}
	return e.Next()
}

func checkSignal(r *core.Record) *router.ApiError {
	if !slices.Contains(siren.Signals, r.GetString("signal")) {
		return apperr.BadRequest("room.unknown_signal")
	}
	d := r.GetInt("duration")
	if d < 0 || time.Duration(d)*time.Second > siren.MaxDuration {
		return apperr.BadRequest("room.duration_out_of_range", int(siren.MaxDuration/time.Second))
	}
	return nil
}

// onCreate decides the activation's first state before it is stored, for requests and
// for the appliance's own activations (Blitz room alarm) alike.
func (s *Sirens) onCreate(e *core.RecordEvent) error {
	r := e.Record
	if err := checkSignal(r); err != nil {
		return err
	}
	dev, err := s.activationDevice(e.App, r)
	if err != nil || !hardware.IsSirenKind(dev.GetString("kind")) {
		return apperr.BadRequest("room.device_not_siren")
	}
	if r.GetInt("duration") == 0 {
		r.Set("duration", int(siren.DefaultDuration(r.GetString("signal"))/time.Second))
	}
	r.Set("confirmed", false)
	r.Set("stopped_by", "")
	r.Set("ends", "")
	switch {
	case r.GetString("requested_via") != "" && r.GetString("state") == stateRefused:
		// A Home Assistant command the appliance refused, recorded as such (haRefuse).
		r.Set("confirm_by", "")
	case dev.GetBool("outdoor") && r.GetString("confirmed_by") == "":
		by := time.Now().Add(s.ConfirmWindow)
		r.Set("state", statePending)
		r.Set("confirm_by", by)
		r.Set("reason", fmt.Sprintf("Außensirene: wartet bis %s auf Bestätigung durch eine zweite Bedienperson / outdoor siren: waiting for a second operator until %s", by.Local().Format("15:04:05"), by.UTC().Format("15:04:05 UTC")))
	default:
		r.Set("confirm_by", "")
		s.decideStart(e.App, r, dev)
	}
	return e.Next()
}

// decideStart sets state "on" with its end, or "refused" with the reason.
func (s *Sirens) decideStart(app core.App, r, dev *core.Record) {
	switch {
	case !s.online(dev.GetString("username")):
		r.Set("state", stateRefused)
		r.Set("reason", "Gerät ist offline: Einschalten abgelehnt / device is offline: switching on refused")
	case s.activeOther(app, dev.Id, r.Id) != nil:
		r.Set("state", stateRefused)
		r.Set("reason", "Auf diesem Gerät läuft bereits eine Auslösung; zuerst stoppen / this device is already sounding; stop it first")
	default:
		r.Set("state", stateOn)
		r.Set("ends", time.Now().Add(time.Duration(r.GetInt("duration"))*time.Second))
		r.Set("reason", "")
	}
}

func (s *Sirens) activeOther(app core.App, deviceId, except string) *core.Record {
	r, err := app.FindFirstRecordByFilter("siren_activations", "device = {:d} && state = 'on' && id != {:id}", dbx.Params{"d": deviceId, "id": except})
	if err != nil {
		return nil
	}
	return r
}

func (s *Sirens) afterCreate(id string) {
	r, err := s.app.FindRecordById("siren_activations", id)
	if err != nil {
		return
	}
	dev, _ := s.activationDevice(s.app, r)
	org := ""
	if dev != nil {
		org = dev.GetString("organisation")
	}
	requester, _ := s.app.FindRecordById("users", r.GetString("requested_by"))
	switch r.GetString("state") {
	case stateOn:
		s.fire(r, requester)
	case statePending:
		audit.Write(s.app, audit.Entry{Actor: requester, Action: "siren.awaiting_confirmation", Organisation: org, Target: r.Id, Data: s.auditData(r, dev)})
		s.arm(r.Id, time.Until(r.GetDateTime("confirm_by").Time()), func() {
			s.finish(r.Id, stateExpired, nil, fmt.Sprintf("Keine Bestätigung innerhalb von %d s / not confirmed within %d s", int(s.ConfirmWindow/time.Second), int(s.ConfirmWindow/time.Second)), "siren.confirmation_expired")
		})
	case stateRefused:
		audit.Write(s.app, audit.Entry{Actor: requester, Action: "siren.refused", Organisation: org, Target: r.Id, Data: s.auditData(r, dev)})
	}
}

func (s *Sirens) auditData(r, dev *core.Record) map[string]any {
	m := map[string]any{"activation": r.Id, "signal": r.GetString("signal"), "duration": r.GetInt("duration"), "state": r.GetString("state")}
	if reason := r.GetString("reason"); reason != "" {
		m["reason"] = reason
	}
	if dev != nil {
		m["device"] = dev.Id
		m["device_name"] = dev.GetString("name")
		m["zone"] = dev.GetString("zone")
	}
	return m
}

// fire sends ON to a record already in state "on" and arms the watchdog.
func (s *Sirens) fire(r *core.Record, actor *core.Record) {
	devRec, err := s.activationDevice(s.app, r)
	if err != nil {
		return
	}
	d := sirenDevice(devRec)
	ends := r.GetDateTime("ends").Time()
	cmd := siren.Command{On: true, Signal: r.GetString("signal"), Duration: time.Duration(r.GetInt("duration")) * time.Second, Activation: r.Id, Until: ends}
	s.arm(r.Id, time.Until(ends), func() {
		s.finish(r.Id, stateExpired, nil, "", "siren.expired")
	})
	l := s.deviceLock(d.Username)
	l.Lock()
	err = s.send(d, cmd, "activation")
	l.Unlock()
	if err != nil {
		s.finish(r.Id, stateFailed, nil, "Befehl nicht gesendet / command not sent: "+err.Error(), "siren.failed")
		return
	}
	audit.Write(s.app, audit.Entry{Actor: actor, Action: "siren.on", Organisation: devRec.GetString("organisation"), Target: r.Id, Data: s.auditData(r, devRec)})
	s.publishState(d)
}

func (s *Sirens) arm(id string, after time.Duration, fn func()) {
	if after < 0 {
		after = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.timers[id]; t != nil {
		t.Stop()
	}
	s.timers[id] = time.AfterFunc(after, func() { s.guard(fn) })
}

func (s *Sirens) disarm(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.timers[id]; t != nil {
		t.Stop()
		delete(s.timers, id)
	}
}

// finish ends an activation that is still pending or on: the record first, then OFF,
// so the device's OFF echo finds nothing running.
func (s *Sirens) finish(id, state string, actor *core.Record, reason, action string) {
	s.op.Lock()
	r, err := s.app.FindRecordById("siren_activations", id)
	if err != nil || (r.GetString("state") != stateOn && r.GetString("state") != statePending && r.GetString("state") != "starting") {
		s.op.Unlock()
		return
	}
	was := r.GetString("state")
	r.Set("state", state)
	if reason != "" {
		r.Set("reason", reason)
	}
	if actor != nil && actor.Collection().Name == "users" {
		r.Set("stopped_by", actor.Id)
	}
	if was == stateOn {
		r.Set("ends", types.NowDateTime())
	}
	err = s.app.Save(r)
	s.op.Unlock()
	s.disarm(id)
	if err != nil {
		s.log.Error("siren activation not saved", "activation", id, "error", err)
	}
	devRec, _ := s.activationDevice(s.app, r)
	org := ""
	if devRec != nil {
		org = devRec.GetString("organisation")
		if was != statePending {
			s.sendOff(sirenDevice(devRec), action)
		}
	}
	audit.Write(s.app, audit.Entry{Actor: actor, Action: action, Organisation: org, Target: id, Data: s.auditData(r, devRec)})
	if devRec != nil {
		s.publishState(sirenDevice(devRec))
	}
}

func (s *Sirens) active(username string) *core.Record {
	s.mu.Lock()
	_, ok := s.devices[username]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	dev, err := s.app.FindFirstRecordByData("devices", "username", username)
	if err != nil {
		return nil
	}
	r, err := s.app.FindFirstRecordByFilter("siren_activations", "device = {:d} && state = 'on'", dbx.Params{"d": dev.Id})
	if err != nil {
		return nil
	}
	return r
}

// echo: the device reports its relay. ON confirms the running activation; OFF before
// the end means the signal stopped early.
func (s *Sirens) echo(d siren.Device, on bool) {
	r := s.active(d.Username)
	if r == nil {
		return
	}
	if !on {
		// Before the ON echo an OFF echo is an answer to an earlier OFF.
		if r.GetBool("confirmed") && time.Until(r.GetDateTime("ends").Time()) > time.Second {
			s.finish(r.Id, stateFailed, nil, "Gerät meldet AUS vor dem Ende / device reported off before the end", "siren.failed")
		}
		return
	}
	s.op.Lock()
	r, err := s.app.FindRecordById("siren_activations", r.Id)
	if err != nil || r.GetString("state") != stateOn || r.GetBool("confirmed") {
		s.op.Unlock()
		return
	}
	r.Set("confirmed", true)
	err = s.app.Save(r)
	s.op.Unlock()
	if err != nil {
		s.log.Error("siren confirmation not saved", "activation", r.Id, "error", err)
		return
	}
	devRec, _ := s.activationDevice(s.app, r)
	audit.Write(s.app, audit.Entry{Action: "siren.device_confirmed", Organisation: s.orgOf(d.Username), Target: r.Id, Data: s.auditData(r, devRec)})
	s.publishState(d)
}

func (s *Sirens) orgOf(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.devOrg[username]
}

// publishZone sets the retained state of a zone from the activations running in it.
func (s *Sirens) publishZone(zone string) {
	if zone == "" {
		return
	}
	st := siren.ZoneState{State: "OFF"}
	r, err := s.app.FindFirstRecordByFilter("siren_activations", "device.zone = {:z} && state = 'on'", dbx.Params{"z": zone})
	if err == nil {
		st = siren.ZoneState{State: "ON", Until: r.GetDateTime("ends").Time().UTC().Format(time.RFC3339), Activation: r.Id, Signal: r.GetString("signal"), Confirmed: r.GetBool("confirmed")}
	}
	m := s.tr().ZoneStateMessage(zone, st)
	_ = s.b.Publish(m.Topic, m.Payload, true, m.QoS)
}

// onUpdateRequest allows two changes only: a second operator's confirmation of a
// pending outdoor siren, and a stop.
func (s *Sirens) onUpdateRequest(e *core.RecordRequestEvent) error {
	before := e.Record.Original()
	isUser := e.Auth != nil && e.Auth.Collection().Name == "users"
	if !e.HasSuperuserAuth() && (!isUser || !tenancy.IsHostOperator(e.App, e.Auth.Id)) {
		return apperr.Forbidden("room.crisis_staff_operators_only")
	}
	for _, f := range []string{"device", "signal", "duration", "requested_by", "ends", "confirm_by", "confirmed"} {
		if before.GetString(f) != e.Record.GetString(f) {
			return apperr.BadRequest("room.only_confirming_stopping_possible")
		}
	}
	confirming := e.Record.GetString("confirmed_by") != before.GetString("confirmed_by")
	stopping := e.Record.GetString("state") != before.GetString("state")
	switch {
	case confirming && !stopping:
		// A confirmation sounds the siren: the second operator must be allowed to use it
		// too. Stopping stays open to every operator: silencing is never refused.
		if dev, err := s.activationDevice(e.App, before); err == nil && isUser && !hardware.MayUseDevice(e.App, e.Auth.Id, dev) {
			return hardware.DeviceForbidden()
		}
		return s.confirmRequest(e, before)
	case stopping && !confirming && e.Record.GetString("state") == stateStopped:
		return s.stopRequest(e, before)
	}
	return apperr.BadRequest("room.only_confirming_confirmed_stopping")
}

func (s *Sirens) confirmRequest(e *core.RecordRequestEvent, before *core.Record) error {
	if e.Auth == nil || e.Auth.Collection().Name != "users" || e.Record.GetString("confirmed_by") != e.Auth.Id {
		return apperr.BadRequest("room.confirmed_must_signed_person")
	}
	if before.GetString("state") != statePending || before.GetString("confirmed_by") != "" {
		return apperr.BadRequest("room.activation_not_waiting_confirmation")
	}
	if before.GetString("requested_by") == e.Auth.Id {
		return apperr.Forbidden("room.second_confirmation_must_come")
	}
	if by := before.GetDateTime("confirm_by"); !by.IsZero() && time.Now().After(by.Time()) {
		return apperr.BadRequest("room.time_confirmation_run_out")
	}
	dev, err := s.activationDevice(e.App, e.Record)
	if err != nil {
		return apperr.BadRequest("room.device_not_found")
	}
	s.op.Lock()
	s.decideStart(e.App, e.Record, dev)
	err = e.Next()
	s.op.Unlock()
	if err != nil {
		return err
	}
	s.disarm(e.Record.Id)
	switch e.Record.GetString("state") {
	case stateOn:
		s.fire(e.Record, e.Auth)
		audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "siren.confirmed", Organisation: dev.GetString("organisation"), Target: e.Record.Id, Data: s.auditData(e.Record, dev)})
	case stateRefused:
		audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "siren.refused", Organisation: dev.GetString("organisation"), Target: e.Record.Id, Data: s.auditData(e.Record, dev)})
	}
	return nil
}

func (s *Sirens) stopRequest(e *core.RecordRequestEvent, before *core.Record) error {
	was := before.GetString("state")
	if was != stateOn && was != statePending && was != "starting" {
		return apperr.BadRequest("room.activation_no_longer_running")
	}
	if e.Auth != nil && e.Auth.Collection().Name == "users" {
		e.Record.Set("stopped_by", e.Auth.Id)
	}
	e.Record.Set("reason", "Gestoppt / stopped")
	if was == stateOn {
		e.Record.Set("ends", types.NowDateTime())
	}
	s.op.Lock()
	err := e.Next()
	s.op.Unlock()
	if err != nil {
		return err
	}
	s.disarm(e.Record.Id)
	dev, err := s.activationDevice(e.App, e.Record)
	if err != nil {
		return nil
	}
	if was != statePending {
		s.sendOff(sirenDevice(dev), "stopped")
	}
	audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "siren.stopped", Organisation: dev.GetString("organisation"), Target: e.Record.Id, Data: s.auditData(e.Record, dev)})
	s.publishState(sirenDevice(dev))
	return nil
}

// --- Blitz sets off the room alarm ---

// blitz starts the room alarm when the host asked for it: a flash message in a shared
// channel or one of the host's own channels sounds every indoor siren or relay of the
// host's room-alarm zone.
func (s *Sirens) blitz(m *core.Record) {
	if m.GetString("priority") != "flash" {
		return
	}
	host := tenancy.HostOrganisation(s.app)
	if host == nil || !host.GetBool("blitz_room_alarm") || host.GetString("room_alarm_zone") == "" {
		return
	}
	ch, err := s.app.FindRecordById("channels", m.GetString("channel"))
	if err != nil {
		return
	}
	if !(ch.GetString("kind") == "shared" || (ch.GetString("kind") == "org" && ch.GetString("organisation") == host.Id)) {
		return
	}
	// The room's hardware answers the staff of the organisations in the channel, not a
	// guest whose invitation lets it write there.
	if author := m.GetString("author"); author != "" && !staffOfChannel(s.app, author, ch) {
		return
	}
	devs, err := s.app.FindAllRecords("devices", dbx.HashExp{"organisation": host.Id, "zone": host.GetString("room_alarm_zone"), "outdoor": false}, dbx.In("kind", "siren", "relay"))
	if err != nil || len(devs) == 0 {
		return
	}
	coll, err := s.app.FindCachedCollectionByNameOrId("siren_activations")
	if err != nil {
		return
	}
	secs := host.GetInt("room_alarm_seconds")
	for _, d := range devs {
		if s.activeOther(s.app, d.Id, "") != nil {
			continue
		}
		a := core.NewRecord(coll)
		a.Set("device", d.Id)
		a.Set("signal", siren.RoomAlarm)
		a.Set("duration", secs)
		if m.GetString("author") != "" {
			a.Set("requested_by", m.GetString("author"))
		}
		if err := s.app.Save(a); err != nil {
			s.log.Error("room alarm not started", "device", d.Id, "error", err)
			continue
		}
		audit.Write(s.app, audit.Entry{Action: "siren.blitz_room_alarm", Organisation: host.Id, Target: a.Id,
			Data: map[string]any{"message": m.Id, "channel": ch.Id, "device": d.Id, "device_name": d.GetString("name"), "state": a.GetString("state")}})
	}
}

// sirenListenHook tells Sirens when a siren subscribes: the moment it can hear an OFF.
type sirenListenHook struct {
	mqtt.HookBase
	s *Sirens
}

func (h *sirenListenHook) ID() string { return "crisisroom-siren-listen" }

func (h *sirenListenHook) Provides(b byte) bool {
	return b == mqtt.OnSubscribed || b == mqtt.OnSessionEstablished || b == mqtt.OnDisconnect
}

// OnSessionEstablished notes the arrival on the connection's own goroutine, before
// the device can subscribe or anyone can ask whether it is there.
func (h *sirenListenHook) OnSessionEstablished(cl *mqtt.Client, _ packets.Packet) {
	if cl == nil || cl.Net.Inline {
		return
	}
	h.s.mu.Lock()
	d, ok := h.s.devices[string(cl.Properties.Username)]
	h.s.mu.Unlock()
	if ok {
		h.s.setAvailable(d, true)
	}
}

func (h *sirenListenHook) OnDisconnect(cl *mqtt.Client, _ error, _ bool) {
	if cl == nil || cl.Net.Inline {
		return
	}
	username := string(cl.Properties.Username)
	h.s.mu.Lock()
	d, ok := h.s.devices[username]
	h.s.mu.Unlock()
	if !ok {
		return
	}
	// Another open connection of the same device (a takeover by a newer one, or the
	// first of two) keeps it available.
	if h.s.b.OtherConn(username, cl) {
		return
	}
	h.s.setAvailable(d, false)
}

func (h *sirenListenHook) OnSubscribed(cl *mqtt.Client, pk packets.Packet, codes []byte) {
	if cl == nil || cl.Net.Inline {
		return
	}
	ok := false
	for _, c := range codes {
		ok = ok || c < 0x80
	}
	if ok {
		h.s.listening(string(cl.Properties.Username))
	}
}

// staffOfChannel reports whether user is live staff (a live membership that is not a
// guest's, tenancy.IsStaff) of the channel's owner or of one of its participants.
func staffOfChannel(app core.App, userId string, ch *core.Record) bool {
	orgs := append([]string{ch.GetString("organisation")}, ch.GetStringSlice("organisations")...)
	for _, o := range orgs {
		if o != "" && tenancy.IsStaff(app, userId, o) {
			return true
		}
	}
	return false
}
