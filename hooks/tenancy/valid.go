package tenancy

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Still valid (not expired): a membership, channel row, board item or any record with an
// "expires" field grants or shows something while that field is empty (no end) or later
// than now; at the instant itself it has ended. This is the one definition, spelled once
// for each language that asks it, and TestStillValidDefinitionsAgree checks that the
// spellings pick the same rows:
//
//	Go                     StillValid, NotExpired, Expired
//	SQL (dbx queries)      NotExpiredSQL
//	PocketBase filter      NotExpiredFilter, ExpiredFilter (a record's own field)
//	PocketBase API rule    NotExpiredRule (a joined row, as in migrations/rules.go)
//
// PocketBase stores dates as text "2006-01-02 15:04:05.000Z" (UTC), which sorts as time,
// so SQL and filters compare text; @now and the SQL now are that same format.

// StillValid reports whether an end time expires (zero: none) has not been reached at now.
func StillValid(expires, now time.Time) bool { return expires.IsZero() || expires.After(now) }

// NotExpired reports whether the record's expires field is empty or in the future.
func NotExpired(r *core.Record) bool {
	return StillValid(r.GetDateTime("expires").Time(), time.Now())
}

// Expired is !NotExpired: the record's expires field is set and has been reached.
func Expired(r *core.Record) bool { return !NotExpired(r) }

// NotExpiredSQL is the SQL condition "the row of alias (a table name or alias) is still
// valid", for dbx queries.
func NotExpiredSQL(alias string) string {
	return "(" + alias + ".expires = '' OR " + alias + ".expires IS NULL OR " + alias + ".expires > strftime('%Y-%m-%d %H:%M:%fZ', 'now'))"
}

// NotExpiredFilter is the PocketBase filter "field (a date field of the record itself,
// usually expires) is empty or later than @now".
func NotExpiredFilter(field string) string {
	return `(` + field + ` = "" || ` + field + ` > @now)`
}

// ExpiredFilter is the negation of NotExpiredFilter: field is set and not later than @now.
func ExpiredFilter(field string) string {
	return `(` + field + ` != "" && ` + field + ` <= @now)`
}

// NotExpiredRule is NotExpiredFilter for a joined, possibly multi-valued row in an API
// rule (path such as "@request.auth.memberships_via_user"): its expires is empty or later
// than @now. It must be combined with a condition only a real row meets, because a
// missing row reads as "" too.
func NotExpiredRule(path string) string {
	return `(` + path + `.expires ?= "" || ` + path + `.expires ?> @now)`
}

// LiveMembershipRule is LiveMembership for a joined memberships row (path) in an API rule:
// it exists, has not ended and its organisation's status is OrgActive. A missing row or
// organisation reads as "", never as OrgActive, so the status test is also the guard
// against matching an empty relation.
func LiveMembershipRule(path string) string {
	return `(` + path + `.organisation.status ?= "` + OrgActive + `" && ` + NotExpiredRule(path) + `)`
}
