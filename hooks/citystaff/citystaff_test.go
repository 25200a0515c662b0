package citystaff_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/citystaff"
	"crisisroom/testkit"
)

type city struct {
	s     *testkit.Server
	org   string
	users map[string]*core.Record
}

func startCity(t *testing.T) *city {
	t.Helper()
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	users, err := citystaff.SeedDemo(s.App)
	if err != nil {
		t.Fatal(err)
	}
	org, err := s.App.FindFirstRecordByData("organisations", "short", citystaff.DemoOrg)
	if err != nil {
		t.Fatal(err)
	}
	return &city{s: s, org: org.Id, users: users}
}

func want(t *testing.T, r testkit.Reply, status int, what string) testkit.Reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: want %d, got %s", what, status, r)
	}
	return r
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	p := filepath.Join(t.TempDir(), "letter.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// The register from report to lookup, each step tried first by the wrong person.
func TestZeMAGReportReviewEntryLookup(t *testing.T) {
	c := startCity(t)
	emp, sup, zks, look, dpo := c.s.As(t, "sv.yilmaz"), c.s.As(t, "sv.krueger"), c.s.As(t, "sv.otto"), c.s.As(t, "sv.peters"), c.s.As(t, "sv.vogt")
	report := map[string]any{"organisation": c.org, "client_key": "k-1", "occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"place": "Neumarkt 1", "what": "Bürger schlug mit einem Schirm zu", "level": 2, "category": "violence",
		"person_name": "Hans-Jürgen Müller", "person_dob": "3.7.1980", "person_address": "Domstraße 5, 50667 Köln",
		"witnesses": "K. Lorenz", "injuries": "Prellung am Arm", "police_file": "PP Köln 123/26"}
	rep := want(t, emp.Do(t, "POST", "/api/crisisroom/zemag/reports", report), 200, "report").JSON(t)
	id := rep["id"].(string)
	// the outbox may send it twice: the first report answers
	again := want(t, emp.Do(t, "POST", "/api/crisisroom/zemag/reports", report), 200, "report again").JSON(t)
	if again["id"] != id {
		t.Fatalf("a repeated client_key made a second report")
	}
	// the supervisor and the ZKS have a banner; the lookup role has none
	banner := func(cl testkit.Client) bool {
		me := want(t, cl.Do(t, "GET", "/api/crisisroom/citystaff/me", nil), 200, "me").JSON(t)
		for _, m := range me["modules"].([]any) {
			for _, a := range m.(map[string]any)["alerts"].([]any) {
				if a.(map[string]any)["target"] == id {
					return true
				}
			}
		}
		return false
	}
	if !banner(sup) || !banner(zks) || banner(look) {
		t.Fatalf("banners: supervisor %v, ZKS %v, lookup role %v", banner(sup), banner(zks), banner(look))
	}
	// neither the reporter nor the supervisor reviews
	for _, cl := range []testkit.Client{emp, sup, look, dpo} {
		if r := cl.Do(t, "POST", "/api/crisisroom/zemag/reports/"+id+"/review", map[string]any{"action": "check"}); r.Status < 400 {
			t.Fatalf("a non-ZKS person reviewed: %s", r)
		}
	}
	rev := func(body map[string]any) testkit.Reply {
		return zks.Do(t, "POST", "/api/crisisroom/zemag/reports/"+id+"/review", body)
	}
	want(t, rev(map[string]any{"action": "enter", "guidance": "x"}), 400, "entry before review")
	want(t, rev(map[string]any{"action": "check"}), 200, "check")
	want(t, rev(map[string]any{"action": "complaint"}), 400, "complaint without file number")
	want(t, rev(map[string]any{"action": "complaint", "complaint_file": "ST 4711/26"}), 200, "complaint filed")
	want(t, rev(map[string]any{"action": "enter"}), 400, "entry without guidance")
	want(t, rev(map[string]any{"action": "enter", "guidance": "Kontakt nur zu zweit; ZKS informieren"}), 200, "entry")

	// the entry rules, each on a report of its own
	refusedEntry := func(extra map[string]any, what string) {
		body := map[string]any{}
		for k, v := range report {
			body[k] = v
		}
		body["client_key"] = what
		for k, v := range extra {
			body[k] = v
		}
		rid := want(t, emp.Do(t, "POST", "/api/crisisroom/zemag/reports", body), 200, what).JSON(t)["id"].(string)
		path := "/api/crisisroom/zemag/reports/" + rid + "/review"
		want(t, zks.Do(t, "POST", path, map[string]any{"action": "check"}), 200, what+": check")
		want(t, zks.Do(t, "POST", path, map[string]any{"action": "complaint", "complaint_file": "ST 1/26"}), 200, what+": complaint")
		if r := zks.Do(t, "POST", path, map[string]any{"action": "enter", "guidance": "Kontakt nur zu zweit"}); r.Status != 400 {
			t.Errorf("%s: the server entered it: %s", what, r)
		}
		want(t, zks.Do(t, "POST", path, map[string]any{"action": "not_enter", "reason": "nicht eintragungsfähig"}), 200, what+": not entered")
		got, _ := c.s.App.FindRecordById("zemag_reports", rid)
		if got.GetString("person_name") != "" || got.GetString("person_dob") != "" {
			t.Errorf("%s: a report not entered keeps the person's data", what)
		}
	}
	refusedEntry(map[string]any{"level": 1, "category": "insult"}, "level 1")
	refusedEntry(map[string]any{"victim_not_city_staff": true}, "a police officer on joint patrol")
	refusedEntry(map[string]any{"other_authority": true}, "data of another authority")

	entries := want(t, zks.Do(t, "GET", "/api/crisisroom/zemag/entries?org="+c.org, nil), 200, "entries").JSON(t)["items"].([]any)
	var entry string
	for _, x := range entries {
		if e := x.(map[string]any); e["person_name"] == "Hans-Jürgen Müller" {
			entry = e["id"].(string)
			if rv := e["review_at"].(string); !strings.HasPrefix(rv, time.Now().AddDate(2, 0, 0).UTC().Format("2006-01")) {
				t.Errorf("review date %s, want two years from now", rv)
			}
		}
	}
	if entry == "" {
		t.Fatal("the entry is not in the register")
	}
	for _, cl := range []testkit.Client{emp, sup, look, dpo} {
		want(t, cl.Do(t, "GET", "/api/crisisroom/zemag/entries?org="+c.org, nil), 403, "entries as non-ZKS")
		if r := cl.Do(t, "GET", "/api/crisisroom/zemag/entries/"+entry+"/letter", nil); r.Status != 404 {
			t.Errorf("letter as non-ZKS: %s", r)
		}
	}
	letter := want(t, zks.Do(t, "GET", "/api/crisisroom/zemag/entries/"+entry+"/letter", nil), 200, "letter")
	text := pdfText(t, letter.Body)
	for _, w := range []string{"Hans-Jürgen Müller", "Domstraße 5", "Stufe 2", "Art. 15 DSGVO", "überprüft", "Kontakt"} {
		if !strings.Contains(text, w) {
			t.Errorf("the letter lacks %q: %s", w, text)
		}
	}
	want(t, zks.Do(t, "POST", "/api/crisisroom/zemag/entries/"+entry+"/notice", map[string]any{"sent_at": time.Now().Format("2006-01-02")}), 200, "notice sent")
	want(t, zks.Do(t, "POST", "/api/crisisroom/zemag/entries/"+entry+"/extend", map[string]any{}), 400, "extension without reason")

	// the lookup: role, reason, full name and date of birth, nothing to list
	lk := func(cl testkit.Client, body any) testkit.Reply {
		return cl.Do(t, "POST", "/api/crisisroom/zemag/lookup", body)
	}
	good := map[string]any{"organisation": c.org, "name": "hans-juergen  MUELLER", "dob": "1980-07-03", "reason": "Az. 32-4711 Hausbesuch"}
	for _, cl := range []testkit.Client{emp, sup, zks, dpo} {
		if r := lk(cl, good); r.Status != 403 || strings.Contains(string(r.Body), "guidance") {
			t.Errorf("a lookup without the lookup role: %s", r)
		}
	}
	refusals := map[string]any{
		"no reason":         map[string]any{"organisation": c.org, "name": "Hans-Jürgen Müller", "dob": "03.07.1980"},
		"short reason":      map[string]any{"organisation": c.org, "name": "Hans-Jürgen Müller", "dob": "03.07.1980", "reason": "x"},
		"family name only":  map[string]any{"organisation": c.org, "name": "Müller", "dob": "03.07.1980", "reason": "Az. 1"},
		"wildcard":          map[string]any{"organisation": c.org, "name": "Hans* Müller", "dob": "03.07.1980", "reason": "Az. 1"},
		"percent":           map[string]any{"organisation": c.org, "name": "Hans %", "dob": "03.07.1980", "reason": "Az. 1"},
		"year only":         map[string]any{"organisation": c.org, "name": "Hans-Jürgen Müller", "dob": "1980", "reason": "Az. 1"},
		"no birth date":     map[string]any{"organisation": c.org, "name": "Hans-Jürgen Müller", "reason": "Az. 1"},
		"a list of names":   map[string]any{"organisation": c.org, "names": []string{"Hans-Jürgen Müller", "Bernd Beispiel"}, "dob": "03.07.1980", "reason": "Az. 1"},
		"a list of lookups": []any{good, good},
	}
	for what, body := range refusals {
		if r := lk(look, body); r.Status != 400 || strings.Contains(string(r.Body), "guidance") {
			t.Errorf("%s: want 400, got %s", what, r)
		}
	}
	hit := want(t, lk(look, good), 200, "lookup").JSON(t)
	if hit["hit"] != true || hit["level"].(float64) != 2 || hit["guidance"] != "Kontakt nur zu zweit; ZKS informieren" || len(hit) != 3 {
		t.Fatalf("the answer is level and guidance only: %v", hit)
	}
	miss := want(t, lk(look, map[string]any{"organisation": c.org, "name": "Hans-Jürgen Müller", "dob": "04.07.1980", "reason": "Az. 32-4712"}), 200, "miss").JSON(t)
	if miss["hit"] != false || len(miss) != 1 {
		t.Fatalf("a miss says nothing else: %v", miss)
	}
	// the log: the DPO only; nobody changes or removes it, not even Go code or superusers
	for _, cl := range []testkit.Client{emp, sup, zks, look} {
		want(t, cl.Do(t, "GET", "/api/crisisroom/zemag/lookups?org="+c.org, nil), 403, "lookup log as non-DPO")
	}
	log := want(t, dpo.Do(t, "GET", "/api/crisisroom/zemag/lookups?org="+c.org, nil), 200, "lookup log").JSON(t)["items"].([]any)
	var sawHit, sawRefused bool
	for _, x := range log {
		l := x.(map[string]any)
		if l["reason"] == "Az. 32-4711 Hausbesuch" && l["hit"] == true && l["actor_name"] == "Jan Peters" {
			sawHit = true
		}
		if l["refused"] == true {
			sawRefused = true
		}
	}
	if !sawHit || !sawRefused {
		t.Fatalf("the log lacks the hit (%v) or the refusals (%v): %v", sawHit, sawRefused, log)
	}
	rows, _ := c.s.App.FindRecordsByFilter("zemag_lookups", "organisation = {:o}", "", 0, 0, dbx.Params{"o": c.org})
	if len(rows) == 0 {
		t.Fatal("no lookup rows")
	}
	if err := c.s.App.Delete(rows[0]); err == nil {
		t.Fatal("Go code deleted a lookup log row")
	}
	rows[0].Set("reason", "verwischt")
	if err := c.s.App.Save(rows[0]); err == nil {
		t.Fatal("Go code changed a lookup log row")
	}
	if _, err := c.s.App.DB().NewQuery("DELETE FROM zemag_lookups").Execute(); err == nil {
		t.Fatal("SQL deleted the lookup log")
	}

	// rate limit: the burst is spent, then refused
	for i := 0; i < citystaff.LookupBurst; i++ {
		lk(look, good)
	}
	want(t, lk(look, good), 429, "lookup beyond the burst")

	// deletion by the ZKS with a reason erases the person's data
	want(t, zks.Do(t, "POST", "/api/crisisroom/zemag/entries/"+entry+"/delete", map[string]any{}), 400, "deletion without reason")
	want(t, zks.Do(t, "POST", "/api/crisisroom/zemag/entries/"+entry+"/delete", map[string]any{"reason": "Widerspruch begründet"}), 200, "deletion")
	got, _ := c.s.App.FindRecordById("zemag_entries", entry)
	if got.GetString("person_name") != "" || got.GetString("person_key") != "" {
		t.Fatal("a deleted entry keeps the person's name")
	}
	// the module log has every step, without the person's name
	mlog := want(t, dpo.Do(t, "GET", "/api/crisisroom/citystaff/log?module=zemag&org="+c.org, nil), 200, "module log")
	for _, w := range []string{"report", "check", "complaint", "entry", "notice", "delete"} {
		if !strings.Contains(string(mlog.Body), `"action":"`+w+`"`) {
			t.Errorf("the module log lacks %q", w)
		}
	}
	if strings.Contains(string(mlog.Body), "Müller") {
		t.Error("the module log holds the person's name")
	}
	// statistics as numbers and as a chart
	st := want(t, zks.Do(t, "GET", "/api/crisisroom/zemag/stats?org="+c.org, nil), 200, "stats").JSON(t)
	if st["total"].(float64) < 4 {
		t.Errorf("stats: %v", st)
	}
	svg := want(t, dpo.Do(t, "GET", "/api/crisisroom/zemag/stats.svg?org="+c.org, nil), 200, "chart")
	if !strings.HasPrefix(string(svg.Body), "<svg") || !strings.Contains(string(svg.Body), "Ordnungsamt") {
		t.Errorf("chart: %.200s", svg.Body)
	}
	want(t, emp.Do(t, "GET", "/api/crisisroom/zemag/stats?org="+c.org, nil), 403, "stats as a plain employee")
}

// A complaint case from intake to the follow-up analysis, each step tried by the wrong
// person first; the interim reminder falls due; the contact card's QR code decodes.
func TestComplaintCase(t *testing.T) {
	c := startCity(t)
	cm, officer, sup, other, legal := c.s.As(t, "sv.albers"), c.s.As(t, "sv.lorenz"), c.s.As(t, "sv.krueger"), c.s.As(t, "sv.yilmaz"), c.s.As(t, "sv.brandt")
	body := map[string]any{"organisation": c.org, "citizen_name": "Erika Musterfrau", "citizen_contact": "Hohe Straße 9, 50667 Köln",
		"what": "Ton beim Knöllchen unfreundlich", "officer": c.users["sv.lorenz"].Id}
	want(t, other.Do(t, "POST", "/api/crisisroom/complaints", body), 403, "intake by a plain employee")
	cs := want(t, cm.Do(t, "POST", "/api/crisisroom/complaints", body), 200, "intake").JSON(t)
	id := cs["id"].(string)
	step := func(cl testkit.Client, s string, b map[string]any) testkit.Reply {
		return cl.Do(t, "POST", "/api/crisisroom/complaints/"+id+"/"+s, b)
	}
	// the officer sees the case without the citizen's contact; a colleague sees nothing
	list := want(t, officer.Do(t, "GET", "/api/crisisroom/complaints?org="+c.org, nil), 200, "officer's cases")
	if !strings.Contains(string(list.Body), id) || strings.Contains(string(list.Body), "Hohe Straße") {
		t.Fatalf("officer's view: %s", list)
	}
	if l := other.Do(t, "GET", "/api/crisisroom/complaints?org="+c.org, nil); strings.Contains(string(l.Body), id) {
		t.Fatalf("a colleague sees the case: %s", l)
	}
	want(t, step(other, "statement", map[string]any{"text": "x"}), 404, "statement by a colleague")
	want(t, step(cm, "statement", map[string]any{"text": "x"}), 403, "statement by complaint management")
	want(t, step(cm, "result", map[string]any{"finding": "not_upheld", "text": "x"}), 400, "result before the statement")
	want(t, step(officer, "statement", map[string]any{"text": "Ich habe sachlich auf das Parkverbot hingewiesen."}), 200, "statement")
	want(t, step(officer, "sign", map[string]any{}), 403, "the officer signs off their own statement")
	want(t, step(sup, "sign", map[string]any{"text": "Gelesen, plausibel."}), 200, "sign-off")

	// the interim notice falls due: complaint management gets a banner
	r, _ := c.s.App.FindRecordById("complaint_cases", id)
	r.Set("due_interim", time.Now().Add(-time.Hour).UTC())
	if err := c.s.App.Save(r); err != nil {
		t.Fatal(err)
	}
	citystaff.Remind(c.s.App)
	me := want(t, cm.Do(t, "GET", "/api/crisisroom/citystaff/me", nil), 200, "me")
	if !strings.Contains(string(me.Body), "interim_due") {
		t.Fatalf("no reminder of the interim notice: %s", me)
	}
	want(t, step(officer, "interim", map[string]any{}), 403, "interim by the officer")
	want(t, step(cm, "interim", map[string]any{}), 200, "interim notice")
	interim := want(t, cm.Do(t, "GET", "/api/crisisroom/complaints/"+id+"/letter?kind=interim&to=citizen", nil), 200, "interim letter")
	if tx := pdfText(t, interim.Body); !strings.Contains(tx, "Zwischennachricht") || !strings.Contains(tx, "Erika Musterfrau") {
		t.Errorf("interim letter: %s", tx)
	}
	want(t, step(cm, "legal", map[string]any{"text": "Ist der Hinweis verhältnismäßig?"}), 200, "legal office asked")
	want(t, step(officer, "opinion", map[string]any{"text": "x"}), 403, "opinion by the officer")
	want(t, step(legal, "opinion", map[string]any{"text": "Verhältnismäßig."}), 200, "legal opinion")
	want(t, step(cm, "result", map[string]any{"finding": "partly", "text": "Der Ton war knapp; in der Sache richtig."}), 200, "result")
	for _, to := range []string{"citizen", "officer"} {
		res := want(t, cm.Do(t, "GET", "/api/crisisroom/complaints/"+id+"/letter?kind=result&to="+to, nil), 200, "result letter")
		if tx := pdfText(t, res.Body); !strings.Contains(tx, "teilweise begründet") {
			t.Errorf("result letter to %s: %s", to, tx)
		}
	}
	want(t, officer.Do(t, "GET", "/api/crisisroom/complaints/"+id+"/letter?kind=result&to=citizen", nil), 404, "letter as the officer")
	want(t, step(cm, "analysis", map[string]any{"text": "Nachgespräch: Deeskalation geübt."}), 200, "analysis")

	// the contact card's QR code holds the complaint address
	card := want(t, officer.Do(t, "GET", "/api/crisisroom/complaints/card?org="+c.org, nil), 200, "card").JSON(t)
	got, err := testkit.DecodeQRDataURL(card["qr"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if got != "https://stadt.example/beschwerde-ordnungsdienst" {
		t.Fatalf("the card's QR code holds %q", got)
	}
}

// Settings and roles are the organisation's own admins' business: not the host's admin,
// not the ZKS; a role given is logged for the data-protection officer and works at once.
func TestSettingsAndRolesByTheOrganisationsAdmin(t *testing.T) {
	c := startCity(t)
	admin, zks, host, dpo, emp := c.s.As(t, "sv.hartmann"), c.s.As(t, "sv.otto"), c.s.As(t, "abecker"), c.s.As(t, "sv.vogt"), c.s.As(t, "sv.yilmaz")
	want(t, admin.Do(t, "GET", "/api/crisisroom/citystaff/settings?org="+c.org, nil), 200, "settings as admin")
	for _, cl := range []testkit.Client{zks, host, emp} {
		want(t, cl.Do(t, "GET", "/api/crisisroom/citystaff/settings?org="+c.org, nil), 404, "settings as non-admin")
		want(t, cl.Do(t, "PUT", "/api/crisisroom/citystaff/settings", map[string]any{"organisation": c.org, "zemag": false}), 404, "switching off as non-admin")
		want(t, cl.Do(t, "PUT", "/api/crisisroom/citystaff/roles", map[string]any{"organisation": c.org, "user": c.users["sv.yilmaz"].Id, "roles": []string{"lookup"}}), 404, "roles as non-admin")
	}
	host.Do(t, "PUT", "/api/crisisroom/citystaff/settings", map[string]any{"organisation": c.s.Demo.Orgs["KS"].Id, "zemag": true})
	if r := c.s.As(t, "jwagner").Do(t, "GET", "/api/crisisroom/citystaff/me", nil); strings.Contains(string(r.Body), c.s.Demo.Orgs["KS"].Id) {
		t.Fatal("the host switched the register on for itself")
	}
	lk := map[string]any{"organisation": c.org, "name": "Bernd Beispiel", "dob": "12.04.1975", "reason": "Az. 50-1 Hausbesuch"}
	want(t, emp.Do(t, "POST", "/api/crisisroom/zemag/lookup", lk), 403, "lookup before the role")
	want(t, admin.Do(t, "PUT", "/api/crisisroom/citystaff/roles", map[string]any{"organisation": c.org, "user": c.users["sv.yilmaz"].Id, "roles": []string{"lookup"},
		"supervisor": c.users["sv.yilmaz"].Id}), 400, "supervising oneself")
	want(t, admin.Do(t, "PUT", "/api/crisisroom/citystaff/roles", map[string]any{"organisation": c.org, "user": c.users["sv.yilmaz"].Id, "roles": []string{"lookup"},
		"supervisor": c.users["sv.krueger"].Id, "department": "Ordnungsamt"}), 200, "a role given")
	if r := want(t, emp.Do(t, "POST", "/api/crisisroom/zemag/lookup", lk), 200, "lookup with the role").JSON(t); r["hit"] != true || r["level"].(float64) != 3 {
		t.Fatalf("the demo entry: %v", r)
	}
	log := want(t, dpo.Do(t, "GET", "/api/crisisroom/citystaff/log?module=roles&org="+c.org, nil), 200, "role log")
	if !strings.Contains(string(log.Body), "Murat Yilmaz: Rollen lookup") {
		t.Fatalf("the role change is not in the log: %s", log)
	}
}

// FuzzNormaliseName: a name from outside never panics, and a name it accepts is stable
// (normalising it again gives itself) and holds no pattern characters.
func FuzzNormaliseName(f *testing.F) {
	for _, s := range []string{"Hans-Jürgen Müller", "MUELLER, Hans", "Ørsted Émile", "a b", "Hans*", "%_", " ", "d'Artagnan Jean", "ẞtraße Bea"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := citystaff.NormaliseName(s)
		if err != nil {
			return
		}
		if n2, err := citystaff.NormaliseName(n); err != nil || n2 != n {
			t.Fatalf("not stable: %q → %q → %q (%v)", s, n, n2, err)
		}
		if strings.ContainsAny(n, "*?%_[]") {
			t.Fatalf("pattern characters kept: %q", n)
		}
	})
}

// FuzzNormaliseDOB: a date from outside never panics, and one it accepts is a real date
// in YYYY-MM-DD that reads back as itself.
func FuzzNormaliseDOB(f *testing.F) {
	for _, s := range []string{"3.7.1980", "1980-07-03", "31.02.1980", "00.00.0000", "1980", "99.99.9999", " 01.01.2000 ", "2000-13-01"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, err := citystaff.NormaliseDOB(s, now)
		if err != nil {
			return
		}
		if d2, err := citystaff.NormaliseDOB(d, now); err != nil || d2 != d || len(d) != 10 {
			t.Fatalf("not stable: %q → %q → %q (%v)", s, d, d2, err)
		}
	})
}

func TestNormalise(t *testing.T) {
	a, _ := citystaff.NormaliseName("Hans-Jürgen  Müller")
	b, _ := citystaff.NormaliseName("HANS-JUERGEN MUELLER")
	if a != b || a != "hans-juergen mueller" {
		t.Fatalf("%q %q", a, b)
	}
	if d, err := citystaff.NormaliseDOB("3.7.1980", time.Now()); err != nil || d != "1980-07-03" {
		t.Fatalf("%q %v", d, err)
	}
	if _, err := citystaff.NormaliseDOB("03.07.2999", time.Now()); err == nil {
		t.Fatal("a birth date in the future")
	}
}
