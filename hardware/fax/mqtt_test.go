package fax_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"crisisroom/hardware/fax"
	"crisisroom/hardware/fax/sim"
)

type busMsg struct {
	topic   string
	payload []byte
	retain  bool
	qos     byte
}

// memBus is an in-memory Bus with exact-topic subscriptions.
type memBus struct {
	mu   sync.Mutex
	subs map[string]func(string, []byte)
	out  chan busMsg
}

func newMemBus() *memBus {
	return &memBus{subs: map[string]func(string, []byte){}, out: make(chan busMsg, 100)}
}

func (b *memBus) Publish(topic string, payload []byte, retain bool, qos byte) error {
	b.out <- busMsg{topic, payload, retain, qos}
	b.mu.Lock()
	h := b.subs[topic]
	b.mu.Unlock()
	if h != nil {
		h(topic, payload)
	}
	return nil
}

func (b *memBus) Subscribe(filter string, h func(string, []byte)) error {
	b.mu.Lock()
	b.subs[filter] = h
	b.mu.Unlock()
	return nil
}

func (b *memBus) next(t *testing.T, topic string) busMsg {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case m := <-b.out:
			if m.topic == topic {
				return m
			}
		case <-timeout:
			t.Fatalf("nothing on %s", topic)
		}
	}
}

func TestMQTTFace(t *testing.T) {
	h := start(t, sim.Options{})
	bus := newMemBus()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := fax.Attach(ctx, h.driver, bus, fax.MQTTOptions{Device: "fax1"}); err != nil {
		t.Fatal(err)
	}
	const base = "crisisroom/fax/fax1/"
	if m := bus.next(t, base+"status"); string(m.payload) != "idle" || !m.retain {
		t.Fatalf("status %q retained=%v", m.payload, m.retain)
	}

	// Malformed JSON: a failed result with an empty id, and the driver lives on.
	bus.Publish(base+"send", []byte(`{"id":`), false, 1)
	var res fax.SendResultMessage
	m := bus.next(t, base+"send/result")
	json.Unmarshal(m.payload, &res)
	if res.ID != "" || res.Status != "failed" || res.Error == "" || res.ReasonDE == "" || m.retain {
		t.Fatalf("malformed request: %s", m.payload)
	}
	bus.Publish(base+"send", []byte(`{"id":"n1","number":"123"}`), false, 1)
	json.Unmarshal(bus.next(t, base+"send/result").payload, &res)
	if res.ID != "n1" || res.Status != "failed" {
		t.Fatalf("request without content: %+v", res)
	}
	bus.Publish(base+"send", []byte(`{"id":"n2","number":"123","document":"`+base64.StdEncoding.EncodeToString([]byte("%PDF-1.7 from elsewhere"))+`"}`), false, 1)
	json.Unmarshal(bus.next(t, base+"send/result").payload, &res)
	if res.ID != "n2" || res.Status != "failed" || !strings.Contains(res.Error, "crisisroom") {
		t.Fatalf("foreign PDF: %+v", res)
	}

	// Text is rendered and sent.
	bus.Publish(base+"send", []byte(`{"id":"t1","number":"0221 1234","text":"Grüße aus dem Krisenstab"}`), false, 1)
	json.Unmarshal(bus.next(t, base+"send/result").payload, &res)
	if res.ID != "t1" || res.Status != "sent" || res.Pages != 1 || res.Attempt != 1 {
		t.Fatalf("text send: %+v", res)
	}
	<-h.sim.Faxes()

	// A ring becomes an inbox message whose document can be faxed on.
	pages := twoPages(t)
	h.sim.Ring("+49 30 1", sim.Page{Image: pages[0].Image}, sim.Page{Image: pages[1].Image})
	m = bus.next(t, base+"inbox")
	var in fax.InboxMessage
	if err := json.Unmarshal(m.payload, &in); err != nil {
		t.Fatal(err)
	}
	if in.RemoteID != "+49 30 1" || in.Pages != 2 || len(in.Previews) != 2 || in.ID == "" || in.ReceivedAt == "" || m.retain || m.qos != 1 {
		t.Fatalf("inbox: %+v", in)
	}
	preview, _ := base64.StdEncoding.DecodeString(in.Previews[0])
	if _, err := png.Decode(bytes.NewReader(preview)); err != nil {
		t.Errorf("preview is not a PNG: %v", err)
	}
	bus.Publish(base+"send", []byte(`{"id":"fw","number":"110","document":"`+in.Document+`"}`), false, 1)
	json.Unmarshal(bus.next(t, base+"send/result").payload, &res)
	if res.ID != "fw" || res.Status != "sent" || res.Pages != 2 {
		t.Fatalf("forwarding the inbox PDF: %+v", res)
	}
	f := <-h.sim.Faxes()
	if !equalImages(f.Pages[1].Image, pages[1].Image) {
		t.Error("forwarded page differs from the received one")
	}
}
