package hardware

import (
	"crisisroom/apperr"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

var reservedRoots = []string{"crisisroom", "homeassistant", "shellies", "cmnd", "stat", "tele", "wled", "$"}

func (b *Broker) registerRecordHooks() {
	b.app.OnRecordValidate("devices").BindFunc(func(e *core.RecordEvent) error {
		if err := validateDevice(e.App, e.Record, b.cfg.Prefix); err != nil {
			return err
		}
		return e.Next()
	})
	// A removed device, or one whose password, organisation, name or grants changed,
	// loses its connections: the broker does not check an established subscription
	// again, so narrower grants take effect only on a new connection. Any other change
	// replaces its cached grants in one step: a moment without an entry would refuse the
	// connected device's packets (a presence write raced a subscription that way).
	drop := func(e *core.RecordEvent) error {
		old := e.Record.Original()
		u := old.GetString("username")
		if e.Type == "delete" || old.GetString("password") != e.Record.GetString("password") ||
			old.GetString("organisation") != e.Record.GetString("organisation") || u != e.Record.GetString("username") {
			b.Revoke(u)
		} else if cur, connected := b.Devices.Get(u); connected {
			next, ok := b.loadDevice(e.App, e.Record)
			if !ok || !sameGrants(cur, next) {
				b.Revoke(u)
			} else {
				b.Devices.put(next)
			}
		}
		return e.Next()
	}
	b.app.OnRecordAfterUpdateSuccess("devices").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.Original().GetString("online") != e.Record.GetString("online") && e.Record.Original().GetString("config") == e.Record.GetString("config") {
			return e.Next()
		}
		return drop(e)
	})
	b.app.OnRecordAfterDeleteSuccess("devices").BindFunc(drop)

	// Every message of a channel also goes to its MQTT topic, for boards and bridges.
	b.app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		b.publishMessage(e.Record)
		return e.Next()
	})
}

func validateDevice(app core.App, r *core.Record, prefix string) error {
	topic := r.GetString("topic")
	if topic != "" {
		// Records are also saved before the broker has read its config (the demo seed).
		if prefix == "" {
			prefix = "crisisroom/"
		}
		root := strings.SplitN(topic, "/", 2)[0]
		own := strings.SplitN(prefix, "/", 2)[0]
		for _, res := range append(reservedRoots, own) {
			if root == res {
				return apperr.BadRequest("device.topic_reserved")
			}
		}
		if strings.ContainsAny(topic, "+#") {
			return apperr.BadRequest("device.topic_wildcards")
		}
		if other, err := app.FindFirstRecordByFilter("devices", "topic = {:t} && id != {:id}", dbx.Params{"t": topic, "id": r.Id}); err == nil && other != nil {
			return apperr.BadRequest("device.topic_taken")
		}
		// One topic must not be the prefix of another, or one device could read the other's.
		var n int
		_ = app.DB().NewQuery("SELECT COUNT(*) FROM devices WHERE id != {:id} AND topic != '' AND (topic LIKE {:t} || '/%' OR {:t} LIKE topic || '/%')").
			Bind(dbx.Params{"id": r.Id, "t": topic}).Row(&n)
		if n > 0 {
			return apperr.BadRequest("device.topic_overlaps")
		}
	}
	if zone := r.GetString("zone"); zone != "" {
		// Zones are shared by the sirens in them; they must not span two organisations.
		if other, err := app.FindFirstRecordByFilter("devices", "zone = {:z} && organisation != {:o} && id != {:id}", dbx.Params{"z": zone, "o": r.GetString("organisation"), "id": r.Id}); err == nil && other != nil {
			return apperr.BadRequest("device.zone_of_other_organisation")
		}
	}
	// The channel is checked when it is given: a device whose organisation later leaves
	// the channel keeps the field (the broker withholds the channel's topics, see
	// loadDevice), and its presence must still be saved.
	if ch := r.GetString("channel"); ch != "" && (r.IsNew() || r.Original().GetString("channel") != ch || r.Original().GetString("organisation") != r.GetString("organisation")) {
		c, err := app.FindRecordById("channels", ch)
		if err != nil {
			return apperr.BadRequest("device.channel_missing")
		}
		org := r.GetString("organisation")
		ok := c.GetString("organisation") == org
		for _, o := range c.GetStringSlice("organisations") {
			ok = ok || o == org
		}
		if !ok {
			return apperr.BadRequest("device.organisation_not_in_channel")
		}
	}
	return nil
}

