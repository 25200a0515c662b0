package callout_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"crisisroom/testkit"
)

// calledUsers starts a call-out of body as c and returns the usernames called, each
// with the function the overview shows for them ("jwagner:S2").
func calledUsers(t *testing.T, s *testkit.Server, c testkit.Client, body map[string]any) []string {
	t.Helper()
	r := c.Do(t, "POST", "/api/crisisroom/callouts", body)
	if r.Status != 200 {
		t.Fatalf("call-out %v: %s", body, r)
	}
	var ov struct {
		Recipients []struct {
			User, Function, Organisation string
		} `json:"recipients"`
	}
	r.Decode(t, &ov)
	names := map[string]string{}
	for n, u := range s.Demo.Users {
		names[u.Id] = n
	}
	var out []string
	for _, x := range ov.Recipients {
		out = append(out, names[x.User]+":"+x.Function)
	}
	sort.Strings(out)
	return out
}

type previewReply struct {
	Total int `json:"total"`
	SMS   int `json:"sms"`
	App   int `json:"app"`
	Parts []struct {
		Kind, Key, Label string
		People           []struct{ User, Name, Organisation, Via string }
	} `json:"parts"`
}

func preview(t *testing.T, c testkit.Client, body map[string]any) previewReply {
	t.Helper()
	r := c.Do(t, "POST", "/api/crisisroom/callouts/preview", body)
	if r.Status != 200 {
		t.Fatalf("preview %v: %s", body, r)
	}
	var p previewReply
	r.Decode(t, &p)
	return p
}

// A call-out by function calls the holders of the staff's functions (staff_functions,
// the codes of the message form and the briefing), as hooks/forms has them now: "S2"
// the S2 holders and nobody else, "VB-POL" the police liaison; a holder taken off the
// function, whose membership ended or whose organisation is suspended is not called;
// an unknown code is refused in both languages; the preview says per function who is
// reached and how; people who are not the host's admins or operators call out nobody,
// also not by the functions they hold.
func TestCalloutByStaffFunction(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	op, admin := s.As(t, "mschulz"), s.As(t, "abecker")
	id := func(u string) string { return s.Demo.Users[u].Id }
	fn := func(code string) string {
		r, err := s.App.FindFirstRecordByData("staff_functions", "code", code)
		if err != nil {
			t.Fatalf("staff function %s: %v", code, err)
		}
		return r.Id
	}
	hold := func(code, user string, remove bool) {
		t.Helper()
		if r := admin.Do(t, "POST", "/api/crisisroom/functions/"+fn(code)+"/holders", map[string]any{"user": id(user), "remove": remove}); r.Status != 200 {
			t.Fatalf("holder %s %s (remove %v): %s", code, user, remove, r)
		}
	}
	same := func(what string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: called %v, want %v", what, got, want)
		}
	}

	// The picker: staff functions first, by code and name, then the job titles.
	var fns struct {
		Functions []struct{ Function, Kind, Label string }
	}
	op.Do(t, "GET", "/api/crisisroom/callouts/functions", nil).Decode(t, &fns)
	lastStaff, firstTitle, labels := -1, -1, map[string]string{}
	for i, f := range fns.Functions {
		labels[f.Function] = f.Label
		if f.Kind == "staff" {
			lastStaff = i
		} else if firstTitle < 0 {
			firstTitle = i
		}
	}
	if labels["S2"] != "S2 – Lage" || !strings.HasPrefix(labels["VB-POL"], "VB-POL – ") || labels["Verbindungsbeamter"] == "" || firstTitle < lastStaff {
		t.Errorf("picker: %+v", fns.Functions)
	}

	// S2 with a second holder; mschulz (S3, job title "S3 Einsatz") is no S2.
	hold("S2", "phoffmann", false)
	same("S2", calledUsers(t, s, op, map[string]any{"text": "Lage", "functions": []string{"S2"}}), "jwagner:S2", "phoffmann:S2")
	same("VB-POL", calledUsers(t, s, op, map[string]any{"text": "VB", "functions": []string{"vb-pol"}}), "tkeller:VB-POL")
	same("S2 and POL", calledUsers(t, s, op, map[string]any{"text": "x", "functions": []string{"S2", "VB-POL"}, "organisations": []string{"POL"}}),
		"jwagner:S2", "lneumann:Lagedienst", "phoffmann:S2", "tkeller:VB-POL")

	// The preview, per function: who, from where, and how (the demo people have numbers;
	// jwagner has the app open).
	sse := testkit.OpenSSE(t, s.URL)
	if st, body := sse.Subscribe(t, s.Token(t, "jwagner"), "crisisroom/me"); st != 204 {
		t.Fatalf("subscribe: %d %s", st, body)
	}
	var p previewReply
	testkit.Eventually(t, 10*time.Second, "jwagner connected in the preview", func() bool {
		p = preview(t, op, map[string]any{"functions": []string{"S2", "VB-POL"}})
		return p.App == 1
	})
	if p.Total != 3 || p.SMS != 2 || len(p.Parts) != 2 || p.Parts[0].Key != "S2" || p.Parts[0].Label != "S2 – Lage" || len(p.Parts[0].People) != 2 ||
		p.Parts[1].Key != "VB-POL" || len(p.Parts[1].People) != 1 || p.Parts[1].People[0].Organisation != "POL" || p.Parts[1].People[0].Via != "sms" {
		t.Errorf("preview: %+v", p)
	}
	for _, x := range p.Parts[0].People {
		if want := map[string]string{"Jonas Wagner": "app", "Peter Hoffmann": "sms"}[x.Name]; x.Via != want {
			t.Errorf("preview: %s reached by %q, want %q", x.Name, x.Via, want)
		}
	}

	// Taken off the function: not called.
	hold("S2", "phoffmann", true)
	same("S2 after phoffmann gave it up", calledUsers(t, s, op, map[string]any{"text": "x", "functions": []string{"S2"}}), "jwagner:S2")

	// A second police liaison whose membership then ends: not called.
	hold("VB-POL", "lneumann", false)
	same("VB-POL with two", calledUsers(t, s, op, map[string]any{"text": "x", "functions": []string{"VB-POL"}}), "lneumann:VB-POL", "tkeller:VB-POL")
	m, err := s.App.FindFirstRecordByFilter("memberships", "user = {:u}", map[string]any{"u": id("lneumann")})
	if err != nil {
		t.Fatal(err)
	}
	m.Set("expires", time.Now().Add(-time.Minute).UTC())
	if err := s.App.Save(m); err != nil {
		t.Fatal(err)
	}
	same("VB-POL after lneumann's membership ended", calledUsers(t, s, op, map[string]any{"text": "x", "functions": []string{"VB-POL"}}), "tkeller:VB-POL")

	// Unknown codes: refused with the code's German/English text, nothing started.
	before, _ := s.App.CountRecords("callouts")
	for _, path := range []string{"/api/crisisroom/callouts", "/api/crisisroom/callouts/preview"} {
		r := op.Do(t, "POST", path, map[string]any{"text": "x", "functions": []string{"S2", "S9"}})
		if r.Status != 400 || !strings.Contains(string(r.Body), `"callout.unknown_function"`) || !strings.Contains(r.String(), "„S9“") || !strings.Contains(r.String(), ` / There is no function \"S9\"`) {
			t.Errorf("%s with S9: %s", path, r)
		}
	}
	if after, _ := s.App.CountRecords("callouts"); after != before {
		t.Errorf("%d call-outs started by refusals", after-before)
	}

	// Not the host's admins or operators: no call-out, no preview, no list, also for
	// holders of the functions (phoffmann S5, tkeller VB-POL, sbraun VB-FW).
	for _, u := range []string{"phoffmann", "tkeller", "sbraun", "gast.gutachter"} {
		c := s.As(t, u)
		if r := c.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "x", "functions": []string{"S2"}}); r.Status != 403 {
			t.Errorf("%s called out S2: %s", u, r)
		}
		if r := c.Do(t, "POST", "/api/crisisroom/callouts/preview", map[string]any{"functions": []string{"S2"}}); r.Status != 403 {
			t.Errorf("%s previewed S2: %s", u, r)
		}
	}
	if after, _ := s.App.CountRecords("callouts"); after != before {
		t.Errorf("%d call-outs started by outsiders", after-before)
	}

	// The police suspended: its liaison holds nothing, so VB-POL alone reaches nobody.
	pol := s.Demo.Orgs["POL"]
	pol.Set("status", "suspended")
	if err := s.App.Save(pol); err != nil {
		t.Fatal(err)
	}
	if p := preview(t, op, map[string]any{"functions": []string{"VB-POL"}}); p.Total != 0 || len(p.Parts) != 1 || len(p.Parts[0].People) != 0 {
		t.Errorf("preview of VB-POL, the police suspended: %+v", p)
	}
	if r := op.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "x", "functions": []string{"VB-POL"}}); r.Status != 400 {
		t.Errorf("VB-POL, the police suspended: %s", r)
	}
}

