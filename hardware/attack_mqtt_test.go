package hardware_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/hardware/faxgateway"
	"crisisroom/testkit"
)

// The broker against an attacker holding one device's credentials: every way a client
// can make the broker publish or deliver (direct, will, retained, QoS redelivery,
// session resumption) must stay inside that device's grants, and a device's grants end
// when its organisation leaves a channel or is suspended. Raw paho clients and raw TCP
// against the real broker of a running appliance.

const attackPassword = "angreifer-passwort-2026"

type attackRig struct {
	t *testing.T
	s *testkit.Server
}

type devSpec struct {
	username, org, kind, driver, topic, zone, channel string
}

func (r attackRig) device(d devSpec) *core.Record {
	r.t.Helper()
	coll, err := r.s.App.FindCollectionByNameOrId("devices")
	if err != nil {
		r.t.Fatal(err)
	}
	rec := core.NewRecord(coll)
	rec.Set("username", d.username)
	rec.Set("name", d.username)
	rec.Set("organisation", r.s.Demo.Orgs[d.org].Id)
	rec.Set("kind", d.kind)
	rec.Set("driver", d.driver)
	rec.Set("topic", d.topic)
	rec.Set("zone", d.zone)
	rec.Set("channel", d.channel)
	rec.SetPassword(attackPassword)
	if err := r.s.App.Save(rec); err != nil {
		r.t.Fatalf("device %s: %v", d.username, err)
	}
	return rec
}

type dialOpts struct {
	clientID             string
	willTopic, willBody  string
	willRetain           bool
	persistent           bool // clean session false
	onLost               func()
	conn                 *net.Conn
	defaultPublishHandle func(paho.Message)
}

// dial connects as username with a raw paho client (MQTT 3.1.1).
func (r attackRig) dial(username string, o dialOpts) (paho.Client, error) {
	opts := paho.NewClientOptions().AddBroker("tcp://" + r.s.MQTTAddr).SetClientID(o.clientID).
		SetUsername(username).SetPassword(attackPassword).SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(5 * time.Second).SetOrderMatters(true).SetCleanSession(!o.persistent).SetProtocolVersion(4)
	if o.willTopic != "" {
		opts.SetWill(o.willTopic, o.willBody, 1, o.willRetain)
	}
	if o.onLost != nil {
		opts.SetConnectionLostHandler(func(paho.Client, error) { o.onLost() })
	}
	if o.defaultPublishHandle != nil {
		opts.SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) { o.defaultPublishHandle(m) })
	}
	opts.SetCustomOpenConnectionFn(func(uri *url.URL, _ paho.ClientOptions) (net.Conn, error) {
		c, err := net.DialTimeout("tcp", uri.Host, 5*time.Second)
		if o.conn != nil {
			*o.conn = c
		}
		return c, err
	})
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

func (r attackRig) mustDial(username string, o dialOpts) paho.Client {
	r.t.Helper()
	c, err := r.dial(username, o)
	if err != nil {
		r.t.Fatalf("connect %s: %v", username, err)
	}
	return c
}

// lostSignal is closed when paho reports the connection lost.
func lostSignal() (chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	return ch, func() { once.Do(func() { close(ch) }) }
}

func waitClosed(t *testing.T, what string, ch chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: the broker kept the connection", what)
	}
}

// marker publishes a unique payload as the appliance and waits until tp has heard it:
// whatever a refused action would have published on the same path arrived before it.
func marker(t *testing.T, b *hardware.Broker, tp *tap, topic string) {
	t.Helper()
	payload := "marker-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := b.Publish(topic, []byte(payload), false, 1); err != nil {
		t.Fatal(err)
	}
	tp.await(t, "marker on "+topic, func(m tapped) bool { return m.topic == topic && m.payload == payload })
}