// sameGrants: a and b are granted the same topics.
func sameGrants(a, b Device) bool {
	return a.Username == b.Username && a.Organisation == b.Organisation && a.Kind == b.Kind && a.Driver == b.Driver &&
		a.Topic == b.Topic && a.Zone == b.Zone && a.Channel == b.Channel
}

// ChannelOut is the payload on crisisroom/channel/<id>/out.
type ChannelOut struct {
	Id       string `json:"id"`
	Channel  string `json:"channel"`
	Author   string `json:"author"`
	Body     string `json:"body"`
	Priority string `json:"priority"`
	Source   string `json:"source"`
	Created  string `json:"created"`
}

func (b *Broker) publishMessage(m *core.Record) {
	if m.GetBool("deleted") {
		return
	}
	topic := b.cfg.Prefix + "channel/" + m.GetString("channel") + "/out"
	b.Mu.Lock()
	server := b.Server
	b.Mu.Unlock()
	if server == nil || !hasSubscribers(server, topic) {
		return // most channels have no board or bridge: no name to look up, nothing to encode
	}
	author := b.names.of(b.app, "users", m.GetString("author"))
	if author == "" {
		author = b.names.of(b.app, "devices", m.GetString("device"))
	}
	priority := m.GetString("priority")
	if priority == "" {
		priority = "normal"
	}
	payload, _ := json.Marshal(ChannelOut{m.Id, m.GetString("channel"), author, m.GetString("body"), priority, m.GetString("source"), m.GetDateTime("created").String()})
	_ = server.Publish(topic, payload, false, 1)
}

// hasSubscribers tells whether any client or inline handler would receive topic.
func hasSubscribers(server *mqtt.Server, topic string) bool {
	s := server.Topics.Subscribers(topic)
	return len(s.Subscriptions) > 0 || len(s.Shared) > 0 || len(s.InlineSubscriptions) > 0
}

// nameCache holds the display names of message authors (people and devices) that the
// channel topics carry, so a message costs no record load; any change to users or
// devices empties it.
type nameCache struct {
	mu    sync.Mutex
	names map[string]string // collection + "/" + id → name
}

func newNameCache(app core.App) *nameCache {
	c := &nameCache{names: map[string]string{}}
	empty := func(e *core.RecordEvent) error {
		c.mu.Lock()
		c.names = map[string]string{}
		c.mu.Unlock()
		return e.Next()
	}
	app.OnRecordAfterUpdateSuccess("users", "devices").BindFunc(empty)
	app.OnRecordAfterDeleteSuccess("users", "devices").BindFunc(empty)
	return c
}

