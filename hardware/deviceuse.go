package hardware

import (
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// A device is used only by its own organisation (DESIGN §11): its live staff, or for a
// device of the host, the host's operators. Collection rules let a request name any
// device of an organisation taking part in a channel, and a group channel's participants
// are chosen by whoever creates it; so every request that names a device (a fax, a siren
// activation, a board item's boards, a test call) is checked here, in Go.

// MayUseDevice reports whether user userId may use device dev: the device's organisation
// is not suspended, and the user is live staff of it (tenancy.IsStaff: a live membership
// that is not a guest's) or, for a device of the host organisation, one of the host's
// operators (tenancy.IsHostOperator). It reads the database; call it once per request.
func MayUseDevice(app core.App, userId string, dev *core.Record) bool {
	if userId == "" || dev == nil {
		return false
	}
	orgId := dev.GetString("organisation")
	org, err := app.FindRecordById("organisations", orgId)
	if err != nil || org.GetString("status") == "suspended" {
		return false
	}
	if tenancy.IsStaff(app, userId, orgId) {
		return true
	}
	return org.GetString("kind") == "host" && tenancy.IsHostOperator(app, userId)
}

// mayFaxThrough: MayUseDevice. The room's fax line is the host's device like any other:
// the organisations it invites into its channels read the faxes that arrive there, and
// send out through their own lines or through the staff's signals desk, never by dialling
// the host's line themselves (DESIGN §11: a device is used only by its own organisation).
func MayFaxThrough(app core.App, userId string, dev, _ *core.Record) bool {
	return MayUseDevice(app, userId, dev)
}

func DeviceForbidden() error {
	return apperr.Forbidden("device.device_does_not_belong")
}
