package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Invitations for guests say whether the guest may write in the channel or only read
// (channel_role). Revocation is the only change an inviter may make through the REST API,
// and it is one way: a revoked invitation stays revoked, whatever else the body carries.
func init() {
	m.Register(upInvitationChannelRole, downInvitationChannelRole, "1795716015_invitation_channel_role.go")
}

func invitationsUpdateRule() string {
	return allOf(anyOf(adminOf("ma", "organisation"), hostOperator("mh")),
		`@request.body.revoked = true`,
		`@request.body.kind:isset = false`, `@request.body.uses:isset = false`, `@request.body.max_uses:isset = false`,
		`@request.body.expires:isset = false`, `@request.body.organisation:isset = false`, `@request.body.role:isset = false`,
		`@request.body.channel:isset = false`, `@request.body.channel_role:isset = false`, `@request.body.member_expires:isset = false`,
		`@request.body.device:isset = false`, `@request.body.token_hash:isset = false`, `@request.body.created_by:isset = false`,
		`@request.body.function:isset = false`)
}

func upInvitationChannelRole(app core.App) error {
	c, err := app.FindCollectionByNameOrId("invitations")
	if err != nil {
		return err
	}
	c.Fields.Add(&core.SelectField{Name: "channel_role", MaxSelect: 1, Values: []string{"member", "readonly"}})
	c.UpdateRule = ptr(invitationsUpdateRule())
	return app.Save(c)
}

func downInvitationChannelRole(app core.App) error {
	c, err := app.FindCollectionByNameOrId("invitations")
	if err != nil {
		return err
	}
	c.Fields.RemoveByName("channel_role")
	return app.Save(c)
}
