// Package hardware embeds the MQTT broker through which the room's devices talk to the
// appliance: device authentication against the devices collection, the topic ACL, device
// presence, and the bridge between channel topics and message records. Device drivers
// live in subpackages and know only MQTT topics, never PocketBase.
package hardware

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/connbound"
)

// Version is reported in crisisroom/appliance/status.
var Version = "dev"

// Config of the embedded broker.
type Config struct {
	// Addr is the MQTT TCP listen address ("off" or "" disables the broker).
	Addr string
	// WSAddr is an optional MQTT-over-WebSocket listen address.
	WSAddr string
	// Prefix of the appliance's own topics, with the trailing slash ("crisisroom/").
	Prefix string
}

// Broker is the running MQTT broker plus the appliance's inline client.
type Broker struct {
	app    core.App
	cfg    Config
	Server *mqtt.Server
	log    *slog.Logger

	Mu       sync.Mutex
	SubID    int
	addr     net.Addr
	Devices  *deviceCache
	onStart  []func(*Broker)
	presence []PresenceFunc
	// presenceWG counts presence writes in flight; Stop waits for them.
	presenceWG sync.WaitGroup
	// presenceSeq numbers each device's presence changes (guarded by Mu); presenceWrite
	// lets one write run at a time, and a write whose change is no longer the device's
	// latest is skipped, so a connection's "offline" written late never overwrites the
	// "online" of the connection that followed it.
	presenceSeq   map[string]uint64
	presenceWrite sync.Mutex
	// postsDone ends the worker that stores device posts.
	postsDone chan struct{}
	// acked are the handlers that run before a publisher's PUBACK (SubscribeBeforeAck).
	acked []ackedHandler
	// names are the authors' names the channel topics carry (publishMessage).
	names *nameCache
	// suspended holds the organisations suspended since start (see orgSuspended).
	suspended map[string]bool
	// haRefused hears of Home Assistant commands the ACL refused (Sirens records them).
	haRefused func(d Device, topic string, payload []byte)
	// conns holds each device's open connections: it is online while any is.
	conns map[string]map[*mqtt.Client]struct{}
}

func (b *Broker) SetHARefused(fn func(d Device, topic string, payload []byte)) {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	b.haRefused = fn
}

// Register creates the broker, starts it when the app serves and stops it when the app
// terminates. The config is read at start, after the command line has been parsed; an
// address of "off" or "" leaves the broker stopped.
func Register(app core.App, cfgp *Config) *Broker {
	b := &Broker{app: app, Devices: newDeviceCache(), names: newNameCache(app)}
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		cfg := *cfgp
		if cfg.Addr == "" || cfg.Addr == "off" {
			return e.Next()
		}
		if cfg.Prefix == "" {
			cfg.Prefix = "crisisroom/"
		}
		if !strings.HasSuffix(cfg.Prefix, "/") {
			cfg.Prefix += "/"
		}
		b.cfg = cfg
		if err := b.start(); err != nil {
			return fmt.Errorf("failed to start the MQTT broker on %s: %w", cfg.Addr, err)
		}
		return e.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		b.Stop()
		return e.Next()
	})
	b.registerRecordHooks()
	b.registerGrantHooks()
	return b
}

// OnStart runs fn once the broker is listening (drivers subscribe there).
func (b *Broker) OnStart(fn func(*Broker)) {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	b.onStart = append(b.onStart, fn)
}

// Prefix is the topic prefix with its trailing slash.
func (b *Broker) Prefix() string { return b.cfg.Prefix }

// Addr is the bound TCP address (useful with port 0 in tests).
func (b *Broker) Addr() net.Addr {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	return b.addr
}

func (b *Broker) start() error {
	b.log = b.app.Logger().With("component", "mqtt")
	caps := mqtt.NewDefaultServerCapabilities()
	// mochi purges every retained message after this many seconds unless it is 0, and the
	// retained device and appliance states must outlive a quiet weekend.
	caps.MaximumMessageExpiryInterval = 0
	// No packet may make the broker allocate more than a received fax needs (the
	// CONNECT itself is held to far less, see connectLimit).
	caps.MaximumPacketSize = MaxPacketSize
	server := mqtt.New(&mqtt.Options{
		InlineClient: true,
		Capabilities: caps,
		Logger:       slog.New(slog.NewTextHandler(discard{}, nil)),
	})
	if err := server.AddHook(&authHook{b: b, server: server}, nil); err != nil {
		return err
	}
	if err := server.AddHook(&ackHook{b: b}, nil); err != nil {
		return err
	}

	per, err := connbound.PerAddressFromEnv()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", b.cfg.Addr)
	if err != nil {
		return err
	}
	// One address cannot hold the broker's (the whole appliance's) open files with
	// sockets that never authenticate; connectLimit ends each such socket after 10 s.
	ln = connbound.Wrap(ln, per, b.log)
	if err := server.AddListener(connectLimit{listeners.NewNet("tcp", ln)}); err != nil {
		ln.Close()
		return err
	}
	if b.cfg.WSAddr != "" && b.cfg.WSAddr != "off" {
		if err := server.AddListener(connectLimit{listeners.NewWebsocket(listeners.Config{ID: "ws", Address: b.cfg.WSAddr})}); err != nil {
			return err
		}
	}
	if err := server.Serve(); err != nil {
		return err
	}

	b.Mu.Lock()
	b.Server = server
	b.addr = ln.Addr()
	starters := append([]func(*Broker){}, b.onStart...)
	b.Mu.Unlock()

	b.resetPresence()
	status, _ := json.Marshal(map[string]any{"state": "online", "version": Version, "since": time.Now().UTC().Format(time.RFC3339)})
	b.Publish(b.cfg.Prefix+"appliance/status", status, true, 1)
	b.subscribeChannelsIn()
	for _, fn := range starters {
		fn(b)
	}
	b.log.Info("MQTT broker listening", "addr", ln.Addr().String())
	return nil
}

