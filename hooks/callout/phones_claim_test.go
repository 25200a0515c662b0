package callout_test

import (
	"strings"
	"testing"

	"crisisroom/hardware/smsgateway"
	"crisisroom/hooks/callout"
	"crisisroom/testkit"
)

// F2: nobody claims another active person's mobile number (her SMS answers would then
// come from an "unknown number"): not for oneself, not as an admin for a member.
func TestNobodyClaimsAnotherPersonsNumber(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	app := s.App
	abecker := s.Demo.Users["abecker"].Id
	hers := callout.PhoneOf(app, abecker).GetString("number")
	if hers != "+491700000001" {
		t.Fatalf("demo: abecker's number is %q", hers)
	}
	lneumann := s.Demo.Users["lneumann"].Id
	for _, try := range []struct{ user, path, number string }{
		{"lneumann", "/api/crisisroom/phones/me", "+49 170 0000001"},
		{"lneumann", "/api/crisisroom/phones/" + lneumann, "+491700000001"},
		{"phoffmann", "/api/crisisroom/phones/me", "+49 (170) 000 0001"},
		{"tkeller", "/api/crisisroom/phones/" + lneumann, "+49 170 0000001"}, // her admin
		{"abecker", "/api/crisisroom/phones/" + s.Demo.Users["jwagner"].Id, "+49 170 0000001"},
	} {
		r := s.As(t, try.user).Do(t, "PUT", try.path, map[string]any{"number": try.number, "blitz_sms": true})
		if r.Status != 409 || !strings.Contains(r.String(), "andere Person") || !strings.Contains(r.String(), "another person") {
			t.Errorf("%s PUT %s %q: want 409 in German and English, got %s", try.user, try.path, try.number, r)
		}
	}
	if p := smsgateway.PersonByNumber(app, hers); p == nil || p.Id != abecker {
		t.Errorf("abecker's number no longer names her: %v", p)
	}
	// Her own number again, and a free number, are fine.
	if r := s.As(t, "abecker").Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": "+49 170 0000001"}); r.Status != 200 {
		t.Errorf("abecker re-saving her own number: %s", r)
	}
	if r := s.As(t, "lneumann").Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": "+49 151 7777 8888"}); r.Status != 200 {
		t.Errorf("a free number: %s", r)
	}
}
