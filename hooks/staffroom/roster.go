package staffroom

import (
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// Presence: "online" while a realtime connection of the person is open and one of their
// app's tabs said within the last idleAfter that it is in use (a visible tab used within
// five minutes says so once a minute); "away" while connected but every tab said it is
// hidden or has gone quiet (idle, or closed without a word: a connection may outlive its
// tab for a while); "offline" without a connection. Kept per tab, because one person's
// hidden tab must not make their tab in use "away". In memory: it describes this moment only.
type presence struct {
	mu   sync.Mutex
	now  func() time.Time              // time.Now; a test sets its own clock
	tabs map[string]map[string]tabWord // user → tab id → the tab's last word
}

// tabWord: what a tab said last and when.
type tabWord struct {
	at   time.Time
	away bool
}

const (
	idleAfter   = 5 * time.Minute // a tab without a word for this long counts as not in use
	forgetAfter = 24 * time.Hour  // a tab without a word for this long is forgotten
	tabsPerUser = 16              // more tabs of one person: the one silent longest is forgotten
)

func newPresence() *presence {
	return &presence{now: time.Now, tabs: map[string]map[string]tabWord{}}
}

// set records what tab (any string up to 64 bytes; "" for an app that names none) of user
// said: away (hidden) or in use.
func (p *presence) set(user, tab string, away bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	m := p.tabs[user]
	if m == nil {
		m = map[string]tabWord{}
		p.tabs[user] = m
	}
	for id, w := range m {
		if now.Sub(w.at) > forgetAfter {
			delete(m, id)
		}
	}
	if _, ok := m[tab]; !ok && len(m) >= tabsPerUser {
		oldest := ""
		for id, w := range m {
			if oldest == "" || w.at.Before(m[oldest].at) {
				oldest = id
			}
		}
		delete(m, oldest)
	}
	m[tab] = tabWord{at: now, away: away}
}

// isAway: the person's tabs have said something and none of them is in use now. A person
// whose app has said nothing yet counts as in use (their connection is new).
func (p *presence) isAway(user string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.tabs[user]
	if len(m) == 0 {
		return false
	}
	now := p.now()
	for _, w := range m {
		if !w.away && now.Sub(w.at) < idleAfter {
			return false
		}
	}
	return true
}

// connected: the users with an open realtime connection.
func connected(app core.App) map[string]bool {
	out := map[string]bool{}
	for _, c := range app.SubscriptionsBroker().Clients() {
		if r, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record); r != nil && r.Collection().Name == "users" {
			out[r.Id] = true
		}
	}
	return out
}

// POST /api/crisisroom/presence {"state": "online"|"away", "tab": "<id of the page, optional>"}
// → 204; 400 for another state or a tab id longer than 64 bytes. The app says "away" when
// its page is hidden, "online" when used and, while visible and used within five
// minutes, once a minute (see presence).
func (s *staffroom) handlePresence(e *core.RequestEvent) error {
	var body struct {
		State string `json:"state"`
		Tab   string `json:"tab"`
	}
	if err := e.BindBody(&body); err != nil || (body.State != "online" && body.State != "away") {
		return apperr.New(http.StatusBadRequest, "staffroom.presence_state_invalid", err)
	}
	if len(body.Tab) > 64 {
		return apperr.BadRequest("staffroom.tab_too_long")
	}
	s.presence.set(e.Auth.Id, body.Tab, body.State == "away")
	return e.NoContent(http.StatusNoContent)
}

// isGuest: the person's membership of org is a guest's (guests are not on duty).
func isGuest(app core.App, userId, orgId string) bool {
	m, err := app.FindFirstRecordByFilter("memberships", "user = {:u} && organisation = {:o}", dbx.Params{"u": userId, "o": orgId})
	return err == nil && m.GetString("role") == "guest"
}

// rosterEntry is one person on duty for one organisation.
type rosterEntry struct {
	person
	Role     string `json:"role,omitempty"` // only for the viewer's own organisations
	Presence string `json:"presence"`       // online, away, offline
}

// rosterOrg is one organisation's people, by function (those with one first).
type rosterOrg struct {
	Id     string        `json:"id"`
	Name   string        `json:"name"`
	Short  string        `json:"short"`
	Kind   string        `json:"kind"`
	Color  string        `json:"color"`
	People []rosterEntry `json:"people"`
}

// GET /api/crisisroom/roster → [rosterOrg]: who is on duty, by organisation and function,
// with presence. Staff only (a guest sees no roster, and is not on it). The viewer sees every live member
// of their own organisations, and of other organisations only the people they share a
// live channel with, as the shared channel shows them (name, username, function): never
// an organisation's other members, roles, expiry dates or further memberships.
func (s *staffroom) handleRoster(e *core.RequestEvent) error {
	me := e.Auth.Id
	mine, err := e.App.FindRecordsByFilter("memberships", "user = {:u} && role != 'guest'", "", 0, 0, dbx.Params{"u": me})
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	own := map[string]bool{}
	for _, m := range mine {
		if tenancy.LiveMembership(e.App, m) {
			own[m.GetString("organisation")] = true
		}
	}
	if len(own) == 0 {
		return apperr.Forbidden("staffroom.roster_staff_only")
	}
	online := connected(e.App)
	orgs := map[string]*rosterOrg{}
	seen := map[string]bool{} // org/user
	add := func(orgId, userId, role string) {
		if seen[orgId+"/"+userId] {
			return
		}
		o, ok := orgs[orgId]
		if !ok {
			rec, err := e.App.FindRecordById("organisations", orgId)
			if err != nil {
				return
			}
			o = &rosterOrg{Id: rec.Id, Name: rec.GetString("name"), Short: rec.GetString("short"), Kind: rec.GetString("kind"), Color: rec.GetString("color"), People: []rosterEntry{}}
			orgs[orgId] = o
		}
		p := personOf(e.App, userId)
		if p == nil {
			return
		}
		seen[orgId+"/"+userId] = true
		p.Function = functionIn(e.App, userId, orgId)
		p.Codes = staffCodes(e.App, userId)
		st := "offline"
		if online[userId] {
			st = "online"
			if s.presence.isAway(userId) {
				st = "away"
			}
		}
		o.People = append(o.People, rosterEntry{person: *p, Role: role, Presence: st})
	}
	for org := range own {
		ms, _ := e.App.FindRecordsByFilter("memberships", "organisation = {:o}", "", 0, 0, dbx.Params{"o": org})
		for _, m := range ms {
			if m.GetString("role") != "guest" && tenancy.LiveMembership(e.App, m) {
				add(org, m.GetString("user"), m.GetString("role"))
			}
		}
	}
	// People of other organisations: through the shared channels the viewer is in.
	for _, ch := range readableChannels(e.App, me) {
		c, err := e.App.FindRecordById("channels", ch)
		if err != nil || c.GetString("kind") != "shared" {
			continue
		}
		for _, p := range channelPeople(e.App, ch) {
			if !own[p.Org] && !isGuest(e.App, p.Id, p.Org) {
				add(p.Org, p.Id, "")
			}
		}
	}
	out := make([]rosterOrg, 0, len(orgs))
	for _, o := range orgs {
		sort.Slice(o.People, func(i, j int) bool {
			a, b := o.People[i], o.People[j]
			if (a.Function == "") != (b.Function == "") {
				return a.Function != ""
			}
			if a.Function != b.Function {
				return a.Function < b.Function
			}
			return a.Name < b.Name
		})
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Kind == "host") != (out[j].Kind == "host") {
			return out[i].Kind == "host"
		}
		return out[i].Name < out[j].Name
	})
	return e.JSON(http.StatusOK, out)
}