func TestMQTTAttacks(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	r := attackRig{t, s}
	fwCh := s.Demo.Channels["FW intern"].Id
	polCh := s.Demo.Channels["POL intern"].Id
	power := s.Demo.Channels["Stromausfall Süd"]

	// The host's outdoor siren (demo: tasmota topic sirene_rathaus, zone rathaus).
	const sirenCmd = "cmnd/sirene_rathaus/POWER"
	cmnd := newTap(t, s.Broker, "cmnd/sirene_rathaus/#")
	noOn := func(t *testing.T) {
		t.Helper()
		marker(t, s.Broker, cmnd, "cmnd/sirene_rathaus/Marker")
		if cmnd.seen(func(m tapped) bool { return m.topic == sirenCmd && strings.EqualFold(m.payload, "ON") }) {
			t.Fatal("the host's siren was switched on")
		}
	}

	r.device(devSpec{username: "fw-melder", org: "FW", kind: "board", channel: fwCh})
	r.device(devSpec{username: "fw-relais", org: "FW", kind: "relay", driver: "shelly1", topic: "fw_relais", zone: "fw-hof"})

	t.Run("a last will outside the grants is refused at CONNECT", func(t *testing.T) {
		cases := []struct {
			name, topic string
			retain      bool
		}{
			{"host siren command", sirenCmd, false},
			{"host siren command, retained", sirenCmd, true},
			{"host siren zone", "crisisroom/siren/rathaus/set", false},
			{"another organisation's channel", "crisisroom/channel/" + polCh + "/in", false},
			{"own channel post, retained (a command)", "crisisroom/channel/" + fwCh + "/in", true},
			{"another device's status", "crisisroom/device/sirene-rathaus/status", true},
			{"own relay command, retained", "shellies/fw_relais/relay/0/command", true},
			{"broker internals", "$SYS/broker/x", false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				user := "fw-melder"
				if strings.HasPrefix(c.topic, "shellies/") {
					user = "fw-relais"
				}
				var conn net.Conn
				cl, err := r.dial(user, dialOpts{clientID: user + "-will", willTopic: c.topic, willBody: "ON", willRetain: c.retain, conn: &conn})
				if err == nil {
					conn.Close() // drop without DISCONNECT: the will would go out now
					cl.Disconnect(0)
					t.Fatalf("CONNECT with will on %s (retain %v) accepted", c.topic, c.retain)
				}
			})
		}
		noOn(t)
	})

	t.Run("a will inside the grants still goes out when the connection drops", func(t *testing.T) {
		own := newTap(t, s.Broker, "crisisroom/device/fw-melder/#")
		var conn net.Conn
		r.mustDial("fw-melder", dialOpts{clientID: "fw-melder-ok", willTopic: "crisisroom/device/fw-melder/will", willBody: "weg", willRetain: true, conn: &conn})
		conn.Close()
		own.await(t, "the device's own will", func(m tapped) bool { return m.topic == "crisisroom/device/fw-melder/will" && m.payload == "weg" })
	})

	t.Run("publishes outside the grants, any QoS, retained or not", func(t *testing.T) {
		cases := []struct {
			name, user, topic string
			qos               byte
			retain            bool
		}{
			{"QoS 0", "fw-melder", sirenCmd, 0, false},
			{"QoS 1", "fw-melder", sirenCmd, 1, false},
			{"QoS 2", "fw-melder", sirenCmd, 2, false},
			{"QoS 1 retained", "fw-melder", sirenCmd, 1, true},
			{"retained to own channel post (a command)", "fw-melder", "crisisroom/channel/" + fwCh + "/in", 1, true},
			{"retained to own relay command", "fw-relais", "shellies/fw_relais/relay/0/command", 1, true},
			{"retained to another device's status", "fw-melder", "crisisroom/device/sirene-rathaus/status", 1, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				lost, onLost := lostSignal()
				cl := r.mustDial(c.user, dialOpts{clientID: c.user + "-pub", onLost: onLost})
				cl.Publish(c.topic, c.qos, c.retain, "ON").WaitTimeout(2 * time.Second)
				if c.qos > 0 {
					// MQTT 3.1.1 has no negative PUBACK: mochi disconnects, as for the ACL.
					waitClosed(t, c.name, lost)
				}
				cl.Disconnect(0)
				// Nothing was retained: a newcomer allowed to read the topic hears only
				// the marker that follows.
				reader := map[string]string{"shellies/fw_relais/relay/0/command": "fw-relais", "crisisroom/device/sirene-rathaus/status": ""}
				got := make(chan paho.Message, 8)
				if u := reader[c.topic]; u != "" {
					rd := r.mustDial(u, dialOpts{clientID: u + "-reader"})
					if code := subscribeResult(t, rd, c.topic, got); code >= 0x80 {
						t.Fatalf("reader refused: %x", code)
					}
					tp := newTap(t, s.Broker, c.topic)
					marker(t, s.Broker, tp, c.topic)
					select {
					case m := <-got:
						if m.Retained() {
							t.Fatalf("a retained %q was kept on %s", m.Payload(), c.topic)
						}
					case <-time.After(5 * time.Second):
						t.Fatal("the reader got not even the marker")
					}
				}
			})
		}
		noOn(t)
	})

	t.Run("MQTT 5: refused publishes answered not authorized, topic aliases checked", func(t *testing.T) {
		c := dialV5(t, s.MQTTAddr, "fw-relais", "fw-relais-v5")
		// A retained command on the device's own command topic.
		c.publish(t, "shellies/fw_relais/relay/0/command", 0, 1, true, 1, "on")
		if code := c.puback(t, 1); code != 0x87 {
			t.Errorf("retained command: PUBACK reason %x, want 0x87", code)
		}
		// An alias set by a refused publish, then used without a topic name.
		c.publish(t, sirenCmd, 2, 1, false, 2, "ON")
		if code := c.puback(t, 2); code != 0x87 {
			t.Errorf("host siren command: PUBACK reason %x, want 0x87", code)
		}
		c.publish(t, "", 2, 1, false, 3, "ON")
		c.publish(t, "shellies/fw_relais/status", 0, 1, false, 4, "ok")
		if code := c.puback(t, 4); code != 0 {
			t.Errorf("own status: PUBACK reason %x, want 0", code)
		}
		if c.acks[3] == 0 && c.seenAck[3] {
			t.Error("the publish through the alias of a refused topic was accepted")
		}
		noOn(t)
	})

	t.Run("subscriptions outside the grants are refused", func(t *testing.T) {
		cl := r.mustDial("fw-melder", dialOpts{clientID: "fw-melder-sub"})
		for _, f := range []string{"#", "+/#", "+/sirene_rathaus/#", "+/+/POWER", "cmnd/sirene_rathaus/POWER", "$SYS/#", "$share/g/#",
			"crisisroom/#", "crisisroom/channel/+/out", "crisisroom/channel/" + polCh + "/out", "crisisroom/device/+/status",
			"crisisroom/siren/+/set", "crisisroom/fax/#"} {
			if code := subCode(t, cl, f); code < 0x80 {
				t.Errorf("fw-melder subscribed to %s (code %x)", f, code)
			}
		}
	})

	t.Run("a device cannot post into a channel of another organisation", func(t *testing.T) {
		before := countRecords(t, s.App, "messages", "channel = {:c}", dbx.Params{"c": polCh})
		lost, onLost := lostSignal()
		cl := r.mustDial("fw-melder", dialOpts{clientID: "fw-melder-post", onLost: onLost})
		cl.Publish("crisisroom/channel/"+polCh+"/in", 1, false, "Fremdeinspeisung").WaitTimeout(2 * time.Second)
		waitClosed(t, "post to POL", lost)
		// An allowed post after it is stored by the same ordered worker: once it is
		// there, the refused one would be too.
		ok := r.mustDial("fw-melder", dialOpts{clientID: "fw-melder-post2"})
		ok.Publish("crisisroom/channel/"+fwCh+"/in", 1, false, "eigener Kanal").Wait()
		testkit.Eventually(t, 10*time.Second, "the own post", func() bool {
			return countRecords(t, s.App, "messages", "channel = {:c} && body = 'eigener Kanal'", dbx.Params{"c": fwCh}) == 1
		})
		if n := countRecords(t, s.App, "messages", "channel = {:c}", dbx.Params{"c": polCh}); n != before {
			t.Fatalf("POL intern has %d messages, had %d", n, before)
		}
	})

	t.Run("client ids: no takeover, no reserved ids, no resumption of another's session", func(t *testing.T) {
		hostFax := faxgateway.DemoFaxUsername
		for _, id := range []string{"crisisroom-bridge-" + hostFax, "crisisroom-bridge-sirene-rathaus", "sim-sirene-rathaus"} {
			if _, err := r.dial("fw-melder", dialOpts{clientID: id, persistent: true}); err == nil {
				t.Errorf("fw-melder connected with the client id %s", id)
			}
		}
		// A live session of another device.
		r.device(devSpec{username: "pol-tafel", org: "POL", kind: "board", channel: polCh})
		v := r.mustDial("pol-tafel", dialOpts{clientID: "pol-tafel-dauer", persistent: true})
		got := make(chan paho.Message, 8)
		if code := subscribeResult(t, v, "crisisroom/channel/"+polCh+"/out", got); code >= 0x80 {
			t.Fatalf("victim subscribe: %x", code)
		}
		if _, err := r.dial("fw-melder", dialOpts{clientID: "pol-tafel-dauer", persistent: true}); err == nil {
			t.Error("fw-melder took over pol-tafel's live session")
		}
		if !v.IsConnectionOpen() {
			t.Fatal("pol-tafel lost its connection to the takeover attempt")
		}
		// The victim goes away, its session stays (clean session false) and a POL
		// message is queued for it.
		v.Disconnect(100)
		testkit.Eventually(t, 10*time.Second, "pol-tafel offline", func() bool { return !s.Broker.Online("pol-tafel") })
		postMessage(t, s, polCh, "tkeller", "Nur für POL: Lagebild 20:00")

		// The attacker asks to resume that session: it must get a fresh one and none
		// of the queued message.
		var mu sync.Mutex
		var stolen []string
		own := make(chan paho.Message, 8)
		a := r.mustDial("fw-melder", dialOpts{clientID: "pol-tafel-dauer", persistent: true, defaultPublishHandle: func(m paho.Message) {
			mu.Lock()
			stolen = append(stolen, m.Topic()+" "+string(m.Payload()))
			mu.Unlock()
		}})
		if code := subscribeResult(t, a, "crisisroom/device/fw-melder/probe", own); code >= 0x80 {
			t.Fatalf("own subscribe: %x", code)
		}
		if err := s.Broker.Publish("crisisroom/device/fw-melder/probe", []byte("probe"), false, 1); err != nil {
			t.Fatal(err)
		}
		select {
		case <-own:
		case <-time.After(5 * time.Second):
			t.Fatal("no probe")
		}
		mu.Lock()
		if len(stolen) > 0 {
			t.Fatalf("fw-melder resumed pol-tafel's session and got %v", stolen)
		}
		mu.Unlock()
		a.Disconnect(50)
		// The owner comes back only once the broker has let the attacker's connection go:
		// until then the client id is in use by another device, and a connection under
		// it is refused (no takeover), which is not what this step tests.
		testkit.Eventually(t, 10*time.Second, "fw-melder's connection under pol-tafel-dauer closed", func() bool {
			for _, c := range s.Broker.Server.Clients.GetAll() {
				if strings.HasSuffix(c.ID, "pol-tafel-dauer") && string(c.Properties.Username) == "fw-melder" && !c.Closed() {
					return false
				}
			}
			return true
		})

		// The owner resumes its own session and gets the queued message: the session
		// the attacker aimed at was there.
		back := make(chan string, 8)
		r.mustDial("pol-tafel", dialOpts{clientID: "pol-tafel-dauer", persistent: true, defaultPublishHandle: func(m paho.Message) {
			back <- string(m.Payload())
		}})
		select {
		case p := <-back:
			if !strings.Contains(p, "Lagebild 20:00") {
				t.Fatalf("pol-tafel resumed with %q", p)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("pol-tafel did not get its queued message on resumption")
		}
	})

	t.Run("a CONNECT declaring a huge remaining length is closed before allocation", func(t *testing.T) {
		for _, size := range []int{maxRemaining, hardware.MaxConnectSize + 1} {
			c, err := net.DialTimeout("tcp", s.MQTTAddr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.Write(append([]byte{0x10}, remainingLength(size)...))
			if err := closedByBroker(c); err != nil {
				t.Fatalf("declared %d bytes: %v", size, err)
			}
		}
		// 50 stalled clients each declaring 256 MiB: the appliance's memory stays flat.
		runtime.GC()
		before := rssKiB(t)
		conns := make([]net.Conn, 0, 50)
		for i := 0; i < 50; i++ {
			c, err := net.DialTimeout("tcp", s.MQTTAddr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			c.Write(append([]byte{0x10}, remainingLength(maxRemaining)...))
			c.Write([]byte{0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60})
			conns = append(conns, c)
		}
		for _, c := range conns {
			if err := closedByBroker(c); err != nil {
				t.Fatalf("a stalled 256 MiB CONNECT: %v", err)
			}
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		after := rssKiB(t)
		t.Logf("RSS before %d KiB, after 50 clients declaring 256 MiB: %d KiB; heap in use %d MiB", before, after, ms.HeapInuse>>20)
		if after-before > 64<<10 {
			t.Fatalf("RSS grew by %d KiB", after-before)
		}
		// A normal device still connects.
		r.mustDial("fw-melder", dialOpts{clientID: "fw-melder-after"}).Disconnect(0)
	})

	t.Run("an organisation removed from a channel: its device hears and posts nothing more", func(t *testing.T) {
		r.device(devSpec{username: "sw-tafel", org: "SW", kind: "board", channel: power.Id})
		in := newTap(t, s.Broker, "crisisroom/channel/"+power.Id+"/in")
		lost, onLost := lostSignal()
		got := make(chan paho.Message, 16)
		cl := r.mustDial("sw-tafel", dialOpts{clientID: "sw-tafel-1", onLost: onLost,
			willTopic: "crisisroom/channel/" + power.Id + "/in", willBody: "Verbindung verloren"})
		if code := subscribeResult(t, cl, "crisisroom/channel/"+power.Id+"/out", got); code >= 0x80 {
			t.Fatalf("subscribe before removal: %x", code)
		}
		postMessage(t, s, power.Id, "mschulz", "vor der Entfernung")
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatal("the device did not hear its channel before the removal")
		}

		// A host operator removes SW from the channel.
		var orgs []string
		for _, o := range power.GetStringSlice("organisations") {
			if o != s.Demo.Orgs["SW"].Id {
				orgs = append(orgs, o)
			}
		}
		code, body := attackAPI(t, s, "PATCH", "/api/collections/channels/records/"+power.Id, "mschulz", map[string]any{"organisations": orgs})
		if code != 200 {
			t.Fatalf("host operator removes SW: %d %v", code, body)
		}
		waitClosed(t, "removed organisation's device", lost)

		postMessage(t, s, power.Id, "mschulz", "nach der Entfernung")
		testkit.Eventually(t, 5*time.Second, "the post after removal stored", func() bool {
			return countRecords(t, s.App, "messages", "channel = {:c} && body = 'nach der Entfernung'", dbx.Params{"c": power.Id}) == 1
		})
		// The dropped connection's will did not go out, nor was it posted into the channel.
		marker(t, s.Broker, in, "crisisroom/channel/"+power.Id+"/in")
		if in.seen(func(m tapped) bool { return m.payload == "Verbindung verloren" }) {
			t.Fatal("the removed organisation's device's will went out on the channel")
		}
		if n := countRecords(t, s.App, "messages", "channel = {:c} && body = 'Verbindung verloren'", dbx.Params{"c": power.Id}); n != 0 {
			t.Fatal("the removed organisation's device's will was posted into the channel")
		}
		// A new connection gets no channel topics.
		lost2, onLost2 := lostSignal()
		again := r.mustDial("sw-tafel", dialOpts{clientID: "sw-tafel-2", onLost: onLost2})
		if code := subscribeResult(t, again, "crisisroom/channel/"+power.Id+"/out", nil); code < 0x80 {
			t.Error("the removed organisation's device subscribed to the channel again")
		}
		again.Publish("crisisroom/channel/"+power.Id+"/in", 1, false, "noch da").WaitTimeout(2 * time.Second)
		waitClosed(t, "post after removal", lost2)
		select {
		case m := <-got:
			t.Fatalf("the removed device heard %q", m.Payload())
		default:
		}
		if n := countRecords(t, s.App, "messages", "channel = {:c} && body = 'noch da'", dbx.Params{"c": power.Id}); n != 0 {
			t.Fatal("the removed organisation's device posted into the channel")
		}
		// Taken back into the channel, a device connected meanwhile hears it again.
		third := r.mustDial("sw-tafel", dialOpts{clientID: "sw-tafel-3"})
		all := power.GetStringSlice("organisations")
		if code, body := attackAPI(t, s, "PATCH", "/api/collections/channels/records/"+power.Id, "mschulz", map[string]any{"organisations": all}); code != 200 {
			t.Fatalf("host operator re-adds SW: %d %v", code, body)
		}
		if code := subscribeResult(t, third, "crisisroom/channel/"+power.Id+"/out", nil); code >= 0x80 {
			t.Errorf("the re-added organisation's device cannot subscribe: %x", code)
		}
	})

	t.Run("a suspended organisation's devices are cut off until the suspension ends", func(t *testing.T) {
		klm := s.Demo.Orgs["KLM"]
		r.device(devSpec{username: "klm-tafel", org: "KLM", kind: "board", channel: power.Id})
		lost, onLost := lostSignal()
		own := newTap(t, s.Broker, "crisisroom/device/klm-tafel/#")
		r.mustDial("klm-tafel", dialOpts{clientID: "klm-tafel-1", onLost: onLost,
			willTopic: "crisisroom/device/klm-tafel/will", willBody: "weg"})

		setStatus := func(status string) {
			org, err := s.App.FindRecordById("organisations", klm.Id)
			if err != nil {
				t.Fatal(err)
			}
			org.Set("status", status)
			if err := s.App.Save(org); err != nil {
				t.Fatal(err)
			}
		}
		setStatus("suspended")
		t.Cleanup(func() { setStatus("active") })
		waitClosed(t, "suspended organisation's device", lost)
		marker(t, s.Broker, own, "crisisroom/device/klm-tafel/marker")
		if own.seen(func(m tapped) bool { return m.topic == "crisisroom/device/klm-tafel/will" }) {
			t.Error("the suspended organisation's device published its will")
		}
		if _, err := r.dial("klm-tafel", dialOpts{clientID: "klm-tafel-2"}); err == nil {
			t.Fatal("a device of a suspended organisation connected")
		}
		if n := countRecords(t, s.App, "devices", "username = 'klm-tafel'", nil); n != 1 {
			t.Fatal("the suspended organisation's device record is gone")
		}
		setStatus("active")
		c := r.mustDial("klm-tafel", dialOpts{clientID: "klm-tafel-3"})
		if code := subscribeResult(t, c, "crisisroom/channel/"+power.Id+"/out", nil); code >= 0x80 {
			t.Errorf("after the suspension the device cannot subscribe to its channel: %x", code)
		}
	})
}

// v5conn is a raw MQTT 5 client: paho's Go client speaks 3.1.1 only, and MQTT 5 is
// where topic aliases and negative acknowledgements live.
type v5conn struct {
	c       net.Conn
	r       *bufio.Reader
	acks    map[uint16]byte
	seenAck map[uint16]bool
}

func dialV5(t *testing.T, addr, user, clientID string) *v5conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Connect}, ProtocolVersion: 5,
		Connect: packets.ConnectParams{ProtocolName: []byte("MQTT"), Clean: true, Keepalive: 30, ClientIdentifier: clientID,
			UsernameFlag: true, Username: []byte(user), PasswordFlag: true, Password: []byte(attackPassword)}}
	var buf bytes.Buffer
	if err := pk.ConnectEncode(&buf); err != nil {
		t.Fatal(err)
	}
	c.Write(buf.Bytes())
	v := &v5conn{c: c, r: bufio.NewReader(c), acks: map[uint16]byte{}, seenAck: map[uint16]bool{}}
	typ, body := v.next(t)
	if typ != packets.Connack || len(body) < 2 || body[1] != 0 {
		t.Fatalf("MQTT 5 CONNECT as %s: packet %d %x", user, typ, body)
	}
	return v
}

