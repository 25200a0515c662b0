// Package mqttbus declares the small Bus interface every device driver speaks (sirens,
// boards, fax, SMS) and adapts MQTT clients to it: paho for `crisisroom bridge` on
// another machine, mochi's inline client for drivers running inside the appliance.
package mqttbus

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Bus is what a driver needs of MQTT: publish (MQTT 3.1.1/5 PUBLISH with retain flag
// and QoS 0–2) and subscribe with a handler called for each message matching filter
// (MQTT topic filter, wildcards + and #). Publish returns an error when the broker did
// not take the message; Subscribe when the broker refused the filter.
type Bus interface {
	Publish(topic string, payload []byte, retain bool, qos byte) error
	Subscribe(filter string, handler func(topic string, payload []byte)) error
}

var (
	_ Bus = (*Paho)(nil)
	_ Bus = (*Mochi)(nil)
)

// Paho adapts a connected paho client.
type Paho struct {
	Client paho.Client
	// Timeout bounds waiting for the broker's acknowledgement; 0 means 10 s.
	Timeout time.Duration
}

// NewPaho wraps c, which the caller connects (and reconnects: set
// AutoReconnect and ResumeSubs or CleanSession=false, or subscriptions are
// lost with the connection).
func NewPaho(c paho.Client) *Paho { return &Paho{Client: c} }

func (p *Paho) timeout() time.Duration {
	if p.Timeout <= 0 {
		return 10 * time.Second
	}
	return p.Timeout
}

// ErrTimeout means the broker did not acknowledge in time.
var ErrTimeout = errors.New("mqttbus: broker did not acknowledge in time")

func wait(t paho.Token, d time.Duration) error {
	if !t.WaitTimeout(d) {
		return ErrTimeout
	}
	return t.Error()
}

func (p *Paho) Publish(topic string, payload []byte, retain bool, qos byte) error {
	if err := wait(p.Client.Publish(topic, qos, retain, payload), p.timeout()); err != nil {
		return fmt.Errorf("failed to publish %s: %w", topic, err)
	}
	return nil
}

func (p *Paho) Subscribe(filter string, handler func(topic string, payload []byte)) error {
	t := p.Client.Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
		handler(m.Topic(), m.Payload())
	})
	if err := wait(t, p.timeout()); err != nil {
		return fmt.Errorf("failed to subscribe %s: %w", filter, err)
	}
	return nil
}

// Mochi adapts a mochi server started with Options.InlineClient. Inline
// publishes bypass the ACL hooks: fine for drivers the appliance itself
// runs. Handlers run on the publishing client's goroutine.
type Mochi struct {
	Server *mqtt.Server
	nextID atomic.Int32
}

// NewMochi wraps s.
func NewMochi(s *mqtt.Server) *Mochi { return &Mochi{Server: s} }

func (m *Mochi) Publish(topic string, payload []byte, retain bool, qos byte) error {
	return m.Server.Publish(topic, payload, retain, qos)
}

func (m *Mochi) Subscribe(filter string, handler func(topic string, payload []byte)) error {
	// Inline subscription IDs only need to be unique per filter; a counter
	// keeps several drivers on one server apart.
	id := int(m.nextID.Add(1)) + 1000
	return m.Server.Subscribe(filter, id, func(_ *mqtt.Client, _ packets.Subscription, pk packets.Packet) {
		handler(pk.TopicName, pk.Payload)
	})
}
