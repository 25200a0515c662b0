package hardware_test

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/hardware/siren"
	"crisisroom/testkit"
)

// Room devices as they ship: relays on multi-relay modules, Home Assistant as a real
// client, and presence across several connections of one device.

func (r *roomRig) relaySim(d *core.Record, cfg siren.SimConfig) *siren.Simulator {
	r.t.Helper()
	cfg.Broker, cfg.Username, cfg.Password = r.MQTTAddr, d.GetString("username"), devicePassword
	cfg.Driver, cfg.Topic, cfg.Zone = d.GetString("driver"), d.GetString("topic"), d.GetString("zone")
	s, err := siren.StartSimulator(cfg)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(s.Stop)
	return s
}

func (r *roomRig) setDevice(d *core.Record, fields map[string]any) {
	r.t.Helper()
	cur, err := r.App.FindRecordById("devices", d.Id)
	if err != nil {
		r.t.Fatal(err)
	}
	for k, v := range fields {
		cur.Set(k, v)
	}
	if err := r.App.Save(cur); err != nil {
		r.t.Fatal(err)
	}
}

// A siren on any relay of a Tasmota or Shelly module: the activation is confirmed by the
// echo in that firmware's own form, and a switch-off at the device before the end is
// seen (the activation fails). Before the relay index, POWER1/RESULT {"POWER1":…} and
// Shelly's relay/1, switch:1 were never read.
func TestSirensOnEveryRelay(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	for i, c := range []struct {
		name   string
		driver string
		relay  int
		sim    siren.SimConfig
		onCmd  string // suffix of the ON command's topic
	}{
		{"tasmota single relay", "tasmota", 1, siren.SimConfig{Relays: 1}, "/POWER"},
		{"tasmota single relay SetOption26", "tasmota", 1, siren.SimConfig{Relays: 1, SetOption26: true}, "/POWER"},
		{"tasmota 4 relays, relay 1", "tasmota", 1, siren.SimConfig{Relays: 4}, "/POWER"},
		{"tasmota 4 relays, relay 3", "tasmota", 3, siren.SimConfig{Relays: 4, Relay: 3}, "/POWER3"},
		{"tasmota 2 relays SetOption26, relay 2", "tasmota", 2, siren.SimConfig{Relays: 2, Relay: 2, SetOption26: true}, "/POWER2"},
		{"shelly gen1 relay/1", "shelly1", 2, siren.SimConfig{Relay: 2}, "/relay/1/command"},
		{"shelly gen2 switch:1", "shelly2", 2, siren.SimConfig{Relay: 2}, "/rpc"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &roomRig{r.Server, t}
			name := fmt.Sprintf("relais-%d", i)
			d := r.device(name, "siren", c.driver, "module_"+name, "zone-"+name, "KS", false)
			r.setDevice(d, map[string]any{"relay": c.relay})
			dev := r.relaySim(d, c.sim)
			if !pollUntil(10*time.Second, func() bool {
				cur, _ := r.App.FindRecordById("devices", d.Id)
				return cur != nil && cur.GetBool("online")
			}) {
				t.Fatal("never online")
			}
			code, a := r.sound("jwagner", d, siren.Test, 60)
			if code != 200 || a["state"] != "on" {
				t.Fatalf("sound: %d %v", code, a)
			}
			on, ok := dev.WaitFor(c.onCmd, "", 5*time.Second)
			if !ok || on.Retained {
				t.Fatalf("ON %+v", on)
			}
			id := a["id"].(string)
			r.await(id, "confirmed by the echo", func(a *core.Record) bool { return a.GetBool("confirmed") })
			if !dev.On() {
				t.Fatal("the siren's relay is off")
			}
			// Someone switches it off at the device: the appliance must notice.
			dev.Switch(false)
			r.await(id, "failed after the switch-off at the device", state("failed"))
		})
	}
}

func pollUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// haClient behaves like Home Assistant's MQTT integration: a will and a birth message on
// homeassistant/status, a subscription to the discovery prefix, then to the topics the
// discovered configs name.
type haClient struct {
	c    paho.Client
	mu   sync.Mutex
	msgs []paho.Message
	lost chan struct{}
}

