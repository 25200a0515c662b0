package sms

import (
	"context"
	"crisisroom/hardware/mqttbus"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
)

// Bus is the little of MQTT the driver needs (hardware/mqttbus adapts mochi's inline
// client and paho to it). Handlers may run on the broker's goroutines.
type Bus = mqttbus.Bus

// SendRequest is the payload of crisisroom/sms/<device>/send.
type SendRequest struct {
	ID     string `json:"id"`
	Number string `json:"number"` // E.164
	Text   string `json:"text"`
	// Report asks the network for a delivery report.
	Report bool `json:"report"`
}

// Topics of one device under prefix ("crisisroom/"):
//
//	sms/<device>/send         appliance → driver: SendRequest (QoS 1, never retained)
//	sms/<device>/send/result  driver → appliance: Result
//	sms/<device>/inbox        driver → appliance: Inbox
//	sms/<device>/status       driver → appliance: Status, retained
func Topics(prefix, device string) (send, result, inbox, status string) {
	base := prefix + "sms/" + device + "/"
	return base + "send", base + "send/result", base + "inbox", base + "status"
}

// Attach connects a driver to its topics: it takes send requests and publishes
// results, received texts and the status. A malformed request is answered with a
// failed result, never dropped silently.
func Attach(ctx context.Context, d *Driver, bus Bus, prefix, device string, log *slog.Logger) error {
	if device == "" || strings.ContainsAny(device, "/+#") {
		return fmt.Errorf("invalid SMS device name %q", device)
	}
	if prefix == "" {
		prefix = "crisisroom/"
	}
	if log == nil {
		log = d.log
	}
	send, result, inbox, status := Topics(prefix, device)
	pub := func(topic string, v any, retain bool) {
		data, _ := json.Marshal(v)
		if err := bus.Publish(topic, data, retain, 1); err != nil {
			log.Warn("SMS driver could not publish", "topic", topic, "error", err)
		}
	}
	d.Listen(Events{
		Status: func(s Status) { pub(status, s, true) },
		Result: func(r Result) { pub(result, r, false) },
		Inbox:  func(in Inbox) { pub(inbox, in, false) },
	})
	pub(status, d.Status(), true)
	return bus.Subscribe(send, func(_ string, payload []byte) {
		var req SendRequest
		if err := json.Unmarshal(payload, &req); err != nil || req.ID == "" {
			var id struct {
				ID string `json:"id"`
			}
			json.Unmarshal(payload, &id)
			pub(result, Result{ID: id.ID, Status: ResultFailed, Code: "INVALID", ReasonDE: "Ungültiger Sendeauftrag.", ReasonEN: "Malformed send request."}, false)
			return
		}
		if err := d.Send(req.ID, req.Number, req.Text, req.Report); err != nil {
			pub(result, Result{ID: req.ID, Status: ResultFailed, Code: "INVALID", ReasonDE: "Nicht sendbar: " + err.Error(), ReasonEN: "Cannot be sent: " + err.Error()}, false)
		}
	})
}
