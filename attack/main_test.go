package attack_test

import (
	"os"
	"testing"
	"time"

	"crisisroom/hooks/callout"
)

// TestMain puts the Blitz-by-SMS escalation beyond any test: 60 s after a test server
// started, the demo's unacknowledged Blitz would go by SMS and write a legitimate
// "Blitz … ohne Bestätigung nach 60 s: per SMS" entry into the host's journal, which the
// snapshot of a slow run took for an attacker's write. Every other journal entry, and
// every row an attacker could reach, is still compared in full.
func TestMain(m *testing.M) {
	callout.BlitzDelay = 24 * time.Hour
	os.Exit(m.Run())
}