func dialHA(t *testing.T, r *roomRig, username, password, clientID string) (*haClient, error) {
	h := &haClient{lost: make(chan struct{})}
	var once sync.Once
	opts := paho.NewClientOptions().AddBroker("tcp://"+r.MQTTAddr).SetClientID(clientID).
		SetUsername(username).SetPassword(password).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(5*time.Second).SetOrderMatters(true).SetCleanSession(true).SetProtocolVersion(4).
		SetWill("homeassistant/status", "offline", 1, false).
		SetConnectionLostHandler(func(paho.Client, error) { once.Do(func() { close(h.lost) }) }).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) { h.add(m) })
	h.c = paho.NewClient(opts)
	tok := h.c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, fmt.Errorf("connect timed out")
	}
	if tok.Error() != nil {
		return nil, tok.Error()
	}
	t.Cleanup(func() { h.c.Disconnect(0) })
	return h, nil
}

func (h *haClient) add(m paho.Message) {
	h.mu.Lock()
	h.msgs = append(h.msgs, m)
	h.mu.Unlock()
}

func (h *haClient) sub(t *testing.T, filter string) byte {
	t.Helper()
	// QoS 0, as Home Assistant subscribes by default. (With QoS 1, mochi answers a
	// SUBSCRIBE whose packet id equals that of a retained QoS 1 delivery still awaiting
	// its PUBACK with 0x91, "packet identifier in use".)
	tok := h.c.Subscribe(filter, 0, func(_ paho.Client, m paho.Message) { h.add(m) })
	if !tok.WaitTimeout(5 * time.Second) {
		t.Fatalf("no SUBACK for %s", filter)
	}
	for _, code := range tok.(*paho.SubscribeToken).Result() {
		return code
	}
	return 0x80
}

func (h *haClient) publish(t *testing.T, topic string, qos byte, payload string) {
	t.Helper()
	tok := h.c.Publish(topic, qos, false, payload)
	tok.WaitTimeout(5 * time.Second)
}

// await waits for a message on topic whose payload contains want.
func (h *haClient) await(t *testing.T, topic, want string) string {
	t.Helper()
	var got string
	if !pollUntil(10*time.Second, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, m := range h.msgs {
			if m.Topic() == topic && strings.Contains(string(m.Payload()), want) {
				got = string(m.Payload())
				return true
			}
		}
		return false
	}) {
		t.Fatalf("Home Assistant never got %q on %s", want, topic)
	}
	return got
}

func (h *haClient) saw(match func(topic, payload string) bool) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, m := range h.msgs {
		if match(m.Topic(), string(m.Payload())) {
			out = append(out, m.Topic())
		}
	}
	return out
}

