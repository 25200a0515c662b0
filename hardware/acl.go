package hardware

import (
	"bytes"
	"net"
	"strings"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
)

// Device is what the broker knows about a connected device: enough to decide its ACL
// without a database query per packet.
type Device struct {
	Id           string
	Username     string
	Organisation string
	Kind         string
	Driver       string
	Topic        string // the device's own topic for third-party conventions
	Zone         string
	Channel      string
	Outdoor      bool
	// Sees lists, for a Home Assistant server (kind "homeassistant"), the sirens and
	// relays of its organisation it is shown: their discovery configs, state and
	// presence, and the command topic of those with remote activation on.
	Sees []SeenSiren
}

// SeenSiren is one siren as a Home Assistant server sees it.
type SeenSiren struct {
	Username string
	Zone     string
	Remote   bool // ha_remote: Home Assistant may ask the appliance to sound it
}

func deviceFromRecord(r *core.Record) Device {
	return Device{
		Id:           r.Id,
		Username:     r.GetString("username"),
		Organisation: r.GetString("organisation"),
		Kind:         r.GetString("kind"),
		Driver:       r.GetString("driver"),
		Topic:        r.GetString("topic"),
		Zone:         r.GetString("zone"),
		Channel:      r.GetString("channel"),
		Outdoor:      r.GetBool("outdoor"),
	}
}

// Grant is one topic filter a device may use. Retain marks the state topics under Filter
// where a publish the device may make may also be retained (DESIGN §5: state is retained,
// commands never are); a grant may carry Retain alone to narrow a wider write grant.
type Grant struct {
	Filter string
	Read   bool
	Write  bool
	Retain bool
	// Narrow read grants let a client subscribe to Filter, but deliver only the topics
	// another read grant covers. Home Assistant subscribes to its whole discovery prefix
	// (homeassistant/#, or homeassistant/+/+/config): the subscription is allowed, and
	// the broker checks every message it would deliver (mochi asks OnACLCheck with the
	// topic name), so it hears its own organisation's configs and nobody else's.
	Narrow bool
}

// DriverGrants returns the topics of a driver's own convention for a device. Drivers
// register theirs with RegisterDriverACL; the appliance's subtree is always granted.
type DriverGrants func(prefix string, d Device) []Grant

var (
	driverACLMu sync.RWMutex
	driverACL   = map[string]DriverGrants{}
)

// RegisterDriverACL declares the topics a driver's devices may use.
func RegisterDriverACL(driver string, fn DriverGrants) {
	driverACLMu.Lock()
	defer driverACLMu.Unlock()
	driverACL[driver] = fn
}

func init() {
	// The third-party conventions of DESIGN §5. A device's topic is unique and never one
	// of the reserved roots (validated on save), so grants never overlap between devices.
	// Only the state and availability topics of each convention may be retained: a
	// retained command would fire again on every reconnect of the device.
	RegisterDriverACL("tasmota", func(_ string, d Device) []Grant {
		return []Grant{{Filter: "cmnd/" + d.Topic + "/#", Read: true},
			{Filter: "stat/" + d.Topic + "/#", Write: true, Retain: true}, {Filter: "tele/" + d.Topic + "/#", Write: true, Retain: true}}
	})
	RegisterDriverACL("shelly1", func(_ string, d Device) []Grant {
		t := "shellies/" + d.Topic
		return []Grant{{Filter: t + "/#", Read: true, Write: true}, {Filter: t + "/online", Retain: true}, {Filter: t + "/relay/+", Retain: true}}
	})
	RegisterDriverACL("shelly2", func(_ string, d Device) []Grant {
		return []Grant{{Filter: d.Topic + "/#", Read: true, Write: true}, {Filter: d.Topic + "/online", Retain: true}, {Filter: d.Topic + "/status/#", Retain: true}}
	})
	RegisterDriverACL("homeassistant", func(_ string, d Device) []Grant {
		return []Grant{{Filter: d.Topic + "/#", Read: true, Write: true}, {Filter: "homeassistant/status", Read: true},
			{Filter: d.Topic + "/availability", Retain: true}, {Filter: d.Topic + "/state", Retain: true}}
	})
	RegisterDriverACL("awtrix", func(_ string, d Device) []Grant {
		return []Grant{{Filter: d.Topic + "/#", Read: true, Write: true}, {Filter: d.Topic + "/stats/#", Retain: true}}
	})
	RegisterDriverACL("wled", func(_ string, d Device) []Grant {
		t := "wled/" + d.Topic
		return []Grant{{Filter: t + "/#", Read: true, Write: true}, {Filter: t, Read: true, Write: true},
			{Filter: t + "/status", Retain: true}, {Filter: t + "/g", Retain: true}, {Filter: t + "/c", Retain: true}, {Filter: t + "/v", Retain: true}}
	})
}

