package enrolment

import (
	"errors"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
	"crisisroom/hooks"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

type joinRequest struct {
	Token        string `json:"token"`
	Name         string `json:"name"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	Email        string `json:"email"`
	Organisation string `json:"organisation"` // organisation invitation: the new agency's name
	Short        string `json:"short"`
	Kind         string `json:"kind"` // organisation invitation: police, fire, …
}

var (
	joinableKinds   = []string{"police", "fire", "ems", "clinic", "administration", "utility", "military", "ngo", "other"}
	usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{2,47}$`)
)

// handleJoin redeems an invitation in one transaction: the account, its memberships, the
// new tenant or the device, and the use count, all or nothing.
func (en *enrolment) handleJoin(e *core.RequestEvent) error {
	var req joinRequest
	if err := e.BindBody(&req); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_could_not_read", err)
	}
	inv, err := en.lookupInvitation(e, req.Token)
	if err != nil {
		return err
	}
	kind := inv.GetString("kind")
	if kind == "device" {
		return en.redeemDevice(e, inv)
	}

	// Someone already signed in (a person in several organisations) joins with their
	// account; everyone else creates one.
	var existing *core.Record
	if e.Auth != nil && e.Auth.Collection().Name == "users" && req.Username == "" && req.Password == "" {
		existing = e.Auth
	}
	if existing == nil {
		if err := checkNewAccount(e.App, &req); err != nil {
			return err
		}
	}
	if kind == "organisation" {
		if err := checkNewOrganisation(e.App, &req); err != nil {
			return err
		}
	}

	var user *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		inv, err := claim(tx, inv.Id)
		if err != nil {
			return err
		}
		user = existing
		if user == nil {
			if user, err = tenancy.NewUser(tx, req.Name, req.Username, req.Password, req.Email); err != nil {
				return err
			}
		}
		orgId := inv.GetString("organisation")
		switch kind {
		case "organisation":
			org, err := tenancy.NewOrganisation(tx, req.Organisation, strings.TrimSpace(req.Short), req.Kind, tenancy.FreeColour(tx))
			if err != nil {
				return err
			}
			orgId = org.Id
			if _, err := tenancy.NewMembership(tx, user.Id, org.Id, "admin", inv.GetString("function"), nil); err != nil {
				return err
			}
			if _, err := tenancy.NewChannel(tx, org.Id, "org", org.GetString("short")+" intern", "Interner Kanal / internal channel", nil, user.Id); err != nil {
				return err
			}
		case "member":
			if err := notMemberYet(tx, user.Id, orgId); err != nil {
				return err
			}
			if _, err := tenancy.NewMembership(tx, user.Id, orgId, inv.GetString("role"), inv.GetString("function"), nil); err != nil {
				return err
			}
		case "guest":
			if err := notMemberYet(tx, user.Id, orgId); err != nil {
				return err
			}
			until := inv.GetDateTime("member_expires")
			if _, err := tenancy.NewMembership(tx, user.Id, orgId, "guest", inv.GetString("function"), until); err != nil {
				return err
			}
			if err := saveChannelMember(tx, inv.GetString("channel"), user.Id, inv.GetString("channel_role"), until); err != nil {
				return err
			}
		}
		audit.Write(tx, audit.Entry{Actor: user, Action: "invitation.redeem", Organisation: orgId, Target: inv.Id, Data: map[string]any{
			"kind": kind, "user": user.Id, "username": user.GetString("username"), "ip": e.RealIP(), "new_account": existing == nil}})
		return nil
	})
	if err != nil {
		return joinFailed(e, inv, err)
	}
	announceJoin(e.App, inv, user, kind)
	return apis.RecordAuthResponse(e, user, "password", nil)
}

// claim re-reads the invitation inside the transaction (SQLite serialises writers, so a
// second redemption racing this one sees the new count) and uses it once.
func claim(tx core.App, id string) (*core.Record, error) {
	inv, err := tx.FindRecordById("invitations", id)
	if err != nil {
		return nil, err
	}
	if _, apiErr := invitationUnusable(inv); apiErr != nil {
		return nil, apiErr
	}
	inv.Set("uses", inv.GetInt("uses")+1)
	return inv, tx.Save(inv)
}

func joinFailed(e *core.RequestEvent, inv *core.Record, err error) error {
	var apiErr *router.ApiError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	e.App.Logger().Warn("joining failed", "invitation", inv.Id, "error", err)
	audit.Write(e.App, audit.Entry{Action: "invitation.refused", Organisation: inv.GetString("organisation"), Target: inv.Id, Data: map[string]any{"reason": "invalid", "ip": e.RealIP(), "error": err.Error()}})
	return apperr.New(http.StatusBadRequest, "enrolment.join_failed", err)
}

func checkNewAccount(app core.App, req *joinRequest) error {
	req.Name, req.Username = strings.TrimSpace(req.Name), strings.TrimSpace(req.Username)
	if req.Name == "" || req.Username == "" || req.Password == "" {
		return apperr.BadRequest("enrolment.name_user_name_password")
	}
	if !usernamePattern.MatchString(req.Username) {
		return apperr.BadRequest("enrolment.user_name_needs_letters")
	}
	if len(req.Password) < 10 {
		return apperr.BadRequest("enrolment.password_needs_least_characters")
	}
	var n int
	_ = app.DB().Select("count(*)").From("users").Where(dbx.NewExp("LOWER(username) = LOWER({:u})", dbx.Params{"u": req.Username})).Row(&n)
	if n > 0 {
		return apperr.BadRequest("enrolment.user_name_taken", req.Username)
	}
	return nil
}

