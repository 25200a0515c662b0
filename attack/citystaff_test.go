package attack_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/citystaff"
	"crisisroom/testkit"
)

// The city modules seen from outside: every wrong person of the suite, plus the host's
// admin and operator (who see a lot elsewhere, nothing here), a plain employee of the
// organisation without a role, and the room's IT (a superuser) over the records API and
// realtime. Nobody learns a word of a report, an entry, the lookup log or a complaint;
// the lookup refuses a missing reason, a partial name and a list; nobody removes or
// changes the lookup log, the data-protection officer included.
func TestCityModulesAreInvisibleOutside(t *testing.T) {
	w := newWorld(t)
	secrets := citySecrets(w)
	app := w.s.App
	org, entry, report, cs, alert := w.polOrg.Id, cityFixture(w, "entry"), cityFixture(w, "report"), cityFixture(w, "case"), cityFixture(w, "alert")

	su := core.NewRecord(mustColl(t, app, core.CollectionNameSuperusers))
	su.SetEmail("it@stadt.example")
	su.SetPassword("raum-it-2026-geheim")
	if err := app.Save(su); err != nil {
		t.Fatal(err)
	}
	tok, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	superuser := actor{name: "the room's IT (superuser)", client: testkit.Client{Base: w.s.URL, Token: tok}}
	user := func(name, username string) actor {
		return actor{name: name, client: w.s.As(t, username), user: w.userId(username)}
	}
	outsiders := append([]actor{user("admin of the host", "abecker"), user("operator of the host", "jwagner"), superuser}, w.actors...)
	plain := user("plain employee of the organisation, no role", "lneumann")

	gets := []string{
		"/api/crisisroom/citystaff/me", "/api/crisisroom/citystaff/log?module=zemag&org=" + org, "/api/crisisroom/citystaff/log?module=complaints&org=" + org,
		"/api/crisisroom/citystaff/log?module=roles&org=" + org, "/api/crisisroom/citystaff/people?org=" + org,
		"/api/crisisroom/zemag/reports?org=" + org, "/api/crisisroom/zemag/entries?org=" + org, "/api/crisisroom/zemag/entries/" + entry + "/letter",
		"/api/crisisroom/zemag/lookups?org=" + org, "/api/crisisroom/zemag/stats?org=" + org, "/api/crisisroom/zemag/stats.svg?org=" + org,
		"/api/crisisroom/complaints?org=" + org, "/api/crisisroom/complaints/" + cs + "/letter?kind=result&to=citizen",
		"/api/crisisroom/complaints/" + cs + "/letter?kind=interim&to=officer", "/api/crisisroom/complaints/card?org=" + org,
	}
	for _, c := range citystaff.Collections {
		base := "/api/collections/" + c + "/records"
		gets = append(gets, base, base+"?filter="+urlq(`organisation="`+org+`"`), base+"?expand=report,entry", base+"/"+entry, base+"/"+report, base+"/"+cs)
	}
	lookup := map[string]any{"organisation": org, "name": "Karl Kanarie", "dob": "1970-01-02", "reason": "Az. 4711 Prüfung"}
	for _, a := range outsiders {
		for _, p := range gets {
			r := a.client.Do(t, "GET", p, nil)
			if x := leaks(r.Body, secrets); x != "" {
				t.Errorf("%s: GET %s holds %q: %s", a.name, p, x, r)
			}
			if !strings.HasPrefix(p, "/api/crisisroom/citystaff/me") && r.Status < 400 && !(strings.Contains(p, "/api/collections/") && a.client.Token == "") {
				t.Errorf("%s: GET %s answered %s", a.name, p, r)
			}
		}
		if r := a.client.Do(t, "POST", "/api/crisisroom/zemag/lookup", lookup); r.Status < 400 || strings.Contains(string(r.Body), "guidance") {
			t.Errorf("%s: a lookup answered %s", a.name, r)
		}
		// The alert's owner is the victim; nobody else marks it seen.
		a.client.Do(t, "POST", "/api/crisisroom/citystaff/alerts/"+alert+"/seen", nil)
		// realtime: the modules' collections are refused as topics
		sse := testkit.OpenSSE(t, w.s.URL)
		for _, topic := range []string{"zemag_entries/*", "zemag_lookups", "complaint_cases/" + cs, "citystaff_alerts/*"} {
			if st, _ := sse.Subscribe(t, a.client.Token, topic); st == http.StatusNoContent && a.client.Token != "" {
				t.Errorf("%s: subscribed to %s", a.name, topic)
			}
		}
	}
	if r, _ := app.FindRecordById("citystaff_alerts", alert); !r.GetDateTime("seen_at").IsZero() {
		t.Error("someone else marked the victim's banner seen")
	}

	// The plain employee of the organisation reports, and sees no more than that.
	for _, p := range []string{"/api/crisisroom/zemag/entries?org=" + org, "/api/crisisroom/zemag/lookups?org=" + org, "/api/crisisroom/zemag/stats?org=" + org,
		"/api/crisisroom/zemag/entries/" + entry + "/letter", "/api/crisisroom/citystaff/log?module=zemag&org=" + org} {
		if r := plain.client.Do(t, "GET", p, nil); r.Status < 400 || leaks(r.Body, secrets) != "" {
			t.Errorf("plain employee: GET %s answered %s", p, r)
		}
	}
	for _, p := range []string{"/api/crisisroom/zemag/reports?org=" + org, "/api/crisisroom/complaints?org=" + org} {
		if r := plain.client.Do(t, "GET", p, nil); leaks(r.Body, secrets) != "" {
			t.Errorf("plain employee: GET %s holds others' records: %s", p, r)
		}
	}
	if r := plain.client.Do(t, "POST", "/api/crisisroom/zemag/lookup", lookup); r.Status != 403 || strings.Contains(string(r.Body), "guidance") {
		t.Errorf("plain employee: a lookup answered %s", r)
	}
	if r := plain.client.Do(t, "POST", "/api/crisisroom/zemag/reports/"+report+"/review", map[string]any{"action": "not_enter", "reason": "x"}); r.Status < 400 {
		t.Errorf("plain employee reviewed: %s", r)
	}

	// The victim holds the lookup role: still no lookup without a reason, with a part of
	// a name, or for a list, and no answer beyond level and guidance.
	for what, body := range map[string]any{
		"no reason":    map[string]any{"organisation": org, "name": "Karl Kanarie", "dob": "1970-01-02"},
		"partial name": map[string]any{"organisation": org, "name": "Kanarie", "dob": "1970-01-02", "reason": "Az. 4711"},
		"wildcard":     map[string]any{"organisation": org, "name": "Karl %", "dob": "1970-01-02", "reason": "Az. 4711"},
		"many names":   map[string]any{"organisation": org, "names": []string{"Karl Kanarie", "Erika Muster"}, "dob": "1970-01-02", "reason": "Az. 4711"},
		"many lookups": []any{lookup, lookup},
	} {
		if r := w.victim.Do(t, "POST", "/api/crisisroom/zemag/lookup", body); r.Status != 400 || leaks(r.Body, secrets) != "" {
			t.Errorf("lookup with %s: want 400, got %s", what, r)
		}
	}
	hit := ok(t, w.victim.Do(t, "POST", "/api/crisisroom/zemag/lookup", lookup))
	if len(hit) != 3 || hit["hit"] != true || hit["level"].(float64) != 3 {
		t.Errorf("the answer is hit, level and guidance only: %v", hit)
	}

	// Nobody removes or changes the lookup log: the DPO (the victim holds that role too),
	// the room's IT over the API, Go code, SQL.
	logRow := cityFixture(w, "lookup")
	for _, a := range []actor{{name: "data-protection officer", client: w.victim}, superuser} {
		if r := a.client.Do(t, "DELETE", "/api/collections/zemag_lookups/records/"+logRow, nil); r.Status/100 == 2 {
			t.Errorf("%s deleted a lookup log row: %s", a.name, r)
		}
		if r := a.client.Do(t, "PATCH", "/api/collections/zemag_lookups/records/"+logRow, map[string]any{"reason": "verwischt"}); r.Status/100 == 2 {
			t.Errorf("%s changed a lookup log row: %s", a.name, r)
		}
		if r := a.client.Do(t, "DELETE", "/api/collections/zemag_lookups/truncate", nil); r.Status/100 == 2 {
			t.Errorf("%s truncated the lookup log: %s", a.name, r)
		}
	}
	row, err := app.FindRecordById("zemag_lookups", logRow)
	if err != nil {
		t.Fatalf("the lookup log row is gone: %v", err)
	}
	if app.Delete(row) == nil {
		t.Error("Go code deleted a lookup log row")
	}
	if _, err := app.DB().NewQuery("UPDATE zemag_lookups SET reason = 'x'").Execute(); err == nil {
		t.Error("SQL changed the lookup log")
	}
	if _, err := app.DB().NewQuery("DELETE FROM citystaff_log").Execute(); err == nil {
		t.Error("SQL emptied the module log")
	}
}

func mustColl(t *testing.T, app core.App, name string) *core.Collection {
	t.Helper()
	c, err := app.FindCollectionByNameOrId(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
