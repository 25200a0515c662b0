package durability_test

import (
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/testkit"
)

// A device's channel post (QoS 1) is acknowledged (PUBACK) only once the message is stored:
// while the store is held back the device gets no PUBACK; once it is let go, the PUBACK
// comes and the message is there. Before, mochi sent the PUBACK first and the appliance
// stored the post afterwards from a queue, so a crash right after the PUBACK lost it.
func TestChannelPostIsAcknowledgedOnlyOnceStored(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	defer let()
	s := testkit.StartServer(t, testkit.Options{Demo: true, Before: func(app core.App) {
		app.OnRecordCreateExecute("messages").BindFunc(func(e *core.RecordEvent) error {
			if e.Record.GetString("source") == "mqtt" {
				<-release // the disk is slow
			}
			return e.Next()
		})
	}})
	channel := s.Demo.Channels["KS intern"]
	coll, err := s.App.FindCollectionByNameOrId("devices")
	if err != nil {
		t.Fatal(err)
	}
	d := core.NewRecord(coll)
	d.Set("username", "ks-tafel-ack")
	d.Set("name", "Tafel")
	d.Set("organisation", s.Demo.Orgs["KS"].Id)
	d.Set("kind", "board")
	d.Set("channel", channel.Id)
	d.SetPassword("mqtt-passwort-2026")
	if err := s.App.Save(d); err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + s.MQTTAddr).SetClientID("ack-test").
		SetUsername("ks-tafel-ack").SetPassword("mqtt-passwort-2026").SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)

	tok := c.Publish("crisisroom/channel/"+channel.Id+"/in", 1, false, `{"body":"Pegel 4,20 m","client_key":"ack-1"}`)
	if tok.WaitTimeout(1500 * time.Millisecond) {
		t.Fatal("PUBACK before the message was stored")
	}
	let()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("no PUBACK after the store: %v", tok.Error())
	}
	// The PUBACK means it is stored: no waiting here.
	if _, err := s.App.FindFirstRecordByFilter("messages", "client_key = {:k}", dbx.Params{"k": "ack-1"}); err != nil {
		t.Fatalf("acknowledged post not stored: %v", err)
	}
}
