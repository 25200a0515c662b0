package hardware

import (
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// PresenceFunc is told when a device connects or drops.
type PresenceFunc func(d Device, online bool)

// OnPresence registers fn for device presence changes (sirens send OFF to a relay that
// comes back, the UI shows who is there).
func (b *Broker) OnPresence(fn PresenceFunc) {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	b.presence = append(b.presence, fn)
}

// Online reports whether a device with this username is connected now.
func (b *Broker) Online(username string) bool {
	b.Mu.Lock()
	server := b.Server
	b.Mu.Unlock()
	if server == nil {
		return false
	}
	for _, cl := range server.Clients.GetAll() {
		if string(cl.Properties.Username) == username && !cl.Closed() && !cl.Net.Inline {
			return true
		}
	}
	return false
}

// connOpened counts an open connection of a device.
func (b *Broker) connOpened(username string, cl *mqtt.Client) {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	if b.conns == nil {
		b.conns = map[string]map[*mqtt.Client]struct{}{}
	}
	if b.conns[username] == nil {
		b.conns[username] = map[*mqtt.Client]struct{}{}
	}
	b.conns[username][cl] = struct{}{}
}

// connClosed forgets cl and reports whether the device has another open connection.
// Connections closed without reaching OnDisconnect (a CONNACK that could not be sent)
// are forgotten on the way.
func (b *Broker) connClosed(username string, cl *mqtt.Client) bool {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	set := b.conns[username]
	delete(set, cl)
	for other := range set {
		if other.Closed() {
			delete(set, other)
		}
	}
	if len(set) == 0 {
		delete(b.conns, username)
		return false
	}
	return true
}

// otherConn reports whether the device has an open connection besides cl.
func (b *Broker) OtherConn(username string, cl *mqtt.Client) bool {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	for other := range b.conns[username] {
		if other != cl && !other.Closed() {
			return true
		}
	}
	return false
}

// setPresence runs on a broker goroutine: it publishes the retained status at once and
// hands the database write to its own goroutine so MQTT traffic never waits on SQLite.
func (b *Broker) setPresence(username string, online bool) {
	d, ok := b.Devices.Get(username)
	if !ok {
		return
	}
	state := "offline"
	if online {
		state = "online"
	}
	_ = b.Publish(b.cfg.Prefix+"device/"+username+"/status", []byte(state), true, 1)
	b.Mu.Lock()
	fns := append([]PresenceFunc{}, b.presence...)
	seq := b.nextPresenceSeq(d.Id)
	b.Mu.Unlock()
	b.presenceWG.Add(1)
	go func() {
		defer b.presenceWG.Done()
		// While stopping, the database is about to close; the next start marks
		// everyone offline anyway.
		if !b.Running() {
			return
		}
		b.writePresenceInOrder(d.Id, seq, online)
		for _, fn := range fns {
			fn(d, online)
		}
	}()
}

// nextPresenceSeq numbers a presence change of device id; the caller holds b.Mu.
func (b *Broker) nextPresenceSeq(id string) uint64 {
	if b.presenceSeq == nil {
		b.presenceSeq = map[string]uint64{}
	}
	b.presenceSeq[id]++
	return b.presenceSeq[id]
}

// writePresenceInOrder writes change seq of device id unless a later change exists:
// the goroutines that write presence may run in any order.
func (b *Broker) writePresenceInOrder(id string, seq uint64, online bool) {
	b.presenceWrite.Lock()
	defer b.presenceWrite.Unlock()
	b.Mu.Lock()
	latest := b.presenceSeq[id] == seq
	b.Mu.Unlock()
	if latest {
		b.writePresence(id, online)
	}
}

func (b *Broker) writePresence(id string, online bool) {
	// Read and write in one transaction, so an operator's edit of the same device made
	// in between is not overwritten with the old values. A model save (not a request) is
	// not audited, and realtime subscribers still hear of it.
	err := b.app.RunInTransaction(func(tx core.App) error {
		rec, err := tx.FindRecordById("devices", id)
		if err != nil {
			return nil // deleted meanwhile
		}
		rec.Set("online", online)
		rec.Set("last_seen", types.NowDateTime())
		return tx.Save(rec)
	})
	if err != nil {
		b.log.Warn("device presence not saved", "device", id, "error", err)
	}
}

// resetPresence marks every device offline at start: nobody is connected to a broker
// that has just begun listening.
func (b *Broker) resetPresence() {
	_, err := b.app.DB().NewQuery("UPDATE devices SET online = FALSE, last_seen = last_seen").Execute()
	if err != nil {
		b.log.Warn("device presence reset failed", "error", err)
	}
}
