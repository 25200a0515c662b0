package faxgateway

import (
	"log/slog"
	"strings"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"crisisroom/durability"
	"crisisroom/hardware"
)

// Faxes is the appliance's side of the fax gateway: received faxes become faxes records
// and messages in the device's channel, messages and texts go out as faxes, and fax
// modems configured with a serial port run in-process. The modem protocol itself lives
// in package fax and knows only MQTT topics.
//
//	crisisroom/fax/<device>/inbox        device → appliance: a received fax
//	crisisroom/fax/<device>/send         appliance → device: {"id","number","text"|"document"}
//	crisisroom/fax/<device>/send/result  device → appliance: retrying, sent or failed
//	crisisroom/fax/<device>/status       device → appliance, retained: the line's state
type Faxes struct {
	app core.App
	b   *hardware.Broker
	log *slog.Logger

	// MaxInbox is the largest inbox payload accepted, in bytes.
	MaxInbox int

	inboxMu sync.Mutex // one received fax written at a time: duplicates are seen
	sendMu  sync.Mutex // one dispatch decision at a time: a request is published once

	mu        sync.Mutex
	runs      map[string]*faxRun // device id → in-process driver
	listening map[string]bool    // usernames of connected devices subscribed to their send topic
	stopped   bool

	reconcileMu sync.Mutex
}

const faxesStoreKey = "crisisroom.faxes"

// RegisterFaxes binds the fax gateway to app and the broker; main and testkit call it
// once, with the broker hardware.Register returned.
func Register(app core.App, b *hardware.Broker) *Faxes {
	f := &Faxes{app: app, b: b, MaxInbox: hardware.DefaultMaxFaxInbox, runs: map[string]*faxRun{}, listening: map[string]bool{}}
	f.log = app.Logger().With("component", "faxes")
	app.Store().Set(faxesStoreKey, f)

	f.bindOutgoing(app)
	f.bindDrivers(app)
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		f.routes(e)
		return e.Next()
	})
	// Drivers stop before the broker closes, so their last words still go out.
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{Id: "crisisroom_faxes_stop", Priority: -10, Func: func(e *core.TerminateEvent) error {
		f.stopAll()
		return e.Next()
	}})
	b.OnStart(f.start)
	b.OnPresence(f.presence)
	return f
}

// FaxesOf returns the fax gateway registered on app, or nil.
func FaxesOf(app core.App) *Faxes {
	f, _ := app.Store().Get(faxesStoreKey).(*Faxes)
	return f
}

func (f *Faxes) start(b *hardware.Broker) {
	if err := b.Server.AddHook(&faxListenHook{f: f}, nil); err != nil {
		f.log.Error("fax listen hook", "error", err)
	}
	base := b.Prefix() + "fax/+/"
	subs := []struct {
		filter string
		fn     func(username, topic string, payload []byte)
	}{
		{base + "send/result", f.onResult},
		{base + "status", f.onStatus},
		{base + "class", f.onClass},
	}
	// A received fax is stored before the modem's bridge gets its PUBACK (an in-process
	// driver's publish returns once it is stored): an acknowledged fax is on disk, see
	// SubscribeBeforeAck. A fax the disk could not take is not acknowledged, so the bridge
	// sends it again; a refused payload is reported and dropped.
	b.SubscribeBeforeAck(base+"inbox", func(username, topic string, payload []byte) error {
		device, ok := f.faxDeviceOf(username, topic, "inbox")
		if !ok {
			return nil
		}
		if err := f.receive(device, payload); err != nil {
			f.log.Warn("received fax refused", "device", device, "error", err)
			f.b.ReportError(device, topic, err.Error())
			if durability.DiskProblem(err) != "" {
				return err
			}
		}
		return nil
	})
	for _, s := range subs {
		if err := b.SubscribeFrom(s.filter, s.fn); err != nil {
			f.log.Error("fax subscription failed", "filter", s.filter, "error", err)
		}
	}
	f.requeueInProcess()
	f.reconcileAll()
}

// faxDeviceOf reads <device> out of crisisroom/fax/<device>/<rest>. A device connected
// over MQTT may only publish in its own subtree (ACL); the inline client (in-process
// drivers) publishes as "" and is trusted.
func (f *Faxes) faxDeviceOf(username, topic, rest string) (string, bool) {
	base := f.b.Prefix() + "fax/"
	if !strings.HasPrefix(topic, base) || !strings.HasSuffix(topic, "/"+rest) {
		return "", false
	}
	device := strings.TrimSuffix(strings.TrimPrefix(topic, base), "/"+rest)
	if device == "" || strings.Contains(device, "/") {
		return "", false
	}
	if username != "" && username != device {
		return "", false
	}
	return device, true
}

