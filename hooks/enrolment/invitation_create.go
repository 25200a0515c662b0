package enrolment

import (
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/pocketbase/pocketbase/tools/types"
	qrcode "github.com/skip2/go-qrcode"

	"crisisroom/apperr"
	"crisisroom/hooks"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// InvitationRequest is the body of POST /api/crisisroom/invitations and what
// `crisisroom invite` fills in from its flags.
type InvitationRequest struct {
	Kind         string `json:"kind"`         // organisation, member, guest, device
	Organisation string `json:"organisation"` // member: the tenant; device: owner (default host)
	Channel      string `json:"channel"`      // guest: the one channel
	// Role: member → member, operator or admin; guest → readonly (default) or member,
	// which becomes the guest's role in the channel.
	Role           string      `json:"role"`
	Function       string      `json:"function"`
	Label          string      `json:"label"`
	ExpiresInHours float64     `json:"expires_in_hours"` // default 24, at most 720
	MaxUses        int         `json:"max_uses"`         // default 1, at most 500
	MemberExpires  string      `json:"member_expires"`   // guest: end of the guest's access
	Device         *DeviceSpec `json:"device"`
}

// DeviceSpec describes the device a device invitation enrols.
type DeviceSpec struct {
	Name     string `json:"name"`
	Username string `json:"username,omitempty"` // empty: derived from kind and a random suffix
	Kind     string `json:"kind"`
	Driver   string `json:"driver,omitempty"`
	Topic    string `json:"topic,omitempty"`
	Zone     string `json:"zone,omitempty"`
	Channel  string `json:"channel,omitempty"`
}

// IssuedInvitation is what the inviter sees, once: the token is in URL and QR only.
type IssuedInvitation struct {
	Id          string `json:"id"`
	URL         string `json:"url"`
	QR          string `json:"qr"` // PNG as a data URL
	Expires     string `json:"expires"`
	Fingerprint string `json:"fingerprint"`
	Kind        string `json:"kind"`
	Grants      string `json:"grants"`       // what it grants, in words (German / English)
	Inviter     string `json:"organisation"` // the inviting organisation's name
	Short       string `json:"short"`
	Color       string `json:"color"`
	MaxUses     int    `json:"max_uses"`
	Label       string `json:"label"`
}

const (
	maxInvitationHours = 720
	maxInvitationUses  = 500
)

func (en *enrolment) handleCreateInvitation(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != "users" {
		return apperr.Unauthorized("common.sign_in")
	}
	var req InvitationRequest
	if err := e.BindBody(&req); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_could_not_read", err)
	}
	auth, err := en.authority(e.App)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	issued, err := IssueInvitation(e.App, e.Auth, req, en.linkBase(e.Request), auth.ShortFingerprint(), auth.Fingerprint())
	if err != nil {
		if apiErr, ok := err.(*router.ApiError); ok && apiErr.Status == http.StatusForbidden {
			audit.Write(e.App, audit.Entry{Actor: e.Auth, Action: "invitation.refused", Organisation: req.Organisation, Data: map[string]any{"kind": req.Kind, "reason": apiErr.Message}})
		}
		return err
	}
	return e.JSON(http.StatusOK, issued)
}

// IssueInvitation checks that actor may invite as asked, stores the invitation with its
// token hashed, and returns the link and its QR code. actor nil is the appliance itself
// (`crisisroom invite` at the terminal), which acts for the host organisation.
func IssueInvitation(app core.App, actor *core.Record, req InvitationRequest, base, shortFP, fingerprint string) (*IssuedInvitation, error) {
	inv, grants, err := buildInvitation(app, actor, req)
	if err != nil {
		return nil, err
	}
	token := newInvitationToken()
	inv.Set("token_hash", hashInvitationToken(token))
	if err := app.Save(inv); err != nil {
		return nil, apperr.New(http.StatusBadRequest, "enrolment.invitation_could_not_saved", err)
	}
	link := FormatJoinLink(base, token, shortFP)
	qr, err := QRDataURL(link)
	if err != nil {
		return nil, err
	}
	var inviter, short, color string
	if org, err := app.FindRecordById("organisations", inv.GetString("organisation")); err == nil {
		inviter, short, color = org.GetString("name"), org.GetString("short"), org.GetString("color")
	}
	data := audit.AuditData(app, inv)
	if actor == nil {
		data["via"] = "terminal"
	}
	audit.Write(app, audit.Entry{Actor: actor, Action: "invitation.issue", Organisation: inv.GetString("organisation"), Target: inv.Id, Data: data})
	return &IssuedInvitation{
		Id: inv.Id, URL: link, QR: qr, Expires: inv.GetDateTime("expires").String(), Fingerprint: fingerprint,
		Kind: inv.GetString("kind"), Grants: grants, Inviter: inviter, Short: short, Color: color,
		MaxUses: inv.GetInt("max_uses"), Label: inv.GetString("label"),
	}, nil
}

