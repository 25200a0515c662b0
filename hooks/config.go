// Package hooks holds what every request passes and every part reads: the appliance's
// Config, the browser policy (security headers, CSP, CORS), the input checks and the
// host-name helpers. The concerns live in its subpackages (audit, tenancy, messaging,
// enrolment, demo, journal); appliance.Register wires them. See docs/architecture.md.
package hooks

import (
	"time"
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
