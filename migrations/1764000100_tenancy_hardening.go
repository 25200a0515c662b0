package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Tenancy hardening, found by trying every action as the wrong person:
//   - an admin's or host operator's membership that has run out ends their rights at once
//     (the rules checked expiry only for plain members);
//   - channel members can be changed or removed only by those who may see them (the
//     update rule answered with the record to anyone signed in);
//   - admins of an organisation taking part in a shared channel see its members, so they
//     can manage their own people there;
//   - direct conversations stay private from the organisation's admins;
//   - an organisation's admin may rename it but not lift its suspension or change its kind;
//   - board items are for live staff only; faxes go out only through a device of an
//     organisation of the channel; siren activations name a siren or relay;
//   - the audit table refuses UPDATE and DELETE in SQLite itself, below every hook.
func init() {
	m.Register(upTenancyHardening, downTenancyHardening, "1764000100_tenancy_hardening.go")
}

var keep = ptr("keep")

func tenancyRules() map[string][5]*string {
	channelMembersView := anyOf(
		`(user = @request.auth.id && (expires = "" || expires > @now))`,
		channelMember("cm", "channel"),
		allOf(`channel.kind != "direct"`, adminOf("ma", "channel.organisation")),
		allOf(`channel.kind = "shared"`, anyOf(hostOperator("mh"), participantAdmin("mp", "channel.organisations.id"))),
	)
	channelsView := anyOf(
		channelMember("cm", "id"),
		allOf(`kind != "direct"`, adminOf("ma", "organisation")),
		allOf(`kind = "org"`, staffOf("ms", "organisation")),
		allOf(`kind = "shared"`, anyOf(hostOperator("mh"), participantAdmin("mp", "organisations.id"))),
	)
	membershipsView := anyOf(`user = @request.auth.id`, staffOf("ms", "organisation"), hostOperator("mh"))
	devicesView := anyOf(`id = @request.auth.id`, staffOf("ms", "organisation"), hostOperator("mh"))
	invitationsView := anyOf(adminOf("ma", "organisation"), hostOperator("mh"))
	sirensView := anyOf(hostOperator("mh"), staffOf("ms", "device.organisation"))
	faxesView := anyOf(channelMember("cm", "channel"), hostOperator("mh"))
	s2 := allOf(isUser, authMembership+`.organisation.kind ?= "host"`, authMembership+`.function ?~ "S2"`,
		authMembership+`.role ?!= "guest"`, liveRow(authMembership))
	boardWrite := anyOf(hostOperator("mh"), s2)
	boardView := anyOf(
		allOf(isUser, authMembership+`.user ?= @request.auth.id`, authMembership+`.role ?!= "guest"`, liveRow(authMembership)),
		allOf(isDevice, `@request.auth.kind = "board"`))
	// People see themselves, the staff of their organisations, and whoever shares a
	// channel with them.
	usersView := anyOf(
		`id = @request.auth.id`,
		allOf(isUser, `memberships_via_user.organisation ?= `+authMembership+`.organisation`, authMembership+`.role ?!= "guest"`, liveRow(authMembership)),
		allOf(isUser, `channel_members_via_user.channel ?= `+authChannelMember+`.channel`, liveRow(authChannelMember)),
	)
	auditView := anyOf(hostAdmin("mh"), adminOf("ma", "organisation"))

	// list, view, create, update, delete; keep leaves a rule as it is
	return map[string][5]*string{
		"users": {ptr(usersView), ptr(usersView), nil, ptr(`id = @request.auth.id`), nil},
		"organisations": {
			ptr(`@request.auth.id != ""`), ptr(`@request.auth.id != ""`),
			ptr(hostAdmin("mh") + ` && kind != "host"`),
			ptr(anyOf(hostAdmin("mh"), allOf(adminOf("ma", "id"), `@request.body.kind:changed = false`, `@request.body.status:changed = false`))),
			nil,
		},
		"memberships": {
			ptr(membershipsView), ptr(membershipsView),
			ptr(adminOf("ma", "organisation")),
			ptr(adminOf("ma", "organisation") + ` && @request.body.user:changed = false && @request.body.organisation:changed = false`),
			ptr(adminOf("ma", "organisation")),
		},
		"devices": {ptr(devicesView), ptr(devicesView), ptr(hostOperator("mh")), ptr(hostOperator("mh")), ptr(hostOperator("mh"))},
		"channels": {
			ptr(channelsView), ptr(channelsView),
			ptr(anyOf(
				allOf(`kind = "org"`, adminOf("ma", "organisation")),
				allOf(`kind = "shared"`, `organisation.kind = "host"`, hostOperator("mh")),
				allOf(`(kind = "direct" || kind = "group")`, staffOf("ms", "organisation")),
			)),
			ptr(allOf(`@request.body.organisation:changed = false`, `@request.body.kind:changed = false`, anyOf(
				allOf(`kind = "org"`, adminOf("ma", "organisation")),
				allOf(`kind = "shared"`, hostOperator("mh")),
				allOf(`kind = "group"`, channelMember("co", "id"), authChannelMember+`.role ?= "owner"`),
			))),
			nil,
		},
		"channel_members": {
			ptr(channelMembersView), ptr(channelMembersView),
			ptr(isUser),
			ptr(allOf(isUser, channelMembersView, `@request.body.channel:changed = false`, `@request.body.user:changed = false`)),
			ptr(allOf(isUser, channelMembersView)),
		},
		"invitations": {ptr(invitationsView), ptr(invitationsView), nil, keep, nil},
		"faxes": {
			ptr(faxesView), ptr(faxesView),
			ptr(allOf(`direction = "out"`, `requested_by = @request.auth.id`, channelWriter("cw", "channel"), `device.kind = "fax"`,
				`(device.organisation = channel.organisation || channel.organisations.id ?= device.organisation)`)),
			nil, nil,
		},
		"siren_activations": {
			ptr(sirensView), ptr(sirensView),
			ptr(allOf(hostOperator("mh"), `requested_by = @request.auth.id`, `(device.kind = "siren" || device.kind = "relay")`)),
			ptr(hostOperator("mh")),
			nil,
		},
		"board_items": {ptr(boardView), ptr(boardView), ptr(boardWrite), ptr(boardWrite), ptr(boardWrite)},
		"audit":       {ptr(auditView), ptr(auditView), nil, nil, nil},
	}
}

var auditTriggers = []string{
	`CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON audit
	BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END`,
	`CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON audit
	BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END`,
}

func upTenancyHardening(app core.App) error {
	for name, r := range tenancyRules() {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		for i, rule := range []**string{&c.ListRule, &c.ViewRule, &c.CreateRule, &c.UpdateRule, &c.DeleteRule} {
			if r[i] != keep {
				*rule = r[i]
			}
		}
		if err := app.Save(c); err != nil {
			return err
		}
	}
	for _, q := range auditTriggers {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downTenancyHardening(app core.App) error {
	for _, q := range []string{`DROP TRIGGER IF EXISTS audit_append_only_update`, `DROP TRIGGER IF EXISTS audit_append_only_delete`} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}
