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
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Bus is the part of an MQTT connection a driver needs. hardware.Broker (inline client)
// and mqttbus.Paho (remote) satisfy it.
type Bus interface {
	Publish(topic string, payload []byte, retain bool, qos byte) error
	Subscribe(filter string, handler func(topic string, payload []byte)) error
}

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
		if !c.On {
			return []Message{cmd("cmnd/"+d.Topic+"/POWER", []byte("OFF"))}, nil
		}
		// PulseTime first: the relay must already know when to stop when it starts.
		return []Message{
			cmd("cmnd/"+d.Topic+"/PulseTime", []byte(fmt.Sprint(PulseTime(autoOff(c))))),
			cmd("cmnd/"+d.Topic+"/POWER", []byte("ON")),
		}, nil
	case "shelly1":
		v := "off"
		if c.On {
			v = "on"
		}
		return []Message{cmd("shellies/"+d.Topic+"/relay/0/command", []byte(v))}, nil
	case "shelly2":
		params := map[string]any{"id": 0, "on": c.On}
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
		return []string{"stat/" + d.Topic + "/POWER", "stat/" + d.Topic + "/RESULT", "tele/" + d.Topic + "/LWT"}
	case "shelly1":
		return []string{"shellies/" + d.Topic + "/relay/0", "shellies/" + d.Topic + "/online"}
	case "shelly2":
		return []string{d.Topic + "/status/switch:0", d.Topic + "/online", d.Topic + "/events/rpc"}
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
		switch topic {
		case "stat/" + d.Topic + "/POWER":
			return onOff(s)
		case "stat/" + d.Topic + "/RESULT":
			var r struct{ POWER string }
			if json.Unmarshal(payload, &r) == nil && r.POWER != "" {
				return onOff(r.POWER)
			}
		case "tele/" + d.Topic + "/LWT":
			return online(s)
		}
	case "shelly1":
		switch topic {
		case "shellies/" + d.Topic + "/relay/0":
			return onOff(s)
		case "shellies/" + d.Topic + "/online":
			return online(s)
		}
	case "shelly2":
		switch topic {
		case d.Topic + "/status/switch:0":
			var st struct {
				Output *bool `json:"output"`
			}
			if json.Unmarshal(payload, &st) == nil && st.Output != nil {
				return Report{On: st.Output}, true
			}
		case d.Topic + "/events/rpc":
			// NotifyStatus {"method":"NotifyStatus","params":{"switch:0":{"output":true}}}
			var ev struct {
				Params map[string]json.RawMessage `json:"params"`
			}
			if json.Unmarshal(payload, &ev) == nil {
				var st struct {
					Output *bool `json:"output"`
				}
				if raw, ok := ev.Params["switch:0"]; ok && json.Unmarshal(raw, &st) == nil && st.Output != nil {
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

// Discovery is the retained Home Assistant discovery config for an HA siren, so that the
// siren appears in Home Assistant with its state. The appliance re-publishes it whenever
// Home Assistant announces itself online on homeassistant/status.
func (t Translator) Discovery(d Device) (Message, bool) {
	if d.Driver != "homeassistant" {
		return Message{}, false
	}
	zone := d.Zone
	if zone == "" {
		zone = "default"
	}
	name := d.Name
	if name == "" {
		name = d.Username
	}
	cfg := map[string]any{
		"name":                 name,
		"unique_id":            "crisisroom_" + d.Username,
		"object_id":            "crisisroom_" + d.Username,
		"command_topic":        d.Topic + "/set",
		"state_topic":          d.Topic + "/state",
		"availability_topic":   d.Topic + "/availability",
		"command_template":     `{"state":"{{ value }}"{% if tone is defined %},"tone":"{{ tone }}"{% endif %}{% if duration is defined %},"duration":{{ duration }}{% endif %}}`,
		"state_value_template": "{{ value_json.state }}",
		"available_tones":      Signals,
		"support_duration":     true,
		"support_volume_set":   false,
		"optimistic":           false,
		"device":               map[string]any{"identifiers": []string{"crisisroom_" + d.Username}, "name": name, "manufacturer": "crisisroom"},
	}
	body, _ := json.Marshal(cfg)
	return Message{Topic: "homeassistant/siren/crisisroom_" + zone + "/" + d.Username + "/config", Payload: body, Retain: true, QoS: 1}, true
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
