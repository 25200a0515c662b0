package tenancy

import (
	"net/http"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/audit"
)

// These are API errors even where model hooks return them, so that a refused request
// tells the person why instead of PocketBase's bare "Failed to create record".
var (
	errOneHost               = apperr.BadRequest("tenancy.there_exactly_host_organisation")
	errLastAdmin             = apperr.BadRequest("tenancy.organisation_keeps_least_admin")
	errGuestExpiry           = apperr.BadRequest("tenancy.guest_membership_needs_end")
	ErrSuspendedOrg          = apperr.Forbidden("tenancy.organisation_suspended")
	errGuestOnlyByInvitation = apperr.Forbidden("tenancy.guest_access_comes_only")
	errJoinByInvitation      = apperr.Forbidden("tenancy.people_join_organisation_accepting")
)

func Register(app core.App) {
	registerDirectLifetime(app)
	app.OnRecordCreate("organisations").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("kind") == "host" && HostOrganisation(e.App) != nil {
			return errOneHost
		}
		if e.Record.GetString("status") == "" {
			e.Record.Set("status", "active")
		}
		return e.Next()
	})
	app.OnRecordUpdate("organisations").BindFunc(func(e *core.RecordEvent) error {
		if (e.Record.Original().GetString("kind") == "host") != (e.Record.GetString("kind") == "host") {
			return errOneHost
		}
		return e.Next()
	})
	app.OnRecordDelete("organisations").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("kind") == "host" {
			return errOneHost
		}
		return e.Next()
	})

	app.OnRecordValidate("memberships").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("role") == "guest" && e.Record.GetDateTime("expires").IsZero() {
			return errGuestExpiry
		}
		return e.Next()
	})
	// People join a tenant by accepting an invitation. An admin may enrol directly only
	// someone who belongs to no other organisation (a person made for its own tenant):
	// otherwise an admin could pull another organisation's people under its authority.
	app.OnRecordCreateRequest("memberships").BindFunc(func(e *core.RecordRequestEvent) error {
		if IsSuperuser(e.Auth) {
			return e.Next()
		}
		// People join an organisation by accepting an invitation (POST
		// /api/crisisroom/join), never by an admin's write: a person without any
		// membership (left everywhere, or made by the room's IT) is nobody's to take.
		return errJoinByInvitation
	})
	app.OnRecordUpdateRequest("memberships").BindFunc(func(e *core.RecordRequestEvent) error {
		// A guest's reach derives from its invitation alone: nobody turns a member into a
		// guest (who would keep the channels the member had, or was given meanwhile).
		if e.Record.GetString("role") == "guest" && e.Record.Original().GetString("role") != "guest" && !IsSuperuser(e.Auth) {
			return errGuestOnlyByInvitation
		}
		if e.Record.Original().GetString("role") == "admin" && e.Record.GetString("role") != "admin" && adminCount(e.App, e.Record.GetString("organisation")) <= 1 {
			return errLastAdmin
		}
		return e.Next()
	})
	app.OnRecordDeleteRequest("memberships").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Record.GetString("role") == "admin" && adminCount(e.App, e.Record.GetString("organisation")) <= 1 {
			return errLastAdmin
		}
		return e.Next()
	})
	// Staff of an organisation are in all its org channels; leaving it takes them out.
	app.OnRecordAfterCreateSuccess("memberships").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("role") != "guest" {
			joinOrgChannels(e.App, e.Record.GetString("user"), e.Record.GetString("organisation"))
		}
		return e.Next()
	})
	app.OnRecordAfterDeleteSuccess("memberships").BindFunc(func(e *core.RecordEvent) error {
		leaveOrgChannels(e.App, e.Record.GetString("user"), e.Record.GetString("organisation"))
		return e.Next()
	})

	// Who may create which channel is in the collection rule; the hook fills in the rest.
	app.OnRecordCreateRequest("channels").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth == nil || e.Auth.Collection().Name != "users" {
			return e.Next() // superusers (the room's IT) may create anything
		}
		if org, err := e.App.FindRecordById("organisations", e.Record.GetString("organisation")); err == nil && org.GetString("status") == "suspended" {
			return ErrSuspendedOrg
		}
		if e.Record.GetString("kind") == "direct" {
			return apperr.BadRequest("tenancy.direct_conversations_started_post")
		}
		e.Record.Set("created_by", e.Auth.Id)
		if err := e.Next(); err != nil {
			return err
		}
		AddChannelMember(e.App, e.Record.Id, e.Auth.Id, "owner", nil)
		return nil
	})
	// An organisation taken out of a channel takes its people with it: the rows it gave go
	// (or pass to another participant the person belongs to), at once.
	app.OnRecordAfterUpdateSuccess("channels").BindFunc(func(e *core.RecordEvent) error {
		before := ChannelOrgs(e.Record.Original())
		now := ChannelOrgs(e.Record)
		for _, o := range before {
			if !slices.Contains(now, o) {
				dropRowsOf(e.App, e.Record, o)
			}
		}
		return e.Next()
	})
	app.OnRecordAfterCreateSuccess("channels").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("kind") == "org" {
			staff, _ := e.App.FindRecordsByFilter("memberships", `organisation = {:o} && role != "guest"`, "", 0, 0, dbx.Params{"o": e.Record.GetString("organisation")})
			for _, m := range staff {
				AddChannelMember(e.App, e.Record.Id, m.GetString("user"), "member", nil)
			}
		}
		return e.Next()
	})
	// Guests lose access the moment their membership ends: the rules check expires, and
	// this job removes what has run out so lists stay clean.
	app.Cron().MustAdd("crisisroom_expire_guests", "* * * * *", func() { expireGuests(app) })
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		expireGuests(e.App)
		e.Router.GET("/api/crisisroom/me", handleMe)
		return e.Next()
	})
}

