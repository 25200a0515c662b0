// Package board turns the situation picture (Lage) into what the room's status boards
// understand: the appliance's own board topic (kiosk browsers and bridges), AWTRIX
// clocks, WLED light strips and Alpha serial signs. Like every device driver it knows
// MQTT topics and its devices only, never PocketBase.
package board

import (
	"crisisroom/hardware/mqttbus"
	"encoding/json"
	"strings"
)

// Bus is the part of an MQTT connection a driver needs (hardware.Broker, mqttbus.Paho).
type Bus = mqttbus.Bus

// Item is one line of the situation picture.
type Item struct {
	Id       string `json:"id,omitempty"`
	Title    string `json:"title"`
	Body     string `json:"body,omitempty"`
	Severity string `json:"severity"`         // info, warning, critical
	Kind     string `json:"kind,omitempty"`   // item, message, siren
	Source   string `json:"source,omitempty"` // organisation or channel it came from
	Time     string `json:"time,omitempty"`
	Expires  string `json:"expires,omitempty"`
}

// Set is the payload on crisisroom/board/<device>/set.
type Set struct {
	Items   []Item `json:"items"`
	Updated string `json:"updated,omitempty"`
}

// Message is one MQTT publish.
type Message struct {
	Topic   string
	Payload []byte
	Retain  bool
	QoS     byte
}

// SetTopic is where the appliance publishes a board's items.
func SetTopic(prefix, device string) string { return prefix + "board/" + device + "/set" }

// StateTopic is where a board reports what it shows.
func StateTopic(prefix, device string) string { return prefix + "board/" + device + "/state" }

var rank = map[string]int{"info": 1, "warning": 2, "critical": 3}

// Top returns the most severe item (the first of equals), and false for an empty set.
func Top(items []Item) (Item, bool) {
	best, ok := Item{}, false
	for _, it := range items {
		if !ok || rank[it.Severity] > rank[best.Severity] {
			best, ok = it, true
		}
	}
	return best, ok
}

// Config is a board device's own settings (the devices record's config JSON).
type Config struct {
	Channels []string       `json:"channels"` // shared channels whose Blitz/Sofort messages the board shows
	Presets  map[string]int `json:"presets"`  // WLED preset per severity
	Duration int            `json:"duration"` // AWTRIX seconds per notification
}

var awtrixColor = map[string]string{"info": "#FFFFFF", "warning": "#FFA000", "critical": "#FF0000"}

// Adapt returns what to publish to a board of driver at its own topic, besides the
// appliance's set topic which every board gets.
func Adapt(driver, topic string, set Set, cfg Config) []Message {
	top, has := Top(set.Items)
	switch driver {
	case "awtrix":
		if topic == "" {
			return nil
		}
		if !has {
			return []Message{{Topic: topic + "/notify/dismiss", Payload: []byte("{}"), QoS: 1}}
		}
		text := top.Title
		if top.Body != "" {
			text += ": " + top.Body
		}
		d := cfg.Duration
		if d <= 0 {
			d = 15
		}
		body, _ := json.Marshal(map[string]any{"text": text, "color": awtrixColor[sev(top.Severity)], "duration": d, "hold": top.Severity == "critical"})
		return []Message{{Topic: topic + "/notify", Payload: body, QoS: 1}}
	case "wled":
		if topic == "" {
			return nil
		}
		presets := map[string]int{"info": 1, "warning": 2, "critical": 3}
		for k, v := range cfg.Presets {
			presets[k] = v
		}
		var body []byte
		if !has {
			body, _ = json.Marshal(map[string]any{"on": false})
		} else {
			body, _ = json.Marshal(map[string]any{"on": true, "ps": presets[sev(top.Severity)]})
		}
		return []Message{{Topic: "wled/" + topic + "/api", Payload: body, QoS: 1}}
	}
	return nil
}

func sev(s string) string {
	if _, ok := rank[s]; ok {
		return s
	}
	return "info"
}

// Text is the situation as one line for signs with a single line of text.
func Text(set Set) string {
	var parts []string
	for _, it := range set.Items {
		t := it.Title
		if it.Body != "" && len(set.Items) == 1 {
			t += ": " + it.Body
		}
		parts = append(parts, strings.TrimSpace(t))
	}
	if len(parts) == 0 {
		return "Keine Meldungen"
	}
	return strings.Join(parts, " +++ ")
}
