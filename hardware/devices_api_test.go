package hardware_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Device credentials come from the server, once, with a QR code; only host operators
// get them, and they work on the broker at once.
func testDeviceCredentialsOnce(t *testing.T, r *roomRig) {
	body := map[string]any{"name": "Sirene Hafen", "username": "sirene-hafen", "kind": "siren", "driver": "tasmota", "topic": "sirene_hafen", "zone": "hafen", "outdoor": true}
	for _, who := range []string{"", "phoffmann", "tkeller", "lneumann", "gast.gutachter"} {
		if code, out := r.api("POST", "/api/crisisroom/devices", who, body); code < 400 {
			t.Fatalf("%q created a device: %d %v", who, code, out)
		}
	}
	code, out := r.api("POST", "/api/crisisroom/devices", "jwagner", body)
	if code != 200 {
		t.Fatalf("create: %d %v", code, out)
	}
	pw, _ := out["password"].(string)
	if len(pw) < 20 || !strings.HasPrefix(out["qr"].(string), "data:image/png;base64,") {
		t.Fatalf("credentials %v", out)
	}
	u, err := url.Parse(out["mqtt_url"].(string))
	if err != nil || u.Scheme != "mqtt" || u.User.Username() != "sirene-hafen" {
		t.Fatalf("mqtt url %v", out["mqtt_url"])
	}
	if p, _ := u.User.Password(); p != pw {
		t.Fatal("the URL holds another password")
	}
	rec := out["record"].(map[string]any)
	if rec["outdoor"] != true || rec["zone"] != "hafen" {
		t.Fatalf("record %v", rec)
	}
	if _, ok := rec["password"]; ok {
		t.Fatal("the record carries the password hash")
	}
	// The same name again: a clear refusal, nothing overwritten.
	if code, out := r.api("POST", "/api/crisisroom/devices", "jwagner", body); code != 400 || !strings.Contains(out["message"].(string), "vergeben") {
		t.Fatalf("duplicate: %d %v", code, out)
	}
	// A reserved topic root is refused with the reason.
	bad := map[string]any{"username": "boese", "kind": "siren", "driver": "tasmota", "topic": "crisisroom/x"}
	if code, out := r.api("POST", "/api/crisisroom/devices", "jwagner", bad); code != 400 || !strings.Contains(out["message"].(string), "reserv") {
		t.Fatalf("reserved topic: %d %v", code, out)
	}

	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + r.MQTTAddr).SetClientID("hafen").SetUsername("sirene-hafen").SetPassword(pw))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("the new credentials do not work: %v", tok.Error())
	}
	c.Disconnect(0)

	// History: operators see the creation in the device's history; others do not.
	id := rec["id"].(string)
	if code, _ := r.api("GET", "/api/crisisroom/devices/"+id+"/history", "phoffmann", nil); code != 403 {
		t.Errorf("a host member read the device history: %d", code)
	}
	code, hist := r.api("GET", "/api/crisisroom/devices/"+id+"/history", "mschulz", nil)
	if code != 200 || !strings.Contains(toJSON(hist["audit"]), "devices.create") {
		t.Fatalf("history %d %v", code, hist)
	}
	// A new password: the old one stops working, and a connection made with it ends.
	lost := make(chan struct{})
	live := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + r.MQTTAddr).SetClientID("hafen-live").
		SetUsername("sirene-hafen").SetPassword(pw).SetAutoReconnect(false).
		SetConnectionLostHandler(func(paho.Client, error) { close(lost) }))
	if tok := live.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect with the first password: %v", tok.Error())
	}
	code, again := r.api("POST", "/api/crisisroom/devices/"+id+"/password", "jwagner", nil)
	if code != 200 || again["password"] == pw {
		t.Fatalf("new password %d %v", code, again)
	}
	select {
	case <-lost:
	case <-time.After(10 * time.Second):
		t.Error("the connection made with the old password outlived the reset")
	}
	if code, _ := r.api("POST", "/api/crisisroom/devices/"+id+"/password", "tkeller", nil); code != 403 {
		t.Errorf("the police admin reset a host device's password: %d", code)
	}
	c = paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + r.MQTTAddr).SetClientID("hafen2").SetUsername("sirene-hafen").SetPassword(pw).SetConnectRetry(false))
	if tok := c.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
		c.Disconnect(0)
		t.Fatal("the old password still works")
	}

	// A police device's credentials are the police's to renew, not the host operator's
	// (who would then hold the police device's identity).
	polBody := map[string]any{"username": "pol-tafel", "kind": "board", "driver": "kiosk", "organisation": r.Demo.Orgs["POL"].Id}
	code, pol := r.api("POST", "/api/crisisroom/devices", "jwagner", polBody)
	if code != 200 {
		t.Fatalf("create a police device: %d %v", code, pol)
	}
	polId := pol["record"].(map[string]any)["id"].(string)
	for who, want := range map[string]int{"jwagner": 403, "lneumann": 403, "sbraun": 403, "tkeller": 200} {
		if code, out := r.api("POST", "/api/crisisroom/devices/"+polId+"/password", who, nil); code != want {
			t.Errorf("%s renews the police device's password: %d, want %d (%v)", who, code, want, out)
		}
	}
}