// Stop announces the appliance offline, lets the last messages go out, and closes.
func (b *Broker) Stop() {
	b.Mu.Lock()
	server := b.Server
	b.Server = nil
	b.Mu.Unlock()
	if server == nil {
		return
	}
	status, _ := json.Marshal(map[string]any{"state": "offline", "version": Version})
	_ = server.Publish(b.cfg.Prefix+"appliance/status", status, true, 1)
	// Give the clients' write loops a moment to flush what was just queued.
	time.Sleep(100 * time.Millisecond)
	// mochi's Close can wait forever when a client reconnects just as the listener
	// closes; a stuck broker must not keep the whole appliance (and systemd) waiting.
	if !within(5*time.Second, func() {
		if err := server.Close(); err != nil {
			b.log.Warn("MQTT broker close", "error", err)
		}
	}) {
		b.log.Warn("MQTT broker did not close within 5 s; stopping anyway")
	}
	if b.postsDone != nil {
		close(b.postsDone)
	}
	b.Mu.Lock()
	b.acked = nil // the next start subscribes again
	b.Mu.Unlock()
	if !within(5*time.Second, b.presenceWG.Wait) {
		b.log.Warn("device presence writes still pending at stop")
	}
}

// within runs fn and reports whether it returned before d passed.
func within(d time.Duration, fn func()) bool {
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

var ErrBrokerDown = errors.New("the MQTT broker is not running")

// Publish sends a message as the appliance. Inline publishes skip the ACL.
func (b *Broker) Publish(topic string, payload []byte, retain bool, qos byte) error {
	b.Mu.Lock()
	server := b.Server
	b.Mu.Unlock()
	if server == nil {
		return ErrBrokerDown
	}
	return server.Publish(topic, payload, retain, qos)
}

// Subscribe registers an inline handler. The handler runs on the publisher's goroutine:
// keep it short and hand slow work elsewhere.
func (b *Broker) Subscribe(filter string, handler func(topic string, payload []byte)) error {
	return b.SubscribeFrom(filter, func(_ string, topic string, payload []byte) { handler(topic, payload) })
}

// SubscribeFrom is Subscribe with the publishing client's username ("" for the appliance).
func (b *Broker) SubscribeFrom(filter string, handler func(username, topic string, payload []byte)) error {
	b.Mu.Lock()
	server := b.Server
	b.SubID++
	id := b.SubID
	b.Mu.Unlock()
	if server == nil {
		return ErrBrokerDown
	}
	return server.Subscribe(filter, id, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		// mochi hands inline handlers its own inline client, never the publisher: the
		// publisher is found by the packet's origin (its client id, unique per device).
		user := ""
		if cl, ok := server.Clients.Get(pk.Origin); ok && !cl.Net.Inline {
			user = string(cl.Properties.Username)
		}
		handler(user, pk.TopicName, pk.Payload)
	})
}

// Disconnect drops every connection of a device (deleted, password changed, suspended).
func (b *Broker) Disconnect(username string) {
	b.disconnect(username, errors.New("device credentials changed"))
}

func (b *Broker) disconnect(username string, why error) {
	b.Mu.Lock()
	server := b.Server
	b.Mu.Unlock()
	if server == nil {
		return
	}
	for _, cl := range server.Clients.GetAll() {
		if string(cl.Properties.Username) == username && !cl.Net.Inline {
			cl.Stop(why)
			// The saved session goes too, also one whose connection had already ended
			// (clean start false): its subscriptions and queued messages were granted
			// under what no longer holds (another organisation, a revoked channel, an
			// old password), and a reconnect must start from the grants of now.
			cl.ClearInflights()
			server.UnsubscribeClient(cl)
			server.Clients.Delete(cl.ID)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func (b *Broker) Running() bool {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	return b.Server != nil
}
