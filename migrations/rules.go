package migrations

import (
	"strings"

	"crisisroom/hooks/tenancy"
)

// The API rules below are PocketBase filter expressions. They are built from a few
// named pieces so that the tenancy model reads as prose: "a member of the owning
// organisation", "an admin of it", "a host operator".
//
// Every question about the signed-in user goes through the user's own rows
// (@request.auth.memberships_via_user, @request.auth.channel_members_via_user). PocketBase
// joins those with an ON clause bound to the user's id, so a rule costs the handful of
// rows one person has. An @collection join, by contrast, has no ON clause: a rule with
// several of them under an OR multiplies whole tables and ran for minutes on the demo.
//
// All pieces about the user's memberships share one join (the same path gives the same
// join), so within one piece every condition holds for the same membership row, and
// pieces combined with || may each be met by a different row. Two pieces that need two
// different memberships at once cannot be combined with &&. The alias parameters are
// kept for callers written against the first rules and no longer name a join.

const (
	isUser   = `@request.auth.collectionName = "users"`
	isDevice = `@request.auth.collectionName = "devices"`

	authMembership    = `@request.auth.memberships_via_user`
	authChannelMember = `@request.auth.channel_members_via_user`
)

// liveRow holds for a joined row whose expires field is empty or in the future
// (tenancy.NotExpiredRule, the one definition of "still valid"). It must be combined with
// a condition that only a real row meets: a missing row matches "".
func liveRow(path string) string { return tenancy.NotExpiredRule(path) }

// notExpired is liveRow for an @collection alias, for rules that still use one.
func notExpired(alias, coll string) string {
	return liveRow(`@collection.` + coll + `:` + alias)
}

// staffOf: a live membership of org that is not a guest's.
func staffOf(_, org string) string {
	return `(` + isUser + ` && ` + authMembership + `.organisation ?= ` + org + ` && ` + authMembership + `.role ?!= "guest" && ` + liveRow(authMembership) + `)`
}

// adminOf: the signed-in user is a live admin of org.
func adminOf(_, org string) string {
	return `(` + isUser + ` && ` + authMembership + `.organisation ?= ` + org + ` && ` + authMembership + `.role ?= "admin" && ` + liveRow(authMembership) + `)`
}

// hostOperator: a live admin or operator of the host organisation (the crisis staff).
func hostOperator(_ string) string {
	return `(` + isUser + ` && ` + authMembership + `.organisation.kind ?= "host" && (` + authMembership + `.role ?= "admin" || ` + authMembership + `.role ?= "operator") && ` + liveRow(authMembership) + `)`
}

// hostAdmin: a live admin of the host organisation.
func hostAdmin(_ string) string {
	return `(` + isUser + ` && ` + authMembership + `.organisation.kind ?= "host" && ` + authMembership + `.role ?= "admin" && ` + liveRow(authMembership) + `)`
}

// channelMember: the signed-in user is a live member of channel.
func channelMember(_, channel string) string {
	return `(` + isUser + ` && ` + authChannelMember + `.channel ?= ` + channel + ` && ` + liveRow(authChannelMember) + `)`
}

// channelWriter: a live channel member that is not read-only.
func channelWriter(_, channel string) string {
	return `(` + isUser + ` && ` + authChannelMember + `.channel ?= ` + channel + ` && ` + authChannelMember + `.role ?!= "readonly" && ` + liveRow(authChannelMember) + `)`
}

// participantAdmin: the signed-in user is a live admin of one of orgs (a multi-valued
// expression such as a shared channel's "organisations.id").
func participantAdmin(_, orgs string) string {
	return `(` + isUser + ` && ` + authMembership + `.organisation ?= ` + orgs + ` && ` + authMembership + `.role ?= "admin" && ` + liveRow(authMembership) + `)`
}

func anyOf(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }
func allOf(parts ...string) string { return "(" + strings.Join(parts, " && ") + ")" }

func ptr(s string) *string { return &s }

// ---- Pieces of the attacker hardening (1796000100) ----
//
// The pieces above stay as the frozen migrations used them. Those below add three things
// every rule now needs:
//   - a live membership is one that has not ended and whose organisation is active
//     (OrgActive): a suspended tenant's people reach nothing through it;
//   - a channel_members row grants access only while it has not ended, the organisation
//     that gave it (its organisation field) still takes part in the channel and the user
//     holds a live membership of that organisation;
//   - an empty relation never matches an empty relation: a missing joined row reads as
//     "", so each piece requires the record's field and the user's row to be non-empty.
// tenancy.LiveMembership, tenancy.ChannelMember and the SQL in hooks/tenancy/channel_members.go
// say the same; hooks/attack_tenancy_test.go checks that the three agree.

