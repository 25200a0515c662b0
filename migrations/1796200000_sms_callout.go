package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// SMS gateway and staff call-out ("Stab alarmieren"):
//   - device kind "sms", driver "sms-gsm", and the modem's last status for the device view;
//   - sms_messages: the SMS log of a device (sent and received), written by the appliance;
//   - user_phones: a person's mobile number (E.164) and whether Blitz messages may come
//     by SMS; locked to the API (read and written through /api/crisisroom/phones, which
//     shows a number only to the person, their organisations' admins and the host's
//     admins and operators);
//   - callouts, callout_recipients, callout_groups: who was called, who answered how.
//
// Records of the last four are written by the appliance's routes only (create, update
// and delete rules are nil); the list rules say who may read.
func init() {
	m.Register(upSMSCallout, downSMSCallout, "1796200000_sms_callout.go")
}

func smsAddSelectValues(c *core.Collection, field string, values ...string) {
	if f, ok := c.Fields.GetByName(field).(*core.SelectField); ok {
		for _, v := range values {
			if !slices.Contains(f.Values, v) {
				f.Values = append(f.Values, v)
			}
		}
	}
}

func upSMSCallout(app core.App) error {
	devices, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	smsAddSelectValues(devices, "kind", "sms")
	smsAddSelectValues(devices, "driver", "sms-gsm")
	devices.Fields.Add(&core.JSONField{Name: "sms_status", MaxSize: 4 << 10})
	if err := app.Save(devices); err != nil {
		return err
	}
	messages, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	smsAddSelectValues(messages, "source", "sms")
	if err := app.Save(messages); err != nil {
		return err
	}
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	orgs, err := app.FindCollectionByNameOrId("organisations")
	if err != nil {
		return err
	}

	phones := core.NewBaseCollection("user_phones")
	phones.Fields.Add(
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.TextField{Name: "number", Max: 16, Pattern: `^(\+[1-9][0-9]{6,14})?$`},
		&core.BoolField{Name: "blitz_sms"},
		&core.RelationField{Name: "updated_by", MaxSelect: 1, CollectionId: users.Id},
	)
	timestamps(phones)
	phones.AddIndex("idx_user_phones_user", true, "user", "")
	phones.AddIndex("idx_user_phones_number", false, "number", "")
	if err := app.Save(phones); err != nil {
		return err
	}

	smsMessages := core.NewBaseCollection("sms_messages")
	smsMessages.Fields.Add(
		&core.RelationField{Name: "device", Required: true, MaxSelect: 1, CollectionId: devices.Id, CascadeDelete: true},
		&core.SelectField{Name: "direction", Required: true, MaxSelect: 1, Values: []string{"in", "out"}},
		&core.TextField{Name: "number", Max: 32},
		&core.TextField{Name: "text", Max: 2000},
		&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"pending", "queued", "sent", "retrying", "failed", "delivered", "undelivered", "received"}},
		&core.TextField{Name: "reason", Max: 400},
		&core.NumberField{Name: "parts", OnlyInt: true},
		&core.RelationField{Name: "person", MaxSelect: 1, CollectionId: users.Id},
		&core.BoolField{Name: "unknown_sender"},
		&core.SelectField{Name: "purpose", MaxSelect: 1, Values: []string{"callout", "reminder", "blitz", "answer", "other"}},
		&core.TextField{Name: "ref", Max: 15}, // callout or message id
		&core.TextField{Name: "inbox_id", Max: 40},
	)
	timestamps(smsMessages)
	smsMessages.AddIndex("idx_sms_messages_device", false, "device, created", "")
	smsMessages.AddIndex("idx_sms_messages_inbox", true, "device, inbox_id", "inbox_id != ''")
	smsMessages.ListRule = ptr(hostOp())
	smsMessages.ViewRule = ptr(hostOp())
	if err := app.Save(smsMessages); err != nil {
		return err
	}

	groups := core.NewBaseCollection("callout_groups")
	groups.Fields.Add(
		&core.RelationField{Name: "organisation", Required: true, MaxSelect: 1, CollectionId: orgs.Id, CascadeDelete: true},
		&core.TextField{Name: "name", Required: true, Max: 80},
		&core.JSONField{Name: "functions", MaxSize: 4 << 10},
		&core.RelationField{Name: "organisations", MaxSelect: 100, CollectionId: orgs.Id},
		&core.RelationField{Name: "users", MaxSelect: 500, CollectionId: users.Id},
	)
	timestamps(groups)
	// Saved groups ("Stab Stufe 1") belong to the host; its admins and operators keep them.
	groups.ListRule = ptr(hostOp())
	groups.ViewRule = ptr(hostOp())
	groups.CreateRule = ptr(allOf(hostOp(), `organisation.kind = "host"`))
	groups.UpdateRule = ptr(allOf(hostOp(), `organisation.kind = "host"`, `@request.body.organisation:isset = false`))
	groups.DeleteRule = ptr(hostOp())
	if err := app.Save(groups); err != nil {
		return err
	}

	callouts := core.NewBaseCollection("callouts")
	callouts.Fields.Add(
		&core.RelationField{Name: "organisation", Required: true, MaxSelect: 1, CollectionId: orgs.Id, CascadeDelete: true},
		&core.TextField{Name: "text", Required: true, Max: 600},
		&core.SelectField{Name: "priority", MaxSelect: 1, Values: []string{"normal", "immediate", "flash"}},
		&core.RelationField{Name: "created_by", MaxSelect: 1, CollectionId: users.Id},
		&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"active", "closed"}},
		&core.NumberField{Name: "remind_after", OnlyInt: true}, // seconds; 0: no second SMS
		&core.DateField{Name: "reminded_at"},
		&core.TextField{Name: "selection", Max: 400}, // what was picked, as words for the overview
	)
	timestamps(callouts)
	callouts.ListRule = ptr(hostOp())
	callouts.ViewRule = ptr(hostOp())
	if err := app.Save(callouts); err != nil {
		return err
	}

	recipients := core.NewBaseCollection("callout_recipients")
	recipients.Fields.Add(
		&core.RelationField{Name: "callout", Required: true, MaxSelect: 1, CollectionId: callouts.Id, CascadeDelete: true},
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.TextField{Name: "name", Max: 120},
		&core.TextField{Name: "organisation_short", Max: 16},
		&core.TextField{Name: "function", Max: 60},
		&core.SelectField{Name: "answer", MaxSelect: 1, Values: []string{"coming", "declined"}},
		&core.NumberField{Name: "eta_minutes", OnlyInt: true},
		&core.DateField{Name: "answered_at"},
		&core.SelectField{Name: "answered_via", MaxSelect: 1, Values: []string{"app", "sms"}},
		&core.BoolField{Name: "connected"}, // had a live connection when called
		&core.SelectField{Name: "sms", MaxSelect: 1, Values: []string{"none", "no_number", "queued", "sent", "delivered", "failed"}},
		&core.NumberField{Name: "sms_count", OnlyInt: true},
	)
	timestamps(recipients)
	recipients.AddIndex("idx_callout_recipients_unique", true, "callout, user", "")
	recipients.ListRule = ptr(anyOf(hostOp(), `(`+isUser+` && user = @request.auth.id)`))
	recipients.ViewRule = recipients.ListRule
	if err := app.Save(recipients); err != nil {
		return err
	}
	// Recipients see the call-outs they were called by (the banner); the host's admins
	// and operators see all.
	callouts.ListRule = ptr(anyOf(hostOp(), `(`+isUser+` && callout_recipients_via_callout.user ?= @request.auth.id)`))
	callouts.ViewRule = callouts.ListRule
	return app.Save(callouts)
}

func downSMSCallout(app core.App) error {
	for _, name := range []string{"callout_recipients", "callouts", "callout_groups", "sms_messages", "user_phones"} {
		if c, err := app.FindCollectionByNameOrId(name); err == nil {
			if err := app.Delete(c); err != nil {
				return err
			}
		}
	}
	devices, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	devices.Fields.RemoveByName("sms_status")
	return app.Save(devices)
}