// of is the name of the record id of collection ("" when there is none).
func (c *nameCache) of(app core.App, collection, id string) string {
	if id == "" {
		return ""
	}
	key := collection + "/" + id
	c.mu.Lock()
	name, ok := c.names[key]
	c.mu.Unlock()
	if ok {
		return name
	}
	_ = app.DB().NewQuery("SELECT name FROM " + collection + " WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&name)
	c.mu.Lock()
	if len(c.names) > 10000 {
		c.names = map[string]string{}
	}
	c.names[key] = name
	c.mu.Unlock()
	return name
}

// ChannelIn is what a device posts on crisisroom/channel/<id>/in: JSON, or plain text as
// the body.
type ChannelIn struct {
	Body      string `json:"body"`
	Priority  string `json:"priority"`
	ClientKey string `json:"client_key"`
}

// subscribeChannelsIn turns device posts into messages. The ACL has already limited each
// device to its own channel; the handler checks again. The post is stored before the device
// gets its PUBACK (SubscribeBeforeAck): an acknowledged post is on disk. One device's posts
// are stored in the order they arrived (its read loop waits), so a retried publish finds the
// first one saved; a post that could not be stored (a full disk) is not acknowledged and the
// device sends it again.
func (b *Broker) subscribeChannelsIn() {
	b.SubscribeBeforeAck(b.cfg.Prefix+"channel/+/in", func(username, topic string, payload []byte) error {
		if username == "" {
			return nil
		}
		channel := strings.TrimSuffix(strings.TrimPrefix(topic, b.cfg.Prefix+"channel/"), "/in")
		return b.postFromDevice(username, channel, payload)
	})
}

func (b *Broker) ReportError(username, topic, msg string) {
	payload, _ := json.Marshal(map[string]string{"topic": topic, "error": msg})
	_ = b.Publish(b.cfg.Prefix+"device/"+username+"/error", payload, false, 1)
}

// postFromDevice stores a device's post as a message. It returns an error only when the
// message could not be stored (the device should send it again); a post that can never make
// a message is reported to the device and not retried.
func (b *Broker) postFromDevice(username, channel string, payload []byte) error {
	topic := b.cfg.Prefix + "channel/" + channel + "/in"
	d, ok := b.Devices.Get(username)
	if !ok || d.Channel != channel {
		return nil
	}
	in, err := ParseChannelIn(payload)
	if err != nil {
		b.ReportError(username, topic, err.Error())
		return nil
	}
	coll, err := b.app.FindCachedCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	if in.ClientKey != "" {
		if _, err := b.app.FindFirstRecordByFilter("messages", "device = {:d} && client_key = {:k}", dbx.Params{"d": d.Id, "k": in.ClientKey}); err == nil {
			return nil // a retried publish (QoS 1 redelivery): already posted
		}
	}
	m := core.NewRecord(coll)
	m.Set("channel", channel)
	m.Set("device", d.Id)
	m.Set("body", in.Body)
	m.Set("priority", in.Priority)
	m.Set("source", "mqtt")
	m.Set("client_key", in.ClientKey)
	if err := b.app.Save(m); err != nil {
		b.ReportError(username, topic, "message not saved: "+err.Error())
		return err
	}
	return nil
}

// ParseChannelIn reads a device's post; it refuses what would not make a message.
func ParseChannelIn(payload []byte) (ChannelIn, error) {
	var in ChannelIn
	if !utf8.Valid(payload) {
		return in, errors.New("payload is not UTF-8 text / Nutzlast ist kein UTF-8-Text")
	}
	trimmed := strings.TrimSpace(string(payload))
	if strings.HasPrefix(trimmed, "{") {
		if err := json.Unmarshal(payload, &in); err != nil {
			return in, errors.New("payload is not valid JSON: " + err.Error())
		}
	} else {
		in.Body = trimmed
	}
	in.Body = strings.TrimSpace(in.Body)
	if in.Body == "" {
		return in, errors.New("empty message / leere Nachricht")
	}
	if utf8.RuneCountInString(in.Body) > 20000 {
		return in, errors.New("message longer than 20000 characters / Nachricht länger als 20000 Zeichen")
	}
	switch in.Priority {
	case "", "normal", "immediate", "flash":
	default:
		return in, errors.New("priority must be normal, immediate or flash")
	}
	if in.Priority == "" {
		in.Priority = "normal"
	}
	if len(in.ClientKey) > 64 {
		return in, errors.New("client_key longer than 64 characters")
	}
	for _, c := range in.ClientKey {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return in, errors.New("client_key may hold only letters, digits, - and _")
		}
	}
	return in, nil
}

// isSirenKind: the kinds of device the room switches as a siren (a siren or a relay).
func IsSirenKind(kind string) bool { return kind == "siren" || kind == "relay" }
