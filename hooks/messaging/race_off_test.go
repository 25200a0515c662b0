//go:build !race

package messaging_test

// raceBuild: see race_on_test.go.
const raceBuild = false
