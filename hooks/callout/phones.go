package callout

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hardware/sms"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// A person's mobile number is personal data: it is shown only to the person, to the
// admins of an organisation the person is a live member of, and to the host's admins
// and operators (who call the staff out). It is changed (with the Blitz-by-SMS switch)
// only by the person, or by an admin of every organisation the person belongs to
// (tenancy.AdminOverPerson): the number receives the Blitz messages of all the person's
// channels and answers call-outs in their name, so an admin of one of their
// organisations must not point it at a phone of their choosing. The collection
// user_phones has no API rules (superusers only), so these two routes are the only way
// in, and neither lists, filters nor expands.

// MayViewPhone reports whether viewer may see owner's number.
func MayViewPhone(app core.App, viewerId, ownerId string) bool {
	if viewerId == "" || ownerId == "" {
		return false
	}
	return viewerId == ownerId || tenancy.IsHostOperator(app, viewerId) || adminOfOneOf(app, viewerId, ownerId)
}

// MayEditPhone reports whether viewer may change owner's number and Blitz-by-SMS switch:
// the person, or an admin over all their organisations (tenancy.AdminOverPerson).
func MayEditPhone(app core.App, viewerId, ownerId string) bool {
	ok, _ := mayEditPhone(app, viewerId, ownerId)
	return ok
}

// mayEditPhone is MayEditPhone; elsewhere reports that viewer administers an
// organisation of owner's, but owner also belongs to one viewer does not run.
func mayEditPhone(app core.App, viewerId, ownerId string) (ok, elsewhere bool) {
	if viewerId == "" || ownerId == "" {
		return false, false
	}
	if viewerId == ownerId {
		return true, false
	}
	org, elsewhere := tenancy.AdminOverPerson(app, viewerId, ownerId)
	return org != "", elsewhere
}

// adminOfOneOf: admin is a live admin of an organisation where owner holds a live
// membership.
func adminOfOneOf(app core.App, adminId, ownerId string) bool {
	ms, err := app.FindRecordsByFilter("memberships", "user = {:u} && role = 'admin'", "", 0, 0, dbx.Params{"u": adminId})
	if err != nil {
		return false
	}
	for _, m := range ms {
		if !tenancy.LiveMembership(app, m) {
			continue
		}
		if tenancy.Membership(app, ownerId, m.GetString("organisation")) != nil {
			return true
		}
	}
	return false
}

// EnteredByOther: the person's number was last entered by someone else than the person
// (an admin of their organisations); one the appliance set (the demo) counts as theirs.
func EnteredByOther(app core.App, userId string) bool {
	p := PhoneOf(app, userId)
	if p == nil {
		return false
	}
	by := p.GetString("updated_by")
	return by != "" && by != userId
}

// sentTo: an SMS of one of purposes about ref went to person at number (E.164).
func sentTo(app core.App, number, person, ref string, purposes ...string) bool {
	for _, purpose := range purposes {
		n, err := app.CountRecords("sms_messages", dbx.HashExp{"direction": "out", "number": number, "person": person, "ref": ref, "purpose": purpose})
		if err == nil && n > 0 {
			return true
		}
	}
	return false
}

// PhoneOf returns the person's phone record, or nil.
func PhoneOf(app core.App, userId string) *core.Record {
	r, err := app.FindFirstRecordByData("user_phones", "user", userId)
	if err != nil {
		return nil
	}
	return r
}

func isUser(re *core.RequestEvent) bool {
	return re.Auth != nil && re.Auth.Collection().Name == "users"
}

// GET /api/crisisroom/phones/{user}: {"user","number","blitz_sms","editable"}.
func handlePhoneGet(re *core.RequestEvent) error {
	owner := re.Request.PathValue("user")
	if owner == "me" && isUser(re) {
		owner = re.Auth.Id
	}
	if !isUser(re) || !MayViewPhone(re.App, re.Auth.Id, owner) {
		return apperr.Forbidden("callout.phone_not_visible")
	}
	out := map[string]any{"user": owner, "number": "", "blitz_sms": false, "editable": MayEditPhone(re.App, re.Auth.Id, owner)}
	if p := PhoneOf(re.App, owner); p != nil {
		out["number"], out["blitz_sms"] = p.GetString("number"), p.GetBool("blitz_sms")
	}
	return re.JSON(200, out)
}