// OrgActive is the organisation status that lets its people act (tenancy.OrgActive).
const OrgActive = tenancy.OrgActive

// present guards a record-side relation against matching a missing row: the field must
// be set (the piece to append after a condition, or ""). A multi-valued relation (a
// shared channel's "organisations.id") needs none here: an empty list yields no value to
// compare, and the user's side is guarded (liveMembership).
func present(field string) string {
	if strings.HasSuffix(field, ".id") {
		return ""
	}
	return ` && ` + field + ` != ""`
}

// liveMembership: the joined membership row (path) exists, has not ended, and its
// organisation is active. The status test is also the guard against empty relations: a
// missing membership or organisation row reads as "", never as OrgActive, so a matched
// row always has a real organisation.
func liveMembership(path string) string { return tenancy.LiveMembershipRule(path) }

// liveChannelRow: the joined channel_members row (path) exists and is live (see above).
// Its organisation equals that of a live membership, so it is real and non-empty.
// The user's membership of the giving organisation is the auth membership join, so a
// piece using this cannot also ask for a different membership with &&.
// "Takes part" matches the participants as stored (the JSON text of ids): without ".id"
// PocketBase joins neither json_each nor the organisations table for every row of the
// user's channels, which made the users and channel_members lists about twice as slow.
// The contains-match is exact here: ids are 15 lowercase letters and digits (no LIKE
// wildcards), so one id inside the list text is that id, and the organisation is
// non-empty (it equals a live membership's).
func liveChannelRow(path string) string {
	return `(` + authMembership + `.organisation ?= ` + path + `.organisation && ` + liveMembership(authMembership) + ` && ` + liveRow(path) + ` && (` +
		path + `.channel.kind ?= "direct" || ` + path + `.channel.kind ?= "group" || ` +
		path + `.channel.organisation ?= ` + path + `.organisation || ` + path + `.channel.organisations ?~ ` + path + `.organisation))`
}

// member: a live membership of org (any role).
func member(org string) string {
	return `(` + isUser + present(org) + ` && ` + authMembership + `.organisation ?= ` + org + ` && ` + liveMembership(authMembership) + `)`
}

// staff: a live membership of org that is not a guest's.
func staff(org string) string {
	return `(` + isUser + present(org) + ` && ` + authMembership + `.organisation ?= ` + org + ` && ` + authMembership + `.role ?!= "guest" && ` + liveMembership(authMembership) + `)`
}

// admin: a live admin of org (org may be a multi-valued path such as "organisations.id").
func admin(org string) string {
	return `(` + isUser + present(org) + ` && ` + authMembership + `.organisation ?= ` + org + ` && ` + authMembership + `.role ?= "admin" && ` + liveMembership(authMembership) + `)`
}

// hostOp: a live admin or operator of the host organisation.
func hostOp() string {
	return `(` + isUser + ` && ` + authMembership + `.organisation.kind ?= "host" && (` + authMembership + `.role ?= "admin" || ` + authMembership + `.role ?= "operator") && ` + liveMembership(authMembership) + `)`
}

// hostAdm: a live admin of the host organisation.
func hostAdm() string {
	return `(` + isUser + ` && ` + authMembership + `.organisation.kind ?= "host" && ` + authMembership + `.role ?= "admin" && ` + liveMembership(authMembership) + `)`
}

// inChannel: a live channel membership of channel.
func inChannel(channel string) string {
	return `(` + isUser + present(channel) + ` && ` + authChannelMember + `.channel ?= ` + channel + ` && ` + liveChannelRow(authChannelMember) + `)`
}

// writerIn: a live channel membership of channel that is not read-only.
func writerIn(channel string) string {
	return `(` + isUser + present(channel) + ` && ` + authChannelMember + `.channel ?= ` + channel + ` && ` + authChannelMember + `.role ?!= "readonly" && ` + liveChannelRow(authChannelMember) + `)`
}

// ownerIn: a live channel membership of channel with the role owner.
func ownerIn(channel string) string {
	return `(` + isUser + present(channel) + ` && ` + authChannelMember + `.channel ?= ` + channel + ` && ` + authChannelMember + `.role ?= "owner" && ` + liveChannelRow(authChannelMember) + `)`
}

// MemberRule is the rule piece "a live member of org" for tests that hold the filter,
// SQL and Go definitions of a live membership together.
func MemberRule(org string) string { return member(org) }

// ChannelMemberRule is the rule piece "a live member of channel", for the same tests.
func ChannelMemberRule(channel string) string { return inChannel(channel) }
