package enrolment

import (
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// lookupInvitation finds the invitation a token belongs to and refuses, each with its own
// words, what cannot be used. Every refusal counts against the client's address and is
// audited; past the limit the client is told to wait.
func (en *enrolment) lookupInvitation(e *core.RequestEvent, raw string) (*core.Record, error) {
	ip := e.RealIP()
	if wait, d := en.limiter.Blocked(ip); wait {
		secs := int(d.Round(time.Second) / time.Second)
		e.Response.Header().Set("Retry-After", strconv.Itoa(secs))
		return nil, apperr.TooManyRequests("enrolment.too_many_wrong_codes", secs)
	}
	token, _, err := ParseJoinLink(raw)
	var inv *core.Record
	if err == nil {
		inv, err = e.App.FindFirstRecordByFilter("invitations", "token_hash = {:h}", dbx.Params{"h": hashInvitationToken(token)})
	}
	if err != nil {
		return nil, en.refuse(e, nil, "unknown", apperr.NotFound("enrolment.invitation_code_unknown_scan"))
	}
	if reason, apiErr := invitationUnusable(inv); apiErr != nil {
		return nil, en.refuse(e, inv, reason, apiErr)
	}
	// A suspended organisation enrols nobody: neither people nor devices join it until
	// the host lifts the suspension (the invitation stays valid for then).
	if org, err := e.App.FindRecordById("organisations", inv.GetString("organisation")); err == nil && org.GetString("status") == "suspended" {
		return nil, en.refuse(e, inv, "suspended", tenancy.ErrSuspendedOrg)
	}
	return inv, nil
}

// invitationUnusable says why an invitation can no longer be redeemed (410 Gone each).
func invitationUnusable(inv *core.Record) (string, *router.ApiError) {
	switch {
	case inv.GetBool("revoked"):
		return "revoked", apperr.Gone("enrolment.invitation_withdrawn_inviting_organisation")
	case !inv.GetDateTime("expires").Time().After(time.Now()):
		when := inv.GetDateTime("expires").Time().Local().Format("02.01.2006 15:04")
		return "expired", apperr.Gone("enrolment.invitation_expired", when)
	case inv.GetInt("uses") >= max(inv.GetInt("max_uses"), 1):
		return "used", apperr.Gone("enrolment.invitation_already_been_used")
	case inv.GetString("kind") == "guest" && !inv.GetDateTime("member_expires").Time().After(time.Now()):
		return "guest_access_over", apperr.Gone("enrolment.guest_access_invitation_already")
	}
	return "", nil
}

func (en *enrolment) refuse(e *core.RequestEvent, inv *core.Record, reason string, apiErr *router.ApiError) error {
	ip := e.RealIP()
	reached := en.limiter.Fail(ip)
	data := map[string]any{"reason": reason, "ip": ip}
	if reached {
		data["rate_limited"] = true
	}
	entry := audit.Entry{Action: "invitation.refused", Data: data}
	if e.Auth != nil {
		entry.Actor = e.Auth
	}
	if inv != nil {
		entry.Organisation, entry.Target = inv.GetString("organisation"), inv.Id
	}
	audit.Write(e.App, entry)
	return apiErr
}

// handleJoinInfo tells the join page what an invitation grants, without using it up.
func (en *enrolment) handleJoinInfo(e *core.RequestEvent) error {
	inv, err := en.lookupInvitation(e, e.Request.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, invitationInfo(e.App, inv))
}

func invitationInfo(app core.App, inv *core.Record) map[string]any {
	out := map[string]any{
		"kind":      inv.GetString("kind"),
		"role":      inv.GetString("role"),
		"function":  inv.GetString("function"),
		"label":     inv.GetString("label"),
		"expires":   inv.GetDateTime("expires").String(),
		"uses_left": max(inv.GetInt("max_uses"), 1) - inv.GetInt("uses"),
	}
	if org, err := app.FindRecordById("organisations", inv.GetString("organisation")); err == nil {
		out["organisation"] = map[string]any{"name": org.GetString("name"), "short": org.GetString("short"), "color": org.GetString("color"), "kind": org.GetString("kind")}
	}
	switch inv.GetString("kind") {
	case "guest":
		if ch, err := app.FindRecordById("channels", inv.GetString("channel")); err == nil {
			out["channel"] = map[string]any{"name": ch.GetString("name"), "topic": ch.GetString("topic")}
		}
		out["channel_role"] = inv.GetString("channel_role")
		out["member_expires"] = inv.GetDateTime("member_expires").String()
	case "device":
		var spec DeviceSpec
		_ = inv.UnmarshalJSONField("device", &spec)
		out["device"] = map[string]any{"name": spec.Name, "kind": spec.Kind, "driver": spec.Driver}
	}
	return out
}