// A call-out group saved with job titles (before the staff functions, or by the API)
// keeps calling whom it called: a name that is a staff function's code calls its
// holders, a job title still calls the live members with that title, and a name that
// is neither calls nobody and is shown as such in the preview, without failing the
// group. The same unknown name in a request is refused.
func TestCalloutGroupWithJobTitles(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	op := s.As(t, "jwagner")
	g := op.Do(t, "POST", "/api/collections/callout_groups/records", map[string]any{
		"organisation": s.Demo.Orgs["KS"].Id, "name": "Stab alt",
		"functions": []string{"Verbindungsbeamter", "VB-FW", "Ehemalige Funktion"},
	})
	if g.Status != 200 {
		t.Fatal(g)
	}
	gid := g.JSON(t)["id"].(string)
	p := preview(t, op, map[string]any{"group": gid})
	kinds := map[string]string{}
	for _, x := range p.Parts {
		var who []string
		for _, pp := range x.People {
			who = append(who, pp.Name)
		}
		kinds[x.Key] = x.Kind + " " + strings.Join(who, ",")
	}
	if p.Total != 2 || kinds["Verbindungsbeamter"] != "title Thomas Keller" || kinds["VB-FW"] != "function Stefan Braun" || kinds["Ehemalige Funktion"] != "unknown " {
		t.Errorf("preview of the group: %+v", p)
	}
	got := calledUsers(t, s, op, map[string]any{"text": "Gruppe", "group": gid})
	if strings.Join(got, " ") != "sbraun:VB-FW tkeller:Verbindungsbeamter" {
		t.Errorf("the group called %v", got)
	}
	if r := op.Do(t, "POST", "/api/crisisroom/callouts/preview", map[string]any{"functions": []string{"Ehemalige Funktion"}}); r.Status != 400 {
		t.Errorf("an unknown function in a request: %s", r)
	}
}