// A Home Assistant server connected with the credential the appliance issues: it may
// announce itself, read its organisation's discovery configs (a siren where remote
// activation is on, a binary_sensor where it is off), nothing of another organisation's;
// its command on a remote siren becomes an activation under the usual rules, its
// command on a read-only siren is refused and recorded.
func TestHomeAssistantServer(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	ha := r.device("ha-ks", "homeassistant", "", "", "", "KS", false)
	readOnly := r.device("ks-hof", "siren", "tasmota", "ks_hof", "ks-hof", "KS", false)
	remote := r.device("ks-halle", "siren", "shelly1", "ks_halle", "ks-halle", "KS", false)
	r.setDevice(remote, map[string]any{"ha_remote": true})
	outdoor := r.device("ks-dach", "siren", "tasmota", "ks_dach", "ks-dach", "KS", true)
	r.setDevice(outdoor, map[string]any{"ha_remote": true})
	pol := r.device("pol-wache", "siren", "tasmota", "pol_wache", "pol-wache", "POL", false)
	r.setDevice(pol, map[string]any{"ha_remote": true})
	// Nobody signs an activation in Home Assistant's name over REST.
	if code, a := r.api("POST", "/api/collections/siren_activations/records", "jwagner", map[string]any{
		"device": remote.Id, "signal": siren.Test, "duration": 5, "requested_by": r.Demo.Users["jwagner"].Id, "requested_via": "ha-ks"}); code != 400 {
		t.Fatalf("activation with requested_via over REST: %d %v", code, a)
	}
	simRO, simRemote, simOutdoor := r.sim(readOnly), r.sim(remote), r.sim(outdoor)
	r.sim(pol)
	_ = ha

	h, err := dialHA(t, r, "ha-ks", devicePassword, "homeassistant-7f3a")
	if err != nil {
		t.Fatal(err)
	}
	// Home Assistant subscribes to its discovery prefix (older releases: homeassistant/#).
	for _, f := range []string{"homeassistant/#", "homeassistant/+/+/+/config", "homeassistant/status"} {
		if code := h.sub(t, f); code >= 0x80 {
			t.Fatalf("subscription to %s refused (%#x)", f, code)
		}
	}
	h.publish(t, "homeassistant/status", 1, "online") // birth: the appliance re-publishes
	cfgRO := h.await(t, "homeassistant/binary_sensor/crisisroom_ks-hof/ks-hof/config", `"state_topic":"crisisroom/ha/ks-hof/state"`)
	if strings.Contains(cfgRO, "command_topic") || strings.Contains(cfgRO, `"object_id"`) || !strings.Contains(cfgRO, `"default_entity_id":"binary_sensor.crisisroom_ks-hof"`) {
		t.Fatalf("read-only config %s", cfgRO)
	}
	h.await(t, "homeassistant/siren/crisisroom_ks-halle/ks-halle/config", `"command_topic":"crisisroom/ha/ks-halle/set"`)
	for _, f := range []string{"crisisroom/ha/ks-hof/state", "crisisroom/ha/ks-halle/state", "crisisroom/device/ks-halle/status", "crisisroom/ha/ks-dach/state"} {
		if code := h.sub(t, f); code >= 0x80 {
			t.Fatalf("subscription to %s refused (%#x)", f, code)
		}
	}
	h.await(t, "crisisroom/ha/ks-halle/state", `"state":"OFF"`)
	h.await(t, "crisisroom/device/ks-halle/status", "online")
	// The last subscription's retained state came after every earlier delivery: nothing
	// of POL's siren reached Home Assistant.
	if got := h.saw(func(topic, _ string) bool {
		return strings.Contains(topic, "pol-wache") || strings.Contains(topic, "pol_wache")
	}); len(got) > 0 {
		t.Fatalf("Home Assistant of KS saw POL's %v", got)
	}

	// A command on the read-only siren: refused by the broker, recorded, never sent.
	h.publish(t, "crisisroom/ha/ks-hof/set", 0, `{"state":"ON","tone":"warning"}`)
	var refused *core.Record
	if !pollUntil(10*time.Second, func() bool {
		refused, _ = r.App.FindFirstRecordByFilter("siren_activations", "device = {:d}", dbx.Params{"d": readOnly.Id})
		return refused != nil
	}) {
		t.Fatal("the refused command was not recorded")
	}
	if refused.GetString("state") != "refused" || refused.GetString("requested_via") != "ha-ks" {
		t.Fatalf("refused command recorded as %s via %q", refused.GetString("state"), refused.GetString("requested_via"))
	}
	// The audit row is written right after the activation, by the broker's goroutine.
	var n int64
	if !pollUntil(10*time.Second, func() bool {
		n, _ = r.App.CountRecords("audit", dbx.HashExp{"action": "siren.remote_refused", "target": refused.Id})
		return n == 1
	}) {
		t.Fatalf("%d audit records of the refusal", n)
	}
	for _, m := range simRO.History() {
		if strings.EqualFold(m.Payload, "ON") {
			t.Fatalf("the read-only siren got %s %s", m.Topic, m.Payload)
		}
	}

	// A command on the remote siren: an activation like an operator's.
	h.publish(t, "crisisroom/ha/ks-halle/set", 1, `{"state":"ON","tone":"test","duration":30}`)
	if _, ok := simRemote.WaitFor("/relay/0/command", "on", 10*time.Second); !ok {
		t.Fatal("the remote siren was not switched on")
	}
	act, err := r.App.FindFirstRecordByFilter("siren_activations", "device = {:d} && state = 'on'", dbx.Params{"d": remote.Id})
	if err != nil || act.GetString("requested_via") != "ha-ks" || act.GetString("signal") != siren.Test {
		t.Fatalf("activation %v %v", act, err)
	}
	r.await(act.Id, "confirmed", func(a *core.Record) bool { return a.GetBool("confirmed") })
	h.await(t, "crisisroom/ha/ks-halle/state", `"state":"ON"`)
	h.publish(t, "crisisroom/ha/ks-halle/set", 1, `{"state":"OFF"}`)
	r.await(act.Id, "stopped from Home Assistant", state("stopped"))
	if _, ok := simRemote.WaitFor("/relay/0/command", "off", 10*time.Second); !ok {
		t.Fatal("no OFF after Home Assistant's stop")
	}

	// An outdoor siren waits for a host operator, as it does for an operator's request.
	h.publish(t, "crisisroom/ha/ks-dach/set", 1, `{"state":"ON","tone":"warning","duration":20}`)
	var pending *core.Record
	if !pollUntil(10*time.Second, func() bool {
		pending, _ = r.App.FindFirstRecordByFilter("siren_activations", "device = {:d}", dbx.Params{"d": outdoor.Id})
		return pending != nil
	}) {
		t.Fatal("no activation for the outdoor siren")
	}
	if pending.GetString("state") != "pending" {
		t.Fatalf("outdoor siren from Home Assistant: %s", pending.GetString("state"))
	}
	for _, m := range simOutdoor.History() {
		if strings.EqualFold(m.Payload, "ON") {
			t.Fatal("the outdoor siren sounded without a second person")
		}
	}
	if code, a := r.api("PATCH", "/api/collections/siren_activations/records/"+pending.Id, "mschulz", map[string]any{"confirmed_by": r.Demo.Users["mschulz"].Id}); code != 200 || a["state"] != "on" {
		t.Fatalf("confirm: %d %v", code, a)
	}
	if _, ok := simOutdoor.WaitFor("/POWER", "ON", 10*time.Second); !ok {
		t.Fatal("the confirmed outdoor siren did not sound")
	}

	// Switching remote activation off narrows the server's grants at once.
	r.setDevice(remote, map[string]any{"ha_remote": false})
	select {
	case <-h.lost:
	case <-time.After(10 * time.Second):
		t.Fatal("the narrowed Home Assistant server kept its connection")
	}
}

