package hardware_test

import (
	"net"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"

	"crisisroom/testkit"
)

// The Home Assistant server credential against an attacker holding it: FW's Home
// Assistant reads and writes nothing of the host's or another organisation's sirens
// (configs, state, presence, commands), cannot command its own read-only siren, and its
// birth, will and retained messages stay inside its grants.
func TestHomeAssistantCredentialAttacks(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	r := attackRig{t, s}
	r.device(devSpec{username: "ha-fw", org: "FW", kind: "homeassistant"})
	relay := r.device(devSpec{username: "fw-relais", org: "FW", kind: "relay", driver: "shelly1", topic: "fw_relais", zone: "fw-hof"})
	r.device(devSpec{username: "fw-tafel", org: "FW", kind: "board"})

	hostCmd := newTap(t, s.Broker, "cmnd/sirene_rathaus/#")
	fwCmd := newTap(t, s.Broker, "shellies/fw_relais/#")
	noHostOn := func(t *testing.T) {
		t.Helper()
		marker(t, s.Broker, hostCmd, "cmnd/sirene_rathaus/Marker")
		if hostCmd.seen(func(m tapped) bool {
			return strings.HasPrefix(m.topic, "cmnd/sirene_rathaus/POWER") && strings.EqualFold(m.payload, "ON")
		}) {
			t.Fatal("the host's siren was switched on")
		}
		if n, _ := s.App.CountRecords("siren_activations", dbx.HashExp{"requested_via": "ha-fw"}, dbx.Not(dbx.HashExp{"device": relay.Id})); n != 0 {
			t.Fatalf("%d activations of other sirens from FW's Home Assistant", n)
		}
	}

	t.Run("reads nothing of other organisations", func(t *testing.T) {
		var got []paho.Message
		msgs := make(chan paho.Message, 256)
		c := r.mustDial("ha-fw", dialOpts{clientID: "ha-fw-read", defaultPublishHandle: func(m paho.Message) { msgs <- m }})
		for _, f := range []string{"cmnd/sirene_rathaus/#", "stat/sirene_rathaus/#", "crisisroom/ha/sirene-rathaus/state", "crisisroom/ha/+/state",
			"crisisroom/device/sirene-rathaus/status", "crisisroom/device/+/status", "crisisroom/siren/rathaus/state",
			"homeassistant/siren/crisisroom_rathaus/sirene-rathaus/config", "crisisroom/#", "#", "$SYS/#"} {
			if code := subCode(t, c, f); code != 0x80 {
				t.Errorf("subscribing %s: SUBACK %#x, want 0x80", f, code)
			}
		}
		// Its discovery prefix: allowed, but delivers only FW's configs. The retained
		// state subscribed last arrives after every retained config.
		tok := c.Subscribe("homeassistant/#", 0, func(_ paho.Client, m paho.Message) { msgs <- m })
		tok.WaitTimeout(5 * time.Second)
		tok = c.Subscribe("crisisroom/ha/fw-relais/state", 0, func(_ paho.Client, m paho.Message) { msgs <- m })
		tok.WaitTimeout(5 * time.Second)
		deadline := time.After(10 * time.Second)
		for done := false; !done; {
			select {
			case m := <-msgs:
				got = append(got, m)
				done = m.Topic() == "crisisroom/ha/fw-relais/state"
			case <-deadline:
				t.Fatal("own retained state never arrived")
			}
		}
		ownConfig := false
		for _, m := range got {
			if !strings.Contains(m.Topic(), "fw-relais") {
				t.Errorf("FW's Home Assistant received %s", m.Topic())
			}
			ownConfig = ownConfig || strings.HasPrefix(m.Topic(), "homeassistant/binary_sensor/crisisroom_fw-hof/fw-relais/")
		}
		if !ownConfig {
			t.Error("FW's own siren config was not delivered")
		}
		// A board of FW has no discovery prefix at all.
		b := r.mustDial("fw-tafel", dialOpts{clientID: "fw-tafel-ha"})
		if code := subCode(t, b, "homeassistant/#"); code != 0x80 {
			t.Errorf("a board subscribed to homeassistant/#: %#x", code)
		}
	})

	t.Run("commands nothing of other organisations", func(t *testing.T) {
		for _, topic := range []string{"crisisroom/ha/sirene-rathaus/set", "cmnd/sirene_rathaus/POWER", "crisisroom/siren/rathaus/set"} {
			lost, onLost := lostSignal()
			c := r.mustDial("ha-fw", dialOpts{clientID: "ha-fw-cmd", onLost: onLost})
			c.Publish(topic, 1, false, `{"state":"ON","tone":"warning","duration":60}`)
			waitClosed(t, "QoS 1 command on "+topic, lost)
		}
		noHostOn(t)
	})

	t.Run("its read-only siren stays silent", func(t *testing.T) {
		lost, onLost := lostSignal()
		c := r.mustDial("ha-fw", dialOpts{clientID: "ha-fw-ro", onLost: onLost})
		c.Publish("crisisroom/ha/fw-relais/set", 1, false, `{"state":"ON"}`)
		waitClosed(t, "command on a read-only siren", lost)
		marker(t, s.Broker, fwCmd, "shellies/fw_relais/relay/0/command")
		if fwCmd.seen(func(m tapped) bool { return m.topic == "shellies/fw_relais/relay/0/command" && m.payload == "on" }) {
			t.Fatal("the read-only siren was switched on")
		}
		testkit.Eventually(t, 10*time.Second, "the refusal recorded", func() bool {
			n, _ := s.App.CountRecords("siren_activations", dbx.HashExp{"device": relay.Id, "requested_via": "ha-fw", "state": "refused"})
			return n == 1
		})
		if n, _ := s.App.CountRecords("siren_activations", dbx.HashExp{"device": relay.Id, "state": "on"}); n != 0 {
			t.Fatal("the read-only siren has a running activation")
		}
	})

	t.Run("birth, will and retained stay in its grants", func(t *testing.T) {
		for _, c := range []struct {
			topic  string
			retain bool
		}{
			{"crisisroom/ha/sirene-rathaus/set", false},
			{"crisisroom/ha/fw-relais/set", false},
			{"homeassistant/status", true},
			{"homeassistant/siren/crisisroom_rathaus/sirene-rathaus/config", true},
			{"cmnd/sirene_rathaus/POWER", false},
		} {
			var conn net.Conn
			cl, err := r.dial("ha-fw", dialOpts{clientID: "ha-fw-will", willTopic: c.topic, willBody: "ON", willRetain: c.retain, conn: &conn})
			if err == nil {
				conn.Close()
				cl.Disconnect(0)
				t.Errorf("CONNECT with will on %s (retain %v) accepted", c.topic, c.retain)
			}
		}
		// Even for a siren it may sound, a command is never its will: dropping the
		// connection must not sound anything.
		rec, err := s.App.FindRecordById("devices", relay.Id)
		if err != nil {
			t.Fatal(err)
		}
		rec.Set("ha_remote", true)
		if err := s.App.Save(rec); err != nil {
			t.Fatal(err)
		}
		var conn net.Conn
		if cl, err := r.dial("ha-fw", dialOpts{clientID: "ha-fw-will-cmd", willTopic: "crisisroom/ha/fw-relais/set", willBody: `{"state":"ON"}`, conn: &conn}); err == nil {
			conn.Close()
			cl.Disconnect(0)
			t.Error("CONNECT with a will that commands a siren it may sound accepted")
		}
		rec.Set("ha_remote", false)
		if err := s.App.Save(rec); err != nil {
			t.Fatal(err)
		}
		// Home Assistant's own will (not retained) is accepted.
		r.mustDial("ha-fw", dialOpts{clientID: "ha-fw-birth", willTopic: "homeassistant/status", willBody: "offline"})
		// A retained birth or a forged config is refused.
		for _, topic := range []string{"homeassistant/status", "homeassistant/siren/crisisroom_rathaus/sirene-rathaus/config", "homeassistant/switch/x/config"} {
			lost, onLost := lostSignal()
			c := r.mustDial("ha-fw", dialOpts{clientID: "ha-fw-retain", onLost: onLost})
			c.Publish(topic, 1, true, `{"command_topic":"cmnd/sirene_rathaus/POWER"}`)
			waitClosed(t, "retained publish on "+topic, lost)
		}
		noHostOn(t)
	})
}