// QRDataURL renders text as a PNG QR code in a data URL.
func QRDataURL(text string) (string, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, 512)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}

// buildInvitation decides who may invite whom; the record is not saved yet.
func buildInvitation(app core.App, actor *core.Record, req InvitationRequest) (*core.Record, string, error) {
	coll, err := app.FindCachedCollectionByNameOrId("invitations")
	if err != nil {
		return nil, "", err
	}
	host := tenancy.HostOrganisation(app)
	if host == nil {
		return nil, "", apperr.BadRequest("enrolment.appliance_not_set_up")
	}
	hostOp := actor == nil || tenancy.IsHostOperator(app, actor.Id)

	hours := req.ExpiresInHours
	if hours == 0 {
		hours = 24
	}
	if hours < 0 || hours > maxInvitationHours {
		return nil, "", apperr.BadRequest("enrolment.invitation_valid_hours")
	}
	uses := req.MaxUses
	if uses == 0 {
		uses = 1
	}
	if uses < 0 || uses > maxInvitationUses {
		return nil, "", apperr.BadRequest("enrolment.invitation_used_times")
	}

	inv := core.NewRecord(coll)
	inv.Set("kind", req.Kind)
	inv.Set("label", strings.TrimSpace(req.Label))
	inv.Set("function", strings.TrimSpace(req.Function))
	inv.Set("expires", time.Now().Add(time.Duration(hours*float64(time.Hour))).UTC())
	inv.Set("max_uses", uses)
	inv.Set("uses", 0)
	if actor != nil {
		inv.Set("created_by", actor.Id)
	}

	var grants string
	switch req.Kind {
	case "organisation":
		if !hostOp {
			return nil, "", apperr.Forbidden("enrolment.only_staff_invite_organisations")
		}
		inv.Set("organisation", host.Id)
		inv.Set("role", "admin")
		grants = "Neue Organisation mit eigenem Bereich und erster Admin-Person / A new organisation with its own tenant and its first admin"

	case "member":
		org, err := findOrganisation(app, req.Organisation)
		if err != nil {
			return nil, "", err
		}
		role := req.Role
		if role == "" {
			role = "member"
		}
		if role != "member" && role != "operator" && role != "admin" {
			return nil, "", apperr.BadRequest("enrolment.role_must_member_operator")
		}
		actorRole := "admin" // the appliance itself
		if actor != nil {
			actorRole = tenancy.RoleIn(app, actor.Id, org.Id)
		}
		hostOpHere := org.Id == host.Id && hostOp
		switch {
		case actorRole == "admin":
		case hostOpHere && role != "admin":
			// Operators run the room and bring in their colleagues, but only an admin makes admins.
		default:
			return nil, "", apperr.Forbidden("enrolment.only_admins_invite", org.GetString("name"))
		}
		if org.GetString("status") == "suspended" {
			return nil, "", tenancy.ErrSuspendedOrg
		}
		inv.Set("organisation", org.Id)
		inv.Set("role", role)
		grants = "Mitglied von " + org.GetString("name") + " (" + role + ") / Member of " + org.GetString("name") + " (" + role + ")"

	case "guest":
		ch, err := app.FindRecordById("channels", req.Channel)
		if err != nil {
			return nil, "", apperr.BadRequest("common.unknown_channel")
		}
		owner := ch.GetString("organisation")
		kind := ch.GetString("kind")
		allowed := kind != "direct" && ((actor == nil) || tenancy.RoleIn(app, actor.Id, owner) == "admin" || (kind == "shared" && hostOp))
		if !allowed {
			return nil, "", apperr.Forbidden("enrolment.only_channel_admins_invite_guests")
		}
		if ch.GetBool("archived") {
			return nil, "", apperr.BadRequest("common.channel_archived")
		}
		chRole := req.Role
		if chRole == "" || chRole == "guest" {
			chRole = "readonly"
		}
		if chRole != "readonly" && chRole != "member" {
			return nil, "", apperr.BadRequest("enrolment.guest_reads_only_readonly")
		}
		until, err := types.ParseDateTime(req.MemberExpires)
		if err != nil || until.IsZero() {
			return nil, "", apperr.BadRequest("enrolment.guest_invitation_needs_end")
		}
		if !until.Time().After(time.Now()) {
			return nil, "", apperr.BadRequest("enrolment.guest_access_end_in_past")
		}
		inv.Set("organisation", owner)
		inv.Set("channel", ch.Id)
		inv.Set("role", "guest")
		inv.Set("channel_role", chRole)
		inv.Set("member_expires", until)
		grants = "Gastzugang zu „" + ch.GetString("name") + "“ bis " + until.Time().Local().Format("02.01.2006 15:04") + " / Guest access to \"" + ch.GetString("name") + "\""

	case "device":
		if !hostOp {
			return nil, "", apperr.Forbidden("enrolment.only_staff_enrol_devices")
		}
		if req.Device == nil {
			return nil, "", apperr.BadRequest("enrolment.device_invitation_needs_device")
		}
		orgId := host.Id
		if req.Organisation != "" {
			org, err := findOrganisation(app, req.Organisation)
			if err != nil {
				return nil, "", err
			}
			orgId = org.Id
		}
		spec := *req.Device
		// Check the device now, with a stand-in user name, so a mistake shows while the
		// operator is still at the form, not when someone at the device scans the code.
		probe, _, err := newDeviceRecord(app, orgId, spec, "probe-"+randomHex(4))
		if err != nil {
			return nil, "", err
		}
		if err := app.Validate(probe); err != nil {
			return nil, "", apperr.New(http.StatusBadRequest, "enrolment.device_invalid", err)
		}
		if (spec.Username != "" || spec.Topic != "") && uses > 1 {
			return nil, "", apperr.BadRequest("enrolment.device_own_user_name")
		}
		if spec.Username != "" {
			if _, err := app.FindFirstRecordByData("devices", "username", spec.Username); err == nil {
				return nil, "", apperr.BadRequest("enrolment.device_user_name_exists")
			}
		}
		inv.Set("organisation", orgId)
		inv.Set("device", spec)
		grants = "Gerät „" + spec.Name + "“ (" + spec.Kind + ") / Device \"" + spec.Name + "\" (" + spec.Kind + ")"

	default:
		return nil, "", apperr.BadRequest("enrolment.kind_must_organisation_member")
	}
	return inv, grants, nil
}

