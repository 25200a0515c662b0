package siren

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// SimConfig describes a simulated relay. The simulator is a real MQTT client that
// behaves like the device: it announces itself with its last will, echoes every switch
// and honours its device-side auto-off. The demo runs them against the appliance's own
// broker so every screen has something alive; tests use them as the device under test.
type SimConfig struct {
	Broker   string // host:port
	Username string
	Password string
	Driver   string // tasmota, shelly1, shelly2, homeassistant, native
	Topic    string
	Zone     string
	Prefix   string // the appliance's prefix, for native devices ("crisisroom/")
	// Reconnect keeps the simulator coming back after the connection drops (demo);
	// tests leave it off to see the drop.
	Reconnect bool
	// Silent devices do not echo their state (a relay whose state topic is broken).
	Silent bool
	// Relay is the relay the siren hangs on, 1-based (Tasmota POWER1; Shelly relay/0 and
	// switch:0); 0 means 1. Relays is how many the module has (Tasmota echoes POWER1
	// instead of POWER when it has more than one), and SetOption26 makes a single-relay
	// Tasmota echo POWER1 as well.
	Relay       int
	Relays      int
	SetOption26 bool
}

func (c SimConfig) relay() int {
	if c.Relay < 1 {
		return 1
	}
	return c.Relay
}

// Received is one command as the device got it.
type Received struct {
	Topic    string
	Payload  string
	Retained bool
	At       time.Time
}

// Simulator is a running simulated relay.
type Simulator struct {
	cfg    SimConfig
	client paho.Client
	cmds   chan Received

	mu      sync.Mutex
	conn    net.Conn
	on      bool
	pulse   time.Duration // next ON switches off after this (Tasmota PulseTime)
	offAt   *time.Timer
	history []Received
}

// StartSimulator connects a simulated device and waits until it listens for commands
// and has announced itself online.
func StartSimulator(cfg SimConfig) (*Simulator, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "crisisroom/"
	}
	s := &Simulator{cfg: cfg, cmds: make(chan Received, 256)}
	willTopic, willPayload := s.availability(false)
	ready := make(chan error, 1)
	opts := paho.NewClientOptions().
		AddBroker("tcp://"+cfg.Broker).
		SetClientID("sim-"+cfg.Username).
		SetUsername(cfg.Username).
		SetPassword(cfg.Password).
		SetCleanSession(true).
		SetAutoReconnect(cfg.Reconnect).
		SetConnectRetry(cfg.Reconnect).
		SetConnectRetryInterval(2*time.Second).
		SetMaxReconnectInterval(10*time.Second).
		SetOrderMatters(true).
		SetWill(willTopic, willPayload, 1, true).
		SetCustomOpenConnectionFn(func(uri *url.URL, _ paho.ClientOptions) (net.Conn, error) {
			c, err := net.DialTimeout("tcp", uri.Host, 5*time.Second)
			if err == nil {
				s.mu.Lock()
				s.conn = c
				s.mu.Unlock()
			}
			return c, err
		}).
		SetOnConnectHandler(func(c paho.Client) {
			err := s.announce(c)
			select {
			case ready <- err:
			default:
			}
		})
	s.client = paho.NewClient(opts)
	tok := s.client.Connect()
	if !tok.WaitTimeout(10*time.Second) && !cfg.Reconnect {
		return nil, errors.New("simulator: broker did not answer")
	}
	if err := tok.Error(); err != nil && !cfg.Reconnect {
		return nil, fmt.Errorf("simulator %s: %w", cfg.Username, err)
	}
	if cfg.Reconnect {
		return s, nil // the demo carries on; the simulator connects when it can
	}
	select {
	case err := <-ready:
		if err != nil {
			s.client.Disconnect(0)
			return nil, err
		}
	case <-time.After(10 * time.Second):
		s.client.Disconnect(0)
		return nil, errors.New("simulator: subscription not acknowledged")
	}
	return s, nil
}

func (s *Simulator) commandFilter() string {
	t := s.cfg.Topic
	switch s.cfg.Driver {
	case "tasmota":
		return "cmnd/" + t + "/#"
	case "shelly1":
		return "shellies/" + t + "/relay/+/command"
	case "shelly2":
		return t + "/rpc"
	case "homeassistant":
		return t + "/set"
	}
	return s.cfg.Prefix + "siren/" + s.cfg.Zone + "/set"
}

