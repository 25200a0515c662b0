// Package hooks holds the PocketBase hooks and routes of crisisroom: tenancy, audit,
// first-start setup, messaging, enrolment and the demo seed. Register binds them all;
// main and the tests call the same function so both run the same appliance.
package hooks

import (
	"github.com/pocketbase/pocketbase/core"
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
}

// Register binds every hook and route of crisisroom to app.
func Register(app core.App, cfg *Config) {
	registerAudit(app)
	registerTenancy(app)
	registerChannelMembers(app)
	registerSetup(app, cfg)
}
