//go:build race

package messaging_test

// raceBuild: the race detector slows every goroutine about tenfold; load tests that only
// measure bounds (not shared state) are left to the normal build.
const raceBuild = true
