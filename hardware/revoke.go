package hardware

import (
	"errors"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Grants follow the records they come from. The broker caches each connected device's
// grants (no query per packet), so a change that narrows them must reach the cache and
// the live connection at once: an established subscription is not checked again by the
// broker, so the device is disconnected and subscribes anew under the narrower grants.

// loadDevice is what the broker may grant the device of record r: nothing (ok false)
// while its organisation is suspended or gone, and no channel topics for a channel its
// organisation does not take part in (any longer). The device record keeps its channel:
// re-adding the organisation gives the device its channel back.
func (b *Broker) loadDevice(app core.App, r *core.Record) (Device, bool) {
	d := deviceFromRecord(r)
	org, err := app.FindRecordById("organisations", d.Organisation)
	if err != nil || org.GetString("status") == "suspended" {
		return d, false
	}
	if d.Kind == "homeassistant" {
		d.Sees = seenSirens(app, d.Organisation)
	}
	if d.Channel != "" {
		ch, err := app.FindRecordById("channels", d.Channel)
		if err != nil || !TakesPart(ch, d.Organisation) {
			d.Channel = ""
		}
	}
	return d, true
}

// seenSirens are the sirens and relays of org, as its Home Assistant servers see them.
func seenSirens(app core.App, org string) []SeenSiren {
	recs, err := app.FindAllRecords("devices", dbx.HashExp{"organisation": org}, dbx.In("kind", "siren", "relay"))
	if err != nil {
		return nil
	}
	out := make([]SeenSiren, 0, len(recs))
	for _, r := range recs {
		out = append(out, SeenSiren{Username: r.GetString("username"), Zone: r.GetString("zone"), Remote: r.GetBool("ha_remote")})
	}
	slices.SortFunc(out, func(a, b SeenSiren) int { return strings.Compare(a.Username, b.Username) })
	return out
}

// narrower: b takes away something a granted (a siren gone, moved, or its remote
// activation switched off).
func narrower(a, b []SeenSiren) bool {
	for _, x := range a {
		i := slices.IndexFunc(b, func(y SeenSiren) bool { return y.Username == x.Username })
		if i < 0 || b[i].Zone != x.Zone || (x.Remote && !b[i].Remote) {
			return true
		}
	}
	return false
}

// refreshHomeAssistant brings the cached grants of org's connected Home Assistant
// servers in step with its sirens. A narrower set is revoked like any narrowed grant
// (the server reconnects and subscribes anew); a wider one is simply cached.
func (b *Broker) refreshHomeAssistant(app core.App, org string) {
	for _, d := range b.Devices.all() {
		if d.Kind != "homeassistant" || d.Organisation != org {
			continue
		}
		next := seenSirens(app, org)
		if narrower(d.Sees, next) {
			b.Revoke(d.Username)
			continue
		}
		d.Sees = next
		b.Devices.put(d)
	}
}

// takesPart: org owns channel ch or is one of its participants.
func TakesPart(ch *core.Record, org string) bool {
	return ch.GetString("organisation") == org || slices.Contains(ch.GetStringSlice("organisations"), org)
}

// orgSuspended reports whether the broker has been told that org is suspended.
func (b *Broker) orgSuspended(org string) bool {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	return b.suspended[org]
}

func (b *Broker) setSuspended(org string, on bool) {
	b.Mu.Lock()
	defer b.Mu.Unlock()
	if b.suspended == nil {
		b.suspended = map[string]bool{}
	}
	if on {
		b.suspended[org] = true
	} else {
		delete(b.suspended, org)
	}
}

var errGrantsRevoked = errors.New("device grants revoked")

// revoke forgets a device's grants and drops its connections. Dropping the cached grants
// first makes its last will fail the check in OnWill, so a revoked device publishes
// nothing more; the broker announces it offline itself.
func (b *Broker) Revoke(username string) {
	d, cached := b.Devices.Get(username)
	b.Devices.drop(username)
	b.disconnect(username, errGrantsRevoked)
	if cached {
		b.markOffline(d)
	}
}

// markOffline publishes the retained offline status of a device whose grants were
// revoked and writes it to the record (the disconnect no longer finds it in the cache).
func (b *Broker) markOffline(d Device) {
	_ = b.Publish(b.cfg.Prefix+"device/"+d.Username+"/status", []byte("offline"), true, 1)
	b.Mu.Lock()
	seq := b.nextPresenceSeq(d.Id)
	b.Mu.Unlock()
	b.presenceWG.Add(1)
	go func() {
		defer b.presenceWG.Done()
		if b.Running() {
			b.writePresenceInOrder(d.Id, seq, false)
		}
	}()
}

// registerGrantHooks keeps the cached grants in step with organisations and channels.
func (b *Broker) registerGrantHooks() {
	// A suspended organisation's devices lose every grant and their connections at once;
	// CONNECT is refused while the suspension lasts (loadDevice). Its data stays.
	b.app.OnRecordAfterUpdateSuccess("organisations").BindFunc(func(e *core.RecordEvent) error {
		was := e.Record.Original().GetString("status") == "suspended"
		is := e.Record.GetString("status") == "suspended"
		b.setSuspended(e.Record.Id, is)
		if is && !was {
			b.revokeWhere(e.App, "organisation = {:o}", dbx.Params{"o": e.Record.Id})
		}
		return e.Next()
	})
	b.app.OnRecordAfterDeleteSuccess("organisations").BindFunc(func(e *core.RecordEvent) error {
		b.revokeCached(func(d Device) bool { return d.Organisation == e.Record.Id })
		return e.Next()
	})
	// A channel that loses an organisation (or is deleted) takes its topics away from
	// that organisation's devices, including subscriptions already made.
	// One that gains an organisation back gives the connected devices their channel
	// topics again without a reconnect (wider grants need no new subscription check).
	b.app.OnRecordAfterUpdateSuccess("channels").BindFunc(func(e *core.RecordEvent) error {
		ch := e.Record
		b.revokeCached(func(d Device) bool { return d.Channel == ch.Id && !TakesPart(ch, d.Organisation) })
		recs, err := e.App.FindRecordsByFilter("devices", "channel = {:c}", "", 0, 0, dbx.Params{"c": ch.Id})
		if err != nil {
			return e.Next()
		}
		for _, r := range recs {
			cur, connected := b.Devices.Get(r.GetString("username"))
			if !connected {
				continue
			}
			if next, ok := b.loadDevice(e.App, r); ok && next.Channel != "" && cur.Channel == "" {
				b.Devices.put(next)
			}
		}
		return e.Next()
	})
	// A siren added, changed or removed changes what its organisation's Home Assistant
	// servers see (and may command); a siren moved to another organisation, both.
	sirenChanged := func(e *core.RecordEvent) error {
		r := e.Record
		kinds := []string{r.GetString("kind")}
		orgs := []string{r.GetString("organisation")}
		if o := r.Original(); o != nil && e.Type == "update" {
			// Presence writes (online, last_seen) change nothing a server sees.
			same := true
			for _, f := range []string{"kind", "organisation", "username", "zone", "ha_remote"} {
				same = same && o.GetString(f) == r.GetString(f)
			}
			if same {
				return e.Next()
			}
			kinds = append(kinds, o.GetString("kind"))
			orgs = append(orgs, o.GetString("organisation"))
		}
		if slices.ContainsFunc(kinds, IsSirenKind) {
			for _, o := range slices.Compact(orgs) {
				b.refreshHomeAssistant(e.App, o)
			}
		}
		return e.Next()
	}
	b.app.OnRecordAfterCreateSuccess("devices").BindFunc(sirenChanged)
	b.app.OnRecordAfterUpdateSuccess("devices").BindFunc(sirenChanged)
	b.app.OnRecordAfterDeleteSuccess("devices").BindFunc(sirenChanged)
	b.app.OnRecordAfterDeleteSuccess("channels").BindFunc(func(e *core.RecordEvent) error {
		b.revokeCached(func(d Device) bool { return d.Channel == e.Record.Id })
		return e.Next()
	})
}

// revokeWhere revokes the devices whose records match filter.
func (b *Broker) revokeWhere(app core.App, filter string, params dbx.Params) {
	recs, err := app.FindRecordsByFilter("devices", filter, "", 0, 0, params)
	if err != nil {
		b.logWarn("device lookup for revocation failed", "error", err)
	}
	for _, r := range recs {
		b.Revoke(r.GetString("username"))
	}
}

// revokeCached revokes the connected devices for which match is true.
func (b *Broker) revokeCached(match func(Device) bool) {
	for _, d := range b.Devices.all() {
		if match(d) {
			b.Revoke(d.Username)
		}
	}
}

func (b *Broker) logWarn(msg string, args ...any) {
	if b.log != nil {
		b.log.Warn(msg, args...)
	}
}
