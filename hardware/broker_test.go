package hardware_test

import (
	"encoding/json"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/testkit"
)

// The broker as the room's devices meet it: a real paho client against the broker of a
// running appliance.

const brokerPassword = "mqtt-passwort-2026"

type brokerRig struct {
	t *testing.T
	s *testkit.Server
}

func (r brokerRig) addDevice(username, org, kind, channel string) *core.Record {
	r.t.Helper()
	coll, err := r.s.App.FindCollectionByNameOrId("devices")
	if err != nil {
		r.t.Fatal(err)
	}
	d := core.NewRecord(coll)
	d.Set("username", username)
	d.Set("name", username)
	d.Set("organisation", r.s.Demo.Orgs[org].Id)
	d.Set("kind", kind)
	d.Set("channel", channel)
	d.SetPassword(brokerPassword)
	if err := r.s.App.Save(d); err != nil {
		r.t.Fatalf("device %s: %v", username, err)
	}
	return d
}

// dial connects like a device; conn receives the raw TCP connection so a test can cut it
// without an MQTT DISCONNECT. onLost is told when the broker drops the client.
func (r brokerRig) dial(username, password, clientID string, conn *net.Conn, onLost func()) (paho.Client, error) {
	opts := paho.NewClientOptions().AddBroker("tcp://" + r.s.MQTTAddr).SetClientID(clientID).
		SetUsername(username).SetPassword(password).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(5 * time.Second).SetOrderMatters(true)
	if username != "" {
		opts.SetWill("crisisroom/device/"+username+"/status", "offline", 1, true)
	}
	opts.SetCustomOpenConnectionFn(func(uri *url.URL, _ paho.ClientOptions) (net.Conn, error) {
		c, err := net.DialTimeout("tcp", uri.Host, 5*time.Second)
		if conn != nil {
			*conn = c
		}
		return c, err
	})
	if onLost != nil {
		opts.SetConnectionLostHandler(func(paho.Client, error) { onLost() })
	}
	c := paho.NewClient(opts)
	tok := c.Connect()
	if !tok.WaitTimeout(10 * time.Second) {
		return nil, errTimeout
	}
	if tok.Error() != nil {
		return nil, tok.Error()
	}
	r.t.Cleanup(func() { c.Disconnect(0) })
	return c, nil
}

func (r brokerRig) mustDial(username, clientID string) paho.Client {
	r.t.Helper()
	c, err := r.dial(username, brokerPassword, clientID, nil, nil)
	if err != nil {
		r.t.Fatalf("connect %s: %v", username, err)
	}
	return c
}

// tap records what the appliance's own inline client hears, with the publisher.
type tap struct {
	mu   sync.Mutex
	msgs []tapped
	ch   chan tapped
}

type tapped struct{ user, topic, payload string }

func newTap(t *testing.T, b *hardware.Broker, filter string) *tap {
	t.Helper()
	tp := &tap{ch: make(chan tapped, 256)}
	if err := b.SubscribeFrom(filter, func(user, topic string, payload []byte) {
		m := tapped{user, topic, string(payload)}
		tp.mu.Lock()
		tp.msgs = append(tp.msgs, m)
		tp.mu.Unlock()
		tp.ch <- m
	}); err != nil {
		t.Fatal(err)
	}
	return tp
}

