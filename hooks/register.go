// Package hooks holds the PocketBase hooks and routes of crisisroom: tenancy, audit,
// first-start setup, messaging, enrolment and the demo seed. Register binds them all;
// main and the tests call the same function so both run the same appliance.
package hooks

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/backup"
	"crisisroom/durability"
	"crisisroom/standby"
)

// Config carries what the hooks need to know about the running appliance.
type Config struct {
	// PublicURL is the base URL printed in setup links and QR codes; empty means
	// it is derived from the request or the HTTP address.
	PublicURL string
	// HTTPAddr is the plain HTTP listen address (used for links when PublicURL is empty).
	HTTPAddr string
	// Quiet suppresses the terminal setup banner (tests).
	Quiet bool
	// HTTPSAddr is the HTTPS listen address ("" or "off": no HTTPS).
	HTTPSAddr string
	// TLSCert and TLSKey name the city's own certificate and key (PEM) to serve instead
	// of one from the appliance's CA.
	TLSCert, TLSKey string
	// MQTTAddr and MQTTPrefix tell enrolled devices where the broker is.
	MQTTAddr, MQTTPrefix string
	// MDNS announces crisisroom.local and the HTTPS service on the local network.
	MDNS bool
	// SignInWindow is how long failed sign-ins are remembered (0: SignInWindow, 15 min).
	SignInWindow time.Duration
}

// Register binds every hook and route of crisisroom to app.
func Register(app core.App, cfg *Config) {
	registerAudit(app)
	registerSignInThrottle(app, cfg)
	registerUserNames(app)
	registerOrganisationNames(app)
	registerSecurityHeaders(app, cfg)
	registerInputChecks(app)
	registerTenancy(app)
	registerSuspension(app)
	registerChannelMembers(app)
	registerSetup(app, cfg)
	registerEnrolment(app, cfg)
	registerMessaging(app)
	durability.Register(app) // stored files fsynced before their record commits
	backup.Register(app)     // scheduled backup, health page for the room's IT
	standby.Register(app)    // Litestream replication to a standby, when set up
}
