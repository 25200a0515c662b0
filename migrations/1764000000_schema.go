package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The first schema: every collection of the design, with the rules that keep the
// tenants apart. Hooks add what a rule cannot express (see package hooks).
func init() {
	m.Register(upSchema, downSchema, "1764000000_schema.go")
}

var schemaOrder = []string{
	"organisations", "memberships", "devices", "channels", "channel_members", "messages",
	"receipts", "invitations", "faxes", "siren_activations", "board_items", "audit",
}

func timestamps(c *core.Collection) {
	c.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	c.Fields.Add(&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true})
}

func upSchema(app core.App) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}

	// organisations: one tenant each; exactly one has kind "host".
	orgs := core.NewBaseCollection("organisations")
	orgs.Fields.Add(
		&core.TextField{Name: "name", Required: true, Max: 120},
		&core.TextField{Name: "short", Max: 16},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"host", "police", "fire", "ems", "clinic", "administration", "utility", "military", "ngo", "other"}},
		&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"active", "suspended"}},
		&core.TextField{Name: "color", Max: 7, Pattern: `^(#[0-9a-fA-F]{6})?$`},
	)
	timestamps(orgs)
	orgs.AddIndex("idx_organisations_name", true, "name COLLATE NOCASE", "")
	orgs.AddIndex("idx_organisations_one_host", true, "kind", "kind = 'host'")
	if err := app.Save(orgs); err != nil {
		return err
	}

	// users: e-mail optional (enrolment works offline), sign-in by user name or e-mail.
	users.Fields.Add(
		&core.TextField{Name: "username", Required: true, Min: 3, Max: 48, Pattern: `^[a-zA-Z0-9][a-zA-Z0-9._-]*$`},
		&core.SelectField{Name: "locale", MaxSelect: 1, Values: []string{"de", "en"}},
	)
	if f, ok := users.Fields.GetByName("email").(*core.EmailField); ok {
		f.Required = false
	}
	if f, ok := users.Fields.GetByName("name").(*core.TextField); ok {
		f.Max = 120
	}
	users.AddIndex("idx_users_username", true, "username COLLATE NOCASE", "")
	users.PasswordAuth.IdentityFields = []string{"username", "email"}
	users.PasswordAuth.Enabled = true

	memberships := core.NewBaseCollection("memberships")
	memberships.Fields.Add(
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.RelationField{Name: "organisation", Required: true, MaxSelect: 1, CollectionId: orgs.Id, CascadeDelete: true},
		&core.SelectField{Name: "role", Required: true, MaxSelect: 1, Values: []string{"admin", "operator", "member", "guest"}},
		&core.TextField{Name: "function", Max: 60},
		&core.DateField{Name: "expires"},
	)
	timestamps(memberships)
	memberships.AddIndex("idx_memberships_user_org", true, "user, organisation", "")
	memberships.AddIndex("idx_memberships_org", false, "organisation, role", "")
	if err := app.Save(memberships); err != nil {
		return err
	}

	if err := app.Save(users); err != nil {
		return err
	}

	orgs.ListRule = ptr(`@request.auth.id != ""`)
	orgs.ViewRule = ptr(`@request.auth.id != ""`)
	orgs.CreateRule = ptr(hostAdmin("mh") + ` && kind != "host"`)
	orgs.UpdateRule = ptr(anyOf(adminOf("ma", "id"), hostAdmin("mh")))
	orgs.DeleteRule = nil
	if err := app.Save(orgs); err != nil {
		return err
	}

	memberships.ListRule = ptr(anyOf(`user = @request.auth.id`, staffOf("ms", "organisation"), hostOperator("mh")))
	memberships.ViewRule = memberships.ListRule
	memberships.CreateRule = ptr(adminOf("ma", "organisation"))
	memberships.UpdateRule = ptr(adminOf("ma", "organisation") + ` && @request.body.user:changed = false && @request.body.organisation:changed = false`)
	memberships.DeleteRule = ptr(adminOf("ma", "organisation"))
	if err := app.Save(memberships); err != nil {
		return err
	}

	// devices: MQTT credentials are the record's username and password.
	devices := core.NewAuthCollection("devices")
	if f, ok := devices.Fields.GetByName("email").(*core.EmailField); ok {
		f.Required = false
	}
	devices.Fields.Add(
		&core.TextField{Name: "username", Required: true, Min: 2, Max: 48, Pattern: `^[a-z0-9][a-z0-9_-]*$`},
		&core.TextField{Name: "name", Max: 120},
		&core.RelationField{Name: "organisation", Required: true, MaxSelect: 1, CollectionId: orgs.Id, CascadeDelete: true},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"fax", "siren", "board", "relay", "bridge", "sensor"}},
		&core.SelectField{Name: "driver", MaxSelect: 1, Values: []string{"fax-class2", "tasmota", "shelly1", "shelly2", "homeassistant", "native", "kiosk", "awtrix", "wled", "alpha"}},
		&core.TextField{Name: "topic", Max: 120, Pattern: `^[^#+\x00]*$`},
		&core.TextField{Name: "zone", Max: 60, Pattern: `^[a-z0-9_-]*$`},
		&core.TextField{Name: "channel", Max: 15}, // a channel id; a relation would create a cycle
		&core.BoolField{Name: "outdoor"},
		&core.BoolField{Name: "online"},
		&core.DateField{Name: "last_seen"},
		&core.JSONField{Name: "config", MaxSize: 16 << 10},
	)
	timestamps(devices)
	devices.AddIndex("idx_devices_username", true, "username", "")
	devices.PasswordAuth.IdentityFields = []string{"username"}
	devices.ListRule = ptr(anyOf(`id = @request.auth.id`, staffOf("ms", "organisation"), hostOperator("mh")))
	devices.ViewRule = devices.ListRule
	devices.CreateRule = ptr(hostOperator("mh"))
	devices.UpdateRule = ptr(hostOperator("mh"))
	devices.DeleteRule = ptr(hostOperator("mh"))
	if err := app.Save(devices); err != nil {
		return err
	}

	channels := core.NewBaseCollection("channels")
	channels.Fields.Add(
		&core.RelationField{Name: "organisation", Required: true, MaxSelect: 1, CollectionId: orgs.Id, CascadeDelete: true},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"org", "shared", "direct", "group"}},
		&core.TextField{Name: "name", Max: 80},
		&core.TextField{Name: "topic", Max: 500},
		&core.RelationField{Name: "organisations", MaxSelect: 100, CollectionId: orgs.Id},
		&core.BoolField{Name: "archived"},
		&core.RelationField{Name: "created_by", MaxSelect: 1, CollectionId: users.Id},
	)
	timestamps(channels)
	channels.AddIndex("idx_channels_org", false, "organisation, kind", "")
	if err := app.Save(channels); err != nil {
		return err
	}

	channelMembers := core.NewBaseCollection("channel_members")
	channelMembers.Fields.Add(
		&core.RelationField{Name: "channel", Required: true, MaxSelect: 1, CollectionId: channels.Id, CascadeDelete: true},
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.SelectField{Name: "role", Required: true, MaxSelect: 1, Values: []string{"owner", "member", "readonly"}},
		&core.DateField{Name: "last_read"},
		&core.DateField{Name: "expires"},
	)
	timestamps(channelMembers)
	channelMembers.AddIndex("idx_channel_members_channel_user", true, "channel, user", "")
	channelMembers.AddIndex("idx_channel_members_user", false, "user", "")
	if err := app.Save(channelMembers); err != nil {
		return err
	}

	// users see themselves, staff of their organisations, and people they share a channel with.
	usersView := anyOf(
		`id = @request.auth.id`,
		allOf(isUser,
			`@collection.memberships:mu.user ?= id`,
			`@collection.memberships:mme.user ?= @request.auth.id`,
			`@collection.memberships:mme.organisation ?= @collection.memberships:mu.organisation`,
			`@collection.memberships:mme.role ?!= "guest"`,
			notExpired("mme", "memberships")),
		allOf(isUser,
			`@collection.channel_members:cu.user ?= id`,
			`@collection.channel_members:cme.user ?= @request.auth.id`,
			`@collection.channel_members:cme.channel ?= @collection.channel_members:cu.channel`,
			notExpired("cme", "channel_members")),
	)
	users.ListRule = ptr(usersView)
	users.ViewRule = ptr(usersView)
	users.CreateRule = nil // accounts come from setup, invitations and admins (hooks)
	users.UpdateRule = ptr(`id = @request.auth.id`)
	users.DeleteRule = nil
	if err := app.Save(users); err != nil {
		return err
	}

	channelsView := anyOf(
		channelMember("cm", "id"),
		adminOf("ma", "organisation"),
		allOf(`kind = "org"`, staffOf("ms", "organisation")),
		allOf(`kind = "shared"`, anyOf(hostOperator("mh"), allOf(isUser,
			`@collection.memberships:mp.user ?= @request.auth.id`,
			`@collection.memberships:mp.role ?= "admin"`,
			`@collection.memberships:mp.organisation ?= organisations.id`))),
	)
	channels.ListRule = ptr(channelsView)
	channels.ViewRule = ptr(channelsView)
	channels.CreateRule = ptr(anyOf(
		allOf(`kind = "org"`, adminOf("ma", "organisation")),
		allOf(`kind = "shared"`, `organisation.kind = "host"`, hostOperator("mh")),
		allOf(`(kind = "direct" || kind = "group")`, staffOf("ms", "organisation")),
	))
	channels.UpdateRule = ptr(allOf(`@request.body.organisation:changed = false`, `@request.body.kind:changed = false`, anyOf(
		allOf(`kind = "org"`, adminOf("ma", "organisation")),
		allOf(`kind = "shared"`, hostOperator("mh")),
		allOf(`kind = "group"`, isUser, `@collection.channel_members:co.channel ?= id`, `@collection.channel_members:co.user ?= @request.auth.id`, `@collection.channel_members:co.role ?= "owner"`),
	)))
	channels.DeleteRule = nil // channels are archived, never deleted: the log must stay whole
	if err := app.Save(channels); err != nil {
		return err
	}

	// Membership changes are decided in a hook (who may add whom depends on the channel kind).
	channelMembers.ListRule = ptr(anyOf(`user = @request.auth.id`, channelMember("cm", "channel"), adminOf("ma", "channel.organisation"), allOf(`channel.kind = "shared"`, hostOperator("mh"))))
	channelMembers.ViewRule = channelMembers.ListRule
	channelMembers.CreateRule = ptr(isUser)
	channelMembers.UpdateRule = ptr(isUser + ` && @request.body.channel:changed = false && @request.body.user:changed = false`)
	channelMembers.DeleteRule = ptr(isUser)
	if err := app.Save(channelMembers); err != nil {
		return err
	}

	messages := core.NewBaseCollection("messages")
	messages.Fields.Add(
		&core.RelationField{Name: "channel", Required: true, MaxSelect: 1, CollectionId: channels.Id, CascadeDelete: true},
		&core.RelationField{Name: "author", MaxSelect: 1, CollectionId: users.Id},
		&core.RelationField{Name: "device", MaxSelect: 1, CollectionId: devices.Id},
		&core.TextField{Name: "body", Max: 20000},
		&core.SelectField{Name: "priority", MaxSelect: 1, Values: []string{"normal", "immediate", "flash"}},
		&core.BoolField{Name: "ack_required"},
		&core.FileField{Name: "attachments", MaxSelect: 20, MaxSize: 25 << 20, Protected: true},
		&core.SelectField{Name: "source", MaxSelect: 1, Values: []string{"web", "fax", "mqtt", "system", "email"}},
		&core.TextField{Name: "client_key", Max: 64, Pattern: `^[A-Za-z0-9_-]*$`},
		&core.BoolField{Name: "deleted"},
		&core.DateField{Name: "edited"},
	)
	timestamps(messages)
	// reply_to points into the same collection: its id is only known once saved.
	if err := app.Save(messages); err != nil {
		return err
	}
	messages.Fields.Add(&core.RelationField{Name: "reply_to", MaxSelect: 1, CollectionId: messages.Id})
	messages.AddIndex("idx_messages_channel_created", false, "channel, created", "")
	messages.AddIndex("idx_messages_author_client_key", true, "author, client_key", "client_key != ''")
	messages.ListRule = ptr(channelMember("cm", "channel"))
	messages.ViewRule = messages.ListRule
	messages.CreateRule = ptr(allOf(`author = @request.auth.id`, `device = ""`, `(source = "" || source = "web")`, `channel.archived = false`, channelWriter("cw", "channel")))
	messages.UpdateRule = ptr(allOf(`author = @request.auth.id`, channelWriter("cw", "channel"),
		`@request.body.channel:changed = false`, `@request.body.author:changed = false`, `@request.body.source:changed = false`,
		`@request.body.client_key:changed = false`, `@request.body.priority:changed = false`, `@request.body.device:changed = false`))
	messages.DeleteRule = nil // soft delete only (deleted = true), audited
	if err := app.Save(messages); err != nil {
		return err
	}

	receipts := core.NewBaseCollection("receipts")
	receipts.Fields.Add(
		&core.RelationField{Name: "message", Required: true, MaxSelect: 1, CollectionId: messages.Id, CascadeDelete: true},
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.DateField{Name: "read_at"},
		&core.DateField{Name: "acked_at"},
	)
	timestamps(receipts)
	receipts.AddIndex("idx_receipts_message_user", true, "message, user", "")
	receipts.AddIndex("idx_receipts_user", false, "user", "")
	receipts.ListRule = ptr(channelMember("cm", "message.channel"))
	receipts.ViewRule = receipts.ListRule
	receipts.CreateRule = ptr(allOf(`user = @request.auth.id`, channelMember("cm", "message.channel")))
	receipts.UpdateRule = ptr(allOf(`user = @request.auth.id`, `@request.body.user:changed = false`, `@request.body.message:changed = false`))
	receipts.DeleteRule = nil
	if err := app.Save(receipts); err != nil {
		return err
	}

	invitations := core.NewBaseCollection("invitations")
	invitations.Fields.Add(
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"organisation", "member", "guest", "device"}},
		&core.RelationField{Name: "organisation", MaxSelect: 1, CollectionId: orgs.Id, CascadeDelete: true},
		&core.RelationField{Name: "channel", MaxSelect: 1, CollectionId: channels.Id, CascadeDelete: true},
		&core.SelectField{Name: "role", MaxSelect: 1, Values: []string{"admin", "operator", "member", "guest"}},
		&core.TextField{Name: "function", Max: 60},
		&core.TextField{Name: "label", Max: 120},
		&core.TextField{Name: "token_hash", Required: true, Hidden: true, Max: 128},
		&core.DateField{Name: "expires", Required: true},
		&core.DateField{Name: "member_expires"},
		&core.NumberField{Name: "max_uses", OnlyInt: true},
		&core.NumberField{Name: "uses", OnlyInt: true},
		&core.BoolField{Name: "revoked"},
		&core.RelationField{Name: "created_by", MaxSelect: 1, CollectionId: users.Id},
		&core.JSONField{Name: "device", MaxSize: 16 << 10},
	)
	timestamps(invitations)
	invitations.AddIndex("idx_invitations_token_hash", true, "token_hash", "")
	invitations.ListRule = ptr(anyOf(adminOf("ma", "organisation"), hostOperator("mh")))
	invitations.ViewRule = invitations.ListRule
	invitations.CreateRule = nil // POST /api/crisisroom/invitations
	invitations.UpdateRule = ptr(allOf(anyOf(adminOf("ma", "organisation"), hostOperator("mh")),
		`@request.body.revoked:isset = true`, `@request.body.kind:isset = false`, `@request.body.uses:isset = false`,
		`@request.body.max_uses:isset = false`, `@request.body.expires:isset = false`, `@request.body.organisation:isset = false`,
		`@request.body.role:isset = false`, `@request.body.channel:isset = false`))
	invitations.DeleteRule = nil
	if err := app.Save(invitations); err != nil {
		return err
	}

	faxes := core.NewBaseCollection("faxes")
	faxes.Fields.Add(
		&core.RelationField{Name: "device", Required: true, MaxSelect: 1, CollectionId: devices.Id},
		&core.SelectField{Name: "direction", Required: true, MaxSelect: 1, Values: []string{"in", "out"}},
		&core.TextField{Name: "remote_id", Max: 40},
		&core.TextField{Name: "number", Max: 40, Pattern: `^[0-9+*#, ()/-]*$`},
		&core.NumberField{Name: "pages", OnlyInt: true},
		&core.FileField{Name: "document", MaxSelect: 1, MaxSize: 50 << 20, Protected: true, MimeTypes: []string{"application/pdf"}},
		&core.FileField{Name: "previews", MaxSelect: 200, MaxSize: 10 << 20, Protected: true, MimeTypes: []string{"image/png"}},
		&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"queued", "sending", "retrying", "sent", "failed", "received"}},
		&core.TextField{Name: "error", Max: 500},
		&core.NumberField{Name: "attempts", OnlyInt: true},
		&core.RelationField{Name: "message", MaxSelect: 1, CollectionId: messages.Id},
		&core.RelationField{Name: "channel", MaxSelect: 1, CollectionId: channels.Id},
		&core.RelationField{Name: "requested_by", MaxSelect: 1, CollectionId: users.Id},
	)
	timestamps(faxes)
	faxes.AddIndex("idx_faxes_channel", false, "channel, created", "")
	faxes.ListRule = ptr(anyOf(channelMember("cm", "channel"), hostOperator("mh")))
	faxes.ViewRule = faxes.ListRule
	faxes.CreateRule = ptr(allOf(`direction = "out"`, `requested_by = @request.auth.id`, channelWriter("cw", "channel"), `device.kind = "fax"`))
	faxes.UpdateRule = nil
	faxes.DeleteRule = nil
	if err := app.Save(faxes); err != nil {
		return err
	}

	sirens := core.NewBaseCollection("siren_activations")
	sirens.Fields.Add(
		&core.RelationField{Name: "device", Required: true, MaxSelect: 1, CollectionId: devices.Id},
		&core.SelectField{Name: "signal", Required: true, MaxSelect: 1, Values: []string{"warning", "all_clear", "test", "room_alarm", "off"}},
		&core.NumberField{Name: "duration", OnlyInt: true},
		&core.RelationField{Name: "requested_by", MaxSelect: 1, CollectionId: users.Id},
		&core.RelationField{Name: "confirmed_by", MaxSelect: 1, CollectionId: users.Id},
		&core.SelectField{Name: "state", MaxSelect: 1, Values: []string{"pending", "starting", "on", "stopped", "expired", "refused", "failed"}},
		&core.DateField{Name: "ends"},
		&core.RelationField{Name: "stopped_by", MaxSelect: 1, CollectionId: users.Id},
		&core.TextField{Name: "reason", Max: 500},
		&core.BoolField{Name: "confirmed"},
	)
	timestamps(sirens)
	sirens.ListRule = ptr(anyOf(hostOperator("mh"), staffOf("ms", "device.organisation")))
	sirens.ViewRule = sirens.ListRule
	sirens.CreateRule = ptr(allOf(hostOperator("mh"), `requested_by = @request.auth.id`))
	sirens.UpdateRule = ptr(hostOperator("mh"))
	sirens.DeleteRule = nil
	if err := app.Save(sirens); err != nil {
		return err
	}

	board := core.NewBaseCollection("board_items")
	board.Fields.Add(
		&core.TextField{Name: "title", Required: true, Max: 200},
		&core.TextField{Name: "body", Max: 4000},
		&core.SelectField{Name: "severity", MaxSelect: 1, Values: []string{"info", "warning", "critical"}},
		&core.RelationField{Name: "organisation", MaxSelect: 1, CollectionId: orgs.Id},
		&core.DateField{Name: "expires"},
		&core.RelationField{Name: "boards", MaxSelect: 100, CollectionId: devices.Id},
		&core.RelationField{Name: "created_by", MaxSelect: 1, CollectionId: users.Id},
	)
	timestamps(board)
	s2 := allOf(isUser, `@collection.memberships:m2.user ?= @request.auth.id`, `@collection.memberships:m2.organisation.kind ?= "host"`, `@collection.memberships:m2.function ?~ "S2"`)
	board.ListRule = ptr(anyOf(
		allOf(isUser, `@collection.memberships:ms.user ?= @request.auth.id`, `@collection.memberships:ms.role ?!= "guest"`),
		allOf(isDevice, `@request.auth.kind = "board"`)))
	board.ViewRule = board.ListRule
	board.CreateRule = ptr(anyOf(hostOperator("mh"), s2))
	board.UpdateRule = board.CreateRule
	board.DeleteRule = board.CreateRule
	if err := app.Save(board); err != nil {
		return err
	}

	// audit outlives the people and devices it names: plain ids and names, no relations.
	audit := core.NewBaseCollection("audit")
	audit.Fields.Add(
		&core.TextField{Name: "actor", Max: 15},
		&core.TextField{Name: "actor_name", Max: 200},
		&core.TextField{Name: "device", Max: 15},
		&core.TextField{Name: "action", Required: true, Max: 80},
		&core.TextField{Name: "organisation", Max: 15},
		&core.TextField{Name: "target", Max: 200},
		&core.JSONField{Name: "data", MaxSize: 64 << 10},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	audit.AddIndex("idx_audit_org_created", false, "organisation, created", "")
	audit.ListRule = ptr(anyOf(hostAdmin("mh"), adminOf("ma", "organisation")))
	audit.ViewRule = audit.ListRule
	audit.CreateRule = nil
	audit.UpdateRule = nil
	audit.DeleteRule = nil
	return app.Save(audit)
}

func downSchema(app core.App) error {
	for i := len(schemaOrder) - 1; i >= 0; i-- {
		c, err := app.FindCollectionByNameOrId(schemaOrder[i])
		if err != nil {
			continue
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	return nil
}
