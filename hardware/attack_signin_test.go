package hardware_test

import (
	"net/http"
	"testing"

	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// Password guesses for a device count the same on MQTT and on HTTP: a device locked on
// one path is locked on the other, and MQTT CONNECTs past the limit are refused even
// with the right password.
func TestAttackDevicePasswordGuessingOverMQTT(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	r := brokerRig{t, s}
	r.addDevice("fw-sirene-rate", "FW", "siren", "")
	r.addDevice("fw-tafel-rate", "FW", "board", "")
	signIn := func(identity, password string) int {
		return testkit.Client{Base: s.URL}.Do(t, "POST", "/api/collections/devices/auth-with-password",
			map[string]any{"identity": identity, "password": password}).Status
	}

	// Guesses over MQTT lock the device on both paths.
	for i := 0; i < tenancy.SignInAccountLimit; i++ {
		if _, err := r.dial("fw-sirene-rate", "falsch", "rate-a", nil, nil); err == nil {
			t.Fatal("a wrong password connected")
		}
	}
	if _, err := r.dial("fw-sirene-rate", brokerPassword, "rate-a", nil, nil); err == nil {
		t.Error("the right password connected after the limit of MQTT guesses")
	}
	if st := signIn("fw-sirene-rate", brokerPassword); st != http.StatusTooManyRequests {
		t.Errorf("REST sign-in after the limit of MQTT guesses: %d", st)
	}

	// Guesses over HTTP lock MQTT too.
	for i := 0; i < tenancy.SignInAccountLimit; i++ {
		if st := signIn("fw-tafel-rate", "falsch"); st != http.StatusBadRequest {
			t.Fatalf("wrong REST password %d: %d", i, st)
		}
	}
	if _, err := r.dial("fw-tafel-rate", brokerPassword, "rate-b", nil, nil); err == nil {
		t.Error("MQTT connected with the right password after the limit of REST guesses")
	}

	// An untouched device of the same organisation connects.
	r.addDevice("fw-licht-rate", "FW", "relay", "")
	r.mustDial("fw-licht-rate", "rate-c")
}
