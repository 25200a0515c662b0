package hooks

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Access questions that rules cannot answer alone. Each one reads the database, so call
// them at the edge of a request, not per message.

// Membership returns the live membership of user in org, or nil.
func Membership(app core.App, userId, orgId string) *core.Record {
	if userId == "" || orgId == "" {
		return nil
	}
	m, err := app.FindFirstRecordByFilter("memberships", "user = {:u} && organisation = {:o}", dbx.Params{"u": userId, "o": orgId})
	if err != nil || expired(m) {
		return nil
	}
	return m
}

// RoleIn is the user's role in org ("" when none).
func RoleIn(app core.App, userId, orgId string) string {
	if m := Membership(app, userId, orgId); m != nil {
		return m.GetString("role")
	}
	return ""
}

// HostOrganisation returns the host organisation, or nil before setup.
func HostOrganisation(app core.App) *core.Record {
	r, err := app.FindFirstRecordByFilter("organisations", `kind = "host"`)
	if err != nil {
		return nil
	}
	return r
}

// IsHostOperator: admin or operator of the host organisation.
func IsHostOperator(app core.App, userId string) bool {
	host := HostOrganisation(app)
	if host == nil {
		return false
	}
	role := RoleIn(app, userId, host.Id)
	return role == "admin" || role == "operator"
}

// IsStaff: a live membership of org that is not a guest's.
func IsStaff(app core.App, userId, orgId string) bool {
	role := RoleIn(app, userId, orgId)
	return role != "" && role != "guest"
}

// ChannelMember returns the live channel membership of user, or nil.
func ChannelMember(app core.App, channelId, userId string) *core.Record {
	cm, err := app.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": channelId, "u": userId})
	if err != nil || expired(cm) {
		return nil
	}
	return cm
}

func expired(r *core.Record) bool {
	exp := r.GetDateTime("expires")
	return !exp.IsZero() && exp.Time().Before(time.Now())
}

// channelOrgs: the organisations taking part in a channel (owner first).
func channelOrgs(ch *core.Record) []string {
	orgs := []string{ch.GetString("organisation")}
	for _, o := range ch.GetStringSlice("organisations") {
		if o != orgs[0] {
			orgs = append(orgs, o)
		}
	}
	return orgs
}

// liveMembershipIn returns the user's membership in the first of orgs that has one.
func liveMembershipIn(app core.App, userId string, orgs []string) *core.Record {
	for _, o := range orgs {
		if m := Membership(app, userId, o); m != nil {
			return m
		}
	}
	return nil
}

func nowDate() types.DateTime { return types.NowDateTime() }