func (s *Simulator) availability(online bool) (string, string) {
	t := s.cfg.Topic
	switch s.cfg.Driver {
	case "tasmota":
		if online {
			return "tele/" + t + "/LWT", "Online"
		}
		return "tele/" + t + "/LWT", "Offline"
	case "shelly1":
		return "shellies/" + t + "/online", strconv.FormatBool(online)
	case "shelly2":
		return t + "/online", strconv.FormatBool(online)
	case "homeassistant":
		if online {
			return t + "/availability", "online"
		}
		return t + "/availability", "offline"
	}
	// Native devices: the broker publishes crisisroom/device/<u>/status itself; the will
	// goes to the device's own subtree.
	if online {
		return s.cfg.Prefix + "device/" + s.cfg.Username + "/will", "online"
	}
	return s.cfg.Prefix + "device/" + s.cfg.Username + "/will", "offline"
}

// announce subscribes first and says "online" second, as the real devices do: a relay
// that announces itself must already hear the OFF the appliance answers with.
func (s *Simulator) announce(c paho.Client) error {
	t := c.Subscribe(s.commandFilter(), 1, s.onCommand)
	if !t.WaitTimeout(10*time.Second) || t.Error() != nil {
		return fmt.Errorf("simulator %s: subscribe: %v", s.cfg.Username, t.Error())
	}
	topic, payload := s.availability(true)
	p := c.Publish(topic, 1, true, payload)
	if !p.WaitTimeout(10*time.Second) || p.Error() != nil {
		return fmt.Errorf("simulator %s: announce: %v", s.cfg.Username, p.Error())
	}
	return nil
}

func (s *Simulator) onCommand(_ paho.Client, m paho.Message) {
	r := Received{Topic: m.Topic(), Payload: string(m.Payload()), Retained: m.Retained(), At: time.Now()}
	s.mu.Lock()
	s.history = append(s.history, r)
	if len(s.history) > 500 {
		s.history = s.history[len(s.history)-500:]
	}
	s.mu.Unlock()
	select {
	case s.cmds <- r:
	default:
	}
	payload := strings.TrimSpace(r.Payload)
	switch s.cfg.Driver {
	case "tasmota":
		// cmnd/<t>/POWER<n> and PulseTime<n>; no index is index 1. Another relay's
		// command is answered for that relay and leaves the siren's alone.
		last := r.Topic[strings.LastIndex(r.Topic, "/")+1:]
		name := strings.TrimRight(last, "0123456789")
		idx := 1
		if n, err := strconv.Atoi(last[len(name):]); err == nil {
			idx = n
		}
		switch strings.ToLower(name) {
		case "pulsetime":
			if n, err := strconv.Atoi(payload); err == nil && idx == s.cfg.relay() {
				s.mu.Lock()
				s.pulse = pulseDuration(n)
				s.mu.Unlock()
			}
		case "power":
			on := strings.EqualFold(payload, "ON")
			if idx != s.cfg.relay() {
				s.tasmotaEcho(idx, on)
				return
			}
			s.switchTo(on, true)
		}
	case "shelly1":
		parts := strings.Split(r.Topic, "/")
		if len(parts) < 2 || parts[len(parts)-2] != strconv.Itoa(s.cfg.relay()-1) {
			return
		}
		s.switchTo(strings.EqualFold(payload, "on"), false)
	case "shelly2":
		var req struct {
			ID     any    `json:"id"`
			Src    string `json:"src"`
			Method string `json:"method"`
			Params struct {
				ID          int     `json:"id"`
				On          bool    `json:"on"`
				ToggleAfter float64 `json:"toggle_after"`
			} `json:"params"`
		}
		if json.Unmarshal(m.Payload(), &req) != nil || req.Method != "Switch.Set" || req.Params.ID != s.cfg.relay()-1 {
			return
		}
		s.mu.Lock()
		s.pulse = time.Duration(req.Params.ToggleAfter * float64(time.Second))
		wasOn := s.on
		s.mu.Unlock()
		s.switchTo(req.Params.On, true)
		if req.Src != "" {
			reply, _ := json.Marshal(map[string]any{"id": req.ID, "src": s.cfg.Topic, "dst": req.Src, "result": map[string]any{"was_on": wasOn}})
			s.client.Publish(req.Src+"/rpc", 1, false, reply)
		}
	case "homeassistant", "native":
		var req struct {
			State    string  `json:"state"`
			Duration float64 `json:"duration"`
		}
		if json.Unmarshal(m.Payload(), &req) != nil {
			return
		}
		s.mu.Lock()
		s.pulse = time.Duration(req.Duration * float64(time.Second))
		s.mu.Unlock()
		s.switchTo(strings.EqualFold(req.State, "ON"), true)
	}
}

