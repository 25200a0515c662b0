package siren

import (
	"strings"
	"testing"
	"time"
)

// The echo forms each supported firmware sends, as seen in the field: every row is one
// message a device of that kind publishes, and what it means for the siren on the
// record's relay (nil: not about that relay at all).
func TestEchoFormsOfEachFirmware(t *testing.T) {
	tr := Translator{Prefix: "crisisroom/"}
	tas := func(relay int) Device { return Device{Driver: "tasmota", Topic: "s", Relay: relay} }
	sh1 := func(relay int) Device { return Device{Driver: "shelly1", Topic: "sh", Relay: relay} }
	sh2 := func(relay int) Device { return Device{Driver: "shelly2", Topic: "p", Relay: relay} }
	for _, c := range []struct {
		name    string
		d       Device
		topic   string
		payload string
		on      *bool
	}{
		// Tasmota, one relay, SetOption26 off (the default).
		{"tasmota single POWER", tas(0), "stat/s/POWER", "ON", yes(true)},
		{"tasmota single RESULT", tas(0), "stat/s/RESULT", `{"POWER":"OFF"}`, yes(false)},
		// Tasmota with several relays, or SetOption26 on: relay 1 carries its index.
		{"tasmota POWER1", tas(1), "stat/s/POWER1", "ON", yes(true)},
		{"tasmota RESULT POWER1", tas(1), "stat/s/RESULT", `{"POWER1":"ON"}`, yes(true)},
		{"tasmota RESULT POWER1 off", tas(0), "stat/s/RESULT", `{"POWER1":"OFF"}`, yes(false)},
		// Relay 2 of a multi-relay module: only its own index counts.
		{"tasmota POWER2", tas(2), "stat/s/POWER2", "ON", yes(true)},
		{"tasmota RESULT POWER2", tas(2), "stat/s/RESULT", `{"POWER2":"OFF"}`, yes(false)},
		{"tasmota relay 2 ignores POWER1", tas(2), "stat/s/RESULT", `{"POWER1":"ON"}`, nil},
		{"tasmota relay 2 ignores POWER", tas(2), "stat/s/POWER", "ON", nil},
		{"tasmota relay 1 ignores POWER2", tas(1), "stat/s/RESULT", `{"POWER2":"ON"}`, nil},
		{"tasmota PulseTime answer", tas(1), "stat/s/RESULT", `{"PulseTime1":{"Set":163,"Remaining":163}}`, nil},
		{"tasmota PulseTime2 answer", tas(2), "stat/s/RESULT", `{"PulseTime2":{"Set":163,"Remaining":0}}`, nil},
		// Shelly Gen1: relay/<n>, counted from 0.
		{"shelly1 relay 0", sh1(0), "shellies/sh/relay/0", "on", yes(true)},
		{"shelly1 relay/1 for relay 2", sh1(2), "shellies/sh/relay/1", "off", yes(false)},
		{"shelly1 relay 2 ignores relay/0", sh1(2), "shellies/sh/relay/0", "on", nil},
		// Shelly Gen2: status/switch:<n> and NotifyStatus events.
		{"shelly2 switch:0", sh2(0), "p/status/switch:0", `{"id":0,"output":true}`, yes(true)},
		{"shelly2 switch:1", sh2(2), "p/status/switch:1", `{"id":1,"output":true,"source":"MQTT"}`, yes(true)},
		{"shelly2 event switch:1", sh2(2), "p/events/rpc", `{"src":"p","dst":"p/events","method":"NotifyStatus","params":{"ts":1.5,"switch:1":{"id":1,"output":false}}}`, yes(false)},
		{"shelly2 switch:1 ignores switch:0", sh2(2), "p/status/switch:0", `{"id":0,"output":true}`, nil},
		{"shelly2 switch:1 ignores event of switch:0", sh2(2), "p/events/rpc", `{"method":"NotifyStatus","params":{"switch:0":{"id":0,"output":true}}}`, nil},
	} {
		r, ok := tr.Parse(c.d, c.topic, []byte(c.payload))
		if c.on == nil {
			if ok && r.On != nil {
				t.Errorf("%s: read as %v, should be ignored", c.name, *r.On)
			}
			continue
		}
		if !ok || r.On == nil || *r.On != *c.on {
			t.Errorf("%s: got ok=%v %+v, want on=%v", c.name, ok, r, *c.on)
		}
		// What the driver reads, it subscribes to.
		found := false
		for _, f := range tr.Filters(c.d) {
			found = found || f == c.topic
		}
		if !found {
			t.Errorf("%s: %s is not among the filters %v", c.name, c.topic, tr.Filters(c.d))
		}
	}
}

// Every command names the record's relay: POWER<n>/PulseTime<n> (no index for relay 1,
// which Tasmota reads as 1), Shelly relay/<n-1> and switch id n-1.
func TestCommandsUseTheRelayIndex(t *testing.T) {
	tr := Translator{Prefix: "crisisroom/"}
	on := Command{On: true, Signal: Test, Duration: 10 * time.Second}
	for _, c := range []struct {
		d    Device
		c    Command
		want string
	}{
		{Device{Driver: "tasmota", Topic: "s", Relay: 2}, on, "cmnd/s/PulseTime2=113|cmnd/s/POWER2=ON"},
		{Device{Driver: "tasmota", Topic: "s", Relay: 2}, Command{}, "cmnd/s/POWER2=OFF"},
		{Device{Driver: "tasmota", Topic: "s", Relay: 1}, Command{}, "cmnd/s/POWER=OFF"},
		{Device{Driver: "shelly1", Topic: "sh", Relay: 2}, on, "shellies/sh/relay/1/command=on"},
		{Device{Driver: "shelly2", Topic: "p", Relay: 2}, Command{}, `"params":{"id":1,"on":false}`},
	} {
		msgs, err := tr.Commands(c.d, c.c)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, m := range msgs {
			parts = append(parts, m.Topic+"="+string(m.Payload))
		}
		if got := strings.Join(parts, "|"); !strings.Contains(got, c.want) {
			t.Errorf("%+v: got %s, want %s", c.d, got, c.want)
		}
	}
}

func TestParseHACommand(t *testing.T) {
	for _, c := range []struct {
		in   string
		want HACommand
		ok   bool
	}{
		{`{"state":"ON","tone":"test","duration":12}`, HACommand{On: true, Signal: Test, Duration: 12}, true},
		{`{"state":"ON"}`, HACommand{On: true, Signal: Warning}, true},
		{`{"state":"OFF"}`, HACommand{}, true},
		{`ON`, HACommand{On: true, Signal: Warning}, true},
		{`{"state":"ON","duration":99999}`, HACommand{On: true, Signal: Warning}, true},
		{`{"state":"toggle"}`, HACommand{}, false},
		{`garbage`, HACommand{}, false},
	} {
		got, ok := ParseHACommand([]byte(c.in))
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %+v %v", c.in, got, ok)
		}
	}
}