// A device is online while any of its connections is: a second, short connection with
// the same credentials and another client id leaving does not take it offline.
func TestPresenceFollowsEveryConnection(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	d := r.device("tafel-flur", "board", "kiosk", "", "", "KS", false)
	status := newTap(t, r.Broker, "crisisroom/device/tafel-flur/status")
	ar := attackRig{t, r.Server}
	rec, _ := r.App.FindRecordById("devices", d.Id)
	rec.SetPassword(attackPassword)
	if err := r.App.Save(rec); err != nil {
		t.Fatal(err)
	}
	var connA net.Conn
	ar.mustDial("tafel-flur", dialOpts{clientID: "tafel-a", conn: &connA})
	status.await(t, "online", func(m tapped) bool { return m.payload == "online" })
	// The second connection carries the device's own retained will "offline" and drops
	// without DISCONNECT: the device is still connected by the first, so no will.
	var connB net.Conn
	ar.mustDial("tafel-flur", dialOpts{clientID: "tafel-b", conn: &connB,
		willTopic: "crisisroom/device/tafel-flur/status", willBody: "offline", willRetain: true})
	connB.Close()
	if !pollUntil(10*time.Second, func() bool { return hardware.Connections(r.Broker, "tafel-flur") == 1 }) {
		t.Fatalf("%d connections after the second left", hardware.Connections(r.Broker, "tafel-flur"))
	}
	if status.seen(func(m tapped) bool { return m.payload == "offline" }) {
		t.Fatal("the device was announced offline while its first connection is open")
	}
	if !pollUntil(10*time.Second, func() bool {
		cur, _ := r.App.FindRecordById("devices", d.Id)
		return cur != nil && cur.GetBool("online")
	}) {
		t.Fatal("the device record says offline")
	}
	connA.Close() // power cut of the first: now it is offline
	status.await(t, "offline", func(m tapped) bool { return m.payload == "offline" })
	if !pollUntil(10*time.Second, func() bool {
		cur, _ := r.App.FindRecordById("devices", d.Id)
		return cur != nil && !cur.GetBool("online")
	}) {
		t.Fatal("the record never said offline")
	}
}
