package journal_test

import (
	"os"
	"testing"
	"time"

	"crisisroom/hooks/callout"
)

// TestMain puts the Blitz-by-SMS escalation beyond any test: the demo's Blitz would
// otherwise, 60 s after a test server started, write a legitimate "Blitz … per SMS"
// entry into the host's journal, which the tests that count entries (a slow run under
// -race) took for a write of their own done twice.
func TestMain(m *testing.M) {
	callout.BlitzDelay = 24 * time.Hour
	os.Exit(m.Run())
}
