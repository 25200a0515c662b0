package messaging

import (
	"encoding/json"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// Device sessions: every sign-in and token refresh is remembered per browser (user agent
// and address), so a person sees where their account is in use, and they or an admin of
// their organisation can end it everywhere when a phone is lost.
func (ms *messaging) bindSessions(app core.App) {
	app.OnRecordAuthRequest("users").BindFunc(func(e *core.RecordAuthRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		touchSession(e.App, e.Record.Id, e.Request.UserAgent(), e.RealIP())
		return nil
	})
}

func touchSession(app core.App, userId, agent, ip string) {
	if len(agent) > 500 {
		agent = agent[:500]
	}
	s, err := app.FindFirstRecordByFilter("sessions", "user = {:u} && user_agent = {:a} && ip = {:ip}", dbx.Params{"u": userId, "a": agent, "ip": ip})
	if err != nil {
		coll, cerr := app.FindCachedCollectionByNameOrId("sessions")
		if cerr != nil {
			return
		}
		s = core.NewRecord(coll)
		s.Set("user", userId)
		s.Set("user_agent", agent)
		s.Set("ip", ip)
	}
	s.Set("last_seen", tenancy.NowDate())
	if err := app.Save(s); err != nil {
		app.Logger().Warn("session not recorded", "user", userId, "error", err)
	}
}

// GET /api/crisisroom/sessions → the caller's sessions, most recent first.
func (ms *messaging) handleSessions(e *core.RequestEvent) error {
	recs, err := e.App.FindRecordsByFilter("sessions", "user = {:u}", "-last_seen", 0, 0, dbx.Params{"u": e.Auth.Id})
	if err != nil {
		return apperr.Internal(err)
	}
	items := make([]map[string]any, 0, len(recs))
	for _, s := range recs {
		items = append(items, map[string]any{
			"id": s.Id, "user_agent": s.GetString("user_agent"), "ip": s.GetString("ip"),
			"last_seen": s.GetString("last_seen"), "created": s.GetString("created"),
			"current": s.GetString("user_agent") == e.Request.UserAgent() && s.GetString("ip") == e.RealIP(),
		})
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// POST /api/crisisroom/users/{id}/signout: ends every session of a person. Allowed to
// the person, to a host admin for a member of the host organisation, and to an admin of
// another organisation for a person who belongs to no organisation that admin does not
// administer (tenancy.SignOutOrgOver): a sign-out ends the person's work everywhere.
func (ms *messaging) handleSignout(e *core.RequestEvent) error {
	target, err := e.App.FindRecordById("users", e.Request.PathValue("id"))
	if err != nil {
		return apperr.NotFound("messaging.no_such_person")
	}
	org := ""
	if target.Id != e.Auth.Id {
		var elsewhere bool
		org, elsewhere = tenancy.SignOutOrgOver(e.App, e.Auth.Id, target.Id)
		if elsewhere {
			return apperr.Forbidden("tenancy.signout_belongs_elsewhere")
		}
		if org == "" {
			return apperr.Forbidden("messaging.only_person_admin_organisation")
		}
	}
	// The signout event goes out first: the new token key silences the person's
	// connections (realtime_hooks.go), and every browser must hear that it is signed out.
	data, _ := json.Marshal(meEvent{Action: "signout", Record: map[string]any{"user": target.Id, "by": e.Auth.Id}})
	ms.fan.sendUser(target.Id, data, true)
	target.RefreshTokenKey() // every token issued so far stops working
	if err := e.App.Save(target); err != nil {
		return apperr.Internal(err)
	}
	sessions, _ := e.App.FindRecordsByFilter("sessions", "user = {:u}", "", 0, 0, dbx.Params{"u": target.Id})
	for _, s := range sessions {
		if err := e.App.Delete(s); err != nil {
			e.App.Logger().Warn("session not removed", "session", s.Id, "error", err)
		}
	}
	audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "users.signout", Organisation: org, Target: target.Id,
		Data: map[string]any{"username": target.GetString("username"), "sessions": len(sessions)}})
	return e.JSON(http.StatusOK, map[string]any{"signed_out": target.Id, "sessions": len(sessions)})
}