// grants lists every filter the device may use.
func grants(prefix string, d Device) []Grant {
	g := []Grant{
		{Filter: prefix + "device/" + d.Username + "/#", Read: true, Write: true, Retain: true},
		{Filter: prefix + "appliance/status", Read: true},
	}
	if d.Channel != "" {
		g = append(g, Grant{Filter: prefix + "channel/" + d.Channel + "/in", Write: true}, Grant{Filter: prefix + "channel/" + d.Channel + "/out", Read: true})
	}
	switch d.Kind {
	case "fax":
		g = append(g, Grant{Filter: prefix + "fax/" + d.Username + "/#", Read: true, Write: true}, Grant{Filter: prefix + "fax/" + d.Username + "/status", Retain: true})
	case "sms":
		// Exactly the driver's four topics (hardware/sms): it hears its own send requests,
		// answers with results and received texts, and retains only its status.
		base := prefix + "sms/" + d.Username + "/"
		g = append(g, Grant{Filter: base + "send", Read: true}, Grant{Filter: base + "send/result", Write: true},
			Grant{Filter: base + "inbox", Write: true}, Grant{Filter: base + "status", Write: true, Retain: true})
	case "siren", "relay":
		if d.Zone != "" {
			g = append(g, Grant{Filter: prefix + "siren/" + d.Zone + "/set", Read: true},
				Grant{Filter: prefix + "siren/" + d.Zone + "/state", Read: true, Write: true, Retain: true})
		}
	case "homeassistant":
		g = append(g, homeAssistantGrants(prefix, d)...)
	case "board":
		g = append(g, Grant{Filter: prefix + "board/" + d.Username + "/#", Read: true, Write: true}, Grant{Filter: prefix + "board/" + d.Username + "/state", Retain: true})
	case "bridge":
		// A bridge carries one serial device; it acts with that device's topics.
		g = append(g, Grant{Filter: prefix + "fax/" + d.Username + "/#", Read: true, Write: true}, Grant{Filter: prefix + "board/" + d.Username + "/#", Read: true, Write: true},
			Grant{Filter: prefix + "fax/" + d.Username + "/status", Retain: true}, Grant{Filter: prefix + "board/" + d.Username + "/state", Retain: true})
	}
	driverACLMu.RLock()
	fn := driverACL[d.Driver]
	driverACLMu.RUnlock()
	if fn != nil && d.Topic != "" {
		g = append(g, fn(prefix, d)...)
	}
	return g
}

// homeAssistantGrants are a Home Assistant server's: its birth and last will on
// homeassistant/status (never retained: the topic is shared by the Home Assistant
// servers of every organisation, and Home Assistant's defaults retain neither), a
// subscription to its discovery prefix that delivers only the configs of the sirens it
// sees, their state and presence, and the command topic of each siren whose remote
// activation is on. Nothing of a device's own topics: every command goes through the
// appliance, which applies the two-person rule.
func homeAssistantGrants(prefix string, d Device) []Grant {
	g := []Grant{
		{Filter: "homeassistant/status", Read: true, Write: true},
		{Filter: "homeassistant/#", Read: true, Narrow: true},
	}
	for _, s := range d.Sees {
		zone := s.Zone
		if zone == "" {
			zone = "default"
		}
		node := "crisisroom_" + zone + "/" + s.Username + "/config"
		g = append(g,
			Grant{Filter: "homeassistant/siren/" + node, Read: true},
			Grant{Filter: "homeassistant/binary_sensor/" + node, Read: true},
			Grant{Filter: prefix + "ha/" + s.Username + "/state", Read: true},
			Grant{Filter: prefix + "device/" + s.Username + "/status", Read: true})
		if s.Remote {
			g = append(g, Grant{Filter: prefix + "ha/" + s.Username + "/set", Write: true})
		}
	}
	return g
}