// findOrganisation accepts an id or a name (the terminal knows names).
func findOrganisation(app core.App, idOrName string) (*core.Record, error) {
	if idOrName == "" {
		return nil, apperr.BadRequest("enrolment.which_organisation")
	}
	if r, err := app.FindRecordById("organisations", idOrName); err == nil {
		return r, nil
	}
	r, err := app.FindFirstRecordByFilter("organisations", "name = {:n} || short = {:n}", dbx.Params{"n": idOrName})
	if err != nil {
		return nil, apperr.BadRequest("enrolment.unknown_organisation")
	}
	return r, nil
}

// newDeviceRecord returns the device (not saved) and its generated MQTT password.
func newDeviceRecord(app core.App, orgId string, spec DeviceSpec, username string) (*core.Record, string, error) {
	coll, err := app.FindCachedCollectionByNameOrId("devices")
	if err != nil {
		return nil, "", err
	}
	d := core.NewRecord(coll)
	d.Set("username", username)
	d.Set("name", strings.TrimSpace(spec.Name))
	d.Set("organisation", orgId)
	d.Set("kind", spec.Kind)
	d.Set("driver", spec.Driver)
	d.Set("topic", spec.Topic)
	d.Set("zone", spec.Zone)
	d.Set("channel", spec.Channel)
	pw := randomHex(16)
	d.SetPassword(pw)
	return d, pw, nil
}

// linkBase: where phones reach the appliance. The city's public URL wins; otherwise the
// host the inviter used (a phone on the same network can use it too) if it is one of the
// appliance's own (requestHost), with the HTTPS port, unless that host is the loopback
// address of a box listening everywhere.
func (en *enrolment) linkBase(r *http.Request) string {
	if en.cfg.PublicURL != "" {
		return strings.TrimRight(en.cfg.PublicURL, "/")
	}
	httpsPort := en.httpsPort()
	scheme, listen := "http", en.cfg.HTTPAddr
	if httpsPort != "" {
		scheme, listen = "https", en.cfg.HTTPSAddr
	}
	host, port := en.requestHost(r)
	if httpsPort != "" {
		port = httpsPort
	}
	if lh, _, err := net.SplitHostPort(listen); err == nil {
		wildcard := lh == "" || lh == "0.0.0.0" || lh == "::"
		switch {
		case wildcard && (host == "" || hooks.IsLoopbackHost(host)):
			if h, _ := hooks.SplitHost(hooks.LinkHost(listen)); h != "" {
				host = h
			}
		case !wildcard && host == "":
			host = lh // bound to one address (the terminal's invite has no request)
		}
	}
	if host == "" {
		host = "localhost"
	}
	if port == "" {
		_, port, _ = net.SplitHostPort(listen)
	}
	if port == "" || port == "0" {
		return scheme + "://" + hooks.HostForURL(host)
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