func checkNewOrganisation(app core.App, req *joinRequest) error {
	req.Organisation = strings.TrimSpace(req.Organisation)
	if req.Organisation == "" {
		return apperr.BadRequest("enrolment.name_organisation_required")
	}
	if req.Kind == "" {
		req.Kind = "other"
	}
	if !slices.Contains(joinableKinds, req.Kind) {
		return apperr.BadRequest("enrolment.unknown_kind_organisation")
	}
	if o, _ := tenancy.OrgLike(app, req.Organisation, ""); o != nil {
		return apperr.BadRequest("enrolment.organisation_name_too_similar", o.GetString("name"))
	}
	if req.Short != "" {
		if tenancy.ShortTaken(app, strings.TrimSpace(req.Short)) {
			return tenancy.ErrOrgShortTaken
		}
	}
	return nil
}

func notMemberYet(app core.App, userId, orgId string) error {
	if _, err := app.FindFirstRecordByFilter("memberships", "user = {:u} && organisation = {:o}", dbx.Params{"u": userId, "o": orgId}); err == nil {
		return apperr.BadRequest("enrolment.already_belong_organisation")
	}
	return nil
}

func saveChannelMember(app core.App, channelId, userId, role string, expires any) error {
	coll, err := app.FindCachedCollectionByNameOrId("channel_members")
	if err != nil {
		return err
	}
	cm := core.NewRecord(coll)
	cm.Set("channel", channelId)
	cm.Set("user", userId)
	cm.Set("role", role)
	cm.Set("expires", expires)
	return app.Save(cm)
}

// redeemDevice creates the device with a generated password and shows the credentials
// this one time; afterwards only the hash exists.
func (en *enrolment) redeemDevice(e *core.RequestEvent, inv *core.Record) error {
	var spec DeviceSpec
	if err := inv.UnmarshalJSONField("device", &spec); err != nil || spec.Kind == "" {
		return joinFailed(e, inv, errors.New("the invitation carries no device"))
	}
	username := spec.Username
	if username == "" {
		username = deviceUsername(spec)
	}
	var (
		device   *core.Record
		password string
	)
	err := e.App.RunInTransaction(func(tx core.App) error {
		inv, err := claim(tx, inv.Id)
		if err != nil {
			return err
		}
		device, password, err = newDeviceRecord(tx, inv.GetString("organisation"), spec, username)
		if err != nil {
			return err
		}
		if err := tx.Save(device); err != nil {
			return err
		}
		audit.Write(tx, audit.Entry{Actor: device, Action: "invitation.redeem", Organisation: inv.GetString("organisation"), Target: inv.Id, Data: map[string]any{
			"kind": "device", "device": device.Id, "username": username, "ip": e.RealIP()}})
		return nil
	})
	if err != nil {
		return joinFailed(e, inv, err)
	}
	broker := en.brokerURL(e.Request)
	prefix := en.cfg.MQTTPrefix
	if prefix == "" {
		prefix = "crisisroom/"
	}
	out := map[string]any{
		"username":     username,
		"password":     password,
		"broker":       broker,
		"topic_prefix": prefix,
		"name":         device.GetString("name"),
		"kind":         device.GetString("kind"),
		"id":           device.Id,
	}
	resp := map[string]any{"device": out}
	if broker != "" {
		// The broker URL with the credentials in it: what `crisisroom bridge --broker`
		// and most device set-up apps accept in one field.
		link := strings.Replace(broker, "://", "://"+username+":"+password+"@", 1)
		qr, err := QRDataURL(link)
		if err != nil {
			return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
		}
		resp["url"], resp["qr"] = link, qr
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, resp)
}

// brokerURL: the MQTT broker as the device will reach it.
func (en *enrolment) brokerURL(r *http.Request) string {
	addr := en.cfg.MQTTAddr
	if addr == "" || addr == "off" {
		return ""
	}
	lh, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	host, _ := en.requestHost(r)
	if host == "" || (hooks.IsLoopbackHost(host) && (lh == "" || lh == "0.0.0.0" || lh == "::")) {
		host, _ = hooks.SplitHost(hooks.LinkHost(addr))
	}
	if lh != "" && lh != "0.0.0.0" && lh != "::" {
		host = lh // bound to one address: that is the only one that answers
	}
	return "mqtt://" + net.JoinHostPort(host, port)
}

var slugRe = regexp.MustCompile(`[^a-z0-9]+`)

func deviceUsername(spec DeviceSpec) string {
	base := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss").Replace(strings.ToLower(spec.Name))
	base = strings.Trim(slugRe.ReplaceAllString(base, "-"), "-")
	if len(base) > 30 {
		base = strings.Trim(base[:30], "-")
	}
	if base == "" {
		base = spec.Kind
	}
	return base + "-" + randomHex(2)
}
