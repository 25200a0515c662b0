package bridge_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/bridge"
	"crisisroom/hardware/sms/gsmsim"
	"crisisroom/hardware/smsgateway"
	"crisisroom/testkit"
)

// A GSM modem on another machine: the host's SMS device is driven by `crisisroom bridge
// --driver sms-gsm`; a call-out SMS goes out through it and the answer comes back in.
func TestBridgeDrivesRemoteGSMModem(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	dev, err := s.App.FindFirstRecordByData("devices", "username", smsgateway.DemoUsername)
	if err != nil {
		t.Fatal(err)
	}
	dev.Set("config", map[string]any{}) // no port: driven elsewhere
	dev.SetPassword("bridge-passwort-sms")
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	modem, err := gsmsim.New(gsmsim.Options{PIN: "2468", AutoReport: true})
	if err != nil {
		t.Fatal(err)
	}
	defer modem.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bridge.Run(ctx, bridge.Options{Broker: s.MQTTAddr, User: smsgateway.DemoUsername, Password: "bridge-passwort-sms",
			Driver: "sms-gsm", Port: modem.Path(), SIMPIN: "2468", Queue: filepath.Join(t.TempDir(), "q.json")})
	}()
	defer func() { cancel(); <-done }()
	testkit.Eventually(t, 60*time.Second, "the bridged modem ready", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return strings.Contains(d.GetString("sms_status"), `"ready"`)
	})

	r := s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Probealarm", "users": []string{s.Demo.Users["tkeller"].Id}})
	if r.Status != 200 {
		t.Fatal(r)
	}
	id := r.JSON(t)["id"].(string)
	select {
	case sub := <-modem.Submitted():
		if sub.To != smsgateway.DemoNumber(5) || !strings.Contains(sub.Text, "Probealarm") {
			t.Fatalf("the modem sent %q to %s", sub.Text, sub.To)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no SMS through the bridge")
	}
	testkit.Eventually(t, 60*time.Second, "delivery reported", func() bool {
		rr, _ := s.App.FindFirstRecordByFilter("callout_recipients", "callout = {:c}", dbx.Params{"c": id})
		return rr != nil && rr.GetString("sms") == "delivered"
	})
	modem.Receive(smsgateway.DemoNumber(5), "1 25")
	testkit.Eventually(t, 60*time.Second, "the SMS answer through the bridge", func() bool {
		rr, _ := s.App.FindFirstRecordByFilter("callout_recipients", "callout = {:c}", dbx.Params{"c": id})
		return rr != nil && rr.GetString("answer") == "coming" && rr.GetInt("eta_minutes") == 25 && rr.GetString("answered_via") == "sms"
	})
}
