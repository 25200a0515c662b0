package tenancy

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
)

// Who may add, change and remove channel members depends on the kind of channel, on the
// organisations taking part and on the target person's memberships: more than a collection
// rule can say, so the rule only requires a signed-in user and this hook decides.
//
// Every row records the organisation that gave it (organisation): the row grants access
// only while that organisation takes part in the channel and is active, and an admin
// manages only the rows its own organisation gave.
var errGuestOnlyInvitation = apperr.Forbidden("tenancy.guests_reach_only_channel")

func RegisterChannelMembers(app core.App) {
	// Every save passes here (invitations, seeding, the org-channel hooks): a row without
	// a giving organisation would grant nothing.
	app.OnRecordCreate("channel_members").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("organisation") == "" {
			if ch, err := e.App.FindRecordById("channels", e.Record.GetString("channel")); err == nil {
				e.Record.Set("organisation", givingOrg(e.App, ch, e.Record.GetString("user")))
			}
		}
		return e.Next()
	})
	app.OnRecordCreateRequest("channel_members").BindFunc(func(e *core.RecordRequestEvent) error {
		if IsSuperuser(e.Auth) {
			return e.Next()
		}
		ch, err := e.App.FindRecordById("channels", e.Record.GetString("channel"))
		if err != nil {
			return apperr.BadRequest("common.unknown_channel")
		}
		if ch.GetBool("archived") {
			return apperr.BadRequest("common.channel_archived")
		}
		target := e.Record.GetString("user")
		m, err := mayManageMember(e.App, e.Auth.Id, ch, target)
		if err != nil {
			return err
		}
		if e.Record.GetString("role") == "owner" && !(ch.GetString("kind") == "shared" && IsHostOperator(e.App, e.Auth.Id)) && !isChannelOwner(e.App, ch.Id, e.Auth.Id) {
			return apperr.Forbidden("tenancy.only_owner_appoints_owners")
		}
		// A guest reaches only the channel of its invitation (its row comes with the
		// redemption, in Go): nobody places it in another channel afterwards.
		if m != nil && m.GetString("role") == "guest" {
			return errGuestOnlyInvitation
		}
		e.Record.Set("organisation", "")
		if m != nil {
			e.Record.Set("organisation", m.GetString("organisation"))
		}
		return e.Next()
	})

	app.OnRecordUpdateRequest("channel_members").BindFunc(func(e *core.RecordRequestEvent) error {
		if IsSuperuser(e.Auth) {
			return e.Next()
		}
		orig := e.Record.Original()
		roleChanged := orig.GetString("role") != e.Record.GetString("role")
		expiresChanged := orig.GetString("expires") != e.Record.GetString("expires")
		lastReadChanged := orig.GetString("last_read") != e.Record.GetString("last_read")
		if orig.GetString("organisation") != e.Record.GetString("organisation") {
			return apperr.Forbidden("tenancy.organisation_gave_channel_membership")
		}
		if expiresChanged {
			// A row's end date is the guest membership's, copied; a member's row has none.
			if m := Membership(e.App, e.Record.GetString("user"), orig.GetString("organisation")); m != nil && m.GetString("role") == "guest" {
				return apperr.Forbidden("tenancy.guest_channel_end_follows_membership")
			}
			return apperr.Forbidden("tenancy.channel_end_follows_membership")
		}
		if lastReadChanged && e.Record.GetString("user") != e.Auth.Id {
			return apperr.Forbidden("tenancy.only_mark_read")
		}
		if roleChanged {
			ch, err := e.App.FindRecordById("channels", e.Record.GetString("channel"))
			if err != nil {
				return router.NewBadRequestError("Unknown channel.", nil)
			}
			if err := mayManageRow(e.App, e.Auth.Id, ch, orig); err != nil {
				return err
			}
			if e.Record.GetString("user") == e.Auth.Id && !isChannelOwner(e.App, ch.Id, e.Auth.Id) && !IsHostOperator(e.App, e.Auth.Id) && RoleIn(e.App, e.Auth.Id, ch.GetString("organisation")) != "admin" {
				return apperr.Forbidden("tenancy.cannot_change_own_role")
			}
		}
		return e.Next()
	})

	app.OnRecordDeleteRequest("channel_members").BindFunc(func(e *core.RecordRequestEvent) error {
		if IsSuperuser(e.Auth) {
			return e.Next()
		}
		ch, err := e.App.FindRecordById("channels", e.Record.GetString("channel"))
		if err != nil {
			return e.Next()
		}
		if ch.GetString("kind") == "direct" {
			return apperr.Forbidden("tenancy.direct_conversation_keeps_both")
		}
		if e.Record.GetString("user") == e.Auth.Id {
			return e.Next() // anyone may leave
		}
		if err := mayManageRow(e.App, e.Auth.Id, ch, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
}

// mayManageRow decides whether actor may change or remove the existing channel_members
// row cm of ch: as for adding the person (mayManageMember), and, outside what the host's
// operators do in shared channels, only an admin of the organisation that gave the row.
// The person's own role change passes to the self-check in the update hook.
func mayManageRow(app core.App, actor string, ch *core.Record, cm *core.Record) error {
	row := ChannelMemberRecord{cm}
	target := row.User()
	if _, err := mayManageMember(app, actor, ch, target); err != nil {
		return err
	}
	kind := ChannelRecord{ch}.Kind()
	if actor == target || kind == "group" || (kind == "shared" && IsHostOperator(app, actor)) {
		return nil
	}
	if RoleIn(app, actor, row.Organisation()) != "admin" {
		return apperr.Forbidden("tenancy.another_organisation_gave_channel")
	}
	return nil
}

// givingOrg names the organisation through which user is in ch: the owner of an org
// channel; for a shared channel the first participant (host first) of which the user is
// a live member; for direct and group conversations the creator's organisation if the
// user belongs to it, else the user's first live organisation. "" when there is none.
func givingOrg(app core.App, ch *core.Record, userId string) string {
	c := ChannelRecord{ch}
	owner := c.Organisation()
	switch c.Kind() {
	case "org":
		return owner
	case "shared":
		if m := LiveMembershipIn(app, userId, c.Orgs()); m != nil {
			return MembershipRecord{m}.Organisation()
		}
		return ""
	}
	if Membership(app, userId, owner) != nil {
		return owner
	}
	ms, _ := app.FindRecordsByFilter(CollMemberships, "user = {:u}", "created", 0, 0, dbx.Params{"u": userId})
	for _, m := range ms {
		if LiveMembership(app, m) {
			return MembershipRecord{m}.Organisation()
		}
	}
	return ""
}

// mayManageMember decides whether actor may add target to ch (or change or remove them),
// and returns the membership through which target may be there.
func mayManageMember(app core.App, actor string, ch *core.Record, target string) (*core.Record, error) {
	forbidden := apperr.Forbidden("tenancy.not_manage_members_channel")
	notEligible := apperr.BadRequest("tenancy.person_does_not_belong")
	c := ChannelRecord{ch}
	owner := c.Organisation()
	switch c.Kind() {
	case "org":
		m := Membership(app, target, owner)
		if m == nil {
			return nil, notEligible
		}
		if RoleIn(app, actor, owner) == "admin" || (actor == target && IsStaff(app, actor, owner)) {
			return m, nil
		}
		return nil, forbidden
	case "shared":
		orgs := ChannelOrgs(ch)
		m := LiveMembershipIn(app, target, orgs)
		if m == nil {
			return nil, notEligible
		}
		if IsHostOperator(app, actor) {
			return m, nil
		}
		// Each organisation adds its own people.
		for _, o := range orgs {
			if RoleIn(app, actor, o) == "admin" && Membership(app, target, o) != nil {
				return Membership(app, target, o), nil
			}
		}
		return nil, forbidden
	case "group":
		if !isChannelOwner(app, ch.Id, actor) {
			return nil, forbidden
		}
		if !SharesSomething(app, actor, target) {
			return nil, notEligible
		}
		if IsGuestOnly(app, target) {
			return nil, ErrGuestOnly
		}
		return LiveMembershipIn(app, target, []string{owner}), nil
	}
	return nil, forbidden
}

// errGuestOnly: a guest reaches only what its invitation gave.
var ErrGuestOnly = apperr.Forbidden("tenancy.guests_reach_only_channels")

func isChannelOwner(app core.App, channelId, userId string) bool {
	cm := ChannelMember(app, channelId, userId)
	return cm != nil && cm.GetString("role") == "owner"
}

// SharesSomething: a and b are both staff of one organisation, or both in one channel
// other than a direct conversation (which lives only on what else they share).
func SharesSomething(app core.App, a, b string) bool {
	var n int
	err := app.DB().NewQuery(`
		SELECT COUNT(*) FROM memberships ma JOIN memberships mb ON ma.organisation = mb.organisation
		WHERE ma.user = {:a} AND mb.user = {:b} AND ma.role != 'guest' AND mb.role != 'guest'
		AND ` + LiveMembershipSQL("ma") + ` AND ` + LiveMembershipSQL("mb")).
		Bind(map[string]any{"a": a, "b": b}).Row(&n)
	if err == nil && n > 0 {
		return true
	}
	err = app.DB().NewQuery(`
		SELECT COUNT(*) FROM channel_members ca JOIN channel_members cb ON ca.channel = cb.channel
		JOIN channels sc ON sc.id = ca.channel AND sc.kind != 'direct'
		WHERE ca.user = {:a} AND cb.user = {:b} AND ` + LiveChannelMemberSQL("ca") + ` AND ` + LiveChannelMemberSQL("cb")).
		Bind(map[string]any{"a": a, "b": b}).Row(&n)
	return err == nil && n > 0
}

// liveMembershipSQL: the memberships row of alias is live in the sense of LiveMembership
// (not ended, its organisation's status OrgActive).
func LiveMembershipSQL(alias string) string {
	return "(" + NotExpiredSQL(alias) + " AND EXISTS (SELECT 1 FROM organisations lo WHERE lo.id = " + alias +
		".organisation AND lo.status = '" + OrgActive + "'))"
}

// liveChannelMemberSQL: the channel_members row of alias is live in the sense of
// ChannelMember: not ended, given by an organisation that still takes part in the channel
// (org and shared channels), of which the user holds a live membership.
func LiveChannelMemberSQL(alias string) string {
	return "(" + NotExpiredSQL(alias) + " AND " + alias + ".organisation != '' AND EXISTS (SELECT 1 FROM memberships lm JOIN channels lc ON lc.id = " + alias + ".channel" +
		" WHERE lm.user = " + alias + ".user AND lm.organisation = " + alias + ".organisation AND " + LiveMembershipSQL("lm") +
		" AND (lc.kind IN ('direct', 'group') OR lc.organisation = " + alias + ".organisation" +
		" OR EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(lc.organisations) THEN lc.organisations ELSE '[]' END) lj WHERE lj.value = " + alias + ".organisation))))"
}

func IsSuperuser(r *core.Record) bool {
	return r != nil && r.Collection().Name == core.CollectionNameSuperusers
}
