package hardware

import (
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks"
)

// A device is used only by its own organisation (DESIGN §11): its live staff, or for a
// device of the host, the host's operators. Collection rules let a request name any
// device of an organisation taking part in a channel, and a group channel's participants
// are chosen by whoever creates it; so every request that names a device (a fax, a siren
// activation, a board item's boards, a test call) is checked here, in Go.

// MayUseDevice reports whether user userId may use device dev: the device's organisation
// is not suspended, and the user is live staff of it (hooks.IsStaff: a live membership
// that is not a guest's) or, for a device of the host organisation, one of the host's
// operators (hooks.IsHostOperator). It reads the database; call it once per request.
func MayUseDevice(app core.App, userId string, dev *core.Record) bool {
	if userId == "" || dev == nil {
		return false
	}
	orgId := dev.GetString("organisation")
	org, err := app.FindRecordById("organisations", orgId)
	if err != nil || org.GetString("status") == "suspended" {
		return false
	}
	if hooks.IsStaff(app, userId, orgId) {
		return true
	}
	return org.GetString("kind") == "host" && hooks.IsHostOperator(app, userId)
}

// mayFaxThrough: MayUseDevice, and the room's own fax for its crisis channels: a writer
// in a channel the host owns may send through a fax device of the host, as the host
// offers its room's fax line to the organisations it invites into its channels.
func mayFaxThrough(app core.App, userId string, dev, ch *core.Record) bool {
	if MayUseDevice(app, userId, dev) {
		return true
	}
	host := hooks.HostOrganisation(app)
	return host != nil && dev.GetString("organisation") == host.Id && ch.GetString("organisation") == host.Id &&
		host.GetString("status") != "suspended"
}

func deviceForbidden() error {
	return forbidden("Dieses Gerät gehört nicht Ihrer Organisation. / This device does not belong to your organisation.")
}
