package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The SMS log's number and text are hidden fields: the records API neither returns
// nor filters, sorts or back-relation-filters them for anyone but superusers, and
// hooks/callout shows them per record (OnRecordEnrich: REST list and view, expand,
// realtime): a number per the numbers rule, a Blitz SMS's text only to people who may
// read its channel. Without this a host operator read other organisations' internal
// Blitz messages in the log, or guessed them with filter=text~'…'.
func init() {
	m.Register(upSMSLogHidden, downSMSLogHidden, "1796400100_sms_log_hidden.go")
}

func smsLogSetHidden(app core.App, hidden bool) error {
	c, err := app.FindCollectionByNameOrId("sms_messages")
	if err != nil {
		return err
	}
	for _, name := range []string{"number", "text"} {
		if f := c.Fields.GetByName(name); f != nil {
			f.SetHidden(hidden)
		}
	}
	return app.Save(c)
}

func upSMSLogHidden(app core.App) error   { return smsLogSetHidden(app, true) }
func downSMSLogHidden(app core.App) error { return smsLogSetHidden(app, false) }
