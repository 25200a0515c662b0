// Package appliance wires crisisroom together: the one place that says which parts run
// and in what order, used by main and by testkit, so that a test runs exactly what users
// run. See docs/architecture.md for the layout and the data flow.
package appliance

import (
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/hardware/smsgateway"
	"crisisroom/hooks"
	"crisisroom/hooks/callout"
	"crisisroom/hooks/citystaff"
	"crisisroom/hooks/forms"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/staffroom"
	pbpublic "crisisroom/pb_public"
)

// Config holds the configuration of every part. Its fields are pointers because main
// fills them after the command line is parsed, which is after Register has bound the
// hooks; the parts read them when they start (OnServe).
type Config struct {
	Hooks     *hooks.Config    // tenancy, messaging, enrolment, HTTPS, sign-in, audit
	Broker    *hardware.Config // the MQTT broker: listen addresses, topic prefix
	PublicDir *string          // serve the web UI from this folder instead of the embedded copy ("" embedded)
}

// Register binds every part of the appliance to app: the hooks (with the HTTPS listener,
// backups and standby), the Einsatztagebuch, the MQTT broker and the room's devices
// (sirens, boards, fax gateway), and the web UI. It returns the broker, which tests use
// to publish and listen as the appliance does. Demo data is seeded separately
// (hooks.SeedDemo, hooks.EnableDemo), when a command asks for it.
func Register(app core.App, cfg Config) *hardware.Broker {
	hooks.Register(app, cfg.Hooks)
	journal.Register(app)
	forms.Register(app)          // message forms, triage, orders, Lagebesprechung (staff functions as data)
	citystaff.Register(app, nil) // ZeMAG and complaint procedure of a city administration
	staffroom.Register(app, staffroom.Config{})
	broker := hardware.Register(app, cfg.Broker)
	hardware.RegisterRoom(app, broker)
	hardware.RegisterFaxes(app, broker)
	callout.Register(app, smsgateway.Register(app, broker)) // SMS gateway, staff call-out, Blitz by SMS
	pbpublic.Register(app, cfg.PublicDir)
	return broker
}
