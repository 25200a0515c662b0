package messaging

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// POST /api/crisisroom/direct {"user": "<id>"} → the direct conversation of the caller and
// that person, found or started. Only with someone the caller shares an organisation (as
// staff) or a channel with: a direct message is no way to reach strangers.
func (ms *messaging) handleDirect(e *core.RequestEvent) error {
	var body struct {
		User string `json:"user"`
	}
	if err := e.BindBody(&body); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_could_not_read", err)
	}
	me := e.Auth
	if body.User == "" || body.User == me.Id {
		return apperr.BadRequest("messaging.choose_another_person")
	}
	peer, err := e.App.FindRecordById("users", body.User)
	// A guest reaches only its invitation's channels, and nobody pulls one out of them.
	if err == nil && (tenancy.IsGuestOnly(e.App, me.Id) || tenancy.IsGuestOnly(e.App, peer.Id)) {
		return tenancy.ErrGuestOnly
	}
	if err != nil || !tenancy.SharesSomething(e.App, me.Id, peer.Id) {
		return apperr.Forbidden("messaging.only_write_people_share")
	}

	ms.directMu.Lock()
	defer ms.directMu.Unlock()
	id := findDirect(e.App, me.Id, peer.Id)
	if id != "" {
		tenancy.ReopenDirect(e.App, id) // ended when they shared nothing else; they do again
	}
	if id == "" {
		org := sharedTenant(e.App, me.Id, peer.Id)
		if org == "" {
			return apperr.Forbidden("messaging.belong_no_organisation")
		}
		err := e.App.RunInTransaction(func(tx core.App) error {
			ch, err := tenancy.NewChannel(tx, org, "direct", "direct:"+me.GetString("username")+":"+peer.GetString("username"), "", nil, me.Id)
			if err != nil {
				return err
			}
			if tenancy.AddChannelMember(tx, ch.Id, peer.Id, "member", nil) == nil {
				return errDirectMember
			}
			id = ch.Id
			return nil
		})
		if err != nil {
			return apperr.New(http.StatusInternalServerError, "messaging.conversation_could_not_started", err)
		}
	}
	rows, err := myChannels(e.App, me.Id)
	if err != nil {
		return apperr.Internal(err)
	}
	for _, r := range rows {
		if r.Id == id {
			return e.JSON(http.StatusOK, ms.channelItems(e.App, me.Id, []myChannelRow{r})[0])
		}
	}
	return apperr.Internal(nil)
}

var errDirectMember = errors.New("failed to add the second person to the direct channel")

func findDirect(app core.App, a, b string) string {
	var id string
	_ = app.DB().NewQuery(`SELECT c.id FROM channels c
		JOIN channel_members ca ON ca.channel = c.id AND ca.user = {:a}
		JOIN channel_members cb ON cb.channel = c.id AND cb.user = {:b}
		WHERE c.kind = 'direct' ORDER BY c.created LIMIT 1`).Bind(dbx.Params{"a": a, "b": b}).Row(&id)
	return id
}

// sharedTenant: the caller's first organisation the other person also belongs to, else
// the caller's first organisation.
func sharedTenant(app core.App, me, peer string) string {
	var org string
	_ = app.DB().NewQuery(`SELECT ma.organisation FROM memberships ma JOIN memberships mb ON mb.organisation = ma.organisation
		WHERE ma.user = {:a} AND mb.user = {:b} AND ma.role != 'guest' AND ` + tenancy.LiveMembershipSQL("ma") + `
		ORDER BY ma.created LIMIT 1`).Bind(dbx.Params{"a": me, "b": peer}).Row(&org)
	if org != "" {
		return org
	}
	_ = app.DB().NewQuery(`SELECT m.organisation FROM memberships m WHERE m.user = {:a} AND ` + tenancy.LiveMembershipSQL("m") + `
		ORDER BY m.created LIMIT 1`).Bind(dbx.Params{"a": me}).Row(&org)
	return org
}

// PersonItem is one entry of the people picker.
type PersonItem struct {
	Person
	Orgs []OrgLabel `json:"orgs"`
}

// GET /api/crisisroom/people?q= → the people the caller shares an organisation (as
// staff) or a channel other than a direct conversation with, the same circle the users collection rule shows.
func (ms *messaging) handlePeople(e *core.RequestEvent) error {
	q := strings.TrimSpace(e.Request.URL.Query().Get("q"))
	params := dbx.Params{"me": e.Auth.Id, "now": dbNow(), "q": likePattern(q)}
	var ids []string
	err := e.App.DB().NewQuery(`SELECT u.id FROM users u WHERE u.id != {:me} AND (
			u.id IN (SELECT mu.user FROM memberships mu JOIN memberships mme ON mme.organisation = mu.organisation
				WHERE mme.user = {:me} AND mme.role != 'guest' AND ` + tenancy.LiveMembershipSQL("mme") + `)
			OR u.id IN (SELECT cu.user FROM channel_members cu JOIN channel_members cme ON cme.channel = cu.channel
				JOIN channels pc ON pc.id = cu.channel AND pc.kind != 'direct'
				WHERE cme.user = {:me} AND ` + tenancy.LiveChannelMemberSQL("cme") + `))
		AND (u.name LIKE {:q} ESCAPE '\' OR u.username LIKE {:q} ESCAPE '\')
		ORDER BY u.name LIMIT 200`).Bind(params).Column(&ids)
	if err != nil {
		return apperr.Internal(err)
	}
	needle := strings.ToLower(q)
	items := []PersonItem{}
	for _, id := range ids {
		p := ms.dir.person(e.App, id)
		if p == nil || (needle != "" && !strings.Contains(strings.ToLower(p.Name), needle) && !strings.Contains(strings.ToLower(p.Username), needle)) {
			continue
		}
		it := PersonItem{Person: *p, Orgs: []OrgLabel{}}
		var orgs []string
		_ = e.App.DB().NewQuery(`SELECT organisation FROM memberships WHERE user = {:u} AND ` + tenancy.NotExpiredSQL("memberships") + ` ORDER BY created`).
			Bind(dbx.Params{"u": id}).Column(&orgs)
		for _, o := range orgs {
			if l := ms.dir.org(e.App, o); l != nil {
				it.Orgs = append(it.Orgs, *l)
			}
		}
		items = append(items, it)
		if len(items) == 50 {
			break
		}
	}
	return e.JSON(http.StatusOK, items)
}
