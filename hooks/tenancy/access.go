package tenancy

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Access questions that rules cannot answer alone. Each one reads the database, so call
// them at the edge of a request, not per message.

// OrgActive is the status of an organisation whose people may act through it. A live
// membership is one that has not ended and whose organisation has this status; the same
// definition is spelled three times, and TestLiveMembershipDefinitionsAgree holds them
// together: LiveMembership (Go), liveMembershipSQL (SQL) and the rule pieces in
// migrations/rules.go (PocketBase filter).
const OrgActive = "active"

// LiveMembership reports whether the memberships record m grants anything now: its
// expires field is empty or in the future, and its organisation's status is OrgActive (a
// suspended organisation's people reach nothing through it until the host lifts the
// suspension; the data stays). A nil m is not live. Other packages (devices of suspended
// organisations) ask this question through here, or through Membership, IsStaff and
// IsHostOperator, which all apply it.
func LiveMembership(app core.App, m *core.Record) bool {
	if m == nil || Expired(m) {
		return false
	}
	return orgActive(app, m.GetString("organisation"))
}

// orgActive: the organisation with this id exists and is active.
func orgActive(app core.App, orgId string) bool {
	if orgId == "" {
		return false
	}
	org, err := app.FindRecordById("organisations", orgId)
	return err == nil && org.GetString("status") == OrgActive
}

// Membership returns the live membership (see LiveMembership) of user in org, or nil.
func Membership(app core.App, userId, orgId string) *core.Record {
	if userId == "" || orgId == "" {
		return nil
	}
	m, err := app.FindFirstRecordByFilter("memberships", "user = {:u} && organisation = {:o}", dbx.Params{"u": userId, "o": orgId})
	if err != nil || !LiveMembership(app, m) {
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

// ChannelMember returns the live channel membership of user, or nil. A channel_members
// row is live when it has not ended, the organisation that gave it (its organisation
// field) still takes part in the channel (org and shared channels), and the user holds a
// live membership of that organisation (LiveMembership: not ended, organisation active).
// liveChannelMemberSQL and the rule piece inChannel say the same in SQL and filter syntax.
func ChannelMember(app core.App, channelId, userId string) *core.Record {
	if channelId == "" || userId == "" {
		return nil
	}
	cm, err := app.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": channelId, "u": userId})
	if err != nil || !liveChannelRow(app, cm) {
		return nil
	}
	return cm
}

// liveChannelRow applies ChannelMember's definition to a channel_members record.
func liveChannelRow(app core.App, cm *core.Record) bool {
	if cm == nil || Expired(cm) {
		return false
	}
	org := cm.GetString("organisation")
	if org == "" || Membership(app, cm.GetString("user"), org) == nil {
		return false
	}
	ch, err := app.FindRecordById("channels", cm.GetString("channel"))
	if err != nil {
		return false
	}
	switch ch.GetString("kind") {
	case "direct", "group":
		return true
	}
	for _, o := range ChannelOrgs(ch) {
		if o == org {
			return true
		}
	}
	return false
}

// IsGuestOnly: the user holds no live membership other than a guest's. Such a person
// reaches only what an invitation gave: no direct or group conversations.
func IsGuestOnly(app core.App, userId string) bool {
	ms, err := app.FindRecordsByFilter("memberships", `user = {:u} && role != "guest"`, "", 0, 0, dbx.Params{"u": userId})
	if err != nil {
		return true
	}
	for _, m := range ms {
		if LiveMembership(app, m) {
			return false
		}
	}
	return true
}

// InvitedAsGuest tells a person who came as a guest (a guest membership, live or ended)
// and holds no live membership of another role: their messages carry the inviting
// organisation, so lists and events mark them ("guest") for readers to tell them from
// its staff.
func InvitedAsGuest(app core.App, userId string) bool {
	var n int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM memberships WHERE user = {:u} AND role = 'guest'`).Bind(dbx.Params{"u": userId}).Row(&n)
	return err == nil && n > 0 && IsGuestOnly(app, userId)
}

// channelOrgs: the organisations taking part in a channel (owner first).
func ChannelOrgs(ch *core.Record) []string {
	orgs := []string{ch.GetString("organisation")}
	for _, o := range ch.GetStringSlice("organisations") {
		if o != orgs[0] {
			orgs = append(orgs, o)
		}
	}
	return orgs
}

// liveMembershipIn returns the user's membership in the first of orgs that has one.
func LiveMembershipIn(app core.App, userId string, orgs []string) *core.Record {
	for _, o := range orgs {
		if m := Membership(app, userId, o); m != nil {
			return m
		}
	}
	return nil
}

func NowDate() types.DateTime { return types.NowDateTime() }