// Allowed reports whether device d may read (subscribe to, or be delivered) or write
// (publish) topic. A subscription filter with wildcards must lie inside a granted
// filter; a topic name (no wildcards: a delivery, or a subscription to one topic) must
// lie inside a grant that is not Narrow.
func Allowed(prefix string, d Device, topic string, write bool) bool {
	if strings.HasPrefix(topic, "$") {
		return false
	}
	isFilter := strings.ContainsAny(topic, "+#")
	for _, g := range grants(prefix, d) {
		if (write && !g.Write) || (!write && !g.Read) || (g.Narrow && (write || !isFilter)) {
			continue
		}
		if FilterCovers(g.Filter, topic) {
			return true
		}
	}
	return false
}

// RetainAllowed reports whether device d may publish topic with the retain flag set: it
// may write the topic, and a grant marks it as a state topic. Topic is a topic name
// (MQTT 3.1.1 §4.7), never a filter. Commands (cmnd/…, …/set, …/send, …/rpc, channel
// posts) are never retained, so one retained command cannot fire again on every
// reconnect of the device that hears it.
func RetainAllowed(prefix string, d Device, topic string) bool {
	if !Allowed(prefix, d, topic, true) {
		return false
	}
	for _, g := range grants(prefix, d) {
		if g.Retain && FilterCovers(g.Filter, topic) {
			return true
		}
	}
	return false
}

// filterCovers: every topic matched by sub is also matched by grant.
func FilterCovers(grant, sub string) bool {
	gp := strings.Split(grant, "/")
	sp := strings.Split(sub, "/")
	for i, g := range gp {
		if g == "#" {
			return true
		}
		if i >= len(sp) {
			return false
		}
		switch {
		case g == "+":
			if sp[i] == "#" {
				return false
			}
		case sp[i] == "+" || sp[i] == "#":
			return false
		case g != sp[i]:
			return false
		}
	}
	return len(gp) == len(sp)
}

// deviceCache maps connected usernames to their device.
type deviceCache struct {
	mu sync.RWMutex
	m  map[string]Device
}

func newDeviceCache() *deviceCache { return &deviceCache{m: map[string]Device{}} }

func (c *deviceCache) Get(u string) (Device, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.m[u]
	return d, ok
}
func (c *deviceCache) all() []Device {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Device, 0, len(c.m))
	for _, d := range c.m {
		out = append(out, d)
	}
	return out
}
func (c *deviceCache) put(d Device)  { c.mu.Lock(); c.m[d.Username] = d; c.mu.Unlock() }
func (c *deviceCache) drop(u string) { c.mu.Lock(); delete(c.m, u); c.mu.Unlock() }

// authHook authenticates devices against their auth records and enforces the ACL on
// every path by which a client makes the broker publish or deliver: a direct publish
// (OnACLCheck, and again in OnPublish after a topic alias is resolved), the retain flag
// (OnPublish), the last will (checked at CONNECT and again when it is sent, OnWill) and a
// resumed session (client ids are bound to the device that holds them).
type authHook struct {
	mqtt.HookBase
	b      *Broker
	server *mqtt.Server
}

func (h *authHook) ID() string { return "crisisroom-devices" }

func (h *authHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnSessionEstablish, mqtt.OnSessionEstablished, mqtt.OnDisconnect,
		mqtt.OnPublish, mqtt.OnWill}, []byte{b})
}

// sessionSep joins a device's username and the client id it asked for into the id the
// broker keys its session by. Usernames never hold a NUL, so no two devices can name the
// same session, whatever client id they send: a device can neither take over nor resume
// (clean start false) another device's session, nor occupy one in advance.
const sessionSep = "\x00"

// rawClientID is the client id the device sent, without the username the broker bound
// it to.
func rawClientID(id string) string {
	if i := strings.Index(id, sessionSep); i >= 0 {
		return id[i+len(sessionSep):]
	}
	return id
}

// reservedClientPrefixes name a device in the client id (the bridge and the siren
// simulator); only the device named may use such an id.
var reservedClientPrefixes = []string{"crisisroom-bridge-", "sim-"}

