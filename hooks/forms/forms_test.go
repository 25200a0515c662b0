package forms_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/testkit"
)

type world struct {
	s  *testkit.Server
	as map[string]testkit.Client
	fn map[string]string // function id by code
}

func newWorld(t *testing.T) *world {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	w := &world{s: s, as: map[string]testkit.Client{}, fn: map[string]string{}}
	for _, u := range []string{"abecker", "jwagner", "mschulz", "phoffmann", "tkeller", "lneumann", "kvogel", "sbraun", "gast.gutachter"} {
		w.as[u] = s.As(t, u)
	}
	var fns struct {
		Functions []struct{ Id, Code string } `json:"functions"`
	}
	w.ok(t, "abecker", "GET", "/api/crisisroom/functions", nil).Decode(t, &fns)
	for _, f := range fns.Functions {
		w.fn[f.Code] = f.Id
	}
	return w
}

func (w *world) do(t *testing.T, who, method, path string, body any) testkit.Reply {
	t.Helper()
	return w.as[who].Do(t, method, path, body)
}

func (w *world) ok(t *testing.T, who, method, path string, body any) testkit.Reply {
	t.Helper()
	r := w.do(t, who, method, path, body)
	if r.Status/100 != 2 {
		t.Fatalf("%s %s %s: %s", who, method, path, r)
	}
	return r
}

func (w *world) want(t *testing.T, status int, who, method, path string, body any) testkit.Reply {
	t.Helper()
	r := w.do(t, who, method, path, body)
	if r.Status != status {
		t.Fatalf("%s %s %s: got %s, want %d", who, method, path, r, status)
	}
	return r
}

type form struct {
	Id, Label, State, Priority, Text, Subject, Remarks string
	ReturnReason                                       string `json:"return_reason"`
	Number                                             int
	Notes                                              map[string]struct{ At, Sign, Name, Way string }
	Recipients                                         []struct{ Code, Role, DoneAt string }
	Actions, Editable                                  []string
	SentRef                                            string `json:"sent_ref"`
	Fax                                                string
}

func decode(t *testing.T, r testkit.Reply) form {
	t.Helper()
	var f form
	r.Decode(t, &f)
	return f
}

func TestFormFlows(t *testing.T) {
	w := newWorld(t)
	t.Run("functions are data, journaled, visible to the staff", func(t *testing.T) { testFunctions(t, w) })
	t.Run("outgoing: author, Sichter with a return, Fernmelder, S2", func(t *testing.T) { testOutgoing(t, w) })
	t.Run("incoming: intake, Blitz first, distribution, recipients", func(t *testing.T) { testIncoming(t, w) })
	t.Run("a received fax becomes an incoming form", func(t *testing.T) { testFaxIn(t, w) })
	t.Run("an outgoing form goes out as a fax to the modem simulator", func(t *testing.T) { testFaxOut(t, w) })
	t.Run("a realtime ping reaches the staff, not a guest or another organisation", func(t *testing.T) { testRealtime(t, w) })
	t.Run("numbers stay gapless under 20 parallel intakes", func(t *testing.T) { testParallelIntakes(t, w) })
	t.Run("orders and the Lagebesprechung", func(t *testing.T) { testTasksAndBriefing(t, w) })
	t.Run("wrong people", func(t *testing.T) { testWrongPeople(t, w) })
	t.Run("print", func(t *testing.T) { testPrint(t, w) })
	t.Run("a function ends with its holder's membership", func(t *testing.T) { testFunctionEndsWithMembership(t, w) })
	t.Run("four eyes: nobody triages the own form", func(t *testing.T) { testFourEyes(t, w) })
	t.Run("a step once left is frozen for its person", func(t *testing.T) { testIntakeFrozen(t, w) })
	t.Run("the register shows each person only what they may see", func(t *testing.T) { testRegisterPerPerson(t, w) })
}

