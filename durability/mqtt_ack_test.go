package durability_test

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/testkit"
)

// A device's channel post and a fax bridge's received fax (QoS 1) are acknowledged (PUBACK)
// only once stored: while the store is held back the device gets no PUBACK; once it is let
// go, the PUBACK comes and the record is there. Before, mochi sent the PUBACK first and the
// appliance stored the post afterwards from a queue (the fax from a goroutine), so a crash
// right after the PUBACK lost it.
func TestChannelPostIsAcknowledgedOnlyOnceStored(t *testing.T) {
	for _, c := range []struct {
		name, kind, collection, topic, payload, filter, key string
	}{
		{"channel post", "board", "messages", "crisisroom/channel/%s/in", `{"body":"Pegel 4,20 m","client_key":"ack-1"}`, "client_key = {:k}", "ack-1"},
		{"received fax", "fax", "faxes", "crisisroom/fax/ks-geraet-ack/inbox", `{"id":"ack-fax-1","remote_id":"+49 221 1","pages":1,"document":"JVBERi0xLjQK"}`, "fax_id = {:k}", "ack-fax-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			testAckedOnlyOnceStored(t, c.kind, c.collection, c.topic, c.payload, c.filter, c.key)
		})
	}
}

func testAckedOnlyOnceStored(t *testing.T, kind, collection, topic, payload, filter, key string) {
	release := make(chan struct{})
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	defer let()
	s := testkit.StartServer(t, testkit.Options{Demo: true, Before: func(app core.App) {
		app.OnRecordCreateExecute(collection).BindFunc(func(e *core.RecordEvent) error {
			if e.Record.GetString("source") == "mqtt" || e.Record.GetString("fax_id") != "" {
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
	d.Set("username", "ks-geraet-ack")
	d.Set("name", "Gerät")
	d.Set("organisation", s.Demo.Orgs["KS"].Id)
	d.Set("kind", kind)
	d.Set("channel", channel.Id)
	d.SetPassword("mqtt-passwort-2026")
	if err := s.App.Save(d); err != nil {
		t.Fatal(err)
	}
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + s.MQTTAddr).SetClientID("ack-test").
		SetUsername("ks-geraet-ack").SetPassword("mqtt-passwort-2026").SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(100)

	if strings.Contains(topic, "%s") {
		topic = fmt.Sprintf(topic, channel.Id)
	}
	tok := c.Publish(topic, 1, false, payload)
	if tok.WaitTimeout(1500 * time.Millisecond) {
		t.Fatal("PUBACK before the message was stored")
	}
	let()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("no PUBACK after the store: %v", tok.Error())
	}
	// The PUBACK means it is stored: no waiting here.
	if _, err := s.App.FindFirstRecordByFilter(collection, filter, dbx.Params{"k": key}); err != nil {
		t.Fatalf("acknowledged post not stored: %v", err)
	}
}

// A device's last will on its channel's in topic still becomes a message: wills pass mochi's
// OnWillSent, not OnPublish, so the store-before-PUBACK path has to take them there too.
func TestLastWillOnTheChannelBecomesAMessage(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	channel := s.Demo.Channels["KS intern"]
	coll, err := s.App.FindCollectionByNameOrId("devices")
	if err != nil {
		t.Fatal(err)
	}
	d := core.NewRecord(coll)
	d.Set("username", "ks-sonde-will")
	d.Set("name", "Pegelsonde")
	d.Set("organisation", s.Demo.Orgs["KS"].Id)
	d.Set("kind", "sensor")
	d.Set("channel", channel.Id)
	d.SetPassword("mqtt-passwort-2026")
	if err := s.App.Save(d); err != nil {
		t.Fatal(err)
	}
	var conn net.Conn
	opts := paho.NewClientOptions().AddBroker("tcp://"+s.MQTTAddr).SetClientID("will-test").
		SetUsername("ks-sonde-will").SetPassword("mqtt-passwort-2026").SetAutoReconnect(false).SetConnectTimeout(5*time.Second).
		SetWill("crisisroom/channel/"+channel.Id+"/in", `{"body":"Pegelsonde ausgefallen","client_key":"will-1"}`, 1, false)
	opts.SetCustomOpenConnectionFn(func(uri *url.URL, _ paho.ClientOptions) (net.Conn, error) {
		c, err := net.DialTimeout("tcp", uri.Host, 5*time.Second)
		conn = c
		return c, err
	})
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	conn.Close() // the sensor loses power: no DISCONNECT, the will goes out
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := s.App.FindFirstRecordByFilter("messages", "client_key = 'will-1' && source = 'mqtt'"); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the last will did not become a message within 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
