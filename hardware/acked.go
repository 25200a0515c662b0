package hardware

import (
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Handlers that must run before the publisher gets its PUBACK. mochi answers a QoS 1
// publish first and hands it to subscribers afterwards (server.go, processPublish), so an
// inline subscription cannot promise that an acknowledged channel post or received fax is
// stored. These handlers run in the broker's OnPublish hook instead, in the publisher's own
// read loop (one device's publishes stay in order), and the PUBACK follows their return.
type ackedHandler struct {
	filter  string
	handler func(username, topic string, payload []byte) error
}

// SubscribeBeforeAck runs handler for every publish on filter (MQTT wildcards + and #)
// before the publisher's PUBACK (MQTT 3.1.1 §4.3.2: the receiver acknowledges once it has
// taken ownership of the message). A handler error means "not taken": an MQTT 5 publisher
// gets a PUBACK with reason 0x80 (unspecified error), an MQTT 3 publisher none, so it sends
// the message again (a retry must be idempotent, e.g. by client_key). Publishes of the
// appliance's own inline client run the handler too, with username "".
func (b *Broker) SubscribeBeforeAck(filter string, handler func(username, topic string, payload []byte) error) {
	b.Mu.Lock()
	b.acked = append(b.acked, ackedHandler{filter, handler})
	b.Mu.Unlock()
}

// ackHook runs the SubscribeBeforeAck handlers; it is added after authHook, so only
// publishes inside the device's grants arrive here.
type ackHook struct {
	mqtt.HookBase
	b *Broker
}

func (h *ackHook) ID() string { return "crisisroom-store-before-ack" }

func (h *ackHook) Provides(b byte) bool { return b == mqtt.OnPublish || b == mqtt.OnWillSent }

// OnWillSent hands a device's last will (already checked by authHook.OnWill) to the same
// handlers: mochi sends wills past OnPublish, and a will on channel/<id>/in has always
// become a message. There is no acknowledgement to hold back; an error is the handler's to
// report.
func (h *ackHook) OnWillSent(cl *mqtt.Client, pk packets.Packet) {
	if pk.TopicName == "" {
		return
	}
	h.b.Mu.Lock()
	handlers := h.b.acked
	h.b.Mu.Unlock()
	user := ""
	if !cl.Net.Inline {
		user = string(cl.Properties.Username)
	}
	for _, a := range handlers {
		if topicMatches(a.filter, pk.TopicName) {
			_ = a.handler(user, pk.TopicName, pk.Payload)
		}
	}
}

func (h *ackHook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	h.b.Mu.Lock()
	handlers := h.b.acked
	h.b.Mu.Unlock()
	user := ""
	if !cl.Net.Inline {
		user = string(cl.Properties.Username)
	}
	for _, a := range handlers {
		if !topicMatches(a.filter, pk.TopicName) {
			continue
		}
		if err := a.handler(user, pk.TopicName, pk.Payload); err != nil {
			if cl.Net.Inline || pk.FixedHeader.Qos == 0 {
				return pk, packets.ErrRejectPacket
			}
			if cl.Properties.ProtocolVersion == 5 {
				return pk, packets.ErrUnspecifiedError
			}
			return pk, packets.ErrRejectPacket // no PUBACK: the device sends it again
		}
	}
	return pk, nil
}

// topicMatches reports whether topic matches the MQTT filter (+ one level, # the rest).
func topicMatches(filter, topic string) bool {
	f, t := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, part := range f {
		if part == "#" {
			return true
		}
		if i >= len(t) || (part != "+" && part != t[i]) {
			return false
		}
	}
	return len(f) == len(t)
}
