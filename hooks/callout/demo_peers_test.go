package callout_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hardware/smsgateway"
	"crisisroom/testkit"
)

// The demo's pretend phones answer a call-out by SMS as the README says, also when the
// call-out SMS is long and goes out in parts: tkeller "1 15", lneumann "1 31", sbraun
// "2", kvogel never.
func TestDemoPhonesAnswerACallOut(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	dev, err := s.App.FindFirstRecordByData("devices", "username", smsgateway.DemoUsername)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 60*time.Second, "demo SMS device ready", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return smsgateway.Of(s.App).Simulator(dev.Id) != nil && strings.Contains(d.GetString("sms_status"), `"ready"`)
	})
	// The newcomer's text: its SMS goes out in two parts, "1 <Minuten>" in the first.
	text := "Hochwasser Rhein: Stab Stufe 2, bitte sofort in den Stabsraum Rathaus, Raum 101."
	r := s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": text, "organisations": []string{"POL", "FW"}})
	if r.Status != 200 {
		t.Fatal(r)
	}
	id := r.JSON(t)["id"].(string)
	want := map[string]string{"tkeller": "coming 15", "lneumann": "coming 31", "sbraun": "declined 0"}
	testkit.Eventually(t, 90*time.Second, "the pretend phones' answers", func() bool {
		for u, w := range want {
			rec, err := s.App.FindFirstRecordByFilter("callout_recipients", "callout = {:c} && user = {:u}", dbx.Params{"c": id, "u": s.Demo.Users[u].Id})
			if err != nil || rec.GetString("answer")+" "+rec.GetString("eta_minutes") != w || rec.GetString("answered_via") != "sms" {
				return false
			}
		}
		return true
	})
	if rec, _ := s.App.FindFirstRecordByFilter("callout_recipients", "callout = {:c} && user = {:u}", dbx.Params{"c": id, "u": s.Demo.Users["kvogel"].Id}); rec == nil || rec.GetString("answer") != "" {
		t.Errorf("kvogel's pretend phone never answers: %v", rec)
	}
	if n, _ := s.App.CountRecords("sms_messages", dbx.HashExp{"direction": "in"}); n < 3 {
		t.Errorf("%d answers in the SMS log", n)
	}
}
