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

// An edit is a new word for the organisation the message was written for: it is refused
// once the author no longer writes for it there (the membership ended, the organisation
// was suspended), while a message written for an organisation still held stays editable.
func TestEditOnlyForAnOrganisationStillHeld(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	ln := s.Demo.Users["lneumann"]
	ks := s.Demo.Orgs["KS"].Id
	c := s.As(t, "lneumann")
	post := func(body, org string) string {
		r := c.Do(t, http.MethodPost, "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": ln.Id, "body": body, "author_org": org})
		if r.Status != http.StatusOK {
			t.Fatalf("post %q: HTTP %d %s", body, r.Status, r.Body)
		}
		return r.Map()["id"].(string)
	}
	m, err := tenancy.NewMembership(s.App, ln.Id, ks, "member", "Verbindungsbeamtin", nil)
	if err != nil {
		t.Fatal(err)
	}
	forKS := post("Als Verbindungsbeamtin im Stab", ks)
	forPOL := post("Polizei: Rheinufer gesperrt", s.Demo.Orgs["POL"].Id)
	edit := func(id, body string) testkit.Reply {
		return c.Do(t, http.MethodPatch, "/api/collections/messages/records/"+id, map[string]any{"body": body})
	}
	if r := edit(forKS, "Als Verbindungsbeamtin im Stab (berichtigt)"); r.Status != http.StatusOK {
		t.Fatalf("edit while the membership lives: %s", r)
	}
	m.Set("expires", tenancy.NowDate())
	if err := s.App.Save(m); err != nil {
		t.Fatal(err)
	}
	r := edit(forKS, "nach dem Ende der Mitgliedschaft")
	if r.Status != http.StatusForbidden || r.Map()["data"].(map[string]any)["code"] != "messaging.no_longer_write_for" {
		t.Errorf("edit for an organisation no longer held: %s", r)
	}
	if got, _ := s.App.FindRecordById("messages", forKS); got.GetString("body") != "Als Verbindungsbeamtin im Stab (berichtigt)" {
		t.Errorf("the refused edit was stored: %q", got.GetString("body"))
	}
	if r := edit(forPOL, "Polizei: Rheinufer weiter gesperrt"); r.Status != http.StatusOK {
		t.Errorf("edit for the organisation still held: %s", r)
	}
}