// F1: mschulz holds Sichter and S3; her own outgoing form is triaged by another Sichter
// (abecker in the demo), and a form she took in (as Fernmelder) too.
func testFourEyes(t *testing.T, w *world) {
	f := decode(t, w.ok(t, "mschulz", "POST", "/api/crisisroom/forms", map[string]any{
		"direction": "out", "counterpart": "Florian Köln 1", "subject": "Eigener Vordruck", "text": "Von der Sichterin selbst."}))
	p := "/api/crisisroom/forms/" + f.Id
	w.ok(t, "mschulz", "POST", p+"/submit", nil)
	own := decode(t, w.ok(t, "mschulz", "GET", p, nil))
	if len(own.Actions) != 0 && (contains(own.Actions, "release") || contains(own.Actions, "return")) {
		t.Errorf("the author is offered %v", own.Actions)
	}
	if r := w.want(t, 403, "mschulz", "POST", p+"/release", nil); !strings.Contains(string(r.Body), "Vier-Augen") {
		t.Errorf("refusal: %s", r)
	}
	w.want(t, 403, "mschulz", "POST", p+"/return", map[string]any{"reason": "selbst"})
	w.ok(t, "abecker", "POST", p+"/release", nil)

	// Incoming: who took it in does not distribute it.
	w.ok(t, "abecker", "POST", "/api/crisisroom/functions/"+w.fn["Fernmelder"]+"/holders", map[string]any{"user": w.s.Demo.Users["mschulz"].Id})
	defer w.ok(t, "abecker", "POST", "/api/crisisroom/functions/"+w.fn["Fernmelder"]+"/holders", map[string]any{"user": w.s.Demo.Users["mschulz"].Id, "remove": true})
	in := decode(t, w.ok(t, "mschulz", "POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "sender": "Kreis", "subject": "Eigene Aufnahme", "text": "x"}))
	w.want(t, 403, "mschulz", "POST", "/api/crisisroom/forms/"+in.Id+"/distribute", map[string]any{"lead": w.fn["S3"]})
	w.ok(t, "abecker", "POST", "/api/crisisroom/forms/"+in.Id+"/distribute", map[string]any{"lead": w.fn["S3"]})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// F3: once a form left a person's step, that person's fields are frozen: the Fernmelder
// cannot change an intake waiting for the Sichter.
func testIntakeFrozen(t *testing.T, w *world) {
	f := decode(t, w.ok(t, "phoffmann", "POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "sender": "Leitstelle", "subject": "Pegel", "text": "Pegel 9,00 m."}))
	if len(f.Editable) != 0 {
		t.Errorf("the Fernmelder may still edit %v", f.Editable)
	}
	p := "/api/crisisroom/forms/" + f.Id
	w.want(t, 403, "phoffmann", "PATCH", p, map[string]any{"text": "Pegel 7,00 m."})
	w.want(t, 403, "phoffmann", "PATCH", p, map[string]any{"priority": "blitz"})
	if got := decode(t, w.ok(t, "mschulz", "GET", p, nil)); got.Text != "Pegel 9,00 m." {
		t.Errorf("text now %q", got.Text)
	}
}

// F4: S2 sees an incoming form only once distributed; the register shows it the number,
// not the subject or counterpart, until then. The communications post sees all.
func testRegisterPerPerson(t *testing.T, w *world) {
	f := decode(t, w.ok(t, "phoffmann", "POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "counterpart": "Gegenstelle Geheim", "sender": "Absender Geheim", "subject": "Betreff Geheim", "text": "x"}))
	w.want(t, 404, "jwagner", "GET", "/api/crisisroom/forms/"+f.Id, nil)
	s2 := pdftotext(t, w.ok(t, "jwagner", "GET", "/api/crisisroom/forms/register?direction=in", nil).Body)
	if strings.Contains(s2, "Geheim") {
		t.Errorf("S2's register shows an undistributed form:\n%s", s2)
	}
	if !strings.Contains(s2, f.Label) || !strings.Contains(s2, "Deichbruch") {
		t.Errorf("S2's register lacks the number %s or a form distributed to S2", f.Label)
	}
	desk := pdftotext(t, w.ok(t, "phoffmann", "GET", "/api/crisisroom/forms/register?direction=in", nil).Body)
	if !strings.Contains(desk, "Betreff Geheim") {
		t.Errorf("the communications post's register lacks the form")
	}
}

func testFunctions(t *testing.T, w *world) {
	var got struct {
		Functions []struct {
			Code    string
			Holders []struct{ Name string }
		}
		Mine []string
	}
	w.ok(t, "mschulz", "GET", "/api/crisisroom/functions", nil).Decode(t, &got)
	if strings.Join(got.Mine, ",") != "S3,Sichter" {
		t.Fatalf("mschulz holds %v", got.Mine)
	}
	holders := map[string]string{}
	for _, f := range got.Functions {
		for _, h := range f.Holders {
			holders[f.Code] += h.Name
		}
	}
	if holders["Leiter"] != "Anna Becker" || holders["VB-POL"] != "Thomas Keller" || holders["Fernmelder"] != "Peter Hoffmann" {
		t.Fatalf("holders: %v", holders)
	}
	// A plain member may not give functions; the head of staff may, and it is journaled.
	w.want(t, 403, "kvogel", "POST", "/api/crisisroom/functions/"+w.fn["S4"]+"/holders", map[string]any{"user": w.s.Demo.Users["kvogel"].Id})
	w.want(t, 403, "phoffmann", "POST", "/api/crisisroom/functions/"+w.fn["S4"]+"/holders", map[string]any{"user": w.s.Demo.Users["phoffmann"].Id})
	// Only members of the host hold its functions.
	w.want(t, 400, "abecker", "POST", "/api/crisisroom/functions/"+w.fn["S4"]+"/holders", map[string]any{"user": w.s.Demo.Users["kvogel"].Id})
	w.ok(t, "abecker", "POST", "/api/crisisroom/functions/"+w.fn["S4"]+"/holders", map[string]any{"user": w.s.Demo.Users["jwagner"].Id})
	if n := count(t, w.s.App, "journal_entries", `source = "membership" && text ~ "S4 Versorgung: Jonas Wagner übernimmt"`); n != 1 {
		t.Fatalf("%d journal entries of the new S4", n)
	}
	w.ok(t, "abecker", "POST", "/api/crisisroom/functions/"+w.fn["S4"]+"/holders", map[string]any{"user": w.s.Demo.Users["jwagner"].Id, "remove": true})
	// Guests and devices see no functions.
	w.want(t, 403, "gast.gutachter", "GET", "/api/crisisroom/functions", nil)
}

func testOutgoing(t *testing.T, w *world) {
	f := decode(t, w.ok(t, "jwagner", "POST", "/api/crisisroom/forms", map[string]any{
		"direction": "out", "priority": "sofort", "medium": "funk", "kind": "spruch",
		"subject": "Sandsäcke", "text": "Erbitte 2000 Sandsäcke an Uferstraße."}))
	if f.State != "draft" || f.Number != 0 {
		t.Fatalf("new draft: %+v", f)
	}
	p := "/api/crisisroom/forms/" + f.Id
	// Without an addressee the Sichter would only send it back.
	w.want(t, 400, "jwagner", "POST", p+"/submit", nil)
	w.ok(t, "jwagner", "PATCH", p, map[string]any{"counterpart": "Florian Köln 1"})
	// Not the author's to triage; not the Sichter's before it is submitted.
	w.want(t, 403, "jwagner", "POST", p+"/release", nil)
	// The Sichter does not even see a draft until it is submitted.
	w.want(t, 404, "mschulz", "POST", p+"/submit", nil)
	w.want(t, 404, "mschulz", "GET", p, nil)
	w.ok(t, "jwagner", "POST", p+"/submit", nil)
	w.want(t, 403, "jwagner", "POST", p+"/release", nil)
	w.want(t, 403, "phoffmann", "POST", p+"/release", nil)
	// The Sichter checks, and never changes the text.
	w.want(t, 403, "mschulz", "PATCH", p, map[string]any{"text": "Erbitte 5000 Sandsäcke."})
	// A return needs a reason.
	w.want(t, 400, "mschulz", "POST", p+"/return", map[string]any{"reason": "  "})
	f = decode(t, w.ok(t, "mschulz", "POST", p+"/return", map[string]any{"reason": "Funktion des Empfängers fehlt."}))
	if f.State != "returned" || f.ReturnReason != "Funktion des Empfängers fehlt." {
		t.Fatalf("returned: %+v", f)
	}
	w.ok(t, "jwagner", "PATCH", p, map[string]any{"counterpart": "Florian Köln 1 (S4 der Feuerwehr)"})
	w.ok(t, "jwagner", "POST", p+"/submit", nil)
	w.ok(t, "mschulz", "POST", p+"/release", nil)
	w.want(t, 403, "mschulz", "POST", p+"/transmit", map[string]any{"way": "funk"})
	w.want(t, 400, "phoffmann", "POST", p+"/transmit", map[string]any{"way": "brieftaube"})
	f = decode(t, w.ok(t, "phoffmann", "POST", p+"/transmit", map[string]any{"way": "funk"}))
	tr := f.Notes["transmission"]
	if f.State != "sent" || f.Number < 1 || tr.Sign != "PH" || tr.Way != "funk" || tr.At == "" {
		t.Fatalf("transmitted: %+v", f)
	}
	if len(f.Recipients) != 1 || f.Recipients[0].Code != "S2" {
		t.Fatalf("S2's copy: %+v", f.Recipients)
	}
	f = decode(t, w.ok(t, "jwagner", "POST", p+"/done", nil))
	if f.State != "closed" {
		t.Fatalf("after S2's copy: %s", f.State)
	}
	// A closed form cannot be changed, by anyone.
	w.want(t, 400, "jwagner", "PATCH", p, map[string]any{"text": "nachträglich"})
	w.want(t, 400, "phoffmann", "POST", p+"/transmit", map[string]any{"way": "funk"})
	if n := count(t, w.s.App, "form_events", "form = '"+f.Id+"'"); n != 9 {
		t.Fatalf("%d form events, want 9 (draft, edit, submit, return, edit, submit, release, transmit, done)", n)
	}
	if n := count(t, w.s.App, "journal_entries", `source = "form" && source_id = '`+f.Id+`' && text ~ "übermittelt (Funk)"`); n != 1 {
		t.Fatalf("%d ETB entries of the transmission", n)
	}
}

func testIncoming(t *testing.T, w *world) {
	// Only the communications post takes messages in.
	w.want(t, 403, "jwagner", "POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "text": "x"})
	slow := decode(t, w.ok(t, "phoffmann", "POST", "/api/crisisroom/forms", map[string]any{
		"direction": "in", "medium": "telefon", "sender": "Polizei Leitstelle", "subject": "Absperrung Süd", "text": "Absperrung steht."}))
	blitz := decode(t, w.ok(t, "phoffmann", "POST", "/api/crisisroom/forms", map[string]any{
		"direction": "in", "medium": "funk", "priority": "blitz", "sender": "Florian Köln 3", "subject": "Deichbruch", "text": "Deich Abschnitt 3 gebrochen."}))
	if slow.State != "triage" || blitz.Number != slow.Number+1 || slow.Notes["intake"].Sign != "PH" {
		t.Fatalf("intake: %+v / %+v", slow, blitz)
	}
	// The Blitz overtakes the earlier form in the Sichter's queue and raises the banner.
	var queue []form
	w.ok(t, "mschulz", "GET", "/api/crisisroom/forms?queue=sichten", nil).Decode(t, &queue)
	if len(queue) < 2 || queue[0].Id != blitz.Id {
		t.Fatalf("Sichter's queue does not start with the Blitz: %+v", queue)
	}
	var q struct {
		Counts map[string]int
		Alerts []struct{ Kind, Id string }
	}
	w.ok(t, "mschulz", "GET", "/api/crisisroom/forms/queues", nil).Decode(t, &q)
	if q.Counts["sichten"] < 2 || len(q.Alerts) == 0 || q.Alerts[0].Id != blitz.Id {
		t.Fatalf("Sichter's queues: %+v", q)
	}
	p := "/api/crisisroom/forms/" + blitz.Id
	// Recipients see nothing before distribution.
	w.want(t, 404, "tkeller", "GET", p, nil)
	w.want(t, 403, "phoffmann", "POST", p+"/distribute", map[string]any{"lead": w.fn["Leiter"]})
	w.want(t, 403, "mschulz", "PATCH", p, map[string]any{"text": "geändert"})
	w.want(t, 400, "mschulz", "POST", p+"/distribute", map[string]any{"info": []string{w.fn["VB-POL"]}})
	f := decode(t, w.ok(t, "mschulz", "POST", p+"/distribute", map[string]any{"lead": w.fn["Leiter"], "info": []string{w.fn["VB-POL"]}}))
	codes := []string{}
	for _, r := range f.Recipients {
		codes = append(codes, r.Code+"/"+r.Role)
	}
	if f.State != "distributed" || strings.Join(codes, " ") != "Leiter/lead VB-POL/info S2/info" {
		t.Fatalf("distributed: %s %v", f.State, codes)
	}
	// The Blitz banner moves to the next people who must act.
	w.ok(t, "tkeller", "GET", "/api/crisisroom/forms/queues", nil).Decode(t, &q)
	if len(q.Alerts) == 0 || q.Alerts[0].Id != blitz.Id || q.Counts["eingang"] != 1 {
		t.Fatalf("liaison's queues: %+v", q)
	}
	// The police's liaison sees it now; another police member does not.
	w.ok(t, "tkeller", "GET", p, nil)
	w.want(t, 404, "lneumann", "GET", p, nil)
	w.ok(t, "tkeller", "POST", p+"/read", nil)
	w.ok(t, "tkeller", "POST", p+"/done", nil)
	w.want(t, 403, "tkeller", "POST", p+"/done", nil)
	w.ok(t, "abecker", "POST", p+"/done", map[string]any{"completion": "Evakuierung angeordnet."})
	f = decode(t, w.ok(t, "jwagner", "POST", p+"/done", nil))
	if f.State != "closed" || f.Notes["receipt"].Sign != "AB" {
		t.Fatalf("closed: %+v", f)
	}
	if n := count(t, w.s.App, "journal_entries", `source = "form" && source_id = '`+blitz.Id+`' && text ~ "Federführend Leiter; zur Kenntnis VB-POL, S2"`); n != 1 {
		t.Fatalf("%d ETB entries of the distribution", n)
	}
	if n := count(t, w.s.App, "journal_entries", `source = "form" && source_id = '`+blitz.Id+`' && mark = "E"`); n != 1 {
		t.Fatalf("%d ETB entries of the completion", n)
	}
	// A reply is a new outgoing form referring to the first.
	r := decode(t, w.ok(t, "abecker", "POST", "/api/crisisroom/forms", map[string]any{"direction": "out", "reply_to": blitz.Id, "counterpart": "Florian Köln 3", "text": "Verstanden, Evakuierung läuft."}))
	var reply struct {
		ReplyToLabel string `json:"reply_to_label"`
	}
	w.ok(t, "abecker", "GET", "/api/crisisroom/forms/"+r.Id, nil).Decode(t, &reply)
	if r.State != "draft" || reply.ReplyToLabel != blitz.Label {
		t.Fatalf("reply: %+v, refers to %q, want %q", r, reply.ReplyToLabel, blitz.Label)
	}
	// The events cannot be altered, not even by Go code.
	ev, err := w.s.App.FindFirstRecordByFilter("form_events", "form = {:f}", dbx.Params{"f": blitz.Id})
	if err != nil {
		t.Fatal(err)
	}
	ev.Set("action", "forged")
	if err := w.s.App.Save(ev); err == nil {
		t.Fatal("a form event was changed")
	}
	if err := w.s.App.Delete(ev); err == nil {
		t.Fatal("a form event was deleted")
	}
	if _, err := w.s.App.DB().NewQuery("DELETE FROM form_events").Execute(); err == nil {
		t.Fatal("SQL deleted form events")
	}
}

func testFaxIn(t *testing.T, w *world) {
	dev, err := w.s.App.FindFirstRecordByData("devices", "username", "fax1")
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, "the demo fax line to be idle", func() bool {
		d, _ := w.s.App.FindRecordById("devices", dev.Id)
		return d.GetString("state") == "idle"
	})
	w.ok(t, "jwagner", "POST", "/api/crisisroom/fax/fax1/test-ring", nil)
	var f *core.Record
	testkit.Eventually(t, 30*time.Second, "the fax as an incoming form", func() bool {
		f, _ = w.s.App.FindFirstRecordByFilter("forms", `fax != "" && direction = "in"`)
		return f != nil
	})
	if f.GetString("state") != "triage" || f.GetString("medium") != "fax" || f.GetInt("number") < 1 {
		t.Fatalf("fax form: %v", f.FieldsData())
	}
	got := decode(t, w.ok(t, "mschulz", "GET", "/api/crisisroom/forms/"+f.Id, nil))
	if got.Fax == "" || got.Notes["intake"].Sign != "FAX" {
		t.Fatalf("fax form as the Sichter sees it: %+v", got)
	}
}

func testFaxOut(t *testing.T, w *world) {
	flood := w.s.Demo.Channels["Hochwasser Rhein"]
	f := decode(t, w.ok(t, "jwagner", "POST", "/api/crisisroom/forms", map[string]any{
		"direction": "out", "counterpart": "Kreisleitstelle", "counterpart_number": "0221 555 77", "subject": "Lagemeldung 18 Uhr", "text": "Pegel 8,92 m, steigend."}))
	p := "/api/crisisroom/forms/" + f.Id
	w.ok(t, "jwagner", "POST", p+"/submit", nil)
	w.ok(t, "mschulz", "POST", p+"/release", nil)
	// The Fernmelder sends it through the appliance's fax path, as the fax view does.
	dev, err := w.s.App.FindFirstRecordByData("devices", "username", "fax1")
	if err != nil {
		t.Fatal(err)
	}
	fx := w.ok(t, "phoffmann", "POST", "/api/collections/faxes/records", map[string]any{
		"direction": "out", "channel": flood.Id, "device": dev.Id, "number": "0221 555 77", "requested_by": w.s.Demo.Users["phoffmann"].Id,
		"text": "Vordruck an Kreisleitstelle\nLagemeldung 18 Uhr\nPegel 8,92 m, steigend."}).JSON(t)
	// Not another person's fax.
	w.want(t, 400, "phoffmann", "POST", p+"/transmit", map[string]any{"way": "fax", "fax": "nichtvorhanden12"})
	got := decode(t, w.ok(t, "phoffmann", "POST", p+"/transmit", map[string]any{"way": "fax", "fax": fx["id"]}))
	if got.SentRef != fx["id"] || got.State != "sent" {
		t.Fatalf("transmitted by fax: %+v", got)
	}
	testkit.Eventually(t, 30*time.Second, "the fax to reach the simulated line", func() bool {
		r, _ := w.s.App.FindRecordById("faxes", fx["id"].(string))
		return r != nil && r.GetString("status") == "sent"
	})
	// A fax that finally fails puts its form back to the communications post, with the
	// reason, and the form keeps its number when it is sent again.
	f3 := decode(t, w.ok(t, "jwagner", "POST", "/api/crisisroom/forms", map[string]any{"direction": "out", "counterpart": "Bezirksregierung", "text": "Lage 19 Uhr"}))
	w.ok(t, "jwagner", "POST", "/api/crisisroom/forms/"+f3.Id+"/submit", nil)
	w.ok(t, "mschulz", "POST", "/api/crisisroom/forms/"+f3.Id+"/release", nil)
	fx3 := w.ok(t, "phoffmann", "POST", "/api/collections/faxes/records", map[string]any{
		"direction": "out", "channel": flood.Id, "device": dev.Id, "number": "0211 475 0", "requested_by": w.s.Demo.Users["phoffmann"].Id, "text": "Lage 19 Uhr"}).JSON(t)
	sent := decode(t, w.ok(t, "phoffmann", "POST", "/api/crisisroom/forms/"+f3.Id+"/transmit", map[string]any{"way": "fax", "fax": fx3["id"]}))
	testkit.Eventually(t, 30*time.Second, "the second fax done", func() bool {
		r, _ := w.s.App.FindRecordById("faxes", fx3["id"].(string))
		return r != nil && (r.GetString("status") == "sent" || r.GetString("status") == "failed")
	})
	r, _ := w.s.App.FindRecordById("faxes", fx3["id"].(string))
	r.Set("status", "failed")
	r.Set("error", "Die Gegenstelle ist besetzt.")
	if err := w.s.App.Save(r); err != nil {
		t.Fatal(err)
	}
	back := decode(t, w.ok(t, "phoffmann", "GET", "/api/crisisroom/forms/"+f3.Id, nil))
	if back.State != "to_send" || back.Number != sent.Number || !strings.Contains(back.Remarks, "besetzt") {
		t.Fatalf("after the failed fax: %+v", back)
	}
	resent := decode(t, w.ok(t, "phoffmann", "POST", "/api/crisisroom/forms/"+f3.Id+"/transmit", map[string]any{"way": "telefon"}))
	if resent.Number != sent.Number || resent.State != "sent" {
		t.Fatalf("sent again: %+v", resent)
	}
	// …and one into a shared channel, as a message.
	f2 := decode(t, w.ok(t, "jwagner", "POST", "/api/crisisroom/forms", map[string]any{"direction": "out", "counterpart": "alle Stellen", "subject": "Sperrung", "text": "Brücke Süd gesperrt."}))
	w.ok(t, "jwagner", "POST", "/api/crisisroom/forms/"+f2.Id+"/submit", nil)
	w.ok(t, "mschulz", "POST", "/api/crisisroom/forms/"+f2.Id+"/release", nil)
	w.want(t, 403, "phoffmann", "POST", "/api/crisisroom/forms/"+f2.Id+"/transmit", map[string]any{"way": "channel", "channel": w.s.Demo.Channels["POL intern"].Id})
	got = decode(t, w.ok(t, "phoffmann", "POST", "/api/crisisroom/forms/"+f2.Id+"/transmit", map[string]any{"way": "channel", "channel": flood.Id}))
	m, err := w.s.App.FindRecordById("messages", got.SentRef)
	if err != nil || !strings.Contains(m.GetString("body"), "Brücke Süd gesperrt.") || m.GetString("channel") != flood.Id {
		t.Fatalf("message of the form: %v %v", err, m)
	}

	// "Als Vordruck erfassen": a message of the channel becomes an incoming form, once.
	blitzMsg, err := w.s.App.FindFirstRecordByFilter("messages", `body ~ "Deichabschnitt 3 sickert"`)
	if err != nil {
		t.Fatal(err)
	}
	w.want(t, 403, "lneumann", "POST", "/api/crisisroom/forms/capture", map[string]any{"message": blitzMsg.Id})
	w.want(t, 404, "phoffmann", "POST", "/api/crisisroom/forms/capture", map[string]any{"message": w.s.Demo.Channels["POL intern"].Id})
	cap := decode(t, w.want(t, 201, "phoffmann", "POST", "/api/crisisroom/forms/capture", map[string]any{"message": blitzMsg.Id}))
	if cap.State != "triage" || cap.Priority != "blitz" || cap.Number < 1 || !strings.Contains(cap.Text, "Deichabschnitt 3") {
		t.Fatalf("captured: %+v", cap)
	}
	again := decode(t, w.want(t, 200, "phoffmann", "POST", "/api/crisisroom/forms/capture", map[string]any{"message": blitzMsg.Id}))
	if again.Id != cap.Id {
		t.Fatalf("captured twice: %s and %s", cap.Id, again.Id)
	}
}

func testParallelIntakes(t *testing.T, w *world) {
	var mu sync.Mutex
	var nums []int
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	start := time.Now()
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := w.as["phoffmann"].Try("POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "text": fmt.Sprintf("Meldung %d", i)})
			if err != nil || r.Status != 201 {
				errs <- fmt.Errorf("intake %d: %v %s", i, err, r)
				return
			}
			var f form
			if err := json.Unmarshal(r.Body, &f); err != nil {
				errs <- err
				return
			}
			mu.Lock()
			nums = append(nums, f.Number)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	t.Logf("20 parallel intakes took %v", time.Since(start).Round(time.Millisecond))
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Ints(nums)
	for i := 1; i < len(nums); i++ {
		if nums[i] != nums[i-1]+1 {
			t.Fatalf("numbers not gapless: %v", nums)
		}
	}
	// …and the register as a whole has no gap and no double.
	var all []struct {
		N int `db:"number"`
	}
	if err := w.s.App.DB().NewQuery(`SELECT number FROM forms WHERE direction = 'in' ORDER BY number`).All(&all); err != nil {
		t.Fatal(err)
	}
	for i, r := range all {
		if r.N != i+1 {
			t.Fatalf("incoming register has %d at place %d", r.N, i+1)
		}
	}
}

func testTasksAndBriefing(t *testing.T, w *world) {
	past := time.Now().Add(-20 * time.Minute).UTC().Format(time.RFC3339)
	w.want(t, 403, "kvogel", "POST", "/api/crisisroom/tasks", map[string]any{"title": "x", "owner": w.fn["S3"]})
	w.want(t, 403, "tkeller", "POST", "/api/crisisroom/tasks", map[string]any{"title": "x", "owner": w.fn["S3"]})
	task := w.ok(t, "mschulz", "POST", "/api/crisisroom/tasks", map[string]any{"title": "Pumpen nach Rheinblick", "owner": w.fn["Fernmelder"], "due": past}).JSON(t)
	if task["status"] != "offen" || task["overdue"] != true {
		t.Fatalf("task: %v", task)
	}
	var q struct {
		Counts map[string]int
		Alerts []struct{ Kind, Id string }
	}
	w.ok(t, "phoffmann", "GET", "/api/crisisroom/forms/queues", nil).Decode(t, &q)
	if !hasAlert(q.Alerts, "task_due", task["id"].(string)) {
		t.Fatalf("owner not reminded: %+v", q)
	}
	w.ok(t, "mschulz", "GET", "/api/crisisroom/forms/queues", nil).Decode(t, &q)
	if !hasAlert(q.Alerts, "task_overdue", task["id"].(string)) {
		t.Fatalf("S3 not reminded of the overdue order: %+v", q)
	}
	if n := count(t, w.s.App, "board_items", `title ~ "Offene Aufträge"`); n != 1 {
		t.Fatalf("open orders not on the board (%d)", n)
	}
	w.want(t, 403, "jwagner", "POST", "/api/crisisroom/tasks/"+task["id"].(string)+"/status", map[string]any{"status": "erledigt"})
	done := w.ok(t, "phoffmann", "POST", "/api/crisisroom/tasks/"+task["id"].(string)+"/status", map[string]any{"status": "erledigt"}).JSON(t)
	if done["confirmed_by_name"] != "Peter Hoffmann" {
		t.Fatalf("done: %v", done)
	}
	if n := count(t, w.s.App, "journal_entries", `source = "form" && mark = "B" && text ~ "Pumpen nach Rheinblick"`); n != 1 {
		t.Fatalf("order not journaled with B")
	}
	if n := count(t, w.s.App, "journal_entries", `source = "form" && mark = "E" && text ~ "Pumpen nach Rheinblick"`); n != 1 {
		t.Fatalf("completion not journaled with E")
	}
	// An order from a message.
	msg, err := w.s.App.FindFirstRecordByFilter("messages", `body ~ "Deichabschnitt 3"`)
	if err != nil {
		t.Fatal(err)
	}
	fromMsg := w.ok(t, "mschulz", "POST", "/api/crisisroom/tasks", map[string]any{"message": msg.Id, "owner": w.fn["S2"]}).JSON(t)
	if !strings.Contains(fromMsg["title"].(string), "Deichabschnitt 3") {
		t.Fatalf("task from a message: %v", fromMsg)
	}

	// The Lagebesprechung: only Leiter and S3 set it; everyone is reminded 5 minutes before.
	at := time.Now().Add(3 * time.Minute).UTC().Format(time.RFC3339)
	w.want(t, 403, "jwagner", "POST", "/api/crisisroom/briefing", map[string]any{"at": at})
	w.ok(t, "abecker", "POST", "/api/crisisroom/briefing", map[string]any{"at": at})
	w.ok(t, "jwagner", "GET", "/api/crisisroom/forms/queues", nil).Decode(t, &q)
	if !hasAlert(q.Alerts, "briefing", "") {
		t.Fatalf("no briefing reminder: %+v", q)
	}
	if n := count(t, w.s.App, "board_items", `title ~ "Nächste Lagebesprechung"`); n != 1 {
		t.Fatalf("briefing not on the board")
	}
	res := w.ok(t, "mschulz", "POST", "/api/crisisroom/briefing/results", map[string]any{
		"results": []string{"Evakuierung Rheinblick bis 16 Uhr abgeschlossen."},
		"orders":  []map[string]any{{"title": "Notunterkunft Messehalle öffnen", "owner": w.fn["S2"]}},
		"next":    time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)}).JSON(t)
	if len(res["tasks"].([]any)) != 1 {
		t.Fatalf("results: %v", res)
	}
	if n := count(t, w.s.App, "journal_entries", `source = "form" && mark = "W" && text ~ "Evakuierung Rheinblick bis 16 Uhr"`); n != 1 {
		t.Fatalf("briefing result not in the ETB")
	}
}

func hasAlert(list []struct{ Kind, Id string }, kind, id string) bool {
	for _, a := range list {
		if a.Kind == kind && (id == "" || a.Id == id) {
			return true
		}
	}
	return false
}

// The wrong people, beyond those met on the way: other organisations, guests and
// devices see nothing of the host's forms.
func testWrongPeople(t *testing.T, w *world) {
	var all []form
	w.ok(t, "phoffmann", "GET", "/api/crisisroom/forms", nil).Decode(t, &all)
	if len(all) < 20 {
		t.Fatalf("the Fernmelder sees %d forms", len(all))
	}
	for _, who := range []string{"lneumann", "kvogel", "sbraun", "gast.gutachter"} {
		var got []form
		w.ok(t, who, "GET", "/api/crisisroom/forms", nil).Decode(t, &got)
		if len(got) != 0 {
			t.Errorf("%s sees %d forms of the host", who, len(got))
		}
		w.want(t, 404, who, "GET", "/api/crisisroom/forms/"+all[0].Id, nil)
		w.want(t, 404, who, "GET", "/api/crisisroom/forms/"+all[0].Id+"/pdf", nil)
		w.want(t, 403, who, "GET", "/api/crisisroom/forms/register?direction=in", nil)
	}
	// The liaison sees exactly the forms distributed to its function.
	var pol []form
	w.ok(t, "tkeller", "GET", "/api/crisisroom/forms", nil).Decode(t, &pol)
	if len(pol) != 1 {
		t.Errorf("the police's liaison sees %d forms, want the one distributed to it", len(pol))
	}
	// A device, nobody.
	dev, _ := w.s.App.FindFirstRecordByData("devices", "username", "fax1")
	tok, _ := dev.NewAuthToken()
	devc := testkit.Client{Base: w.s.URL, Token: tok}
	for _, c := range []testkit.Client{devc, {Base: w.s.URL}} {
		if r := c.Do(t, "GET", "/api/crisisroom/forms", nil); r.Status != 401 && r.Status != 403 {
			t.Errorf("device/nobody lists forms: %s", r)
		}
	}
	// The records API is closed for everyone.
	for _, coll := range []string{"forms", "form_events", "staff_functions", "tasks", "briefings"} {
		r := w.do(t, "abecker", "GET", "/api/collections/"+coll+"/records", nil)
		if r.Status != 403 {
			t.Errorf("records API of %s: %s", coll, r)
		}
	}
}

func testPrint(t *testing.T, w *world) {
	f, err := w.s.App.FindFirstRecordByFilter("forms", `subject = "Deichbruch"`)
	if err != nil {
		t.Fatal(err)
	}
	pdf := w.ok(t, "abecker", "GET", "/api/crisisroom/forms/"+f.Id+"/pdf?copy=3", nil).Body
	text := pdftotext(t, pdf)
	for _, want := range []string{"Nachrichtenvordruck", "Eingang", "Blatt 3 (gelb)", "11 Text", "Deich Abschnitt 3 gebrochen.", "16 Verteilung", "[F] Leiter", "Florian Köln 3"} {
		if !strings.Contains(text, want) {
			t.Errorf("form PDF lacks %q:\n%s", want, text)
		}
	}
	reg := pdftotext(t, w.ok(t, "jwagner", "GET", "/api/crisisroom/forms/register?direction=in", nil).Body)
	for _, want := range []string{"Nachweisung Eingang", "E 1", "Deichbruch"} {
		if !strings.Contains(reg, want) {
			t.Errorf("register lacks %q", want)
		}
	}
}

func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	p := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(p, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func count(t *testing.T, app core.App, coll, filter string) int {
	t.Helper()
	rows, err := app.FindRecordsByFilter(coll, filter, "", 0, 0)
	if err != nil {
		t.Fatalf("count %s: %v", coll, err)
	}
	return len(rows)
}

func testRealtime(t *testing.T, w *world) {
	subscribe := func(who string) *testkit.SSE {
		c := testkit.OpenSSE(t, w.s.URL)
		c.Subscribe(t, w.as[who].Token, "staffwork/queues", "forms", "forms/*", "form_events", "tasks")
		return c
	}
	sichter, guest, police := subscribe("mschulz"), subscribe("gast.gutachter"), subscribe("lneumann")
	w.ok(t, "phoffmann", "POST", "/api/crisisroom/forms", map[string]any{"direction": "in", "priority": "blitz", "text": "Pegel 9,10 m"})
	heard := func(c *testkit.SSE) (ping, content bool) {
		for _, ev := range c.All() {
			if ev.Name == "staffwork/queues" {
				ping = true
			}
			if strings.Contains(ev.Raw, "Pegel 9,10 m") {
				content = true
			}
		}
		return
	}
	testkit.Eventually(t, 10*time.Second, "the Sichter's ping", func() bool { p, _ := heard(sichter); return p })
	time.Sleep(300 * time.Millisecond) // the others were handed theirs in the same pass
	for name, c := range map[string]*testkit.SSE{"Sichter": sichter, "guest": guest, "police member": police} {
		p, content := heard(c)
		if content {
			t.Errorf("the %s heard the form's text over realtime", name)
		}
		if p && name != "Sichter" {
			t.Errorf("the %s heard the ping", name)
		}
	}
}

func testFunctionEndsWithMembership(t *testing.T, w *world) {
	var before []form
	w.ok(t, "tkeller", "GET", "/api/crisisroom/forms", nil).Decode(t, &before)
	if len(before) == 0 {
		t.Fatal("the liaison sees no form to lose")
	}
	m, err := w.s.App.FindFirstRecordByFilter("memberships", "user = {:u} && organisation = {:o}",
		dbx.Params{"u": w.s.Demo.Users["tkeller"].Id, "o": w.s.Demo.Orgs["POL"].Id})
	if err != nil {
		t.Fatal(err)
	}
	m.Set("expires", time.Now().Add(-time.Minute).UTC().Format("2006-01-02 15:04:05.000Z"))
	if err := w.s.App.Save(m); err != nil {
		t.Fatal(err)
	}
	var after []form
	if r := w.do(t, "tkeller", "GET", "/api/crisisroom/forms", nil); r.Status == 200 {
		r.Decode(t, &after)
	}
	if len(after) != 0 {
		t.Errorf("the liaison still sees %d forms after the membership ended", len(after))
	}
	w.want(t, 404, "tkeller", "GET", "/api/crisisroom/forms/"+before[0].Id, nil)
}
