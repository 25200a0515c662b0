package bridge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/bridge"
	"crisisroom/hardware/fax/sim"
	"crisisroom/hardware/faxgateway"
	"crisisroom/hardware/serialport"
	"crisisroom/testkit"
)

// A fax modem on another machine: the bridge drives it and talks MQTT to the appliance.
// A fax queued while the bridge is away goes out once it connects; a call it receives
// becomes a fax record and a message in the device's channel.
func TestBridgeDrivesRemoteFaxModem(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	flood := s.Demo.Channels["Hochwasser Rhein"]
	coll, _ := s.App.FindCollectionByNameOrId("devices")
	dev := core.NewRecord(coll)
	dev.Set("username", "faxwache")
	dev.Set("name", "Fax Feuerwache 1")
	dev.Set("organisation", s.Demo.Orgs["FW"].Id)
	dev.Set("kind", "fax")
	dev.Set("driver", "fax-class2")
	dev.Set("channel", flood.Id)
	dev.SetPassword("bridge-passwort")
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	modem, err := sim.New(sim.Options{RemoteID: "+49 221 777"})
	if err != nil {
		t.Fatal(err)
	}
	defer modem.Close()

	// Queued while nobody drives the modem.
	resp := s.As(t, "kvogel").Do(t, "POST", "/api/collections/faxes/records", map[string]any{"direction": "out", "channel": flood.Id, "device": dev.Id, "number": "0221 555", "text": "Pumpen: 12 im Einsatz", "requested_by": s.Demo.Users["kvogel"].Id})
	if resp.Status != 200 {
		t.Fatalf("queue fax: %d %s", resp.Status, resp.Body)
	}
	var rec struct{ Id string }
	json.Unmarshal(resp.Body, &rec)

	// A wrong password is final, not retried forever.
	ctxBad, cancelBad := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelBad()
	err = bridge.Run(ctxBad, bridge.Options{Broker: s.MQTTAddr, User: "faxwache", Password: "falsch", Driver: "fax-class2", Port: modem.Path()})
	if err == nil || !strings.Contains(err.Error(), "refused") || ctxBad.Err() != nil {
		t.Fatalf("wrong password: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bridge.Run(ctx, bridge.Options{
			Broker: "tcp://" + s.MQTTAddr, User: "faxwache", Password: "bridge-passwort",
			Driver: "fax-class2", Port: modem.Path(), LocalID: "FW Wache 1",
			RetryDelays: []time.Duration{50 * time.Millisecond},
		})
	}()
	defer func() {
		cancel()
		<-done
	}()

	select {
	case f := <-modem.Faxes():
		if f.Number != "0221555" || f.LocalID != "FW Wache 1" || len(f.Pages) != 1 {
			t.Fatalf("modem got %q from %q, %d pages", f.Number, f.LocalID, len(f.Pages))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the queued fax did not reach the modem")
	}
	testkit.Eventually(t, 20*time.Second, "the fax to be sent", func() bool {
		r, _ := s.App.FindRecordById("faxes", rec.Id)
		return r.GetString("status") == "sent"
	})
	testkit.Eventually(t, 15*time.Second, "the device online with an idle line", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return d.GetBool("online") && d.GetString("state") == "idle"
	})

	pages, err := faxgateway.TestFaxPages()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-modem.Ring("+49 221 229 0", pages...); err != nil {
		t.Fatalf("call: %v", err)
	}
	var in *core.Record
	testkit.Eventually(t, 15*time.Second, "the received fax", func() bool {
		in, _ = s.App.FindFirstRecordByFilter("faxes", `device = {:d} && direction = "in"`, dbx.Params{"d": dev.Id})
		return in != nil
	})
	if in.GetInt("pages") != 2 || in.GetString("message") == "" {
		t.Fatalf("received fax: %d pages, message %q", in.GetInt("pages"), in.GetString("message"))
	}

	// A clean stop says goodbye: the device is offline.
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("bridge ended with %v", err)
	}
	done <- nil
	testkit.Eventually(t, 15*time.Second, "the device offline", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return !d.GetBool("online")
	})
}

// An Alpha sign on another machine shows the situation the appliance publishes for it.
func TestBridgeDrivesAlphaSign(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	coll, _ := s.App.FindCollectionByNameOrId("devices")
	dev := core.NewRecord(coll)
	dev.Set("username", "schild1")
	dev.Set("name", "Laufschrift Stabsraum")
	dev.Set("organisation", s.Demo.Orgs["KS"].Id)
	dev.Set("kind", "board")
	dev.Set("driver", "alpha")
	dev.SetPassword("schild-passwort")
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	master, slave, err := serialport.OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()

	connected := make(chan struct{}, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bridge.Run(ctx, bridge.Options{Broker: s.MQTTAddr, User: "schild1", Password: "schild-passwort", Driver: "alpha", Port: slave,
			Connected: func() { connected <- struct{}{} }})
	}()
	defer func() {
		cancel()
		<-done
	}()
	<-connected
	// The driver subscribes right after connecting; publish until the sign shows it.
	set, _ := json.Marshal(map[string]any{"items": []map[string]string{{"title": "Pegel 8,92 m – Uferstraße gesperrt", "severity": "critical"}}})
	got := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 512)
		var all []byte
		for {
			n, err := master.Read(buf)
			if err != nil {
				return
			}
			all = append(all, buf[:n]...)
			if bytes.IndexByte(all, 0x04) >= 0 {
				got <- all
				return
			}
		}
	}()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := s.Broker.Publish("crisisroom/board/schild1/set", set, false, 1); err != nil {
			t.Fatal(err)
		}
		select {
		case frame := <-got:
			if !bytes.Contains(frame, []byte("\x01Z00\x02A0\x1b c")) || !bytes.Contains(frame, []byte("Uferstrasse gesperrt")) {
				t.Fatalf("sign got %q", frame)
			}
			return
		case <-tick.C:
		case <-deadline:
			t.Fatal("the sign showed nothing")
		}
	}
}
