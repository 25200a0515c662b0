package tenancy

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// A suspended organisation's devices can neither read nor write until the host lifts the
// suspension (DESIGN §11). The broker refuses them on MQTT; on HTTP a device signs in and
// calls routes like a person, so two checks close that path too: no new token for a
// device of a suspended organisation, and every request made with an older token is
// refused. People are not refused here as a whole, because a person may also belong to
// another, active organisation; what they reach through the suspended one ends with its
// memberships (LiveMembership).

func RegisterSuspension(app core.App) {
	app.OnRecordAuthRequest("devices").BindFunc(func(e *core.RecordAuthRequestEvent) error {
		if deviceSuspended(e.App, e.Record) {
			return ErrSuspendedOrg
		}
		return e.Next()
	})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id: "crisisroomSuspendedDevices",
			Func: func(e *core.RequestEvent) error {
				if e.Auth != nil && e.Auth.Collection().Name == "devices" && deviceSuspended(e.App, e.Auth) {
					return ErrSuspendedOrg
				}
				return e.Next()
			},
		})
		return se.Next()
	})
}

// deviceSuspended reports whether dev's organisation is suspended or gone.
func deviceSuspended(app core.App, dev *core.Record) bool {
	org, err := app.FindRecordById("organisations", dev.GetString("organisation"))
	return err != nil || org.GetString("status") == "suspended"
}