func (v *v5conn) publish(t *testing.T, topic string, alias uint16, qos byte, retain bool, id uint16, payload string) {
	t.Helper()
	pk := packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Publish, Qos: qos, Retain: retain}, ProtocolVersion: 5,
		TopicName: topic, PacketID: id, Payload: []byte(payload)}
	if alias > 0 {
		pk.Properties.TopicAlias, pk.Properties.TopicAliasFlag = alias, true
	}
	var buf bytes.Buffer
	if err := pk.PublishEncode(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := v.c.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// next reads one packet: its type and its body after the fixed header (5 s at most).
func (v *v5conn) next(t *testing.T) (byte, []byte) {
	t.Helper()
	v.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	h, err := v.r.ReadByte()
	if err != nil {
		t.Fatalf("MQTT 5 read: %v", err)
	}
	n, _, err := packets.DecodeLength(v.r)
	if err != nil {
		t.Fatal(err)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(v.r, body); err != nil {
		t.Fatal(err)
	}
	return h >> 4, body
}

// puback reads packets until the PUBACK of id and returns its reason code; the PUBACKs
// read on the way are kept in acks.
func (v *v5conn) puback(t *testing.T, id uint16) byte {
	t.Helper()
	for {
		typ, body := v.next(t)
		if typ != packets.Puback || len(body) < 2 {
			continue
		}
		got := uint16(body[0])<<8 | uint16(body[1])
		code := byte(0)
		if len(body) > 2 {
			code = body[2]
		}
		v.acks[got], v.seenAck[got] = code, true
		if got == id {
			return code
		}
	}
}

// closedByBroker waits (at most 5 s, less than the broker's 10 s CONNECT timeout) for
// the broker to close c, and closes it.
func closedByBroker(c net.Conn) error {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return errors.New("the broker kept the connection open")
	}
	return nil // EOF or a reset: closed
}

// subCode subscribes to one filter and returns its SUBACK code. paho keys the result by
// the filter without a "$share/<group>/" prefix, so the one entry is read whatever its key.
func subCode(t *testing.T, c paho.Client, filter string) byte {
	t.Helper()
	tok := c.Subscribe(filter, 1, func(paho.Client, paho.Message) {})
	if !tok.WaitTimeout(5 * time.Second) {
		t.Fatalf("no SUBACK for %s", filter)
	}
	for _, code := range tok.(*paho.SubscribeToken).Result() {
		return code
	}
	t.Fatalf("SUBACK for %s without a code", filter)
	return 0
}

// maxRemaining is the largest remaining length MQTT can declare (four length bytes,
// 256 MiB - 1); one more is malformed and refused by mochi anyway.
const maxRemaining = 268435455

func remainingLength(n int) []byte {
	var out []byte
	for {
		b := byte(n % 128)
		n /= 128
		if n > 0 {
			b |= 0x80
		}
		out = append(out, b)
		if n == 0 {
			return out
		}
	}
}

// rssKiB is this process's resident set (the appliance runs in it), from /proc.
func rssKiB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func attackAPI(t *testing.T, s *testkit.Server, method, path, user string, body any) (int, map[string]any) {
	t.Helper()
	tok := ""
	if user != "" {
		tok = s.Token(t, user)
	}
	return faxAPI(t, s, method, path, tok, body)
}