// onStatus mirrors the retained line state into the device record for the UI, and marks
// the oldest handed-over fax as being sent when the line starts sending.
func (f *Faxes) onStatus(username, topic string, payload []byte) {
	device, ok := f.faxDeviceOf(username, topic, "status")
	if !ok {
		return
	}
	state := strings.TrimSpace(string(payload))
	switch state {
	case "idle", "ringing", "receiving", "sending", "error", "offline":
	default:
		return
	}
	go f.setState(device, state)
}

func (f *Faxes) setState(username, state string) {
	var devId string
	// Read and write in one transaction: the writes are serialised, so an operator's
	// edit of the same record in between is not overwritten with what was read before.
	err := f.app.RunInTransaction(func(tx core.App) error {
		dev, err := tx.FindFirstRecordByData("devices", "username", username)
		if err != nil {
			return nil
		}
		devId = dev.Id
		changed := dev.GetString("state") != state
		if changed {
			dev.Set("state", state)
		}
		// An in-process modem has no MQTT connection: its line state is its presence.
		if f.running(dev.Id) {
			online := state != "error" && state != "offline"
			if dev.GetBool("online") != online {
				dev.Set("online", online)
				changed = true
			}
		}
		if !changed {
			return nil
		}
		return tx.Save(dev)
	})
	if err != nil {
		f.log.Warn("fax device state not saved", "device", username, "error", err)
	}
	if state == "sending" && devId != "" {
		f.markSending(devId)
	}
}

// presence hands queued faxes to a device that has just connected.
func (f *Faxes) presence(d hardware.Device, online bool) {
	if d.Kind != "fax" && d.Kind != "bridge" {
		return
	}
	if online {
		return // queued faxes go out once it subscribes to its send topic
	}
	f.setListening(d.Username, false)
	if !f.running(d.Id) {
		f.setState(d.Username, "offline")
	}
}

// faxListenHook notes when a remote fax device subscribes to its send topic: a request
// published before that would reach nobody, so queued faxes wait for it.
type faxListenHook struct {
	mqtt.HookBase
	f *Faxes
}

func (h *faxListenHook) ID() string { return "crisisroom-fax-listen" }

func (h *faxListenHook) Provides(b byte) bool {
	return b == mqtt.OnSubscribed || b == mqtt.OnSessionEstablished || b == mqtt.OnDisconnect
}

// OnSessionEstablished covers a device that resumes a persistent session: the broker
// kept its subscriptions, so no SUBSCRIBE comes.
func (h *faxListenHook) OnSessionEstablished(cl *mqtt.Client, _ packets.Packet) {
	if cl == nil || cl.Net.Inline {
		return
	}
	var filters []packets.Subscription
	for _, s := range cl.State.Subscriptions.GetAll() {
		filters = append(filters, s)
	}
	h.OnSubscribed(cl, packets.Packet{Filters: filters}, nil)
}

func (h *faxListenHook) OnSubscribed(cl *mqtt.Client, pk packets.Packet, codes []byte) {
	if cl == nil || cl.Net.Inline {
		return
	}
	username := string(cl.Properties.Username)
	send := h.f.b.Prefix() + "fax/" + username + "/send"
	for i, s := range pk.Filters {
		if i < len(codes) && codes[i] >= 0x80 {
			continue // refused by the ACL
		}
		if hardware.FilterCovers(s.Filter, send) {
			h.f.setListening(username, true)
			d, ok := h.f.b.Devices.Get(username)
			if ok {
				go h.f.dispatchPending(d.Id)
			}
			return
		}
	}
}

func (h *faxListenHook) OnDisconnect(cl *mqtt.Client, _ error, _ bool) {
	if cl == nil || cl.Net.Inline {
		return
	}
	username := string(cl.Properties.Username)
	if h.f.b.Online(username) {
		return // a newer connection of the same device took over and listens
	}
	h.f.setListening(username, false)
}

func (f *Faxes) setListening(username string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if on {
		f.listening[username] = true
	} else {
		delete(f.listening, username)
	}
}

func (f *Faxes) isListening(username string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.listening[username]
}
