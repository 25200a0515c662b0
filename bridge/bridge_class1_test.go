package bridge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/bridge"
	"crisisroom/hardware/fax/iaxline"
	"crisisroom/testkit"
)

// `crisisroom bridge --driver fax-class1` drives a real software modem (iaxmodem, spandsp's
// Class 1 modem); efax on the other end of the line sends a 2-page fax, which becomes a
// fax record and a message, and receives a queued one. The device record shows the
// class; another device cannot change it.
func TestBridgeClass1WithIAXModemAndEfax(t *testing.T) {
	for _, tool := range []string{"iaxmodem", "efax", "efix"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install iaxmodem efax; ./test.sh installs them)", tool)
		}
	}
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	flood := s.Demo.Channels["Hochwasser Rhein"]
	coll, _ := s.App.FindCollectionByNameOrId("devices")
	newDevice := func(username, driver string) *core.Record {
		dev := core.NewRecord(coll)
		dev.Set("username", username)
		dev.Set("name", "Fax "+username)
		dev.Set("organisation", s.Demo.Orgs["FW"].Id)
		dev.Set("kind", "fax")
		dev.Set("driver", driver)
		dev.Set("channel", flood.Id)
		dev.SetPassword(username + "-passwort")
		if err := s.App.Save(dev); err != nil {
			t.Fatal(err)
		}
		return dev
	}
	dev := newDevice("faxusb", "fax-class1")
	other := newDevice("faxnachbar", "fax-class2")

	line, err := iaxline.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer line.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bridge.Run(ctx, bridge.Options{
			Broker: "tcp://" + s.MQTTAddr, User: "faxusb", Password: "faxusb-passwort",
			Driver: "fax-class1", Port: line.A, LocalID: "+49 221 4711",
			RetryDelays: []time.Duration{2 * time.Second},
		})
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("bridge did not stop")
		}
	}()
	testkit.Eventually(t, 20*time.Second, "the device online, idle, class 1", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return d.GetBool("online") && d.GetString("state") == "idle" && d.GetString("fax_class") == "1"
	})

	// The wrong device: faxnachbar may not say which class faxusb speaks. The broker
	// may drop a device that publishes outside its topics, so each publish gets its own
	// connection; faxnachbar's own class, published after the forged one, shows that
	// the forged message has been dealt with.
	publish := func(topic, payload string) {
		c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + s.MQTTAddr).SetClientID("faxnachbar-test").
			SetUsername("faxnachbar").SetPassword("faxnachbar-passwort"))
		if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("connect: %v", tok.Error())
		}
		c.Publish(topic, 1, false, payload).WaitTimeout(5 * time.Second)
		c.Disconnect(100)
	}
	publish("crisisroom/fax/faxusb/class", "2.0")
	publish("crisisroom/fax/faxnachbar/class", "2.0")
	testkit.Eventually(t, 10*time.Second, "faxnachbar's own class", func() bool {
		d, _ := s.App.FindRecordById("devices", other.Id)
		return d.GetString("fax_class") == "2.0"
	})
	if d, _ := s.App.FindRecordById("devices", dev.Id); d.GetString("fax_class") != "1" {
		t.Fatalf("another device changed faxusb's class to %q", d.GetString("fax_class"))
	}

	// efax calls and sends two pages.
	dir := t.TempDir()
	text := "\n\n\nLagemeldung Feuerwache\n\nPumpen: 12 im Einsatz.\n" + strings.Repeat("Zeile.\n", 90) + "Seite zwei.\n"
	os.WriteFile(filepath.Join(dir, "t.txt"), []byte(text), 0o644)
	if out, err := exec.Command("efix", "-i", "text", "-o", "tiffg3", "-n", filepath.Join(dir, "p%02d.tif"), filepath.Join(dir, "t.txt")).CombinedOutput(); err != nil {
		t.Fatalf("efix: %v %s", err, out)
	}
	tiffs, _ := filepath.Glob(filepath.Join(dir, "p*.tif"))
	if len(tiffs) != 2 {
		t.Fatalf("efix made %v", tiffs)
	}
	ectx, ecancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer ecancel()
	out, err := efax(ectx, append([]string{"-d", line.B, "-o1", "-l", "+49 30 5550100", "-t", "200"}, tiffs...)...)
	if err != nil {
		t.Fatalf("efax send: %v\n%s\n%s", err, out, line.Logs())
	}
	var in *core.Record
	testkit.Eventually(t, 30*time.Second, "the received fax", func() bool {
		in, _ = s.App.FindFirstRecordByFilter("faxes", `device = {:d} && direction = "in"`, dbx.Params{"d": dev.Id})
		return in != nil
	})
	if in.GetInt("pages") != 2 || in.GetString("message") == "" {
		t.Fatalf("received fax: %d pages, message %q", in.GetInt("pages"), in.GetString("message"))
	}

	// A fax queued for the device goes out; efax answers and receives it.
	rx := filepath.Join(dir, "rx")
	efaxDone := make(chan string, 1)
	go func() {
		out, err := efax(ectx, "-d", line.B, "-o1", "-r", rx, "-w", "-iS0=1")
		efaxDone <- fmt.Sprintf("%v\n%s", err, out)
	}()
	resp := s.As(t, "kvogel").Do(t, "POST", "/api/collections/faxes/records", map[string]any{"direction": "out", "channel": flood.Id, "device": dev.Id, "number": "0221 555", "text": "Pumpen: 12 im Einsatz\n\nBitte bestätigen.", "requested_by": s.Demo.Users["kvogel"].Id})
	if resp.Status != 200 {
		t.Fatalf("queue fax: %d %s", resp.Status, resp.Body)
	}
	var rec struct{ Id string }
	json.Unmarshal(resp.Body, &rec)
	testkit.Eventually(t, 120*time.Second, "the fax to be sent", func() bool {
		r, _ := s.App.FindRecordById("faxes", rec.Id)
		return r.GetString("status") == "sent"
	})
	select {
	case res := <-efaxDone:
		if _, err := os.Stat(rx + ".001"); err != nil {
			t.Fatalf("efax received nothing: %s", res)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("efax did not finish after the fax was sent")
	}
}

// efax runs efax; a NO DIALTONE (the iaxmodem line is busy for some seconds after
// either side hung up) is tried again for at most 30 s.
func efax(ctx context.Context, args ...string) (string, error) {
	until := time.Now().Add(30 * time.Second)
	for {
		cmd := exec.CommandContext(ctx, "efax", append([]string{"-vewinchr"}, args...)...)
		cmd.WaitDelay = 3 * time.Second
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "NO DIALTONE") || time.Now().After(until) || ctx.Err() != nil {
			return string(out), err
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
