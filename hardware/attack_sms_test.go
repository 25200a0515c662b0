package hardware_test

import (
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"

	"crisisroom/hardware/smsgateway"
	"crisisroom/testkit"
)

// A device credential of kind sms (a GSM modem's bridge) against the broker: it uses
// exactly its own four topics (hears send, publishes send/result and inbox, retains only
// status) and never another SMS device's: it cannot read the host modem's send requests
// (the texts and numbers of a call-out), cannot inject received SMS or results for it,
// and cannot make it send.
func TestSMSDeviceStaysInItsTopics(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	r := attackRig{t, s}
	r.device(devSpec{username: "pol-sms", org: "POL", kind: "sms", driver: "sms-gsm"})
	host := "crisisroom/sms/" + smsgateway.DemoUsername + "/"
	own := "crisisroom/sms/pol-sms/"
	c := r.mustDial("pol-sms", dialOpts{clientID: "pol-sms-1"})
	defer c.Disconnect(0)

	for _, f := range []string{host + "send", host + "#", "crisisroom/sms/+/send", "crisisroom/sms/#", host + "inbox", own + "#"} {
		if code := subCode(t, c, f); code != 0x80 {
			t.Errorf("subscribe %s: granted (0x%02x)", f, code)
		}
	}
	var heard = make(chan string, 10)
	tok := c.Subscribe(own+"send", 1, func(_ paho.Client, m paho.Message) { heard <- string(m.Payload()) })
	if !tok.WaitTimeout(5*time.Second) || tok.(*paho.SubscribeToken).Result()[own+"send"] == 0x80 {
		t.Fatal("own send topic refused")
	}
	if err := s.Broker.Publish(own+"send", []byte(`{"id":"a1","number":"+4917000000001","text":"x"}`), false, 1); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-heard:
		if !strings.Contains(p, `"a1"`) {
			t.Fatalf("heard %q", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("own send request not delivered")
	}

	hostTap := newTap(t, s.Broker, host+"#")
	ownTap := newTap(t, s.Broker, own+"#")
	pub := func(topic, payload string, retain bool) {
		c.Publish(topic, 1, retain, payload).WaitTimeout(5 * time.Second)
	}
	// Into the host modem's topics: a forged answer, a forged result, a send order.
	pub(host+"inbox", `{"id":"forged","from":"+4917000000005","text":"1 5"}`, false)
	pub(host+"send/result", `{"id":"x","status":"delivered"}`, false)
	pub(host+"send", `{"id":"y","number":"+4917099999999","text":"Falschalarm"}`, false)
	pub(host+"status", `{"state":"offline"}`, true)
	// Its own send (a device does not order itself), a retained inbox.
	pub(own+"send", `{"id":"self","number":"+4917099999999","text":"x"}`, false)
	pub(own+"inbox", `{"id":"kept","from":"+4917099999999","text":"x"}`, true)
	marker(t, s.Broker, hostTap, host+"marker")
	marker(t, s.Broker, ownTap, own+"marker")
	if hostTap.seen(func(m tapped) bool { return m.user == "pol-sms" }) {
		t.Fatal("a publish of pol-sms reached the host modem's topics")
	}
	if ownTap.seen(func(m tapped) bool { return m.user == "pol-sms" && (m.topic == own+"send" || m.topic == own+"inbox") }) {
		t.Fatal("pol-sms published on its own send topic or retained its inbox")
	}
	if n, _ := s.App.CountRecords("sms_messages"); n != 0 {
		t.Fatalf("%d SMS records after the forged publishes", n)
	}
	// What it may: results, received texts, its retained status (on a new connection:
	// the broker may drop one that publishes outside its grants).
	c.Disconnect(0)
	c = r.mustDial("pol-sms", dialOpts{clientID: "pol-sms-2"})
	pub = func(topic, payload string, retain bool) {
		c.Publish(topic, 1, retain, payload).WaitTimeout(5 * time.Second)
	}
	pub(own+"status", `{"state":"ready"}`, true)
	pub(own+"inbox", `{"id":"ok1","from":"+4917099999999","text":"Hallo"}`, false)
	// A received "1 5" claiming the number of a person called out answers nothing: only
	// the host's own modems carry answers.
	co := s.As(t, "jwagner").Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Lage", "users": []string{s.Demo.Users["tkeller"].Id}})
	if co.Status != 200 {
		t.Fatalf("call-out: %s", co)
	}
	pub(own+"inbox", `{"id":"forged-answer","from":"`+smsgateway.DemoNumber(5)+`","text":"1 5"}`, false)
	testkit.Eventually(t, 60*time.Second, "the forged answer logged", func() bool {
		n, _ := s.App.CountRecords("sms_messages", dbx.HashExp{"inbox_id": "forged-answer"})
		return n == 1
	})
	time.Sleep(200 * time.Millisecond) // the handlers run right after the record is stored
	if rr, _ := s.App.FindFirstRecordByFilter("callout_recipients", "user = {:u}", dbx.Params{"u": s.Demo.Users["tkeller"].Id}); rr == nil || rr.GetString("answer") != "" {
		t.Fatal("another organisation's SMS device answered a call-out in tkeller's name")
	}
	for _, topic := range []string{own + "status", own + "inbox"} {
		testkit.Eventually(t, 60*time.Second, "pol-sms on "+topic, func() bool {
			return ownTap.seen(func(m tapped) bool { return m.user == "pol-sms" && m.topic == topic })
		})
	}
}
