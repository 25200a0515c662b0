package callout_test

import (
	"strings"
	"testing"
	"time"

	"crisisroom/hardware/smsgateway"
	"crisisroom/testkit"
)

// A call-out SMS accepted while the network is gone survives a restart of the appliance:
// the driver's queue file is in the data folder, and the next appliance's modem sends it.
func TestCalloutSMSSurvivesARestart(t *testing.T) {
	s1 := testkit.StartServer(t, testkit.Options{Demo: true})
	sim := fastSMS(t, s1)
	sim.SetRegistration(3) // registration denied: nothing goes out
	dev, _ := s1.App.FindFirstRecordByData("devices", "username", smsgateway.DemoUsername)
	r := s1.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Nach dem Neustart", "users": []string{s1.Demo.Users["kvogel"].Id}})
	if r.Status != 200 {
		t.Fatal(r)
	}
	testkit.Eventually(t, 60*time.Second, "the SMS waiting for the network", func() bool {
		rec, err := s1.App.FindFirstRecordByFilter("sms_messages", "purpose = 'callout'")
		d, _ := s1.App.FindRecordById("devices", dev.Id)
		return err == nil && rec.GetString("status") == "retrying" && strings.Contains(d.GetString("sms_status"), `"no_network"`)
	})
	select {
	case sub := <-sim.Submitted():
		t.Fatalf("sent without a network: %+v", sub)
	default:
	}
	// The appliance starts again from a copy of what it had stored, its memory gone.
	s2 := testkit.StartServer(t, testkit.Options{DataDir: s1.App.DataDir()})
	var got string
	testkit.Eventually(t, 60*time.Second, "the SMS sent by the restarted appliance", func() bool {
		sim2 := smsgateway.Of(s2.App).Simulator(dev.Id)
		if sim2 == nil {
			return false
		}
		select {
		case sub := <-sim2.Submitted():
			got = sub.To + " " + sub.Text
			return true
		default:
			return false
		}
	})
	if !strings.HasPrefix(got, smsgateway.DemoNumber(8)+" ") || !strings.Contains(got, "Nach dem Neustart") {
		t.Fatalf("after the restart the modem sent %q", got)
	}
	testkit.Eventually(t, 60*time.Second, "its record marked sent", func() bool {
		rec, err := s2.App.FindFirstRecordByFilter("sms_messages", "purpose = 'callout'")
		return err == nil && (rec.GetString("status") == "sent" || rec.GetString("status") == "delivered")
	})
}
