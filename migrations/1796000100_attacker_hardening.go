package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Attacker hardening, from an attack run against the tenancy rules:
//   - channel_members rows record the organisation that gave them (organisation); a row
//     grants access only while that organisation takes part in the channel, is active,
//     and the person is still a live member of it, so removing an organisation from a
//     shared channel or suspending it ends its people's access at once;
//   - a live membership is one that has not ended and whose organisation is active;
//   - no rule matches an empty relation against a missing row (a fax without a channel
//     was readable by anyone without channel memberships);
//   - an admin changes or removes only channel rows its organisation gave (hooks), and
//     the giving organisation of a row cannot be changed through the API.
//
// Every collection rule that reads memberships or channel rows is set again here from
// the pieces in rules.go. Rules that compare a field with @request.auth.id also require a
// signed-in person: for nobody @request.auth.id is "", which equals an empty field.
func init() {
	m.Register(upAttackerHardening, downAttackerHardening, "1796000100_attacker_hardening.go")
}

func attackerRules() map[string][5]*string {
	channelMembersView := anyOf(
		// one's own rows, while the organisation that gave them is not suspended
		allOf(isUser, `user = @request.auth.id`, `(expires = "" || expires > @now)`, `organisation.status != "suspended"`),
		inChannel("channel"),
		allOf(`channel.kind != "direct"`, admin("channel.organisation")),
		allOf(`channel.kind = "shared"`, anyOf(hostOp(), admin("channel.organisations.id"))),
	)
	channelsView := anyOf(
		inChannel("id"),
		allOf(`kind != "direct"`, admin("organisation")),
		allOf(`kind = "org"`, staff("organisation")),
		allOf(`kind = "shared"`, anyOf(hostOp(), admin("organisations.id"))),
	)
	membershipsView := anyOf(allOf(isUser, `user = @request.auth.id`), staff("organisation"), hostOp())
	// a signed-in person's own rows; "@request.auth.id" is "" for nobody, like an empty user
	own := allOf(isUser, `user = @request.auth.id`)
	devicesView := anyOf(`id = @request.auth.id`, staff("organisation"), hostOp())
	invitationsView := anyOf(admin("organisation"), hostOp())
	sirensView := anyOf(hostOp(), staff("device.organisation"))
	faxesView := anyOf(inChannel("channel"), hostOp())
	s2 := allOf(isUser, authMembership+`.organisation.kind ?= "host"`, authMembership+`.function ?~ "S2"`,
		authMembership+`.role ?!= "guest"`, liveMembership(authMembership))
	boardWrite := anyOf(hostOp(), s2)
	boardView := anyOf(
		allOf(isUser, authMembership+`.role ?!= "guest"`, liveMembership(authMembership)),
		allOf(isDevice, `@request.auth.kind = "board"`))
	// People see themselves, the staff of their organisations, and whoever shares a
	// channel with them.
	usersView := anyOf(
		`id = @request.auth.id`,
		allOf(isUser, `memberships_via_user.organisation ?= `+authMembership+`.organisation`, authMembership+`.role ?!= "guest"`, liveMembership(authMembership)),
		allOf(isUser, `channel_members_via_user.channel ?= `+authChannelMember+`.channel`, liveChannelRow(authChannelMember)),
	)
	auditView := anyOf(hostAdm(), admin("organisation"))
	messagesUpdate := allOf(`author = @request.auth.id`, writerIn("channel"),
		`@request.body.channel:changed = false`, `@request.body.author:changed = false`, `@request.body.source:changed = false`,
		`@request.body.client_key:changed = false`, `@request.body.priority:changed = false`, `@request.body.device:changed = false`)
	invitationsUpdate := allOf(anyOf(admin("organisation"), hostOp()),
		`@request.body.revoked = true`,
		`@request.body.kind:isset = false`, `@request.body.uses:isset = false`, `@request.body.max_uses:isset = false`,
		`@request.body.expires:isset = false`, `@request.body.organisation:isset = false`, `@request.body.role:isset = false`,
		`@request.body.channel:isset = false`, `@request.body.channel_role:isset = false`, `@request.body.member_expires:isset = false`,
		`@request.body.device:isset = false`, `@request.body.token_hash:isset = false`, `@request.body.created_by:isset = false`,
		`@request.body.function:isset = false`)

	// list, view, create, update, delete; keep leaves a rule as it is
	return map[string][5]*string{
		"users": {ptr(usersView), ptr(usersView), nil, ptr(`id = @request.auth.id`), nil},
		"organisations": {
			ptr(`@request.auth.id != ""`), ptr(`@request.auth.id != ""`),
			ptr(hostAdm() + ` && kind != "host"`),
			ptr(anyOf(hostAdm(), allOf(admin("id"), `@request.body.kind:changed = false`, `@request.body.status:changed = false`))),
			nil,
		},
		"memberships": {
			ptr(membershipsView), ptr(membershipsView),
			ptr(admin("organisation")),
			ptr(admin("organisation") + ` && @request.body.user:changed = false && @request.body.organisation:changed = false`),
			ptr(admin("organisation")),
		},
		"devices": {ptr(devicesView), ptr(devicesView), ptr(hostOp()), ptr(hostOp()), ptr(hostOp())},
		"channels": {
			ptr(channelsView), ptr(channelsView),
			ptr(anyOf(
				allOf(`kind = "org"`, admin("organisation")),
				allOf(`kind = "shared"`, `organisation.kind = "host"`, hostOp()),
				allOf(`(kind = "direct" || kind = "group")`, staff("organisation")),
			)),
			ptr(allOf(`@request.body.organisation:changed = false`, `@request.body.kind:changed = false`, anyOf(
				allOf(`kind = "org"`, admin("organisation")),
				allOf(`kind = "shared"`, hostOp()),
				allOf(`kind = "group"`, ownerIn("id")),
			))),
			nil,
		},
		"channel_members": {
			ptr(channelMembersView), ptr(channelMembersView),
			ptr(isUser),
			ptr(allOf(isUser, channelMembersView, `@request.body.channel:changed = false`, `@request.body.user:changed = false`, `@request.body.organisation:changed = false`)),
			ptr(allOf(isUser, channelMembersView)),
		},
		"messages": {
			ptr(inChannel("channel")), ptr(inChannel("channel")),
			ptr(allOf(`author = @request.auth.id`, `device = ""`, `(source = "" || source = "web")`, `channel.archived = false`, writerIn("channel"))),
			ptr(messagesUpdate),
			nil,
		},
		"receipts": {
			ptr(inChannel("message.channel")), ptr(inChannel("message.channel")),
			ptr(allOf(`user = @request.auth.id`, inChannel("message.channel"))),
			ptr(allOf(`user = @request.auth.id`, inChannel("message.channel"), `@request.body.user:changed = false`, `@request.body.message:changed = false`)),
			nil,
		},
		"invitations": {ptr(invitationsView), ptr(invitationsView), nil, ptr(invitationsUpdate), nil},
		"faxes": {
			ptr(faxesView), ptr(faxesView),
			ptr(allOf(`direction = "out"`, `requested_by = @request.auth.id`, writerIn("channel"), `device.kind = "fax"`, `device.organisation != ""`,
				`(device.organisation = channel.organisation || channel.organisations.id ?= device.organisation)`)),
			nil, nil,
		},
		"siren_activations": {
			ptr(sirensView), ptr(sirensView),
			ptr(allOf(hostOp(), `requested_by = @request.auth.id`, `(device.kind = "siren" || device.kind = "relay")`)),
			ptr(hostOp()),
			nil,
		},
		"board_items": {ptr(boardView), ptr(boardView), ptr(boardWrite), ptr(boardWrite), ptr(boardWrite)},
		"audit":       {ptr(auditView), ptr(auditView), nil, nil, nil},
		"sessions":    {ptr(own), ptr(own), nil, nil, nil},
	}
}

