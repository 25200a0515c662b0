package room

import (
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/hardware/siren"
	"crisisroom/hooks/audit"
)

// Home Assistant as a remote control. A Home Assistant server connects with a
// credential of kind "homeassistant" (DESIGN §5, hardware/acl.go homeAssistantGrants):
// it sees its organisation's sirens, and may send commands only for those whose
// remote activation (devices.ha_remote) the host switched on. A command becomes a
// siren_activations record like an operator's: an outdoor siren waits for a host
// operator's confirmation, an offline one is refused, everything is audited and the
// Einsatztagebuch journals the record. A command for a siren that is read-only to Home
// Assistant is refused by the broker and recorded as a refused activation.

// haRefusalEvery bounds the refused activations one Home Assistant server can write
// for one siren: one per this interval, so a client repeating a refused command does
// not fill the journal.
const haRefusalEvery = 10 * time.Second

// haTarget is the siren username named by a topic crisisroom/ha/<username>/set.
func (s *Sirens) haTarget(topic string) (string, bool) {
	rest, ok := strings.CutPrefix(topic, s.b.Prefix()+"ha/")
	if !ok {
		return "", false
	}
	u, ok := strings.CutSuffix(rest, "/set")
	return u, ok && u != "" && !strings.Contains(u, "/")
}

// onHACommand runs on the broker's goroutine (the ACL has let the publish through);
// the work waits in the queue.
func (s *Sirens) onHACommand(from, topic string, payload []byte) {
	target, ok := s.haTarget(topic)
	if !ok || from == "" {
		return
	}
	cmd, ok := siren.ParseHACommand(payload)
	if !ok {
		s.log.Info("Home Assistant command not understood", "from", from, "topic", topic)
		return
	}
	s.enqueue(func() { s.haCommand(from, target, cmd) })
}

// haRefused is told by the broker of a Home Assistant command the ACL refused.
func (s *Sirens) haRefused(d hardware.Device, topic string, payload []byte) {
	target, ok := s.haTarget(topic)
	if !ok || d.Kind != "homeassistant" {
		return
	}
	cmd, _ := siren.ParseHACommand(payload)
	s.enqueue(func() {
		s.haRefuse(d.Username, target, cmd, "Home Assistant darf diese Sirene nicht auslösen (Fernauslösung aus) / Home Assistant may not sound this siren (remote activation off)")
	})
}

// haParties finds the Home Assistant credential and the siren it names, and whether the
// siren is one of its organisation's.
func (s *Sirens) haParties(from, target string) (ha, dev *core.Record, ok bool) {
	ha, err := s.app.FindFirstRecordByData("devices", "username", from)
	if err != nil || ha.GetString("kind") != "homeassistant" {
		return nil, nil, false
	}
	dev, err = s.app.FindFirstRecordByData("devices", "username", target)
	if err != nil || !hardware.IsSirenKind(dev.GetString("kind")) || dev.GetString("organisation") != ha.GetString("organisation") {
		return ha, nil, false
	}
	return ha, dev, true
}

func (s *Sirens) haCommand(from, target string, cmd siren.HACommand) {
	ha, dev, ok := s.haParties(from, target)
	if !ok {
		return // the ACL lets no other organisation's siren through; nothing to record
	}
	if !dev.GetBool("ha_remote") {
		// Switched off after the broker checked the publish.
		s.haRefuse(from, target, cmd, "Fernauslösung über Home Assistant ist für diese Sirene aus / remote activation from Home Assistant is off for this siren")
		return
	}
	if !cmd.On {
		a, err := s.app.FindFirstRecordByFilter("siren_activations", "device = {:d} && (state = 'on' || state = 'pending')", dbx.Params{"d": dev.Id})
		if err == nil {
			s.finish(a.Id, stateStopped, ha, "Über Home Assistant gestoppt / stopped from Home Assistant", "siren.stopped")
		}
		return
	}
	coll, err := s.app.FindCachedCollectionByNameOrId("siren_activations")
	if err != nil {
		return
	}
	a := core.NewRecord(coll)
	a.Set("device", dev.Id)
	a.Set("signal", cmd.Signal)
	a.Set("duration", cmd.Duration)
	a.Set("requested_via", from)
	if err := s.app.Save(a); err != nil {
		s.log.Error("Home Assistant activation not saved", "from", from, "device", target, "error", err)
		return
	}
	audit.Write(s.app, audit.Entry{Actor: ha, Action: "siren.remote_request", Organisation: dev.GetString("organisation"), Target: a.Id, Data: s.auditData(a, dev)})
}

// haRefuse records a refused Home Assistant command as a refused activation (audited
// and journaled like any), at most once per haRefusalEvery for one server and siren.
func (s *Sirens) haRefuse(from, target string, cmd siren.HACommand, reason string) {
	ha, dev, ok := s.haParties(from, target)
	if !ok {
		return
	}
	key := from + "\x00" + target
	s.mu.Lock()
	if s.haRefusedAt == nil {
		s.haRefusedAt = map[string]time.Time{}
	}
	last := s.haRefusedAt[key]
	if time.Since(last) < haRefusalEvery {
		s.mu.Unlock()
		return
	}
	s.haRefusedAt[key] = time.Now()
	s.mu.Unlock()
	if !cmd.On {
		audit.Write(s.app, audit.Entry{Actor: ha, Action: "siren.remote_refused", Organisation: dev.GetString("organisation"), Target: dev.Id,
			Data: map[string]any{"device": dev.Id, "device_name": dev.GetString("name"), "command": "OFF", "reason": reason}})
		return
	}
	coll, err := s.app.FindCachedCollectionByNameOrId("siren_activations")
	if err != nil {
		return
	}
	a := core.NewRecord(coll)
	a.Set("device", dev.Id)
	a.Set("signal", cmd.Signal)
	a.Set("duration", cmd.Duration)
	a.Set("requested_via", from)
	a.Set("state", stateRefused)
	a.Set("reason", reason)
	if err := s.app.Save(a); err != nil {
		s.log.Error("refused Home Assistant command not recorded", "from", from, "device", target, "error", err)
		return
	}
	audit.Write(s.app, audit.Entry{Actor: ha, Action: "siren.remote_refused", Organisation: dev.GetString("organisation"), Target: a.Id, Data: s.auditData(a, dev)})
}
