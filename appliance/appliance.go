// Package appliance wires crisisroom together: the one place that says which parts run
// and in what order, used by main and by testkit, so that a test runs exactly what users
// run. See docs/architecture.md for the layout and the data flow.
package appliance

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/backup"
	"crisisroom/connbound"
	"crisisroom/durability"
	"crisisroom/hardware"
	"crisisroom/hardware/devices"
	"crisisroom/hardware/faxgateway"
	"crisisroom/hardware/room"
	"crisisroom/hardware/smsgateway"
	"crisisroom/hooks"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/callout"
	"crisisroom/hooks/citystaff"
	"crisisroom/hooks/demo"
	"crisisroom/hooks/enrolment"
	"crisisroom/hooks/forms"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/messaging"
	"crisisroom/hooks/staffroom"
	"crisisroom/hooks/tenancy"
	pbpublic "crisisroom/pb_public"
	"crisisroom/standby"
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
// to publish and listen as the appliance does. Demo data is seeded separately, when a
// command asks for it: demo.Seed or demo.Enable with DemoExtras.
func Register(app core.App, cfg Config) *hardware.Broker {
	RegisterHooks(app, cfg.Hooks)
	journal.Register(app)
	forms.Register(app)          // message forms, triage, orders, Lagebesprechung (staff functions as data)
	citystaff.Register(app, nil) // ZeMAG and complaint procedure of a city administration
	staffroom.Register(app, staffroom.Config{})
	broker := hardware.Register(app, cfg.Broker)
	devices.Register(app, broker)             // device API: create, credentials, history
	room.Register(app, broker, demo.Password) // simulated relays for the demo's devices
	faxgateway.Register(app, broker)
	callout.Register(app, smsgateway.Register(app, broker)) // SMS gateway, staff call-out, Blitz by SMS
	pbpublic.Register(app, cfg.PublicDir)
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		// The first administrator is made in the appliance's own first-run page
		// (setup.html). PocketBase's installer would open a browser on the box, create a
		// system superuser and end the console with a dashboard link nobody in the room
		// needs; technicians who want the dashboard run `crisisroom superuser upsert`.
		e.InstallerFunc = nil
		return e.Next()
	})
	return broker
}

// RegisterHooks binds the hooks and routes of the tenancy core (without the broker, the
// devices and the feature packages; bench/fanout runs just these) in the order they must run:
// audit first (every later hook's writes are audited), the sign-in throttle before any
// auth route, names and tenancy before enrolment and messaging, which rely on them.
func RegisterHooks(app core.App, cfg *hooks.Config) {
	var signInWindow time.Duration
	if cfg != nil {
		signInWindow = cfg.SignInWindow
	}
	audit.Register(app)
	tenancy.RegisterSignInThrottle(app, signInWindow)
	tenancy.RegisterUserNames(app)
	tenancy.RegisterOrganisationNames(app)
	connbound.Register(app) // connections per address on the HTTP listener (HTTPS: enrolment)
	hooks.RegisterSecurityHeaders(app, cfg)
	hooks.RegisterErrorCodes(app)
	hooks.RegisterInputChecks(app)
	hooks.RegisterListBound(app)
	hooks.RegisterImageBounds(app) // no decompression bombs: pixel bound at upload, thumbnails bounded
	tenancy.Register(app)
	tenancy.RegisterSuspension(app)
	tenancy.RegisterAuthCache(app) // the signed-in account per token, until it changes
	tenancy.RegisterChannelMembers(app)
	enrolment.RegisterSetup(app, cfg)
	enrolment.Register(app, cfg)
	messaging.Register(app)
	durability.Register(app) // stored files fsynced before their record commits
	backup.Register(app)     // scheduled backup, health page for the room's IT
	standby.Register(app)    // Litestream replication to a standby, when set up
}

// DemoExtras lists the parts that add to the demo after its people and channels are
// seeded, in order: the fax modem, the room's sirens and board, the SMS modem (all
// simulated), the staff functions of the message forms. main (crisisroom demo) and testkit pass them to
// demo.Enable and demo.Seed; nothing registers itself.
func DemoExtras() []demo.Extra {
	hw := func(seed func(core.App, hardware.DemoStaff) error) demo.Extra {
		return func(app core.App, d *demo.Data) error {
			return seed(app, hardware.DemoStaff{Orgs: d.Orgs, Users: d.Users, Channels: d.Channels, Password: demo.Password})
		}
	}
	return []demo.Extra{hw(faxgateway.SeedDemo), hw(room.SeedDemo), hw(smsgateway.SeedDemo), forms.SeedDemo,
		func(app core.App, _ *demo.Data) error { _, err := citystaff.SeedDemo(app); return err }}
}
