package messaging

import "time"

// SetSSEWriteTimeout sets sseWriteTimeout for the tests of package messaging_test (they
// run the whole appliance through testkit) and returns a function that restores it. Set it
// before the appliance starts and restore it after it stopped.
func SetSSEWriteTimeout(d time.Duration) (restore func()) {
	old := sseWriteTimeout.Load()
	sseWriteTimeout.Store(d)
	return func() { sseWriteTimeout.Store(old) }
}