// PUT /api/crisisroom/phones/{user} {"number": "+49…" or "", "blitz_sms": bool}.
func handlePhonePut(re *core.RequestEvent) error {
	owner := re.Request.PathValue("user")
	if owner == "me" && isUser(re) {
		owner = re.Auth.Id
	}
	if !isUser(re) {
		return apperr.Forbidden("callout.phone_not_changeable")
	}
	if ok, elsewhere := mayEditPhone(re.App, re.Auth.Id, owner); !ok {
		if elsewhere {
			return apperr.Forbidden("callout.phone_belongs_elsewhere")
		}
		return apperr.Forbidden("callout.phone_not_changeable")
	}
	if _, err := re.App.FindRecordById("users", owner); err != nil {
		return apperr.NotFound("callout.person_not_found")
	}
	var body struct {
		Number   string `json:"number"`
		BlitzSMS bool   `json:"blitz_sms"`
	}
	if err := re.BindBody(&body); err != nil {
		return apperr.New(http.StatusBadRequest, "common.invalid_request", err)
	}
	number := ""
	if body.Number != "" {
		n, err := sms.NormalizeE164(body.Number)
		if err != nil {
			return apperr.New(http.StatusBadRequest, "callout.phone_not_international", err)
		}
		number = n
	}
	if number != "" && NumberHeldByOther(re.App, number, owner) {
		return apperr.New(http.StatusConflict, "callout.phone_taken", nil)
	}
	rec := PhoneOf(re.App, owner)
	if rec == nil {
		coll, err := re.App.FindCollectionByNameOrId("user_phones")
		if err != nil {
			return apperr.Internal(err)
		}
		rec = core.NewRecord(coll)
		rec.Set("user", owner)
	}
	rec.Set("number", number)
	rec.Set("blitz_sms", body.BlitzSMS && number != "")
	rec.Set("updated_by", re.Auth.Id)
	if err := re.App.Save(rec); err != nil {
		return apperr.New(http.StatusBadRequest, "callout.phone_not_saved", err)
	}
	audit.Write(re.App, audit.Entry{Actor: re.Auth, Action: "phone.update", Target: owner,
		Data: audit.Digest(re.App, map[string]any{"number": number, "blitz_sms": rec.GetBool("blitz_sms")})})
	return re.JSON(200, map[string]any{"user": owner, "number": number, "blitz_sms": rec.GetBool("blitz_sms"), "editable": true})
}

// NumberHeldByOther: number (E.164) is the number of another person who still holds a
// live membership. A number belongs to one person: SMS answers from it are theirs
// (smsgateway.PersonByNumber), so nobody may claim another's number. Stored numbers are
// normalised; a stored one that is not (older data) is normalised before comparing.
func NumberHeldByOther(app core.App, number, owner string) bool {
	rs, err := app.FindRecordsByFilter("user_phones", "user != {:u} && number != ''", "", 0, 0, dbx.Params{"u": owner})
	if err != nil {
		return true // unsure: refuse rather than let two people share a number
	}
	for _, r := range rs {
		n, err := sms.NormalizeE164(r.GetString("number"))
		if err != nil || n != number {
			continue
		}
		if activePerson(app, r.GetString("user")) {
			return true
		}
	}
	return false
}

// activePerson: the user holds at least one live membership.
func activePerson(app core.App, userId string) bool {
	ms, err := app.FindRecordsByFilter("memberships", "user = {:u}", "", 0, 0, dbx.Params{"u": userId})
	if err != nil {
		return false
	}
	for _, m := range ms {
		if tenancy.LiveMembership(app, m) {
			return true
		}
	}
	return false
}