func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	username := string(pk.Connect.Username)
	if username == "" || len(pk.Connect.Password) == 0 || strings.Contains(username, sessionSep) {
		return false
	}
	rec, err := h.b.app.FindFirstRecordByData("devices", "username", username)
	deviceId := ""
	if err == nil {
		deviceId = rec.Id
	}
	// Password guesses over MQTT count with those over REST (tenancy.DeviceSignIn): a
	// device locked on one path is locked on the other.
	host, _, splitErr := net.SplitHostPort(cl.Net.Remote)
	if splitErr != nil {
		host = cl.Net.Remote
	}
	done, allowed := tenancy.DeviceSignIn(h.b.app, username, deviceId, host)
	if !allowed {
		h.b.log.Warn("MQTT login refused: too many failed attempts", "username", username, "remote", cl.Net.Remote)
		return false
	}
	matched := err == nil && rec.ValidatePassword(string(pk.Connect.Password))
	done(matched)
	if !matched {
		h.b.log.Info("MQTT login refused", "username", username, "remote", cl.Net.Remote)
		return false
	}
	d, ok := h.b.loadDevice(h.b.app, rec)
	if !ok {
		h.b.log.Info("MQTT login refused: organisation suspended or gone", "username", username)
		return false
	}
	raw := string(pk.Connect.ClientIdentifier)
	for _, p := range reservedClientPrefixes {
		named, ok := strings.CutPrefix(raw, p)
		if !ok || named == username {
			continue
		}
		if _, err := h.b.app.FindFirstRecordByData("devices", "username", named); err == nil {
			h.b.log.Warn("MQTT client id naming another device refused", "username", username, "client", raw)
			return false
		}
	}
	// A client id in use by another device is refused outright (the session itself is
	// out of reach anyway, see sessionSep), so that device keeps its connection.
	for _, other := range h.server.Clients.GetAll() {
		if !other.Net.Inline && rawClientID(other.ID) == raw && string(other.Properties.Username) != username && !other.Closed() {
			h.b.log.Warn("MQTT client id of another device refused", "username", username, "client", raw)
			return false
		}
	}
	// The last will is a publish the broker makes on the device's behalf: it must lie in
	// the device's grants like any other publish, retained only where state may be.
	if pk.Connect.WillFlag {
		topic := pk.Connect.WillTopic
		if !mqtt.IsValidFilter(topic, true) || !Allowed(h.b.cfg.Prefix, d, topic, true) ||
			(pk.Connect.WillRetain && !RetainAllowed(h.b.cfg.Prefix, d, topic)) || isCommandTopic(topic) {
			h.b.log.Warn("MQTT last will outside the device's grants refused", "username", username, "topic", topic, "retain", pk.Connect.WillRetain)
			return false
		}
		// An MQTT 5 will delay would send the will later, from mochi's queue, after
		// OnWill has checked it: grants revoked in between would not stop it. The will
		// goes out when the connection drops.
		cl.Properties.Will.WillDelayInterval = 0
	}
	cl.ID = username + sessionSep + raw
	h.b.Devices.put(d)
	// An organisation suspended while this login read the database: its devices were
	// dropped before this one was cached.
	if h.b.orgSuspended(d.Organisation) {
		h.b.Devices.drop(username)
		return false
	}
	return true
}

func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	d, ok := h.b.Devices.Get(string(cl.Properties.Username))
	if !ok || h.b.orgSuspended(d.Organisation) {
		return false
	}
	if Allowed(h.b.cfg.Prefix, d, topic, write) {
		return true
	}
	// A Home Assistant command for a siren it sees read-only goes on to OnPublish, which
	// has the payload: it refuses the publish there and has the refusal recorded.
	return write && haReadOnlyCommand(h.b.cfg.Prefix, d, topic)
}

// haReadOnlyCommand: topic is the command topic of a siren d (a Home Assistant server)
// sees without remote activation.
func haReadOnlyCommand(prefix string, d Device, topic string) bool {
	if d.Kind != "homeassistant" {
		return false
	}
	rest, ok := strings.CutPrefix(topic, prefix+"ha/")
	if !ok {
		return false
	}
	u, ok := strings.CutSuffix(rest, "/set")
	if !ok {
		return false
	}
	for _, s := range d.Sees {
		if s.Username == u && !s.Remote {
			return true
		}
	}
	return false
}