// A device moved to another organisation (or otherwise narrowed) loses its saved session
// too, also while it is offline: a reconnect with clean session false finds none, so no
// subscription or queued message granted under the old organisation survives.
func TestMovedDeviceStartsWithoutItsOldSession(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	r := attackRig{t, s}
	ha := r.device(devSpec{username: "ha-pol-umzug", org: "POL", kind: "homeassistant"})
	connect := func() (paho.Client, bool) {
		t.Helper()
		c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + s.MQTTAddr).SetClientID("ha-pol-umzug-s").
			SetUsername("ha-pol-umzug").SetPassword(attackPassword).SetCleanSession(false).SetAutoReconnect(false).
			SetConnectRetry(false).SetProtocolVersion(4))
		tok := c.Connect()
		if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("connect: %v", tok.Error())
		}
		return c, tok.(*paho.ConnectToken).SessionPresent()
	}
	c, _ := connect()
	if tok := c.Subscribe("homeassistant/#", 1, nil); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	c.Disconnect(100)
	if c, present := connect(); !present {
		t.Fatal("the broker keeps no session for clean session false: the test proves nothing")
	} else {
		c.Disconnect(100)
	}
	rec, err := s.App.FindRecordById("devices", ha.Id)
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("organisation", s.Demo.Orgs["SW"].Id)
	if err := s.App.Save(rec); err != nil {
		t.Fatal(err)
	}
	c, present := connect()
	defer c.Disconnect(0)
	if present {
		t.Fatal("the moved credential resumed the session it had as a police device")
	}
}
