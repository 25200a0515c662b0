package messaging_test

import (
	"net/http"
	"testing"

	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// A message keeps the organisation it was written for: the police member writes in the
// shared channel, then joins the crisis staff (the channel's owner) too; the earlier
// message still shows the police badge, a new one written from the staff's view the
// staff's. A badge the author holds no membership for is not taken.
func TestMessageKeepsItsOrganisation(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	ln := s.Demo.Users["lneumann"]
	ks, pol, fw := s.Demo.Orgs["KS"].Id, s.Demo.Orgs["POL"].Id, s.Demo.Orgs["FW"].Id
	c := s.As(t, "lneumann")
	post := func(body, org string) string {
		r := c.Do(t, http.MethodPost, "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": ln.Id, "body": body, "author_org": org})
		if r.Status != http.StatusOK {
			t.Fatalf("post %q: HTTP %d %s", body, r.Status, r.Body)
		}
		return r.Map()["id"].(string)
	}
	before := post("Polizei: Rheinufer gesperrt", "")
	// A badge of an organisation the author is not in is not taken (the wrong person).
	fake := post("Angeblich Feuerwehr", fw)
	if _, err := tenancy.NewMembership(s.App, ln.Id, ks, "member", "Verbindungsbeamtin", nil); err != nil {
		t.Fatal(err)
	}
	after := post("Als Verbindungsbeamtin im Stab", ks)
	r := c.Do(t, http.MethodGet, "/api/crisisroom/channels/"+flood+"/messages?limit=50", nil)
	items, _ := r.Map()["items"].([]any)
	got := map[string]string{}
	for _, it := range items {
		m := it.(map[string]any)
		if o, ok := m["org"].(map[string]any); ok {
			got[m["id"].(string)] = o["id"].(string)
		}
	}
	if got[before] != pol {
		t.Errorf("the message written for the police shows %q, want the police (%s)", got[before], pol)
	}
	if got[fake] != pol {
		t.Errorf("a badge of another organisation was taken: %q", got[fake])
	}
	if got[after] != ks {
		t.Errorf("the message written from the staff's view shows %q, want the staff (%s)", got[after], ks)
	}
}