// OnPublish checks what OnACLCheck cannot see: the topic an MQTT 5 topic alias stands
// for (mochi resolves it after the ACL check) and the retain flag. A refused publish is
// answered like mochi answers one outside the ACL: MQTT 5 gets "not authorized" on its
// acknowledgement, MQTT 3 is disconnected (it has no negative acknowledgement).
func (h *authHook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline {
		return pk, nil
	}
	d, ok := h.b.Devices.Get(string(cl.Properties.Username))
	allowed := ok && !h.b.orgSuspended(d.Organisation) && Allowed(h.b.cfg.Prefix, d, pk.TopicName, true)
	if allowed && pk.FixedHeader.Retain {
		allowed = RetainAllowed(h.b.cfg.Prefix, d, pk.TopicName)
	}
	if allowed {
		return pk, nil
	}
	h.b.log.Warn("MQTT publish outside the device's grants refused", "username", string(cl.Properties.Username), "topic", pk.TopicName, "retain", pk.FixedHeader.Retain)
	h.b.Mu.Lock()
	refused := h.b.haRefused
	h.b.Mu.Unlock()
	if ok && d.Kind == "homeassistant" && refused != nil {
		refused(d, pk.TopicName, pk.Payload)
	}
	if pk.FixedHeader.Qos == 0 {
		return pk, packets.ErrRejectPacket
	}
	if cl.Properties.ProtocolVersion == 5 {
		return pk, packets.ErrNotAuthorized
	}
	_ = h.server.DisconnectClient(cl, packets.ErrNotAuthorized)
	return pk, packets.ErrRejectPacket
}

// OnWill checks the will again when it is sent: the device's grants may have narrowed
// since it connected (its organisation left the channel, was suspended, the device was
// removed). mochi sends whatever this returns and ignores errors, so a refused will
// becomes one without a topic, which reaches no subscriber and is not retained.
func (h *authHook) OnWill(cl *mqtt.Client, will mqtt.Will) (mqtt.Will, error) {
	if cl.Net.Inline {
		return will, nil
	}
	// A device still connected by another connection has not gone: its will ("offline",
	// retained) would mark it offline while it is online (a reconnect that took over an
	// old connection, a second client of the same device).
	if h.b.OtherConn(string(cl.Properties.Username), cl) {
		h.b.log.Info("MQTT last will dropped: the device is still connected", "username", string(cl.Properties.Username), "topic", will.TopicName)
		return mqtt.Will{}, nil
	}
	d, ok := h.b.Devices.Get(string(cl.Properties.Username))
	if ok && !h.b.orgSuspended(d.Organisation) && Allowed(h.b.cfg.Prefix, d, will.TopicName, true) &&
		(!will.Retain || RetainAllowed(h.b.cfg.Prefix, d, will.TopicName)) && !isCommandTopic(will.TopicName) {
		return will, nil
	}
	h.b.log.Info("MQTT last will dropped: outside the device's grants now", "username", string(cl.Properties.Username), "topic", will.TopicName)
	return mqtt.Will{}, nil
}

func (h *authHook) OnSessionEstablished(cl *mqtt.Client, pk packets.Packet) {
	h.b.setPresence(string(cl.Properties.Username), true)
}

// OnSessionEstablish counts the connection before mochi takes over an older session
// with the same client id, so the older one's disconnect already finds the newer.
func (h *authHook) OnSessionEstablish(cl *mqtt.Client, _ packets.Packet) {
	if cl.Net.Inline {
		return
	}
	h.b.connOpened(string(cl.Properties.Username), cl)
}

// OnDisconnect announces a device offline when its last connection ends: a second,
// short connection with the same credentials (another client id: a configuration tool,
// a test publish from the device's web page) leaving says nothing about the first.
func (h *authHook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	if cl.Net.Inline {
		return
	}
	username := string(cl.Properties.Username)
	if h.b.connClosed(username, cl) {
		return
	}
	h.b.setPresence(username, false)
}

// isCommandTopic reports whether topic commands something: a siren or relay (our own
// ".../set", Tasmota "cmnd/...", Shelly ".../command" and ".../rpc"), a board or a fax
// line (".../send"). A last will is what a device says about itself when it drops: it
// may announce a state or post into its channel, but it never sounds a siren nobody
// commanded (a Home Assistant credential may write .../ha/<siren>/set, not will it).
func isCommandTopic(topic string) bool {
	if strings.HasPrefix(topic, "cmnd/") {
		return true
	}
	for _, suffix := range []string{"/set", "/send", "/command", "/rpc"} {
		if strings.HasSuffix(topic, suffix) {
			return true
		}
	}
	return false
}