func pulseDuration(n int) time.Duration {
	switch {
	case n <= 0:
		return 0
	case n <= 111:
		return time.Duration(n) * 100 * time.Millisecond
	}
	return time.Duration(n-100) * time.Second
}

// switchTo sets the relay and echoes it; with autoOff the relay honours the last pulse
// time as real devices do.
func (s *Simulator) switchTo(on, autoOff bool) {
	s.mu.Lock()
	s.on = on
	if s.offAt != nil {
		s.offAt.Stop()
		s.offAt = nil
	}
	if on && autoOff && s.pulse > 0 {
		s.offAt = time.AfterFunc(s.pulse, func() { s.switchTo(false, false) })
	}
	s.mu.Unlock()
	s.echo(on)
}

func (s *Simulator) echo(on bool) {
	if s.cfg.Silent {
		return
	}
	t := s.cfg.Topic
	word := map[bool]string{true: "ON", false: "OFF"}[on]
	switch s.cfg.Driver {
	case "tasmota":
		s.tasmotaEcho(s.cfg.relay(), on)
	case "shelly1":
		s.client.Publish(fmt.Sprintf("shellies/%s/relay/%d", t, s.cfg.relay()-1), 1, false, strings.ToLower(word))
	case "shelly2":
		id := s.cfg.relay() - 1
		st, _ := json.Marshal(map[string]any{"id": id, "output": on, "source": "MQTT"})
		s.client.Publish(fmt.Sprintf("%s/status/switch:%d", t, id), 1, false, st)
	case "homeassistant":
		s.client.Publish(t+"/state", 1, true, `{"state":"`+word+`"}`)
	case "native":
		s.client.Publish(s.cfg.Prefix+"device/"+s.cfg.Username+"/state", 1, false, word)
	}
}

// tasmotaEcho answers as Tasmota does: RESULT first, then stat/<t>/POWER<n>. The index
// is left out only for relay 1 of a single-relay module without SetOption26.
func (s *Simulator) tasmotaEcho(idx int, on bool) {
	if s.cfg.Silent {
		return
	}
	word := map[bool]string{true: "ON", false: "OFF"}[on]
	key := "POWER" + strconv.Itoa(idx)
	if idx == 1 && s.cfg.Relays <= 1 && !s.cfg.SetOption26 {
		key = "POWER"
	}
	s.client.Publish("stat/"+s.cfg.Topic+"/RESULT", 1, false, `{"`+key+`":"`+word+`"}`)
	s.client.Publish("stat/"+s.cfg.Topic+"/"+key, 1, false, word)
}

// Switch turns the relay at the device itself (its button or web page), without a
// command: the device reports it as it reports any switch.
func (s *Simulator) Switch(on bool) { s.switchTo(on, false) }

// On reports the relay's state.
func (s *Simulator) On() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.on
}

// History returns every command received so far.
func (s *Simulator) History() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.history...)
}

// Next waits for the next command, up to timeout.
func (s *Simulator) Next(timeout time.Duration) (Received, bool) {
	select {
	case r := <-s.cmds:
		return r, true
	case <-time.After(timeout):
		return Received{}, false
	}
}

// WaitFor waits for a command whose topic ends with suffix and whose payload contains
// want; other commands are skipped.
func (s *Simulator) WaitFor(suffix, want string, timeout time.Duration) (Received, bool) {
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return Received{}, false
		}
		r, ok := s.Next(left)
		if !ok {
			return Received{}, false
		}
		if strings.HasSuffix(r.Topic, suffix) && strings.Contains(r.Payload, want) {
			return r, true
		}
	}
}

// Kill drops the TCP connection without a DISCONNECT, as a power cut would: the broker
// delivers the last will.
func (s *Simulator) Kill() {
	s.mu.Lock()
	c := s.conn
	if s.offAt != nil {
		s.offAt.Stop()
	}
	s.mu.Unlock()
	if c != nil {
		c.Close()
	}
	go s.client.Disconnect(0)
}

// Stop disconnects cleanly.
func (s *Simulator) Stop() {
	s.mu.Lock()
	if s.offAt != nil {
		s.offAt.Stop()
	}
	s.mu.Unlock()
	s.client.Disconnect(100)
}
