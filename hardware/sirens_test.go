package hardware_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware/room"
	"crisisroom/hardware/siren"
	"crisisroom/testkit"
)

// These tests run the whole appliance (testkit) and talk to its broker with paho, the
// way the room's relays do: simulated Tasmota and Shelly devices with a last will that
// echo every switch.

type roomRig struct {
	*testkit.Server
	t *testing.T
}

func startRoom(t *testing.T, opts testkit.Options) *roomRig {
	t.Helper()
	opts.Demo = true
	return &roomRig{testkit.StartServer(t, opts), t}
}

const devicePassword = "geraet-passwort-2026"

func (r *roomRig) device(username, kind, driver, topic, zone, org string, outdoor bool) *core.Record {
	r.t.Helper()
	coll, err := r.App.FindCollectionByNameOrId("devices")
	if err != nil {
		r.t.Fatal(err)
	}
	d := core.NewRecord(coll)
	d.Set("username", username)
	d.Set("name", "Test "+username)
	d.Set("organisation", r.Demo.Orgs[org].Id)
	d.Set("kind", kind)
	d.Set("driver", driver)
	d.Set("topic", topic)
	d.Set("zone", zone)
	d.Set("outdoor", outdoor)
	d.SetPassword(devicePassword)
	if err := r.App.Save(d); err != nil {
		r.t.Fatalf("device %s: %v", username, err)
	}
	return d
}

func (r *roomRig) sim(d *core.Record) *siren.Simulator {
	r.t.Helper()
	s, err := siren.StartSimulator(siren.SimConfig{Broker: r.MQTTAddr, Username: d.GetString("username"), Password: devicePassword,
		Driver: d.GetString("driver"), Topic: d.GetString("topic"), Zone: d.GetString("zone")})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(s.Stop)
	return s
}

// api calls the REST API through testkit's client as username ("" for no auth) and
// decodes the JSON answer.
func (r *roomRig) api(method, path, username string, body any) (int, map[string]any) {
	r.t.Helper()
	rep := r.As(r.t, username).Do(r.t, method, path, body)
	out := map[string]any{}
	_ = json.Unmarshal(rep.Body, &out)
	return rep.Status, out
}

func (r *roomRig) sound(username string, d *core.Record, signal string, seconds int) (int, map[string]any) {
	r.t.Helper()
	return r.api("POST", "/api/collections/siren_activations/records", username, map[string]any{
		"device": d.Id, "signal": signal, "duration": seconds, "requested_by": r.Demo.Users[username].Id})
}

