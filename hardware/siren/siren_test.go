package siren

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPulseTime(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int
	}{
		{500 * time.Millisecond, 5},
		{11 * time.Second, 110},
		{11100 * time.Millisecond, 111},
		{12 * time.Second, 112},
		{63 * time.Second, 163},
		{10 * time.Minute, 700},
		{100 * time.Hour, 64900},
	} {
		if got := PulseTime(c.d); got != c.want {
			t.Errorf("PulseTime(%v) = %d, want %d", c.d, got, c.want)
		}
		if got := pulseDuration(PulseTime(c.d)); c.d < 18*time.Hour && (got < c.d || got > c.d+time.Second) {
			t.Errorf("round trip %v → %v", c.d, got)
		}
	}
}

// Every command of every driver goes out unretained with QoS 1, and ON carries the
// device's own auto-off after the watchdog's end wherever the device has one.
func TestCommandsNeverRetainedAndCarryAutoOff(t *testing.T) {
	tr := Translator{Prefix: "crisisroom/"}
	on := Command{On: true, Signal: Warning, Duration: 60 * time.Second, Activation: "a1", Until: time.Now().Add(time.Minute)}
	want := map[string]string{
		"tasmota":       "cmnd/sirene1/PulseTime=163|cmnd/sirene1/POWER=ON",
		"shelly1":       "shellies/licht1/relay/0/command=on",
		"shelly2":       `dev2/rpc=`,
		"homeassistant": `ha1/set={"duration":63,"state":"ON","tone":"warning"}`,
		"native":        `crisisroom/siren/rathaus/set=`,
	}
	topics := map[string]string{"tasmota": "sirene1", "shelly1": "licht1", "shelly2": "dev2", "homeassistant": "ha1", "native": ""}
	for _, drv := range Drivers {
		d := Device{Username: "u-" + drv, Driver: drv, Topic: topics[drv], Zone: "rathaus"}
		msgs, err := tr.Commands(d, on)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, m := range msgs {
			if m.Retain || m.QoS != 1 {
				t.Errorf("%s: %s retain=%v qos=%d", drv, m.Topic, m.Retain, m.QoS)
			}
			parts = append(parts, m.Topic+"="+string(m.Payload))
		}
		got := strings.Join(parts, "|")
		if !strings.HasPrefix(got, want[drv]) {
			t.Errorf("%s: got %s, want prefix %s", drv, got, want[drv])
		}
		switch drv {
		case "shelly2":
			var rpc struct {
				Method string
				Src    string
				Params struct {
					On          bool
					ToggleAfter int `json:"toggle_after"`
				}
			}
			if err := json.Unmarshal(msgs[0].Payload, &rpc); err != nil || rpc.Method != "Switch.Set" || !rpc.Params.On || rpc.Params.ToggleAfter != 63 || rpc.Src != "dev2/crisisroom" {
				t.Errorf("shelly2 rpc %s (%v)", msgs[0].Payload, err)
			}
		case "native":
			var n NativeSet
			if err := json.Unmarshal(msgs[0].Payload, &n); err != nil || n.State != "ON" || n.Signal != Warning || n.Duration != 63 || n.Activation != "a1" {
				t.Errorf("native %s", msgs[0].Payload)
			}
		}
		off, _ := tr.Commands(d, Command{On: false})
		if len(off) != 1 || off[0].Retain || !strings.Contains(strings.ToUpper(string(off[0].Payload)), "OFF") && !strings.Contains(string(off[0].Payload), `"on":false`) {
			t.Errorf("%s OFF: %+v", drv, off)
		}
	}
}

func TestParseReports(t *testing.T) {
	tr := Translator{Prefix: "crisisroom/"}
	cases := []struct {
		d       Device
		topic   string
		payload string
		on      *bool
		online  *bool
	}{
		{Device{Driver: "tasmota", Topic: "s1"}, "stat/s1/POWER", "ON", yes(true), nil},
		{Device{Driver: "tasmota", Topic: "s1"}, "stat/s1/RESULT", `{"POWER":"OFF"}`, yes(false), nil},
		{Device{Driver: "tasmota", Topic: "s1"}, "tele/s1/LWT", "Offline", nil, yes(false)},
		{Device{Driver: "shelly1", Topic: "sh"}, "shellies/sh/relay/0", "on", yes(true), nil},
		{Device{Driver: "shelly1", Topic: "sh"}, "shellies/sh/online", "true", nil, yes(true)},
		{Device{Driver: "shelly2", Topic: "p"}, "p/status/switch:0", `{"id":0,"output":true}`, yes(true), nil},
		{Device{Driver: "shelly2", Topic: "p"}, "p/events/rpc", `{"method":"NotifyStatus","params":{"switch:0":{"output":false}}}`, yes(false), nil},
		{Device{Driver: "homeassistant", Topic: "h"}, "h/state", `{"state":"ON"}`, yes(true), nil},
		{Device{Driver: "homeassistant", Topic: "h"}, "h/availability", "offline", nil, yes(false)},
		{Device{Driver: "native", Username: "n1"}, "crisisroom/device/n1/state", "OFF", yes(false), nil},
	}
	for _, c := range cases {
		r, ok := tr.Parse(c.d, c.topic, []byte(c.payload))
		if !ok {
			t.Errorf("%s %s: not understood", c.topic, c.payload)
			continue
		}
		if (c.on == nil) != (r.On == nil) || c.on != nil && *c.on != *r.On || (c.online == nil) != (r.Online == nil) || c.online != nil && *c.online != *r.Online {
			t.Errorf("%s %s: got %+v", c.topic, c.payload, r)
		}
	}
	if _, ok := tr.Parse(Device{Driver: "tasmota", Topic: "s1"}, "stat/s1/POWER", []byte("garbage")); ok {
		t.Error("garbage understood")
	}
}

// Home Assistant's entity points at the appliance's topics, never at the device's own
// command topic (which would let Home Assistant sound it around the two-person rule).
func TestDiscoveryIsRetainedAndNamesTopics(t *testing.T) {
	tr := Translator{Prefix: "crisisroom/"}
	d := Device{Username: "ha-sirene", Driver: "homeassistant", Topic: "sirenen/nord", Zone: "nord"}
	m, clear := tr.Discovery(d, true)
	if !m.Retain || m.Topic != "homeassistant/siren/crisisroom_nord/ha-sirene/config" {
		t.Fatalf("%+v", m)
	}
	if !clear.Retain || len(clear.Payload) != 0 || clear.Topic != "homeassistant/binary_sensor/crisisroom_nord/ha-sirene/config" {
		t.Fatalf("clear %+v", clear)
	}
	var cfg map[string]any
	if err := json.Unmarshal(m.Payload, &cfg); err != nil || cfg["command_topic"] != "crisisroom/ha/ha-sirene/set" || cfg["state_topic"] != "crisisroom/ha/ha-sirene/state" {
		t.Fatalf("%s", m.Payload)
	}
	if _, old := cfg["object_id"]; old || cfg["default_entity_id"] != "siren.crisisroom_ha-sirene" {
		t.Fatalf("entity id: %s", m.Payload)
	}
	ro, _ := tr.Discovery(d, false)
	if ro.Topic != "homeassistant/binary_sensor/crisisroom_nord/ha-sirene/config" || strings.Contains(string(ro.Payload), "command_topic") {
		t.Fatalf("read-only: %s %s", ro.Topic, ro.Payload)
	}
}