// Existing rows get the organisation that gave them, as the hooks choose it for new
// ones: an org channel's owner; in a shared channel the member's live organisation among
// the participants, host (the owner) first; in direct and group conversations the
// creator's organisation if the person belongs to it, else the person's first one.
const participantsSQL = `(c.organisation = mm.organisation OR EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.organisations) THEN c.organisations ELSE '[]' END) j WHERE j.value = mm.organisation))`

const notEndedSQL = `(mm.expires = '' OR mm.expires IS NULL OR mm.expires > strftime('%Y-%m-%d %H:%M:%fZ', 'now'))`

var fillGivingOrg = []string{
	`UPDATE channel_members SET organisation = (SELECT c.organisation FROM channels c WHERE c.id = channel_members.channel)
	WHERE (organisation = '' OR organisation IS NULL) AND channel IN (SELECT id FROM channels WHERE kind = 'org')`,
	`UPDATE channel_members SET organisation = COALESCE((SELECT mm.organisation FROM memberships mm JOIN channels c ON c.id = channel_members.channel
		JOIN organisations o ON o.id = mm.organisation
		WHERE mm.user = channel_members.user AND ` + participantsSQL + `
		ORDER BY (` + notEndedSQL + ` AND o.status = 'active') DESC, (mm.organisation = c.organisation) DESC, mm.created LIMIT 1), '')
	WHERE (organisation = '' OR organisation IS NULL) AND channel IN (SELECT id FROM channels WHERE kind = 'shared')`,
	`UPDATE channel_members SET organisation = COALESCE((SELECT mm.organisation FROM memberships mm JOIN channels c ON c.id = channel_members.channel
		WHERE mm.user = channel_members.user
		ORDER BY (mm.organisation = c.organisation) DESC, ` + notEndedSQL + ` DESC, mm.created LIMIT 1), '')
	WHERE (organisation = '' OR organisation IS NULL) AND channel IN (SELECT id FROM channels WHERE kind IN ('direct', 'group'))`,
}

func upAttackerHardening(app core.App) error {
	cm, err := app.FindCollectionByNameOrId("channel_members")
	if err != nil {
		return err
	}
	orgs, err := app.FindCollectionByNameOrId("organisations")
	if err != nil {
		return err
	}
	if cm.Fields.GetByName("organisation") == nil {
		cm.Fields.Add(&core.RelationField{Name: "organisation", MaxSelect: 1, CollectionId: orgs.Id})
		cm.AddIndex("idx_channel_members_org_channel", false, "organisation, channel", "")
		if err := app.Save(cm); err != nil {
			return err
		}
	}
	for _, q := range fillGivingOrg {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	for name, r := range attackerRules() {
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
	return nil
}

// downAttackerHardening restores the rules of the tenancy hardening and the first
// messaging rules, and drops the organisation of channel rows.
func downAttackerHardening(app core.App) error {
	if err := upTenancyHardening(app); err != nil {
		return err
	}
	cm, err := app.FindCollectionByNameOrId("channel_members")
	if err != nil {
		return err
	}
	cm.RemoveIndex("idx_channel_members_org_channel")
	cm.Fields.RemoveByName("organisation")
	return app.Save(cm)
}
