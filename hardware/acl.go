package hardware

import (
	"bytes"
	"strings"
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/pocketbase/pocketbase/core"
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

// Grant is one topic filter a device may use.
type Grant struct {
	Filter string
	Read   bool
	Write  bool
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
	RegisterDriverACL("tasmota", func(_ string, d Device) []Grant {
		return []Grant{{"cmnd/" + d.Topic + "/#", true, false}, {"stat/" + d.Topic + "/#", false, true}, {"tele/" + d.Topic + "/#", false, true}}
	})
	RegisterDriverACL("shelly1", func(_ string, d Device) []Grant {
		return []Grant{{"shellies/" + d.Topic + "/#", true, true}}
	})
	RegisterDriverACL("shelly2", func(_ string, d Device) []Grant {
		return []Grant{{d.Topic + "/#", true, true}}
	})
	RegisterDriverACL("homeassistant", func(_ string, d Device) []Grant {
		return []Grant{{d.Topic + "/#", true, true}, {"homeassistant/status", true, false}}
	})
	RegisterDriverACL("awtrix", func(_ string, d Device) []Grant {
		return []Grant{{d.Topic + "/#", true, true}}
	})
	RegisterDriverACL("wled", func(_ string, d Device) []Grant {
		return []Grant{{"wled/" + d.Topic + "/#", true, true}, {"wled/" + d.Topic, true, true}}
	})
}

// grants lists every filter the device may use.
func grants(prefix string, d Device) []Grant {
	g := []Grant{
		{prefix + "device/" + d.Username + "/#", true, true},
		{prefix + "appliance/status", true, false},
	}
	if d.Channel != "" {
		g = append(g, Grant{prefix + "channel/" + d.Channel + "/in", false, true}, Grant{prefix + "channel/" + d.Channel + "/out", true, false})
	}
	switch d.Kind {
	case "fax":
		g = append(g, Grant{prefix + "fax/" + d.Username + "/#", true, true})
	case "siren", "relay":
		if d.Zone != "" {
			g = append(g, Grant{prefix + "siren/" + d.Zone + "/set", true, false}, Grant{prefix + "siren/" + d.Zone + "/state", true, true})
		}
	case "board":
		g = append(g, Grant{prefix + "board/" + d.Username + "/#", true, true})
	case "bridge":
		// A bridge carries one serial device; it acts with that device's topics.
		g = append(g, Grant{prefix + "fax/" + d.Username + "/#", true, true}, Grant{prefix + "board/" + d.Username + "/#", true, true})
	}
	driverACLMu.RLock()
	fn := driverACL[d.Driver]
	driverACLMu.RUnlock()
	if fn != nil && d.Topic != "" {
		g = append(g, fn(prefix, d)...)
	}
	return g
}

// Allowed reports whether device d may read (subscribe) or write (publish) topic.
// A subscription filter with wildcards must lie inside a granted filter.
func Allowed(prefix string, d Device, topic string, write bool) bool {
	if strings.HasPrefix(topic, "$") {
		return false
	}
	for _, g := range grants(prefix, d) {
		if (write && !g.Write) || (!write && !g.Read) {
			continue
		}
		if filterCovers(g.Filter, topic) {
			return true
		}
	}
	return false
}

// filterCovers: every topic matched by sub is also matched by grant.
func filterCovers(grant, sub string) bool {
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

func (c *deviceCache) get(u string) (Device, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.m[u]
	return d, ok
}
func (c *deviceCache) put(d Device)  { c.mu.Lock(); c.m[d.Username] = d; c.mu.Unlock() }
func (c *deviceCache) drop(u string) { c.mu.Lock(); delete(c.m, u); c.mu.Unlock() }

// authHook authenticates devices against their auth records and enforces the ACL.
type authHook struct {
	mqtt.HookBase
	b      *Broker
	server *mqtt.Server
}

func (h *authHook) ID() string { return "crisisroom-devices" }

func (h *authHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnSessionEstablished, mqtt.OnDisconnect}, []byte{b})
}

func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	username := string(pk.Connect.Username)
	if username == "" || len(pk.Connect.Password) == 0 {
		return false
	}
	rec, err := h.b.app.FindFirstRecordByData("devices", "username", username)
	if err != nil || !rec.ValidatePassword(string(pk.Connect.Password)) {
		h.b.log.Info("MQTT login refused", "username", username, "remote", cl.Net.Remote)
		return false
	}
	if org, err := h.b.app.FindRecordById("organisations", rec.GetString("organisation")); err != nil || org.GetString("status") == "suspended" {
		return false
	}
	// A client id in use by another device would take over that device's session and
	// with it subscriptions that were granted to the other device.
	if other, ok := h.server.Clients.Get(string(pk.Connect.ClientIdentifier)); ok && string(other.Properties.Username) != username {
		h.b.log.Warn("MQTT client id of another device refused", "username", username, "client", string(pk.Connect.ClientIdentifier))
		return false
	}
	h.b.devices.put(deviceFromRecord(rec))
	return true
}

func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	d, ok := h.b.devices.get(string(cl.Properties.Username))
	if !ok {
		return false
	}
	return Allowed(h.b.cfg.Prefix, d, topic, write)
}

func (h *authHook) OnSessionEstablished(cl *mqtt.Client, pk packets.Packet) {
	h.b.setPresence(string(cl.Properties.Username), true)
}

func (h *authHook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	if cl.Net.Inline {
		return
	}
	username := string(cl.Properties.Username)
	// A newer connection of the same device (a takeover) keeps it online.
	if other, ok := h.server.Clients.Get(cl.ID); ok && other != cl && !other.Closed() {
		return
	}
	h.b.setPresence(username, false)
}
