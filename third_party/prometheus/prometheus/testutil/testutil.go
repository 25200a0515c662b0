// Package testutil exists so that `go mod tidy` finds every package Litestream's own tests
// import; crisisroom never runs those tests. There are no values to read: ToFloat64 is 0.
package testutil

// ToFloat64 returns the value of a metric: always 0, no metric keeps one here.
func ToFloat64(any) float64 { return 0 }
