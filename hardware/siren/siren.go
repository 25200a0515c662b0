// Package siren translates siren and relay commands into the MQTT conventions of the
// devices in the room: Tasmota, Shelly Gen1 and Gen2, Home Assistant MQTT sirens and the
// appliance's own native topics. It knows topics and payloads only, never PocketBase:
// the appliance (package hardware) decides when a siren may sound, this package says
// how to tell a device and how to read what the device reports.
//
// Safety rules every translation follows (DESIGN §5): commands are never retained (a
// retained ON would fire again on every reconnect) and are sent with QoS 1; wherever the
// device can switch itself off, ON carries a device-side auto-off a little after the
// appliance's own watchdog.
package siren

import (
	"crisisroom/hardware/mqttbus"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Bus is the part of an MQTT connection a driver needs. hardware.Broker (inline client)
// and mqttbus.Paho (remote) satisfy it.
type Bus = mqttbus.Bus

// Signals of German civil protection sirens, plus the staff room's own alarm.
const (
	Warning   = "warning"    // Warnung: one minute rising and falling tone
	AllClear  = "all_clear"  // Entwarnung: one minute continuous tone
	Test      = "test"       // Probealarm
	RoomAlarm = "room_alarm" // Raumalarm: the light and buzzer in the staff room
)

// Signals lists the signals an activation may ask for.
var Signals = []string{Warning, AllClear, Test, RoomAlarm}

// DefaultDuration is how long a signal sounds when the request names no duration.
func DefaultDuration(signal string) time.Duration {
	switch signal {
	case Test:
		return 12 * time.Second
	case RoomAlarm:
		return 30 * time.Second
	}
	return time.Minute
}

// MaxDuration bounds any activation: a siren that sounds longer is a fault, not a warning.
const MaxDuration = 10 * time.Minute

// AutoOffMargin is how much later than the appliance's watchdog the device's own
// auto-off fires: the watchdog normally ends the signal, the device ends it when the
// appliance cannot.
const AutoOffMargin = 3 * time.Second

// Drivers that switch sirens and relays.
var Drivers = []string{"tasmota", "shelly1", "shelly2", "homeassistant", "native"}

// HasAutoOff reports whether a driver's ON command carries a device-side auto-off.
// Shelly Gen1 has none per command (only a fixed one in the device's own settings):
// for it the appliance's watchdog is the only timer this package can set.
func HasAutoOff(driver string) bool { return driver != "shelly1" }

// Device is a siren or relay as the translation needs it.
type Device struct {
	Username string // MQTT user name of the device
	Driver   string // one of Drivers
	Topic    string // the device's own topic (Tasmota topic, Shelly id or prefix, HA base)
	Zone     string // zone the siren belongs to (native topics)
	Name     string
	// Relay is the relay the siren is wired to, counted from 1 as Tasmota does (POWER1);
	// 0 means 1. Shelly counts its channels from 0: relay 2 is Shelly's relay/1 and
	// switch:1.
	Relay int
}

// RelayIndex is d's relay, 1-based (Tasmota's POWER<n>).
func (d Device) RelayIndex() int {
	if d.Relay < 1 {
		return 1
	}
	return d.Relay
}

// shellyIndex is d's channel as Shelly numbers it (0-based).
func (d Device) shellyIndex() int { return d.RelayIndex() - 1 }

// tasmotaSuffix is the index Tasmota commands carry: none for the first relay (Tasmota
// reads POWER and PulseTime as POWER1 and PulseTime1, on single- and multi-relay modules
// alike), "<n>" for any other.
func (d Device) tasmotaSuffix() string {
	if d.RelayIndex() == 1 {
		return ""
	}
	return fmt.Sprint(d.RelayIndex())
}

// Command switches one device.
type Command struct {
	On         bool
	Signal     string
	Duration   time.Duration
	Activation string    // id of the activation, for the device's log
	Until      time.Time // when the appliance's watchdog will switch off
}

// Message is one MQTT publish.
type Message struct {
	Topic   string
	Payload []byte
	Retain  bool
	QoS     byte
}

// Report is what a device said about itself; nil fields were not part of the message.
type Report struct {
	Online *bool
	On     *bool
}

// Translator holds the appliance's topic prefix ("crisisroom/").
type Translator struct {
	Prefix string
}

func cmd(topic string, payload []byte) Message {
	return Message{Topic: topic, Payload: payload, Retain: false, QoS: 1}
}

// PulseTime encodes a Tasmota PulseTime: 1–111 are tenths of a second, 112–64900 are
// seconds plus 100.
func PulseTime(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	if d < 11200*time.Millisecond {
		t := int((d + 99*time.Millisecond) / (100 * time.Millisecond))
		if t < 1 {
			t = 1
		}
		if t > 111 {
			t = 111
		}
		return t
	}
	s := int((d+time.Second-1)/time.Second) + 100
	if s > 64900 {
		s = 64900
	}
	return s
}

func autoOff(c Command) time.Duration { return c.Duration + AutoOffMargin }

// NativeSet is the payload on crisisroom/siren/<zone>/set.
type NativeSet struct {
	State      string `json:"state"` // ON or OFF
	Signal     string `json:"signal,omitempty"`
	Duration   int    `json:"duration,omitempty"` // seconds; the device switches off by itself after it
	Activation string `json:"activation,omitempty"`
	Until      string `json:"until,omitempty"`
}

// Commands returns what to publish, in order, to switch d.
func (t Translator) Commands(d Device, c Command) ([]Message, error) {
	secs := int((autoOff(c) + time.Second - 1) / time.Second)
	switch d.Driver {
	case "tasmota":
		n := d.tasmotaSuffix()
		if !c.On {
			return []Message{cmd("cmnd/"+d.Topic+"/POWER"+n, []byte("OFF"))}, nil
		}
		// PulseTime first: the relay must already know when to stop when it starts.
		return []Message{
			cmd("cmnd/"+d.Topic+"/PulseTime"+n, []byte(fmt.Sprint(PulseTime(autoOff(c))))),
			cmd("cmnd/"+d.Topic+"/POWER"+n, []byte("ON")),
		}, nil
	case "shelly1":
		v := "off"
		if c.On {
			v = "on"
		}
		return []Message{cmd(fmt.Sprintf("shellies/%s/relay/%d/command", d.Topic, d.shellyIndex()), []byte(v))}, nil
	case "shelly2":
		params := map[string]any{"id": d.shellyIndex(), "on": c.On}
		if c.On {
			params["toggle_after"] = secs
		}
		body, _ := json.Marshal(map[string]any{"id": time.Now().UnixMilli() % 1e9, "src": ShellyReplySource(d), "method": "Switch.Set", "params": params})
		return []Message{cmd(d.Topic+"/rpc", body)}, nil
	case "homeassistant":
		p := map[string]any{"state": "OFF"}
		if c.On {
			p = map[string]any{"state": "ON", "tone": c.Signal, "duration": secs}
		}
		body, _ := json.Marshal(p)
		return []Message{cmd(d.Topic+"/set", body)}, nil
	case "native":
		if d.Zone == "" {
			return nil, fmt.Errorf("native siren %s has no zone", d.Username)
		}
		p := NativeSet{State: "OFF", Activation: c.Activation}
		if c.On {
			p = NativeSet{State: "ON", Signal: c.Signal, Duration: secs, Activation: c.Activation}
			if !c.Until.IsZero() {
				p.Until = c.Until.UTC().Format(time.RFC3339)
			}
		}
		body, _ := json.Marshal(p)
		return []Message{cmd(t.Prefix+"siren/"+d.Zone+"/set", body)}, nil
	}
	return nil, fmt.Errorf("unknown siren driver %q", d.Driver)
}

// ShellyReplySource is the "src" of our Gen2 RPC calls. The device answers on
// "<src>/rpc"; inside the device's own prefix the broker's ACL lets the reply through.
func ShellyReplySource(d Device) string { return d.Topic + "/crisisroom" }

// Filters lists what to subscribe to for d's state and availability.
func (t Translator) Filters(d Device) []string {
	switch d.Driver {
	case "tasmota":
		// The first relay echoes as POWER (single relay) or POWER1 (several relays, or
		// SetOption26 on); any other only as POWER<n>.
		f := []string{fmt.Sprintf("stat/%s/POWER%d", d.Topic, d.RelayIndex()), "stat/" + d.Topic + "/RESULT", "tele/" + d.Topic + "/LWT"}
		if d.RelayIndex() == 1 {
			f = append(f, "stat/"+d.Topic+"/POWER")
		}
		return f
	case "shelly1":
		return []string{fmt.Sprintf("shellies/%s/relay/%d", d.Topic, d.shellyIndex()), "shellies/" + d.Topic + "/online"}
	case "shelly2":
		return []string{fmt.Sprintf("%s/status/switch:%d", d.Topic, d.shellyIndex()), d.Topic + "/online", d.Topic + "/events/rpc"}
	case "homeassistant":
		return []string{d.Topic + "/state", d.Topic + "/availability"}
	case "native":
		return []string{t.Prefix + "device/" + d.Username + "/state"}
	}
	return nil
}

func yes(b bool) *bool { return &b }

// Parse reads a message on one of d's Filters.
func (t Translator) Parse(d Device, topic string, payload []byte) (Report, bool) {
	s := strings.TrimSpace(string(payload))
	onOff := func(v string) (Report, bool) {
		switch strings.ToUpper(v) {
		case "ON", "TRUE", "1":
			return Report{On: yes(true)}, true
		case "OFF", "FALSE", "0":
			return Report{On: yes(false)}, true
		}
		return Report{}, false
	}
	online := func(v string) (Report, bool) {
		switch strings.ToLower(v) {
		case "online", "true":
			return Report{Online: yes(true)}, true
		case "offline", "false":
			return Report{Online: yes(false)}, true
		}
		return Report{}, false
	}
	switch d.Driver {
	case "tasmota":
		n := d.RelayIndex()
		switch topic {
		case fmt.Sprintf("stat/%s/POWER%d", d.Topic, n):
			return onOff(s)
		case "stat/" + d.Topic + "/POWER":
			if n == 1 {
				return onOff(s)
			}
		case "stat/" + d.Topic + "/RESULT":
			// {"POWER":"ON"}, {"POWER1":"ON"} or {"POWER2":"OFF"}; answers to other
			// commands ({"PulseTime1":{…}}) and other relays' keys are not ours.
			var r map[string]json.RawMessage
			if json.Unmarshal(payload, &r) != nil {
				return Report{}, false
			}
			keys := []string{fmt.Sprintf("POWER%d", n)}
			if n == 1 {
				keys = append(keys, "POWER")
			}
			for _, k := range keys {
				var v string
				if raw, ok := r[k]; ok && json.Unmarshal(raw, &v) == nil {
					return onOff(v)
				}
			}
		case "tele/" + d.Topic + "/LWT":
			return online(s)
		}
	case "shelly1":
		switch topic {
		case fmt.Sprintf("shellies/%s/relay/%d", d.Topic, d.shellyIndex()):
			return onOff(s)
		case "shellies/" + d.Topic + "/online":
			return online(s)
		}
	case "shelly2":
		key := fmt.Sprintf("switch:%d", d.shellyIndex())
		switch topic {
		case d.Topic + "/status/" + key:
			var st struct {
				Output *bool `json:"output"`
			}
			if json.Unmarshal(payload, &st) == nil && st.Output != nil {
				return Report{On: st.Output}, true
			}
		case d.Topic + "/events/rpc":
			// NotifyStatus {"method":"NotifyStatus","params":{"switch:0":{"output":true}}};
			// another channel's switch:<n> is not ours.
			var ev struct {
				Params map[string]json.RawMessage `json:"params"`
			}
			if json.Unmarshal(payload, &ev) == nil {
				var st struct {
					Output *bool `json:"output"`
				}
				if raw, ok := ev.Params[key]; ok && json.Unmarshal(raw, &st) == nil && st.Output != nil {
					return Report{On: st.Output}, true
				}
			}
		case d.Topic + "/online":
			return online(s)
		}
	case "homeassistant":
		switch topic {
		case d.Topic + "/state":
			return stateReport(s, payload, onOff)
		case d.Topic + "/availability":
			return online(s)
		}
	case "native":
		if topic == t.Prefix+"device/"+d.Username+"/state" {
			return stateReport(s, payload, onOff)
		}
	}
	return Report{}, false
}

// Home Assistant sees a siren through the appliance, never at the device: its entity
// reads the state the appliance publishes (HAStateTopic, retained {"state":"ON"|"OFF"})
// and the device's presence (crisisroom/device/<username>/status), and a command it
// sends goes to HACommandTopic, where the appliance turns it into an activation under
// the same rules as an operator's (or refuses it). A siren whose remote activation is
// off is a binary_sensor in Home Assistant: it has nothing to switch.

// HAStateTopic is where the appliance publishes d's state for Home Assistant.
func (t Translator) HAStateTopic(d Device) string { return t.Prefix + "ha/" + d.Username + "/state" }

// HACommandTopic is where Home Assistant sends commands for d.
func (t Translator) HACommandTopic(d Device) string { return t.Prefix + "ha/" + d.Username + "/set" }

// HAAvailabilityTopic is d's retained presence (online|offline), the broker's own.
func (t Translator) HAAvailabilityTopic(d Device) string {
	return t.Prefix + "device/" + d.Username + "/status"
}

// DiscoveryTopics are the two config topics d may have in Home Assistant: as a siren
// (remote activation on) and as a binary_sensor (read-only).
func (t Translator) DiscoveryTopics(d Device) (sirenTopic, sensorTopic string) {
	zone := d.Zone
	if zone == "" {
		zone = "default"
	}
	node := "crisisroom_" + zone + "/" + d.Username + "/config"
	return "homeassistant/siren/" + node, "homeassistant/binary_sensor/" + node
}

// Discovery returns the retained Home Assistant discovery config for d and a retained
// empty payload for its other topic, which removes the entity d had before its remote
// activation was switched (Home Assistant MQTT discovery: an empty config deletes).
// Home Assistant 2026.4 no longer reads object_id; the entity id is default_entity_id.
func (t Translator) Discovery(d Device, remote bool) (config, clear Message) {
	name := d.Name
	if name == "" {
		name = d.Username
	}
	sirenTopic, sensorTopic := t.DiscoveryTopics(d)
	cfg := map[string]any{
		"name":                  name,
		"unique_id":             "crisisroom_" + d.Username,
		"state_topic":           t.HAStateTopic(d),
		"value_template":        "{{ value_json.state }}",
		"availability_topic":    t.HAAvailabilityTopic(d),
		"payload_available":     "online",
		"payload_not_available": "offline",
		"device":                map[string]any{"identifiers": []string{"crisisroom_" + d.Username}, "name": name, "manufacturer": "crisisroom"},
	}
	topic, other := sensorTopic, sirenTopic
	if remote {
		topic, other = sirenTopic, sensorTopic
		delete(cfg, "value_template")
		cfg["default_entity_id"] = "siren.crisisroom_" + d.Username
		cfg["command_topic"] = t.HACommandTopic(d)
		cfg["command_template"] = `{"state":"{{ value }}"{% if tone is defined %},"tone":"{{ tone }}"{% endif %}{% if duration is defined %},"duration":{{ duration }}{% endif %}}`
		cfg["state_value_template"] = "{{ value_json.state }}"
		cfg["available_tones"] = Signals
		cfg["support_duration"] = true
		cfg["support_volume_set"] = false
		cfg["optimistic"] = false
	} else {
		cfg["default_entity_id"] = "binary_sensor.crisisroom_" + d.Username
		cfg["payload_on"] = "ON"
		cfg["payload_off"] = "OFF"
	}
	body, _ := json.Marshal(cfg)
	return Message{Topic: topic, Payload: body, Retain: true, QoS: 1}, Message{Topic: other, Payload: nil, Retain: true, QoS: 1}
}

// HAState is the retained payload on HAStateTopic.
func (t Translator) HAState(d Device, on bool) Message {
	st := "OFF"
	if on {
		st = "ON"
	}
	return Message{Topic: t.HAStateTopic(d), Payload: []byte(`{"state":"` + st + `"}`), Retain: true, QoS: 1}
}

// HACommand is a command Home Assistant sent on HACommandTopic (the discovery's
// command_template): {"state":"ON","tone":"warning","duration":60} or {"state":"OFF"}.
// Plain ON/OFF is read too. Duration is in seconds, 0 when not given.
type HACommand struct {
	On       bool
	Signal   string
	Duration int
}

// ParseHACommand reads a Home Assistant siren command; ok is false for anything else.
// An ON without a known tone asks for the warning signal: a siren switched on from Home
// Assistant warns unless told otherwise.
func ParseHACommand(payload []byte) (HACommand, bool) {
	var c struct {
		State    string  `json:"state"`
		Tone     string  `json:"tone"`
		Duration float64 `json:"duration"`
	}
	s := strings.TrimSpace(string(payload))
	if strings.HasPrefix(s, "{") {
		if json.Unmarshal(payload, &c) != nil {
			return HACommand{}, false
		}
	} else {
		c.State = s
	}
	switch strings.ToUpper(c.State) {
	case "OFF":
		return HACommand{}, true
	case "ON":
	default:
		return HACommand{}, false
	}
	sig := c.Tone
	found := false
	for _, x := range Signals {
		found = found || x == sig
	}
	if !found {
		sig = Warning
	}
	d := int(c.Duration)
	if d < 0 || time.Duration(d)*time.Second > MaxDuration {
		d = 0
	}
	return HACommand{On: true, Signal: sig, Duration: d}, true
}

// ZoneState is the retained payload on crisisroom/siren/<zone>/state.
type ZoneState struct {
	State      string `json:"state"` // ON or OFF
	Until      string `json:"until,omitempty"`
	Activation string `json:"activation,omitempty"`
	Signal     string `json:"signal,omitempty"`
	Confirmed  bool   `json:"confirmed"`
}

// ZoneStateMessage is the retained zone state publish.
func (t Translator) ZoneStateMessage(zone string, st ZoneState) Message {
	body, _ := json.Marshal(st)
	return Message{Topic: t.Prefix + "siren/" + zone + "/state", Payload: body, Retain: true, QoS: 1}
}

// Send publishes the commands for c to d over bus, never retained.
func (t Translator) Send(bus Bus, d Device, c Command) error {
	msgs, err := t.Commands(d, c)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := bus.Publish(m.Topic, m.Payload, false, m.QoS); err != nil {
			return fmt.Errorf("failed to send %s to %s: %w", m.Topic, d.Username, err)
		}
	}
	return nil
}

// stateReport reads a state published as plain ON/OFF or as JSON {"state": …} (Home
// Assistant and the native devices use either).
func stateReport(s string, payload []byte, onOff func(string) (Report, bool)) (Report, bool) {
	if !strings.HasPrefix(s, "{") {
		return onOff(s)
	}
	var st struct {
		State string `json:"state"`
	}
	if json.Unmarshal(payload, &st) != nil {
		return Report{}, false
	}
	return onOff(st.State)
}
