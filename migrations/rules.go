package migrations

import "strings"

// The API rules below are PocketBase filter expressions. They are built from a few
// named pieces so that the tenancy model reads as prose: "a member of the owning
// organisation", "an admin of it", "a host operator".
//
// Every @collection join uses its own alias; with the ?-operators PocketBase compares
// against the joined row, so conditions on the same alias hold for the same row.

const (
	isUser   = `@request.auth.collectionName = "users"`
	isDevice = `@request.auth.collectionName = "devices"`
)

// notExpired holds for a join row whose expires field is empty or in the future.
func notExpired(alias, coll string) string {
	return `(@collection.` + coll + `:` + alias + `.expires ?= "" || @collection.` + coll + `:` + alias + `.expires ?> @now)`
}

// memberOf: the signed-in user holds a live membership of org (any role).
func memberOf(alias, org string) string {
	return `(` + isUser + ` && @collection.memberships:` + alias + `.user ?= @request.auth.id && @collection.memberships:` + alias + `.organisation ?= ` + org + ` && ` + notExpired(alias, "memberships") + `)`
}

// staffOf: a live membership of org that is not a guest's.
func staffOf(alias, org string) string {
	return `(` + isUser + ` && @collection.memberships:` + alias + `.user ?= @request.auth.id && @collection.memberships:` + alias + `.organisation ?= ` + org + ` && @collection.memberships:` + alias + `.role ?!= "guest" && ` + notExpired(alias, "memberships") + `)`
}

// adminOf: the signed-in user is an admin of org.
func adminOf(alias, org string) string {
	return `(` + isUser + ` && @collection.memberships:` + alias + `.user ?= @request.auth.id && @collection.memberships:` + alias + `.organisation ?= ` + org + ` && @collection.memberships:` + alias + `.role ?= "admin")`
}

// hostOperator: an admin or operator of the host organisation (the crisis staff).
func hostOperator(alias string) string {
	return `(` + isUser + ` && @collection.memberships:` + alias + `.user ?= @request.auth.id && @collection.memberships:` + alias + `.organisation.kind ?= "host" && (@collection.memberships:` + alias + `.role ?= "admin" || @collection.memberships:` + alias + `.role ?= "operator"))`
}

// hostAdmin: an admin of the host organisation.
func hostAdmin(alias string) string {
	return `(` + isUser + ` && @collection.memberships:` + alias + `.user ?= @request.auth.id && @collection.memberships:` + alias + `.organisation.kind ?= "host" && @collection.memberships:` + alias + `.role ?= "admin")`
}

// channelMember: the signed-in user is a live member of channel.
func channelMember(alias, channel string) string {
	return `(` + isUser + ` && @collection.channel_members:` + alias + `.channel ?= ` + channel + ` && @collection.channel_members:` + alias + `.user ?= @request.auth.id && ` + notExpired(alias, "channel_members") + `)`
}

// channelWriter: a live channel member that is not read-only.
func channelWriter(alias, channel string) string {
	return `(` + isUser + ` && @collection.channel_members:` + alias + `.channel ?= ` + channel + ` && @collection.channel_members:` + alias + `.user ?= @request.auth.id && @collection.channel_members:` + alias + `.role ?!= "readonly" && ` + notExpired(alias, "channel_members") + `)`
}

func anyOf(parts ...string) string { return "(" + strings.Join(parts, " || ") + ")" }
func allOf(parts ...string) string { return "(" + strings.Join(parts, " && ") + ")" }

func ptr(s string) *string { return &s }
