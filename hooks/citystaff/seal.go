package citystaff

import (
	"crisisroom/apperr"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// Collections are the modules' collections. None of them is reachable through the
// records API or realtime by anybody, superusers included: the host's IT runs the room,
// it has no business in a city's threat register or its complaint files. Their rules
// are nil as well (superusers only), so the seal below is the second wall, not the only.
var Collections = []string{
	"citystaff_modules", "citystaff_roles", "citystaff_log", "citystaff_alerts",
	"zemag_reports", "zemag_entries", "zemag_lookups", "complaint_cases",
}

// AppendOnly are the modules' logs: SQLite refuses UPDATE and DELETE on them
// (migrations/1796400000_citystaff.go), and hooks refuse them to Go code as well.
var AppendOnly = []string{"zemag_lookups", "citystaff_log"}

var (
	errSealed     = apperr.Forbidden("citystaff.sealed_collection")
	errAppendOnly = apperr.BadRequest("citystaff.logs_append_only")
)

func sealed(name string) bool {
	for _, c := range Collections {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}

func seal(app core.App) {
	refuse := func(e *core.RecordRequestEvent) error { return errSealed }
	app.OnRecordsListRequest(Collections...).BindFunc(func(e *core.RecordsListRequestEvent) error { return errSealed })
	app.OnRecordViewRequest(Collections...).BindFunc(refuse)
	app.OnRecordCreateRequest(Collections...).BindFunc(refuse)
	app.OnRecordUpdateRequest(Collections...).BindFunc(refuse)
	app.OnRecordDeleteRequest(Collections...).BindFunc(refuse)
	// A realtime topic names a collection by name or id, with "/*" or "/<record id>"
	// and perhaps "?options=": refuse any that begins with one of ours.
	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		for _, s := range e.Subscriptions {
			head, _, _ := strings.Cut(s, "?")
			head, _, _ = strings.Cut(head, "/")
			if sealed(head) {
				return errSealed
			}
			if c, err := e.App.FindCachedCollectionByNameOrId(head); err == nil && sealed(c.Name) {
				return errSealed
			}
		}
		return e.Next()
	})
	for _, name := range AppendOnly {
		app.OnRecordUpdate(name).BindFunc(func(e *core.RecordEvent) error { return errAppendOnly })
		app.OnRecordDelete(name).BindFunc(func(e *core.RecordEvent) error { return errAppendOnly })
	}
}
