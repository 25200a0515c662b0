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

// SetMaxFollowers sets how many subscribed connections one person may hold, for the load
// tests of package messaging_test that hold hundreds per person, and returns a function
// that restores it (run it after the appliance stopped).
func SetMaxFollowers(n int) (restore func()) {
	old := maxFollowers.Load()
	maxFollowers.Store(n)
	return func() { maxFollowers.Store(old) }
}

// SetSubscribeGrace sets how long a realtime connection may hold no subscription, and
// returns a function that restores it.
func SetSubscribeGrace(d time.Duration) (restore func()) {
	old := subscribeGrace.Load()
	subscribeGrace.Store(d)
	return func() { subscribeGrace.Store(old) }
}
