package migrations

import "strings"

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

// liveRow holds for a joined row whose expires field is empty or in the future. It must be
// combined with a condition that only a real row meets: a missing row matches "".
func liveRow(path string) string {
	return `(` + path + `.expires ?= "" || ` + path + `.expires ?> @now)`
}

// notExpired is liveRow for an @collection alias, for rules that still use one.
func notExpired(alias, coll string) string {
	return liveRow(`@collection.` + coll + `:` + alias)
}

// memberOf: the signed-in user holds a live membership of org (any role).
func memberOf(_, org string) string {
	return `(` + isUser + ` && ` + authMembership + `.organisation ?= ` + org + ` && ` + liveRow(authMembership) + `)`
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
