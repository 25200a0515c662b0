package tenancy

import (
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The records of a tenant: organisations, people, memberships and channels, created the
// way setup, invitations and the demo all create them.
// NewOrganisation creates a tenant.
func NewOrganisation(app core.App, name, short, kind, color string) (*core.Record, error) {
	coll, err := app.FindCachedCollectionByNameOrId("organisations")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("name", strings.TrimSpace(name))
	if short == "" {
		// A short name nobody chose must not make the organisation fail to exist:
		// when the abbreviation reads like another's, number it.
		base := abbreviate(name)
		short = base
		for i := 2; i < 100 && ShortTaken(app, short); i++ {
			short = fmt.Sprintf("%s%d", base, i)
		}
	}
	r.Set("short", short)
	r.Set("kind", kind)
	r.Set("status", "active")
	r.Set("color", color)
	return r, app.Save(r)
}

// NewUser creates a person's account; email may be empty.
func NewUser(app core.App, name, username, password, email string) (*core.Record, error) {
	coll, err := app.FindCachedCollectionByNameOrId("users")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("name", strings.TrimSpace(name))
	r.Set("username", strings.TrimSpace(username))
	r.Set("email", strings.TrimSpace(email))
	r.Set("locale", "de")
	r.SetPassword(password)
	return r, app.Save(r)
}

// NewMembership adds user to org with role; expires may be nil.
func NewMembership(app core.App, userId, orgId, role, function string, expires any) (*core.Record, error) {
	coll, err := app.FindCachedCollectionByNameOrId("memberships")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("user", userId)
	r.Set("organisation", orgId)
	r.Set("role", role)
	r.Set("function", function)
	if expires != nil {
		r.Set("expires", expires)
	}
	return r, app.Save(r)
}

// NewChannel creates a channel and makes its creator the owner.
func NewChannel(app core.App, orgId, kind, name, topic string, participants []string, creator string) (*core.Record, error) {
	coll, err := app.FindCachedCollectionByNameOrId("channels")
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(coll)
	r.Set("organisation", orgId)
	r.Set("kind", kind)
	r.Set("name", name)
	r.Set("topic", topic)
	r.Set("organisations", participants)
	if creator != "" {
		r.Set("created_by", creator)
	}
	if err := app.Save(r); err != nil {
		return nil, err
	}
	if creator != "" {
		AddChannelMember(app, r.Id, creator, "owner", nil)
	}
	return r, nil
}

func abbreviate(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		for _, c := range w {
			b.WriteRune(c)
			break
		}
		if b.Len() >= 6 {
			break
		}
	}
	return strings.ToUpper(b.String())
}

// shortTaken reports whether short reads like another organisation's short or name.
func ShortTaken(app core.App, short string) bool {
	o, _ := OrgLike(app, short, "")
	return o != nil
}

// adminOrgOver: an organisation of target in which actor is a live admin (LiveMembership) ("" if none).
func AdminOrgOver(app core.App, actor, target string) string {
	var org string
	_ = app.DB().NewQuery(`SELECT ma.organisation FROM memberships ma JOIN memberships mt ON mt.organisation = ma.organisation
		WHERE ma.user = {:a} AND mt.user = {:t} AND ma.role = 'admin' AND ` + LiveMembershipSQL("ma") + ` LIMIT 1`).
		Bind(dbx.Params{"a": actor, "t": target}).Row(&org)
	return org
}

// SignOutOrgOver is the organisation in whose name actor may end every session of target
// (POST /api/crisisroom/users/{id}/signout), "" if none: an organisation of target's that
// actor administers (live), the host organisation first. A host admin runs the room and
// may sign out any member of the host organisation; another organisation's admin only a
// person over whom they are AdminOverPerson, because ending every session also ends the
// person's work for their other organisations (their admin work there included).
// elsewhere reports that target is refused for that reason: the admin can still end the
// membership in their own organisation, which cuts target off its data at once.
func SignOutOrgOver(app core.App, actor, target string) (org string, elsewhere bool) {
	var host string
	_ = app.DB().NewQuery(`SELECT ma.organisation FROM memberships ma
		JOIN memberships mt ON mt.organisation = ma.organisation JOIN organisations o ON o.id = ma.organisation
		WHERE ma.user = {:a} AND mt.user = {:t} AND ma.role = 'admin' AND o.kind = 'host' AND ` + LiveMembershipSQL("ma") + `
		LIMIT 1`).Bind(dbx.Params{"a": actor, "t": target}).Row(&host)
	if host != "" {
		return host, false
	}
	return AdminOverPerson(app, actor, target)
}

// AdminOverPerson is the organisation (an id) in whose name actor, as its live admin,
// may act for target in everything that reaches beyond that organisation (every session,
// the mobile number that receives Blitz messages and call-outs), "" if none. It is one
// only when every membership target holds (not expired; in a suspended organisation too,
// which comes back with its channels) is in an organisation actor administers live: an
// admin of one organisation must not reach a person's work for another. elsewhere
// reports that actor administers an organisation of target but target also belongs to
// one actor does not run. Host admins get no exception here; SignOutOrgOver adds theirs.
func AdminOverPerson(app core.App, actor, target string) (org string, elsewhere bool) {
	if actor == "" || target == "" {
		return "", false
	}
	_ = app.DB().NewQuery(`SELECT ma.organisation FROM memberships ma JOIN memberships mt ON mt.organisation = ma.organisation
		WHERE ma.user = {:a} AND mt.user = {:t} AND ma.role = 'admin' AND ` + LiveMembershipSQL("ma") + `
		LIMIT 1`).Bind(dbx.Params{"a": actor, "t": target}).Row(&org)
	if org == "" {
		return "", false
	}
	var others int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM memberships mt WHERE mt.user = {:t} AND ` + NotExpiredSQL("mt") + `
		AND NOT EXISTS (SELECT 1 FROM memberships ma WHERE ma.user = {:a} AND ma.organisation = mt.organisation
			AND ma.role = 'admin' AND ` + LiveMembershipSQL("ma") + `)`).Bind(dbx.Params{"a": actor, "t": target}).Row(&others)
	if err != nil {
		return "", false // unsure: nobody acts for the person but themself
	}
	if others > 0 {
		return "", true
	}
	return org, false
}