// await returns the first message that matches, failing after 10 s.
func (tp *tap) await(t *testing.T, what string, match func(tapped) bool) tapped {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m := <-tp.ch:
			if match(m) {
				return m
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (tp *tap) seen(match func(tapped) bool) bool {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	for _, m := range tp.msgs {
		if match(m) {
			return true
		}
	}
	return false
}

type timeoutError struct{}

func (timeoutError) Error() string { return "timed out" }

var errTimeout error = timeoutError{}

func TestBroker(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	r := brokerRig{t, s}
	polCh := s.Demo.Channels["POL intern"].Id
	fwCh := s.Demo.Channels["FW intern"].Id
	polDev := r.addDevice("pol-melder", "POL", "sensor", polCh)
	r.addDevice("fw-tafel", "FW", "board", fwCh)

	t.Run("retained messages never expire", func(t *testing.T) {
		if got := hardware.MaxMessageExpiry(s.Broker); got != 0 {
			t.Errorf("MaximumMessageExpiryInterval = %d; retained states would be purged", got)
		}
	})

	t.Run("strangers are refused", func(t *testing.T) {
		for _, c := range []struct{ name, user, pass string }{
			{"anonymous", "", ""},
			{"wrong password", "pol-melder", "falsch"},
			{"no password", "pol-melder", ""},
			{"unknown device", "niemand", brokerPassword},
			{"a person's account", "tkeller", "krisenstab2026"},
		} {
			if _, err := r.dial(c.user, c.pass, "stranger-"+strings.ReplaceAll(c.name, " ", "-"), nil, nil); err == nil {
				t.Errorf("%s: connected", c.name)
			}
		}
	})

	t.Run("appliance status is retained online", func(t *testing.T) {
		c := r.mustDial("pol-melder", "pol-melder-status")
		got := make(chan paho.Message, 1)
		if code := subscribeResult(t, c, "crisisroom/appliance/status", got); code != 1 {
			t.Fatalf("SUBACK %#x", code)
		}
		select {
		case m := <-got:
			var st map[string]any
			if err := json.Unmarshal(m.Payload(), &st); err != nil || st["state"] != "online" || !m.Retained() {
				t.Errorf("appliance status %q retained=%v", m.Payload(), m.Retained())
			}
		case <-time.After(5 * time.Second):
			t.Error("no retained appliance status")
		}
		c.Disconnect(100)
	})

	t.Run("a device cannot reach another device's or organisation's topics", func(t *testing.T) {
		a := r.mustDial("pol-melder", "pol-melder-acl")
		b := r.mustDial("fw-tafel", "fw-tafel-acl")
		for _, f := range []string{"crisisroom/device/fw-tafel/#", "crisisroom/device/fw-tafel/status", "crisisroom/channel/" + fwCh + "/out",
			"crisisroom/channel/+/out", "crisisroom/board/fw-tafel/#", "crisisroom/#", "#", "$SYS/#", "crisisroom/channel/" + polCh + "/in"} {
			if code := subscribeResult(t, a, f, nil); code != 0x80 {
				t.Errorf("pol-melder subscribing %s: SUBACK %#x, want 0x80", f, code)
			}
		}
		for _, f := range []string{"crisisroom/device/pol-melder/#", "crisisroom/channel/" + polCh + "/out"} {
			if code := subscribeResult(t, a, f, nil); code == 0x80 {
				t.Errorf("pol-melder refused its own %s", f)
			}
		}

		// B listens on everything it may; A publishes into B's topics (QoS 0: silently
		// dropped) and then on its own. The appliance hears A's own message after the
		// forbidden ones were handled, then sends B a marker on B's topic: the first thing
		// B receives must be that marker.
		bGot := make(chan paho.Message, 16)
		for _, f := range []string{"crisisroom/device/fw-tafel/#", "crisisroom/channel/" + fwCh + "/out", "crisisroom/board/fw-tafel/#"} {
			if code := subscribeResult(t, b, f, bGot); code == 0x80 {
				t.Fatalf("fw-tafel refused its own %s", f)
			}
		}
		// B's own retained status may still be on its way: read up to a first marker.
		if err := s.Broker.Publish("crisisroom/device/fw-tafel/cmd", []byte("ready"), false, 0); err != nil {
			t.Fatal(err)
		}
		for ready := false; !ready; {
			select {
			case m := <-bGot:
				ready = string(m.Payload()) == "ready"
			case <-time.After(10 * time.Second):
				t.Fatal("fw-tafel did not receive the first marker")
			}
		}
		ins := newTap(t, s.Broker, "crisisroom/channel/+/in")
		own := newTap(t, s.Broker, "crisisroom/device/pol-melder/ping")
		for _, topic := range []string{"crisisroom/device/fw-tafel/cmd", "crisisroom/board/fw-tafel/set", "crisisroom/channel/" + fwCh + "/in", "crisisroom/channel/" + fwCh + "/out", "crisisroom/appliance/status"} {
			a.Publish(topic, 0, false, `{"body":"eingeschleust"}`).Wait()
		}
		a.Publish("crisisroom/device/pol-melder/ping", 0, false, "1").Wait()
		own.await(t, "pol-melder's own ping", func(m tapped) bool { return m.user == "pol-melder" })
		if ins.seen(func(tapped) bool { return true }) {
			t.Errorf("the appliance received a forbidden channel post: %v", ins.msgs)
		}
		if err := s.Broker.Publish("crisisroom/device/fw-tafel/cmd", []byte("marker"), false, 0); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-bGot:
			if string(m.Payload()) != "marker" {
				t.Errorf("fw-tafel received %s %q from pol-melder", m.Topic(), m.Payload())
			}
		case <-time.After(5 * time.Second):
			t.Error("fw-tafel did not receive the marker")
		}
		if n := countMessagesBy(t, s.App, polDev.Id); n != 0 {
			t.Errorf("%d messages created from forbidden posts", n)
		}
		// A device is online while any of its connections is: end this one, so the
		// presence test below sees its own connection as the last.
		a.Disconnect(100)

		// QoS 1 into a foreign topic: an MQTT 3.1.1 client is disconnected for it.
		lost := make(chan struct{})
		c, err := r.dial("pol-melder", brokerPassword, "pol-melder-qos1", nil, func() { close(lost) })
		if err != nil {
			t.Fatal(err)
		}
		c.Publish("crisisroom/device/fw-tafel/cmd", 1, false, "eingeschleust")
		select {
		case <-lost:
		case <-time.After(5 * time.Second):
			t.Error("a QoS 1 publish into another device's topic did not end the connection")
		}
		if err := s.Broker.Publish("crisisroom/device/fw-tafel/cmd", []byte("marker2"), false, 0); err != nil {
			t.Fatal(err)
		}
		if m := <-bGot; string(m.Payload()) != "marker2" {
			t.Errorf("fw-tafel received %q", m.Payload())
		}
	})

	t.Run("a device cannot take over another device's client id", func(t *testing.T) {
		b := r.mustDial("fw-tafel", "fw-tafel-fest")
		if _, err := r.dial("pol-melder", brokerPassword, "fw-tafel-fest", nil, nil); err == nil {
			t.Error("pol-melder connected with fw-tafel's client id")
		}
		if !b.IsConnectionOpen() {
			t.Error("fw-tafel lost its connection to the attempt")
		}
	})

	t.Run("presence, own status and last will", func(t *testing.T) {
		status := newTap(t, s.Broker, "crisisroom/device/pol-melder/#")
		var conn net.Conn
		c, err := r.dial("pol-melder", brokerPassword, "pol-melder-will", &conn, nil)
		if err != nil {
			t.Fatal(err)
		}
		status.await(t, "online", func(m tapped) bool { return m.topic == "crisisroom/device/pol-melder/status" && m.payload == "online" })
		testkit.Eventually(t, 5*time.Second, "online in the record", func() bool {
			d, _ := s.App.FindRecordById("devices", polDev.Id)
			return d.GetBool("online") && !d.GetDateTime("last_seen").IsZero()
		})
		c.Publish("crisisroom/device/pol-melder/state", 1, false, `{"battery":87}`).Wait()
		status.await(t, "the device's own state", func(m tapped) bool {
			return m.topic == "crisisroom/device/pol-melder/state" && m.user == "pol-melder" && m.payload == `{"battery":87}`
		})

		testkit.Eventually(t, 5*time.Second, "no other connection of pol-melder open", func() bool {
			return hardware.Connections(s.Broker, "pol-melder") == 1
		})
		conn.Close() // no DISCONNECT: the broker must send the will
		status.await(t, "the last will", func(m tapped) bool {
			return m.topic == "crisisroom/device/pol-melder/status" && m.payload == "offline" && m.user == "pol-melder"
		})
		testkit.Eventually(t, 5*time.Second, "offline in the record", func() bool {
			d, _ := s.App.FindRecordById("devices", polDev.Id)
			return !d.GetBool("online")
		})
		// the retained state a newcomer reads is offline
		watcher := r.mustDial("pol-melder", "pol-melder-watch")
		got := make(chan paho.Message, 4)
		subscribeResult(t, watcher, "crisisroom/device/pol-melder/status", got)
		select {
		case m := <-got:
			// the watcher itself is pol-melder and comes online: either state was retained
			// at the moment of subscribing, but never empty
			if !m.Retained() || (string(m.Payload()) != "offline" && string(m.Payload()) != "online") {
				t.Errorf("retained status %q retained=%v", m.Payload(), m.Retained())
			}
		case <-time.After(5 * time.Second):
			t.Error("no retained device status")
		}
	})

	t.Run("a device posts into its channel; garbage is refused", func(t *testing.T) {
		c := r.mustDial("pol-melder", "pol-melder-post")
		errs := make(chan paho.Message, 16)
		if code := subscribeResult(t, c, "crisisroom/device/pol-melder/error", errs); code == 0x80 {
			t.Fatal("error topic refused")
		}
		in := "crisisroom/channel/" + polCh + "/in"
		c.Publish(in, 1, false, `{"body":"Pegel Messstelle 3: 9,12 m","priority":"immediate","client_key":"p3-0001"}`).Wait()
		c.Publish(in, 1, false, `{"body":"Pegel Messstelle 3: 9,12 m","priority":"immediate","client_key":"p3-0001"}`).Wait() // a retry
		c.Publish(in, 1, false, "Tür Lagerraum offen").Wait()
		testkit.Eventually(t, 15*time.Second, "two messages from the device", func() bool { return countMessagesBy(t, s.App, polDev.Id) == 2 })
		var stored []*core.Record
		if err := s.App.RecordQuery("messages").AndWhere(dbx.HashExp{"device": polDev.Id}).OrderBy("rowid").All(&stored); err != nil {
			t.Fatal(err)
		}
		if len(stored) != 2 || stored[1].GetString("body") != "Tür Lagerraum offen" {
			t.Errorf("a device's messages are not stored in the order sent: %v", stored)
		}
		// another device may use the same key: keys are per sender
		other := r.addDevice("pol-melder2", "POL", "sensor", polCh)
		c2 := r.mustDial("pol-melder2", "pol-melder2")
		c2.Publish(in, 1, false, `{"body":"Pegel Messstelle 4: 8,70 m","client_key":"p3-0001"}`).Wait()
		testkit.Eventually(t, 15*time.Second, "the second device's message", func() bool { return countMessagesBy(t, s.App, other.Id) == 1 })
		m, err := s.App.FindFirstRecordByFilter("messages", "device = {:d} && client_key = 'p3-0001'", dbx.Params{"d": polDev.Id})
		if err != nil {
			t.Fatal(err)
		}
		if m.GetString("source") != "mqtt" || m.GetString("channel") != polCh || m.GetString("priority") != "immediate" || m.GetString("author") != "" {
			t.Errorf("device message: source %q channel %q priority %q author %q", m.GetString("source"), m.GetString("channel"), m.GetString("priority"), m.GetString("author"))
		}

		for name, payload := range map[string][]byte{
			"invalid UTF-8": {0xff, 0xfe, 'a'},
			"broken JSON":   []byte(`{"body": "Pegel`),
			"empty":         {},
			"blank":         []byte("  \n "),
			"empty body":    []byte(`{"body":""}`),
			"bad priority":  []byte(`{"body":"x","priority":"sofort!"}`),
			"wrong type":    []byte(`{"body":42}`),
		} {
			c.Publish(in, 1, false, payload).Wait()
			select {
			case e := <-errs:
				var rep map[string]string
				if err := json.Unmarshal(e.Payload(), &rep); err != nil || rep["error"] == "" || rep["topic"] != in {
					t.Errorf("%s: error report %q", name, e.Payload())
				}
			case <-time.After(15 * time.Second):
				t.Errorf("%s: no error on crisisroom/device/pol-melder/error", name)
			}
		}
		if n := countMessagesBy(t, s.App, polDev.Id); n != 2 {
			t.Errorf("garbage created messages: %d from the device, want 2", n)
		}
	})
}

func countMessagesBy(t *testing.T, app core.App, device string) int64 {
	t.Helper()
	n, err := app.CountRecords("messages", dbx.HashExp{"device": device})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// FuzzParseChannelIn: whatever a device sends, the parser either refuses it or returns a
// message the messages collection accepts.
func FuzzParseChannelIn(f *testing.F) {
	for _, seed := range []string{
		`{"body":"Pegel 9,10 m","priority":"flash","client_key":"abc-1"}`,
		`Tür offen`, ``, ` `, `{`, `{"body":42}`, `{"body":"x","priority":"hoch"}`,
		`{"body":"x","client_key":"ä"}`, "\xff\xfe", `{"body":"\u0000"}`, `[1,2]`, `null`,
		`{"body":"x","body":"y"}`, strings.Repeat("a", 20001),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		in, err := hardware.ParseChannelIn(payload)
		if err != nil {
			return
		}
		if strings.TrimSpace(in.Body) == "" || len([]rune(in.Body)) > 20000 {
			t.Fatalf("accepted body %q", in.Body)
		}
		switch in.Priority {
		case "normal", "immediate", "flash":
		default:
			t.Fatalf("accepted priority %q", in.Priority)
		}
		if len(in.ClientKey) > 64 || strings.Trim(in.ClientKey, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
			t.Fatalf("accepted client_key %q", in.ClientKey)
		}
	})
}
