package callout

import (
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
)

// The SMS log (sms_messages) is read by the host's admins and operators, who run the
// modem. Its number and text are hidden fields (migration 1796400100): not returned,
// not filterable. smsLogEnrich shows them per record and per reader, wherever the
// records API hands a record out (list, view, expand, realtime):
//   - the number only per the numbers rule (MayViewPhone); a number nobody holds
//     (an unknown sender) to the host's operators, who must see who wrote;
//   - the text of a Blitz SMS only to people who may read the Blitz's channel; the
//     others see BlitzHiddenText.

// BlitzHiddenText stands in the SMS log for the text of a Blitz SMS from a channel the
// reader may not read.
const BlitzHiddenText = "Blitz aus einem Kanal, den Sie nicht lesen. / Flash message from a channel you do not read."

func smsLogEnrich(e *core.RecordEnrichEvent) error {
	if e.RequestInfo != nil && e.RequestInfo.HasSuperuserAuth() {
		return e.Next() // hidden fields are already shown to superusers
	}
	viewer := ""
	if e.RequestInfo != nil && e.RequestInfo.Auth != nil && e.RequestInfo.Auth.Collection().Name == "users" {
		viewer = e.RequestInfo.Auth.Id
	}
	r := e.Record
	if viewer != "" && MayReadSMSText(e.App, viewer, r) {
		r.Unhide("text")
	} else if viewer != "" {
		r.Set("text", BlitzHiddenText)
		r.Unhide("text")
	}
	if viewer != "" && MayViewSMSNumber(e.App, viewer, r) {
		r.Unhide("number")
	}
	return e.Next()
}

// MayReadSMSText: the text of a logged SMS is for viewer when it is not a Blitz SMS
// (the log's own rule decides), or viewer may read the Blitz's channel.
func MayReadSMSText(app core.App, viewer string, r *core.Record) bool {
	if r.GetString("purpose") != "blitz" {
		return true
	}
	m, err := app.FindRecordById("messages", r.GetString("ref"))
	if err != nil {
		return false
	}
	return tenancy.ChannelMember(app, m.GetString("channel"), viewer) != nil
}

// MayViewSMSNumber: a logged number is for viewer per the numbers rule of the person
// it belongs to; a number of nobody known only for the host's operators.
func MayViewSMSNumber(app core.App, viewer string, r *core.Record) bool {
	if person := r.GetString("person"); person != "" {
		return MayViewPhone(app, viewer, person)
	}
	return tenancy.IsHostOperator(app, viewer)
}
