package hooks_test

import (
	"net/http"
	"testing"

	"crisisroom/hooks/demo"
	"crisisroom/hooks/enrolment"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// No organisation passes itself off as another: a look-alike name or short name is
// refused on every path, and a colour close to another's through the API.
func TestAttackOrganisationBadges(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	fake, err := tenancy.NewOrganisation(s.App, "Landespolizei Test", "LPT", "police", "#123456")
	if err != nil {
		t.Fatal(err)
	}
	adm, err := tenancy.NewUser(s.App, "Falk Admin", "falk.admin", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tenancy.NewMembership(s.App, adm.Id, fake.Id, "admin", "", nil); err != nil {
		t.Fatal(err)
	}
	own, host := s.As(t, "falk.admin"), s.As(t, "abecker")
	path := "/api/collections/organisations/records/" + fake.Id
	cases := []struct {
		who  testkit.Client
		what string
		body map[string]any
		want int
	}{
		{own, "name with a zero-width space", map[string]any{"name": "Polizeipräsidium\u200b"}, http.StatusBadRequest},
		{own, "name without the umlaut", map[string]any{"name": "Polizeiprasidium"}, http.StatusBadRequest},
		{own, "name with ae for the umlaut", map[string]any{"name": "Polizeipraesidium"}, http.StatusBadRequest},
		{own, "name in decomposed form", map[string]any{"name": "Polizeipra\u0308sidium"}, http.StatusBadRequest},
		{own, "name with a Cyrillic o", map[string]any{"name": "Pоlizeipräsidium"}, http.StatusBadRequest},
		{own, "name with a soft hyphen", map[string]any{"name": "Polizei\u00adpräsidium"}, http.StatusBadRequest},
		{own, "another's short name as name", map[string]any{"name": "POL"}, http.StatusBadRequest},
		{own, "the police's short name", map[string]any{"short": "POL"}, http.StatusBadRequest},
		{own, "a look-alike of the police's short name", map[string]any{"short": "P0L"}, http.StatusBadRequest},
		{own, "the police's colour", map[string]any{"color": "#1565c0"}, http.StatusBadRequest},
		{own, "almost the police's colour", map[string]any{"color": "#1867c3"}, http.StatusBadRequest},
		{own, "a name of its own", map[string]any{"name": "Landespolizei Nord"}, http.StatusOK},
		{host, "the police's short name, by the host", map[string]any{"short": "P0L"}, http.StatusBadRequest},
		{host, "the police's colour, by the host", map[string]any{"color": "#1565C0"}, http.StatusBadRequest},
		{host, "a free short name and colour, by the host", map[string]any{"short": "LPN", "color": "#654321"}, http.StatusOK},
	}
	for _, c := range cases {
		if r := c.who.Do(t, "PATCH", path, c.body); r.Status != c.want {
			t.Errorf("%s: want %d, got %s", c.what, c.want, r)
		}
	}
	if _, err := tenancy.NewOrganisation(s.App, "Berufsfeuerwehr.", "BFW", "fire", ""); err == nil {
		t.Error("a look-alike of the fire brigade created in Go")
	}

	// Enrolment of a new organisation: look-alike names are refused before anything is made.
	inv := host.Do(t, "POST", "/api/crisisroom/invitations", map[string]any{"kind": "organisation"})
	if inv.Status != 200 {
		t.Fatalf("organisation invitation: %s", inv)
	}
	token, _, err := enrolment.ParseJoinLink(inv.JSON(t)["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"POLIZEIPRÄSIDIUM", "Klinikum  Mitte", "Stadtwerke\u3164"} {
		r := testkit.Client{Base: s.URL}.Do(t, "POST", "/api/crisisroom/join", map[string]any{
			"token": token, "organisation": name, "kind": "police", "name": "Olaf Neu", "username": "olaf.neu" + string(rune('a'+i)), "password": "olaf-neu-2026"})
		if r.Status != http.StatusBadRequest {
			t.Errorf("joined as %q: %s", name, r)
		}
	}
	r := testkit.Client{Base: s.URL}.Do(t, "POST", "/api/crisisroom/join", map[string]any{
		"token": token, "organisation": "Polizei Nordhafen", "kind": "police", "name": "Olaf Neu", "username": "olaf.neu", "password": "olaf-neu-2026"})
	if r.Status != 200 {
		t.Fatalf("a new organisation of its own name: %s", r)
	}
	org, err := s.App.FindFirstRecordByData("organisations", "name", "Polizei Nordhafen")
	if err != nil || org.GetString("color") == "#1565c0" || org.GetString("color") == "" {
		t.Errorf("the new organisation's colour %q is another's or none (%v)", org.GetString("color"), err)
	}
}