// await polls the activation until cond holds (the appliance changes it from MQTT
// handlers and timers, not within a request).
func (r *roomRig) await(id, what string, cond func(a *core.Record) bool) *core.Record {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, err := r.App.FindRecordById("siren_activations", id)
		if err == nil && cond(a) {
			return a
		}
		if time.Now().After(deadline) {
			if a != nil {
				r.t.Fatalf("activation never %s: state %s confirmed %v reason %q", what, a.GetString("state"), a.GetBool("confirmed"), a.GetString("reason"))
			}
			r.t.Fatalf("activation never %s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitAudit waits for exactly one audit line of action about target: the appliance
// writes it right after the change the test has already seen.
func (r *roomRig) awaitAudit(action, target string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, _ := r.App.CountRecords("audit", dbx.HashExp{"action": action, "target": target})
		if n == 1 {
			return
		}
		if n > 1 || time.Now().After(deadline) {
			r.t.Fatalf("%d audit lines %s for %s", n, action, target)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func state(s string) func(*core.Record) bool {
	return func(a *core.Record) bool { return a.GetString("state") == s }
}

// client connects a plain paho client with a device's credentials.
func (r *roomRig) client(username, clientID string) paho.Client {
	r.t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + r.MQTTAddr).SetClientID(clientID).
		SetUsername(username).SetPassword(devicePassword).SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		r.t.Fatalf("connect %s: %v", username, tok.Error())
	}
	r.t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// subscribeResult returns the broker's SUBACK code for filter (0x80 = refused).
func subscribeResult(t *testing.T, c paho.Client, filter string, got chan<- paho.Message) byte {
	t.Helper()
	tok := c.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
		if got != nil {
			got <- m
		}
	})
	if !tok.WaitTimeout(5 * time.Second) {
		t.Fatalf("no SUBACK for %s", filter)
	}
	return tok.(*paho.SubscribeToken).Result()[filter]
}

func TestTasmotaSirenOnEchoWatchdog(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	d := r.device("sirene-halle", "siren", "tasmota", "sirene_halle", "halle", "KS", false)
	dev := r.sim(d)

	// A relay that connects and listens gets OFF first.
	if _, ok := dev.WaitFor("/POWER", "OFF", 5*time.Second); !ok {
		t.Fatal("the relay got no OFF when it came online")
	}

	code, a := r.sound("jwagner", d, siren.Test, 2)
	if code != 200 || a["state"] != "on" || a["confirmed"] != false {
		t.Fatalf("sound: %d %v", code, a)
	}
	id := a["id"].(string)
	pulse, ok := dev.WaitFor("/PulseTime", "", 5*time.Second)
	if !ok || pulse.Payload != "50" { // 2 s + 3 s margin, in tenths
		t.Fatalf("PulseTime %+v", pulse)
	}
	on, ok := dev.WaitFor("/POWER", "ON", 5*time.Second)
	if !ok {
		t.Fatal("no ON")
	}
	if on.Retained {
		t.Error("ON arrived retained")
	}
	if on.At.Before(pulse.At) {
		t.Error("ON arrived before the device's auto-off was set")
	}

	// A subscriber that arrives now gets no command: nothing was retained. The probe on
	// its own topic comes after any retained message the broker would have sent.
	probe := r.client("sirene-halle", "late-subscriber")
	got := make(chan paho.Message, 10)
	if code := subscribeResult(t, probe, "cmnd/sirene_halle/#", got); code >= 0x80 {
		t.Fatalf("the device may not read its own commands: %#x", code)
	}
	if code := subscribeResult(t, probe, "crisisroom/device/sirene-halle/probe", got); code >= 0x80 {
		t.Fatalf("probe refused: %#x", code)
	}
	probe.Publish("crisisroom/device/sirene-halle/probe", 1, false, "x").Wait()
	select {
	case m := <-got:
		if m.Topic() != "crisisroom/device/sirene-halle/probe" {
			t.Fatalf("a fresh subscriber got a retained command: %s %s", m.Topic(), m.Payload())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("probe did not come back")
	}

	// The echo confirms, and the zone state says so (retained).
	r.await(id, "confirmed", func(a *core.Record) bool { return a.GetBool("confirmed") })
	// The record is saved as confirmed just before the zone state is published again:
	// wait for the broker to hold the confirmed state before a subscriber asks for it.
	testkit.Eventually(t, 5*time.Second, "confirmed zone state retained", func() bool {
		for _, pk := range r.Broker.Server.Topics.Messages("crisisroom/siren/halle/state") {
			var st siren.ZoneState
			if json.Unmarshal(pk.Payload, &st) == nil && st.Confirmed {
				return true
			}
		}
		return false
	})
	zone := make(chan paho.Message, 10)
	if code := subscribeResult(t, probe, "crisisroom/siren/halle/state", zone); code >= 0x80 {
		t.Fatalf("zone state refused: %#x", code)
	}
	select {
	case m := <-zone:
		var st siren.ZoneState
		json.Unmarshal(m.Payload(), &st)
		if !m.Retained() || st.State != "ON" || !st.Confirmed || st.Activation != id || st.Until == "" {
			t.Fatalf("zone state %s retained=%v", m.Payload(), m.Retained())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no zone state")
	}

	// The watchdog switches off at the end, before the device's own auto-off would.
	off, ok := dev.WaitFor("/POWER", "OFF", 5*time.Second)
	if !ok {
		t.Fatal("the watchdog sent no OFF")
	}
	if took := off.At.Sub(on.At); took < 1500*time.Millisecond {
		t.Errorf("OFF %v after ON, want about 2 s", took)
	}
	r.await(id, "expired", state("expired"))
	if dev.On() {
		t.Error("relay still on")
	}
	r.awaitAudit("siren.expired", id)
}

func TestSirenRefusedWhileOfflineAndOffWhenBack(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	d := r.device("licht-stab", "relay", "shelly1", "licht_stab", "stab", "KS", false)

	code, a := r.sound("mschulz", d, siren.RoomAlarm, 30)
	if code != 200 || a["state"] != "refused" || !strings.Contains(a["reason"].(string), "offline") {
		t.Fatalf("sound while offline: %d %v", code, a)
	}

	dev := r.sim(d)
	if _, ok := dev.WaitFor("/command", "off", 5*time.Second); !ok {
		t.Fatal("Shelly got no off when it connected")
	}
	code, a = r.sound("mschulz", d, siren.RoomAlarm, 60)
	if code != 200 || a["state"] != "on" {
		t.Fatalf("sound: %d %v", code, a)
	}
	id := a["id"].(string)
	if _, ok := dev.WaitFor("/command", "on", 5*time.Second); !ok {
		t.Fatal("no on")
	}
	r.await(id, "confirmed", func(a *core.Record) bool { return a.GetBool("confirmed") })

	// A second activation on a sounding relay is refused.
	if code, b := r.sound("jwagner", d, siren.RoomAlarm, 60); code != 200 || b["state"] != "refused" {
		t.Fatalf("second activation: %d %v", code, b)
	}

	// Power cut: the last will says offline; ON is refused now.
	dev.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, b := r.sound("jwagner", d, siren.Test, 5)
		if code == 200 && b["state"] == "refused" && strings.Contains(b["reason"].(string), "offline") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still not refused after the device dropped: %d %v", code, b)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// It comes back: OFF at once, and the activation it was part of has ended.
	back := r.sim(d)
	if _, ok := back.WaitFor("/command", "off", 5*time.Second); !ok {
		t.Fatal("no off when the relay came back")
	}
	a2 := r.await(id, "ended", func(a *core.Record) bool { return a.GetString("state") != "on" })
	if a2.GetString("state") != "failed" {
		t.Errorf("activation after the drop: %s %q", a2.GetString("state"), a2.GetString("reason"))
	}
	if back.On() {
		t.Error("relay on after coming back")
	}
}

func TestSirenOffAfterApplianceRestart(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	d := r.device("sirene-nord", "siren", "tasmota", "sirene_nord", "nord", "KS", false)
	dev := r.sim(d)
	dev.WaitFor("/POWER", "OFF", 5*time.Second)
	code, a := r.sound("jwagner", d, siren.Warning, 60)
	if code != 200 || a["state"] != "on" {
		t.Fatalf("sound: %d %v", code, a)
	}
	id := a["id"].(string)
	r.await(id, "confirmed", func(a *core.Record) bool { return a.GetBool("confirmed") })

	// The appliance starts again from what it had stored, its timers gone.
	r2 := &roomRig{testkit.StartServer(t, testkit.Options{DataDir: r.App.DataDir()}), t}
	r2.Demo = r.Demo
	a2 := r2.await(id, "ended at start", state("expired"))
	if !strings.Contains(a2.GetString("reason"), "Neustart") {
		t.Errorf("reason %q", a2.GetString("reason"))
	}
	dev2 := r2.sim(d)
	if _, ok := dev2.WaitFor("/POWER", "OFF", 5*time.Second); !ok {
		t.Fatal("the relay got no OFF from the restarted appliance")
	}
	for _, c := range dev2.History() {
		if strings.HasSuffix(c.Topic, "/POWER") && c.Payload == "ON" {
			t.Fatal("the restarted appliance switched the relay on")
		}
	}
}

func TestOutdoorSirenNeedsSecondOperator(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	d := r.device("sirene-markt", "siren", "tasmota", "sirene_markt", "markt", "KS", true)
	dev := r.sim(d)
	dev.WaitFor("/POWER", "OFF", 5*time.Second)

	// Only host operators sound sirens.
	for _, who := range []string{"tkeller", "phoffmann", "lneumann"} {
		if code, a := r.sound(who, d, siren.Warning, 60); code < 400 {
			t.Errorf("%s sounded a siren: %d %v", who, code, a)
		}
	}
	code, a := r.sound("jwagner", d, siren.Warning, 60)
	if code != 200 || a["state"] != "pending" || a["confirm_by"] == "" {
		t.Fatalf("outdoor siren did not wait: %d %v", code, a)
	}
	id := a["id"].(string)
	path := "/api/collections/siren_activations/records/" + id

	wrong := []struct{ who, as string }{
		{"jwagner", "jwagner"},     // the requester confirming himself
		{"jwagner", "mschulz"},     // the requester naming someone else
		{"tkeller", "tkeller"},     // an admin of the police
		{"phoffmann", "phoffmann"}, // a host member, not an operator
	}
	for _, w := range wrong {
		code, body := r.api("PATCH", path, w.who, map[string]any{"confirmed_by": r.Demo.Users[w.as].Id})
		if code < 400 {
			t.Errorf("%s confirming as %s: %d %v", w.who, w.as, code, body)
		}
	}
	// Nor may anyone rewrite the request.
	if code, _ := r.api("PATCH", path, "mschulz", map[string]any{"duration": 600}); code != 400 {
		t.Errorf("changing the duration: %d", code)
	}
	for _, c := range dev.History() {
		if c.Payload == "ON" {
			t.Fatal("the siren sounded before a second operator confirmed")
		}
	}

	code, a = r.api("PATCH", path, "mschulz", map[string]any{"confirmed_by": r.Demo.Users["mschulz"].Id})
	if code != 200 || a["state"] != "on" {
		t.Fatalf("confirmation by a second operator: %d %v", code, a)
	}
	if _, ok := dev.WaitFor("/POWER", "ON", 5*time.Second); !ok {
		t.Fatal("no ON after confirmation")
	}
	r.await(id, "confirmed by the device", func(a *core.Record) bool { return a.GetBool("confirmed") })

	// Stop: only operators; then OFF.
	if code, _ := r.api("PATCH", path, "phoffmann", map[string]any{"state": "stopped"}); code < 400 {
		t.Errorf("a host member stopped the siren: %d", code)
	}
	code, a = r.api("PATCH", path, "abecker", map[string]any{"state": "stopped"})
	if code != 200 || a["stopped_by"] != r.Demo.Users["abecker"].Id {
		t.Fatalf("stop: %d %v", code, a)
	}
	if _, ok := dev.WaitFor("/POWER", "OFF", 5*time.Second); !ok {
		t.Fatal("no OFF after stop")
	}
	for _, action := range []string{"siren.awaiting_confirmation", "siren.confirmed", "siren.on", "siren.device_confirmed", "siren.stopped"} {
		r.awaitAudit(action, id)
	}
}

func TestOutdoorConfirmationRunsOut(t *testing.T) {
	old := room.DefaultConfirmWindow
	room.DefaultConfirmWindow = time.Second
	t.Cleanup(func() { room.DefaultConfirmWindow = old })
	r := startRoom(t, testkit.Options{})
	d := r.device("sirene-ost", "siren", "tasmota", "sirene_ost", "ost", "KS", true)
	dev := r.sim(d)
	dev.WaitFor("/POWER", "OFF", 5*time.Second)
	code, a := r.sound("jwagner", d, siren.Warning, 60)
	if code != 200 || a["state"] != "pending" {
		t.Fatalf("%d %v", code, a)
	}
	id := a["id"].(string)
	r.await(id, "expired", state("expired"))
	code, body := r.api("PATCH", "/api/collections/siren_activations/records/"+id, "mschulz", map[string]any{"confirmed_by": r.Demo.Users["mschulz"].Id})
	if code != 400 {
		t.Fatalf("late confirmation: %d %v", code, body)
	}
	for _, c := range dev.History() {
		if c.Payload == "ON" {
			t.Fatal("an unconfirmed outdoor siren sounded")
		}
	}
}

// A device of one organisation never reads another's siren topics.
func testSirenTopicsStayInTheirOrganisation(t *testing.T, r *roomRig) {
	r.device("sirene-ks", "siren", "tasmota", "sirene_ks", "rathausplatz", "KS", false)
	r.device("sirene-pol", "siren", "native", "", "praesidium", "POL", false)
	pol := r.client("sirene-pol", "pol-1")
	for _, f := range []string{"crisisroom/siren/rathausplatz/set", "crisisroom/siren/rathausplatz/state", "crisisroom/siren/+/set", "crisisroom/siren/#", "cmnd/sirene_ks/#", "stat/sirene_ks/POWER"} {
		if code := subscribeResult(t, pol, f, nil); code < 0x80 {
			t.Errorf("POL device may read %s", f)
		}
	}
	if code := subscribeResult(t, pol, "crisisroom/siren/praesidium/set", nil); code >= 0x80 {
		t.Errorf("POL device may not read its own zone: %#x", code)
	}
}

// A Blitz in a shared channel sets off the room alarm when the host wants it.
func TestBlitzSetsOffRoomAlarm(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	d := r.device("alarm-stab", "relay", "shelly1", "alarm_stab", "lagezentrum", "KS", false)
	dev := r.sim(d)
	dev.WaitFor("/command", "off", 5*time.Second)

	author := "tkeller"
	post := func(channel, priority string) {
		t.Helper()
		coll, _ := r.App.FindCollectionByNameOrId("messages")
		m := core.NewRecord(coll)
		m.Set("channel", r.Demo.Channels[channel].Id)
		m.Set("author", r.Demo.Users[author].Id)
		m.Set("body", "Deichbruch Abschnitt 3")
		m.Set("priority", priority)
		m.Set("source", "web")
		if err := r.App.Save(m); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		n, _ := r.App.CountRecords("siren_activations", dbx.HashExp{"device": d.Id})
		return int(n)
	}
	post("Hochwasser Rhein", "flash") // the setting is off
	if count() != 0 {
		t.Fatal("room alarm without the setting")
	}
	host, err := r.App.FindRecordById("organisations", r.Demo.Orgs["KS"].Id)
	if err != nil {
		t.Fatal(err)
	}
	host.Set("blitz_room_alarm", true)
	host.Set("room_alarm_zone", "lagezentrum")
	host.Set("room_alarm_seconds", 20)
	if err := r.App.Save(host); err != nil {
		t.Fatal(err)
	}
	post("Hochwasser Rhein", "immediate")
	post("POL intern", "flash") // another organisation's own channel
	if count() != 0 {
		t.Fatal("room alarm for a message that is no Blitz in a room channel")
	}
	author = "gast.gutachter" // a guest's Blitz in the channel of its invitation
	post("Hochwasser Rhein", "flash")
	if count() != 0 {
		t.Fatal("a guest's Blitz set off the room alarm")
	}
	author = "tkeller"
	post("Hochwasser Rhein", "flash")
	if _, ok := dev.WaitFor("/command", "on", 5*time.Second); !ok {
		t.Fatal("Blitz did not set off the room alarm")
	}
	acts, _ := r.App.FindAllRecords("siren_activations", dbx.HashExp{"device": d.Id})
	if len(acts) != 1 || acts[0].GetString("signal") != "room_alarm" || acts[0].GetInt("duration") != 20 || acts[0].GetString("state") != "on" {
		t.Fatalf("activations %v", acts)
	}
}

// Home Assistant finds the siren through a retained discovery config, again whenever
// it announces itself.
func testHomeAssistantDiscovery(t *testing.T, r *roomRig) {
	d := r.device("ha-sirene", "siren", "homeassistant", "ha/sirene1", "hof", "KS", false)
	d.Set("ha_remote", true)
	if err := r.App.Save(d); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	if err := r.Broker.Subscribe("homeassistant/siren/crisisroom_hof/ha-sirene/config", func(_ string, p []byte) {
		select {
		case got <- string(p):
		default: // an inline handler must never block the broker
		}
	}); err != nil {
		t.Fatal(err)
	}
	r.Broker.Publish("homeassistant/status", []byte("online"), false, 1)
	for i := 0; i < 2; i++ { // the retained copy, then the re-publish
		select {
		case p := <-got:
			// The appliance's topic, not the device's: Home Assistant's commands become
			// activations (formerly ha/sirene1/set, which bypassed the two-person rule).
			if !strings.Contains(p, `"command_topic":"crisisroom/ha/ha-sirene/set"`) {
				t.Fatalf("config %s", p)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("discovery %d missing", i)
		}
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The demo's simulated relays are alive: the town hall siren answers, needs a second
// operator (outdoor), and sounds once confirmed.
func testDemoSirensAreAlive(t *testing.T, r *roomRig) {
	d, err := r.App.FindFirstRecordByData("devices", "username", "sirene-rathaus")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		cur, _ := r.App.FindRecordById("devices", d.Id)
		if cur != nil && cur.GetBool("online") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the demo siren never came online")
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, a := r.sound("jwagner", d, siren.Test, 3)
	if code != 200 || a["state"] != "pending" {
		t.Fatalf("%d %v", code, a)
	}
	id := a["id"].(string)
	if code, a := r.api("PATCH", "/api/collections/siren_activations/records/"+id, "mschulz", map[string]any{"confirmed_by": r.Demo.Users["mschulz"].Id}); code != 200 || a["state"] != "on" {
		t.Fatalf("%d %v", code, a)
	}
	r.await(id, "confirmed by the simulated siren", func(a *core.Record) bool { return a.GetBool("confirmed") })
	r.await(id, "expired", state("expired"))
	if n, _ := r.App.CountRecords("board_items"); n < 3 {
		t.Errorf("%d demo board items", n)
	}
}

// Every other driver end to end: OFF on arrival, ON with its device-side auto-off,
// the echo confirms, the watchdog ends it.
func TestSirenDriversEndToEnd(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	for _, c := range []struct{ driver, topic, on, off, autoOff string }{
		{"shelly2", "sirenen/shelly-plus", `"on":true`, `"on":false`, `"toggle_after":5`},
		{"homeassistant", "ha/sirene-hof", `"state":"ON"`, `"state":"OFF"`, `"duration":5`},
		{"native", "", `"state":"ON"`, `"state":"OFF"`, `"duration":5`},
	} {
		t.Run(c.driver, func(t *testing.T) {
			d := r.device("s-"+c.driver, "siren", c.driver, c.topic, "zone-"+c.driver, "KS", false)
			dev := r.sim(d)
			if _, ok := dev.WaitFor("", c.off, 5*time.Second); !ok {
				t.Fatal("no OFF on arrival")
			}
			code, a := r.sound("jwagner", d, siren.Test, 2)
			if code != 200 || a["state"] != "on" {
				t.Fatalf("sound: %d %v", code, a)
			}
			on, ok := dev.WaitFor("", c.on, 5*time.Second)
			if !ok || on.Retained {
				t.Fatalf("ON %+v", on)
			}
			if !strings.Contains(on.Payload, c.autoOff) { // 2 s + 3 s margin
				t.Errorf("no device-side auto-off in %s", on.Payload)
			}
			id := a["id"].(string)
			r.await(id, "confirmed", func(a *core.Record) bool { return a.GetBool("confirmed") })
			if _, ok := dev.WaitFor("", c.off, 5*time.Second); !ok {
				t.Fatal("the watchdog sent no OFF")
			}
			r.await(id, "expired", state("expired"))
		})
	}
}

// Checks that need nothing of their own share one appliance: each starts a server's
// worth of work otherwise (seeding, bcrypt, broker).
func TestRoomShared(t *testing.T) {
	shared := startRoom(t, testkit.Options{})
	for _, c := range []struct {
		name string
		fn   func(*testing.T, *roomRig)
	}{
		{"SirenTopicsStayInTheirOrganisation", testSirenTopicsStayInTheirOrganisation},
		{"HomeAssistantDiscovery", testHomeAssistantDiscovery},
		{"DemoSirensAreAlive", testDemoSirensAreAlive},
		{"DeviceCredentialsOnce", testDeviceCredentialsOnce},
		{"BoardViewAndPublishing", testBoardViewAndPublishing},
		{"BoardItemsWrittenByS2", testBoardItemsWrittenByS2},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, &roomRig{shared.Server, t}) })
	}
}
