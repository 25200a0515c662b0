package messaging

import (
	"crisisroom/hooks/tenancy"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Person is how messages, receipts and lists name a user.
type Person struct {
	Id       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
	// Guest marks a person who takes part only as a guest (an external expert): their
	// messages carry the inviting organisation, and readers must tell them from its staff.
	Guest bool `json:"guest,omitempty"`
}

// OrgLabel is how messages and lists show an organisation.
type OrgLabel struct {
	Id    string `json:"id"`
	Name  string `json:"name"`
	Short string `json:"short"`
	Color string `json:"color"`
}

type channelInfo struct {
	Id, Kind, Organisation, Name string
	Organisations                []string // participants, owner first
}

type deviceInfo struct{ Name, Organisation string }

// directory caches the names a message event needs (author, organisation, device,
// channel), so that building one event costs no queries once the room is warm. Any change
// to users, organisations, memberships, channels or devices empties it: those are rare
// next to messages.
type directory struct {
	mu        sync.RWMutex
	people    map[string]Person
	orgs      map[string]OrgLabel
	channels  map[string]channelInfo
	devices   map[string]deviceInfo
	authorOrg map[string]string // channel + "/" + user → organisation id ("" for none)

	recipients *recipientCache // live members per channel, for the receipt figure of events
}

func newDirectory(app core.App) *directory {
	d := &directory{recipients: newRecipientCache(app)}
	d.reset()
	reset := func(e *core.RecordEvent) error {
		d.reset()
		return e.Next()
	}
	names := []string{"users", "organisations", "memberships", "channels", "devices"}
	app.OnRecordAfterCreateSuccess(names...).BindFunc(reset)
	app.OnRecordAfterUpdateSuccess(names...).BindFunc(reset)
	app.OnRecordAfterDeleteSuccess(names...).BindFunc(reset)
	return d
}

func (d *directory) reset() {
	d.mu.Lock()
	d.people = map[string]Person{}
	d.orgs = map[string]OrgLabel{}
	d.channels = map[string]channelInfo{}
	d.devices = map[string]deviceInfo{}
	d.authorOrg = map[string]string{}
	d.mu.Unlock()
}

func (d *directory) person(app core.App, id string) *Person {
	if id == "" {
		return nil
	}
	d.mu.RLock()
	p, ok := d.people[id]
	d.mu.RUnlock()
	if !ok {
		u, err := app.FindRecordById("users", id)
		if err != nil {
			return nil
		}
		p = Person{Id: u.Id, Name: u.GetString("name"), Username: u.GetString("username"), Guest: tenancy.InvitedAsGuest(app, u.Id)}
		d.mu.Lock()
		d.people[id] = p
		d.mu.Unlock()
	}
	return &p
}

func (d *directory) org(app core.App, id string) *OrgLabel {
	if id == "" {
		return nil
	}
	d.mu.RLock()
	o, ok := d.orgs[id]
	d.mu.RUnlock()
	if !ok {
		r, err := app.FindRecordById("organisations", id)
		if err != nil {
			return nil
		}
		o = OrgLabel{Id: r.Id, Name: r.GetString("name"), Short: r.GetString("short"), Color: r.GetString("color")}
		d.mu.Lock()
		d.orgs[id] = o
		d.mu.Unlock()
	}
	return &o
}

func (d *directory) channel(app core.App, id string) *channelInfo {
	d.mu.RLock()
	c, ok := d.channels[id]
	d.mu.RUnlock()
	if !ok {
		r, err := app.FindRecordById("channels", id)
		if err != nil {
			return nil
		}
		c = channelInfo{Id: r.Id, Kind: r.GetString("kind"), Organisation: r.GetString("organisation"), Name: r.GetString("name"), Organisations: tenancy.ChannelOrgs(r)}
		d.mu.Lock()
		d.channels[id] = c
		d.mu.Unlock()
	}
	return &c
}

func (d *directory) device(app core.App, id string) *deviceInfo {
	if id == "" {
		return nil
	}
	d.mu.RLock()
	v, ok := d.devices[id]
	d.mu.RUnlock()
	if !ok {
		r, err := app.FindRecordById("devices", id)
		if err != nil {
			return nil
		}
		name := r.GetString("name")
		if name == "" {
			name = r.GetString("username")
		}
		v = deviceInfo{Name: name, Organisation: r.GetString("organisation")}
		d.mu.Lock()
		d.devices[id] = v
		d.mu.Unlock()
	}
	return &v
}

// userOrg names the organisation a person speaks for in a channel: the owner of an org
// channel; for a shared channel their membership among the taking part organisations;
// for direct and group conversations the owning organisation if they belong to it, else
// their first one.
func (d *directory) userOrg(app core.App, ch *channelInfo, userId string) *OrgLabel {
	if ch == nil || userId == "" {
		return nil
	}
	key := ch.Id + "/" + userId
	d.mu.RLock()
	orgId, ok := d.authorOrg[key]
	d.mu.RUnlock()
	if !ok {
		switch ch.Kind {
		case "org":
			orgId = ch.Organisation
		case "shared":
			if m := tenancy.LiveMembershipIn(app, userId, ch.Organisations); m != nil {
				orgId = m.GetString("organisation")
			}
		default:
			if m := tenancy.Membership(app, userId, ch.Organisation); m != nil {
				orgId = ch.Organisation
			} else if ms, err := app.FindRecordsByFilter("memberships", "user = {:u}", "created", 0, 0, dbx.Params{"u": userId}); err == nil {
				for _, m := range ms {
					if !tenancy.Expired(m) {
						orgId = m.GetString("organisation")
						break
					}
				}
			}
		}
		d.mu.Lock()
		d.authorOrg[key] = orgId
		d.mu.Unlock()
	}
	return d.org(app, orgId)
}