func adminCount(app core.App, orgId string) int {
	n, _ := app.CountRecords("memberships", dbx.HashExp{"organisation": orgId, "role": "admin"})
	return int(n)
}

func joinOrgChannels(app core.App, userId, orgId string) {
	chans, _ := app.FindRecordsByFilter("channels", `organisation = {:o} && kind = "org" && archived = false`, "", 0, 0, dbx.Params{"o": orgId})
	for _, ch := range chans {
		AddChannelMember(app, ch.Id, userId, "member", nil)
	}
}

func leaveOrgChannels(app core.App, userId, orgId string) {
	cms, _ := app.FindRecordsByFilter("channel_members", `user = {:u} && organisation = {:o}`, "", 0, 0, dbx.Params{"u": userId, "o": orgId})
	for _, cm := range cms {
		ch, err := app.FindRecordById("channels", cm.GetString("channel"))
		if err != nil || ch.GetString("kind") == "direct" {
			continue
		}
		reassignOrDrop(app, ch, cm, orgId)
	}
}

// dropRowsOf removes the channel_members rows of ch that orgId gave.
func dropRowsOf(app core.App, ch *core.Record, orgId string) {
	cms, _ := app.FindRecordsByFilter("channel_members", `channel = {:c} && organisation = {:o}`, "", 0, 0, dbx.Params{"c": ch.Id, "o": orgId})
	for _, cm := range cms {
		reassignOrDrop(app, ch, cm, orgId)
	}
}

// reassignOrDrop: a row given by orgId, which no longer gives it. In a shared channel
// someone who is there through another of their organisations stays, now given by that
// one; everyone else's row is deleted (which ends their realtime subscription).
func reassignOrDrop(app core.App, ch, cm *core.Record, orgId string) {
	if ch.GetString("kind") == "shared" {
		var others []string
		for _, o := range ChannelOrgs(ch) {
			if o != orgId {
				others = append(others, o)
			}
		}
		if m := LiveMembershipIn(app, cm.GetString("user"), others); m != nil {
			cm.Set("organisation", m.GetString("organisation"))
			if err := app.Save(cm); err == nil {
				return
			}
		}
	}
	if err := app.Delete(cm); err != nil {
		app.Logger().Warn("could not remove channel member", "channel", ch.Id, "error", err)
	}
}

// addChannelMember adds user to channel unless already there. expires is copied from a
// guest's membership so the channel rule ends access at the same moment.
func AddChannelMember(app core.App, channelId, userId, role string, expires any) *core.Record {
	if cm, err := app.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": channelId, "u": userId}); err == nil {
		return cm
	}
	coll, err := app.FindCachedCollectionByNameOrId("channel_members")
	if err != nil {
		return nil
	}
	cm := core.NewRecord(coll)
	cm.Set("channel", channelId)
	cm.Set("user", userId)
	cm.Set("role", role)
	if expires != nil {
		cm.Set("expires", expires)
	}
	if err := app.Save(cm); err != nil {
		app.Logger().Warn("could not add channel member", "channel", channelId, "user", userId, "error", err)
		return nil
	}
	return cm
}

func expireGuests(app core.App) {
	for _, coll := range []string{"memberships", "channel_members"} {
		filter := ExpiredFilter("expires")
		if coll == "channel_members" {
			// The rows of a direct conversation end when its two people share nothing else
			// and live again when they do (direct_lifetime.go): they stay, with their
			// history, until then.
			filter += ` && channel.kind != "direct"`
		}
		recs, err := app.FindRecordsByFilter(coll, filter, "", 500, 0)
		if err != nil {
			continue
		}
		for _, r := range recs {
			if err := app.Delete(r); err == nil {
				audit.Write(app, audit.Entry{Action: coll + ".expired", Organisation: audit.OrgOf(app, r), Target: r.Id, Data: map[string]any{"user": r.GetString("user")}})
			}
		}
	}
}

// handleMe answers the UI's first question: who am I, and in which tenants.
func handleMe(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != "users" {
		return apperr.Unauthorized("common.sign_in")
	}
	ms, err := e.App.FindRecordsByFilter("memberships", "user = {:u}", "created", 0, 0, dbx.Params{"u": e.Auth.Id})
	if err != nil {
		return apperr.Internal(err)
	}
	type tenant struct {
		Id       string `json:"id"`
		Name     string `json:"name"`
		Short    string `json:"short"`
		Kind     string `json:"kind"`
		Color    string `json:"color"`
		Status   string `json:"status"`
		Role     string `json:"role"`
		Function string `json:"function"`
		Expires  string `json:"expires"`
	}
	out := []tenant{}
	for _, m := range ms {
		if Expired(m) {
			continue
		}
		org, err := e.App.FindRecordById("organisations", m.GetString("organisation"))
		if err != nil {
			continue
		}
		out = append(out, tenant{org.Id, org.GetString("name"), org.GetString("short"), org.GetString("kind"), org.GetString("color"), org.GetString("status"), m.GetString("role"), m.GetString("function"), m.GetString("expires")})
	}
	return e.JSON(http.StatusOK, map[string]any{"user": e.Auth, "tenants": out, "host_operator": IsHostOperator(e.App, e.Auth.Id)})
}
