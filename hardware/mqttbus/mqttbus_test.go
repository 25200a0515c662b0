package mqttbus_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"crisisroom/hardware/fax"
	"crisisroom/hardware/fax/sim"
	"crisisroom/hardware/mqttbus"
	"crisisroom/hardware/serialport"
)

var (
	_ fax.Bus = (*mqttbus.Paho)(nil)
	_ fax.Bus = (*mqttbus.Mochi)(nil)
)

// allowAll admits every client; mochi's own auth.AllowHook would pull
// gopkg.in/yaml.v3 into go.sum for nothing.
type allowAll struct{ mqtt.HookBase }

func (h *allowAll) ID() string { return "allow-all" }
func (h *allowAll) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}
func (h *allowAll) OnConnectAuthenticate(*mqtt.Client, packets.Packet) bool { return true }
func (h *allowAll) OnACLCheck(*mqtt.Client, string, bool) bool              { return true }

// A fax driver as `crisisroom bridge` runs it (paho over TCP) and the
// appliance watching through mochi's inline client.
func TestFaxOverRealBroker(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumMessageExpiryInterval = 0
	server := mqtt.New(&mqtt.Options{InlineClient: true, Capabilities: caps, Logger: quiet})
	if err := server.AddHook(new(allowAll), nil); err != nil {
		t.Fatal(err)
	}
	tcp := listeners.NewTCP(listeners.Config{ID: "t", Address: "127.0.0.1:0"})
	if err := server.AddListener(tcp); err != nil {
		t.Fatal(err)
	}
	go server.Serve()
	defer server.Close()

	client := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + tcp.Address()).
		SetClientID("bridge-fax1").SetConnectTimeout(5 * time.Second))
	if tok := client.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("paho connect: %v", tok.Error())
	}
	defer client.Disconnect(100)

	s, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := fax.New(fax.Config{
		Port:        serialport.Config{Name: s.Path(), WriteTimeout: 3 * time.Second},
		LocalID:     "Krisenstab",
		Timeouts:    fax.Timeouts{Command: time.Second, Dial: 2 * time.Second, Answer: 2 * time.Second, FDTConnect: 2 * time.Second, FDRConnect: 2 * time.Second, PageReply: 2 * time.Second, DataSilence: 2 * time.Second},
		RetryDelays: []time.Duration{50 * time.Millisecond},
	})
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan struct{})
	defer func() { cancel(); <-runDone }()
	go func() { d.Run(ctx); close(runDone) }()
	if err := fax.Attach(ctx, d, mqttbus.NewPaho(client), fax.MQTTOptions{Device: "fax1"}); err != nil {
		t.Fatal(err)
	}

	appliance := mqttbus.NewMochi(server)
	got := make(chan [2]string, 20)
	if err := appliance.Subscribe("crisisroom/fax/fax1/#", func(topic string, payload []byte) {
		got <- [2]string{topic, string(payload)}
	}); err != nil {
		t.Fatal(err)
	}
	await := func(topic string, ok func(string) bool) string {
		t.Helper()
		timeout := time.After(60 * time.Second) // a hang guard: the race build on a busy machine is slow
		for {
			select {
			case m := <-got:
				if m[0] == topic && ok(m[1]) {
					return m[1]
				}
			case <-timeout:
				t.Fatalf("nothing on %s", topic)
			}
		}
	}
	await("crisisroom/fax/fax1/status", func(s string) bool { return s == "idle" })

	req, _ := json.Marshal(fax.SendRequest{ID: "r1", Number: "0221 555", Text: "Einsatzbefehl: Deich sichern."})
	if err := appliance.Publish("crisisroom/fax/fax1/send", req, false, 1); err != nil {
		t.Fatal(err)
	}
	var res fax.SendResultMessage
	json.Unmarshal([]byte(await("crisisroom/fax/fax1/send/result", func(string) bool { return true })), &res)
	if res.ID != "r1" || res.Status != "sent" || res.Pages != 1 {
		t.Fatalf("send result over the broker: %+v", res)
	}
	select {
	case f := <-s.Faxes():
		if f.Number != "0221555" || len(f.Pages) != 1 {
			t.Errorf("simulator got %+v", f)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("simulator got nothing")
	}

	pages, _ := fax.RenderText("Lage 12:00", fax.RenderOptions{})
	s.Ring("+49 221 42", sim.Page{Image: pages[0].Image})
	var in fax.InboxMessage
	json.Unmarshal([]byte(await("crisisroom/fax/fax1/inbox", func(string) bool { return true })), &in)
	if in.RemoteID != "+49 221 42" || in.Pages != 1 || in.Document == "" || len(in.Previews) != 1 {
		t.Fatalf("inbox over the broker: %+v", in)
	}
}
