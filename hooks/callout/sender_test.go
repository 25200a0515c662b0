package callout_test

import (
	"encoding/json"
	"github.com/pocketbase/dbx"
	"net/url"
	"strings"
	"testing"

	"crisisroom/hooks/callout"
	"crisisroom/testkit"
)

// The banner says who called out: a person called reads, with the call-out, the
// sender's name, organisation and function ("sender"), and nothing else of the sender
// or of the others called (no e-mail, no mobile number, no other recipient's row);
// people not called read no call-out at all, so no sender either.
func TestCalloutSenderForThoseCalledOnly(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	op := s.As(t, "jwagner")
	// The sender's and a fellow recipient's numbers: neither may reach the banner.
	const senderNumber, peerNumber = "+4915188811122", "+4915177733344"
	if r := op.Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": senderNumber}); r.Status != 200 {
		t.Fatal(r)
	}
	if r := s.As(t, "tkeller").Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": peerNumber}); r.Status != 200 {
		t.Fatal(r)
	}
	r := op.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Lagebesprechung 03:30", "organisations": []string{"POL"}})
	if r.Status != 200 {
		t.Fatal(r)
	}
	id := r.JSON(t)["id"].(string)
	sender := s.Demo.Users["jwagner"]
	secrets := []string{senderNumber, peerNumber, "4915188811122", "4915177733344", sender.GetString("email"), "Thomas Keller", s.Demo.Users["tkeller"].Id}

	// What the banner reads: her own rows with the call-out expanded.
	q := url.QueryEscape(`user = "` + s.Demo.Users["lneumann"].Id + `" && answer = "" && callout.status = "active"`)
	list := s.As(t, "lneumann").Do(t, "GET", "/api/collections/callout_recipients/records?perPage=10&sort=-created&expand=callout&filter="+q, nil)
	var page struct {
		Items []struct {
			User   string `json:"user"`
			Expand struct {
				Callout map[string]any `json:"callout"`
			} `json:"expand"`
		} `json:"items"`
	}
	list.Decode(t, &page)
	if len(page.Items) != 1 {
		t.Fatalf("her banner rows: %s", list)
	}
	var got callout.Sender
	b, _ := json.Marshal(page.Items[0].Expand.Callout["sender"])
	_ = json.Unmarshal(b, &got)
	if got.Name != "Jonas Wagner" || got.Organisation != "KS" || got.Function != "S2, ETB" {
		t.Errorf("the banner's sender: %+v (%s)", got, list)
	}
	for _, x := range secrets {
		if x != "" && strings.Contains(string(list.Body), x) {
			t.Errorf("the banner's data shows %q: %s", x, list)
		}
	}
	// The sender's keys are these four, nothing more.
	var keys map[string]any
	_ = json.Unmarshal(b, &keys)
	for k := range keys {
		if k != "name" && k != "organisation" && k != "function" && k != "role" {
			t.Errorf("sender has %q", k)
		}
	}
	// Also through the call-out itself, and expanding the sender's user record.
	for _, path := range []string{
		"/api/collections/callouts/records/" + id,
		"/api/collections/callouts/records?expand=created_by",
		"/api/collections/callout_recipients/records?expand=callout.created_by,user",
	} {
		c := s.As(t, "lneumann").Do(t, "GET", path, nil)
		if c.Status != 200 {
			t.Errorf("%s: %s", path, c)
		}
		for _, x := range secrets {
			if x != "" && strings.Contains(string(c.Body), x) {
				t.Errorf("%s shows %q: %s", path, x, c)
			}
		}
	}
	// Nor counted through an expanded back-relation: PocketBase leaves the ids of every
	// row of the call-out on the record it expands, the others' rows among them.
	others, err := s.App.FindAllRecords("callout_recipients", dbx.NewExp("callout = {:c} AND user != {:u}", dbx.Params{"c": id, "u": s.Demo.Users["lneumann"].Id}))
	if err != nil || len(others) == 0 {
		t.Fatalf("the other rows of the call-out: %d %v", len(others), err)
	}
	for _, path := range []string{
		"/api/collections/callouts/records?expand=callout_recipients_via_callout",
		"/api/collections/callouts/records/" + id + "?expand=callout_recipients_via_callout",
		"/api/collections/callouts/records?fields=id,callout_recipients_via_callout&expand=callout_recipients_via_callout",
		"/api/collections/callout_recipients/records?expand=callout.callout_recipients_via_callout",
	} {
		c := s.As(t, "lneumann").Do(t, "GET", path, nil)
		for _, o := range others {
			if strings.Contains(string(c.Body), o.Id) {
				t.Errorf("%s shows another person's row %s: %s", path, o.Id, c)
			}
		}
	}
	// Nor guessed by filters through the call-out: the other rows of the call-out (their
	// names, their numbers) and the sender's number. Her own row answers (the probe works).
	for f, want := range map[string]int{
		`callout.callout_recipients_via_callout.name ?~ "Laura"`:                                     1,
		`callout.callout_recipients_via_callout.name ?~ "Thomas"`:                                    0,
		`callout.callout_recipients_via_callout.user ?= "` + s.Demo.Users["tkeller"].Id + `"`:        0,
		`callout.callout_recipients_via_callout.user.user_phones_via_user.number ?~ "4915177733344"`: -1,
		`callout.created_by.user_phones_via_user.number ?~ "4915188811122"`:                          -1,
	} {
		v := s.As(t, "lneumann").Do(t, "GET", "/api/collections/callout_recipients/records?filter="+url.QueryEscape(f), nil)
		var p struct {
			TotalItems int `json:"totalItems"`
		}
		v.Decode(t, &p)
		if (want < 0 && v.Status == 200 && p.TotalItems > 0) || (want >= 0 && (v.Status != 200 || p.TotalItems != want)) {
			t.Errorf("filter %s: %d items (want %d): %s", f, p.TotalItems, want, v)
		}
	}
	// Not called (FW, a host member, a guest, nobody): no call-out, no sender.
	for _, u := range []string{"kvogel", "phoffmann", "gast.gutachter", ""} {
		c := s.As(t, u)
		if v := c.Do(t, "GET", "/api/collections/callouts/records/"+id, nil); v.Status == 200 || strings.Contains(string(v.Body), "Jonas Wagner") {
			t.Errorf("%q reads the call-out: %s", u, v)
		}
		for _, path := range []string{"/api/collections/callouts/records", "/api/collections/callout_recipients/records?expand=callout"} {
			if v := c.Do(t, "GET", path, nil); strings.Contains(string(v.Body), "Jonas Wagner") || strings.Contains(string(v.Body), "Lagebesprechung") {
				t.Errorf("%q %s: %s", u, path, v)
			}
		}
	}
	// One staff function is named in full; without one, the job title, with the role.
	r2 := s.As(t, "mschulz").Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Zweite", "organisations": []string{"FW"}})
	co2, err := s.App.FindRecordById("callouts", r2.JSON(t)["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := callout.SenderOf(s.App, co2); !ok || got.Name != "Miriam Schulz" || got.Function != "S3, Sichter" || got.Role != "operator" {
		t.Errorf("mschulz (S3 and Sichter) as sender: %+v %v", got, ok)
	}
	sichter, err := s.App.FindFirstRecordByData("staff_functions", "code", "Sichter")
	if err != nil {
		t.Fatal(err)
	}
	if r := s.As(t, "abecker").Do(t, "POST", "/api/crisisroom/functions/"+sichter.Id+"/holders", map[string]any{"user": s.Demo.Users["mschulz"].Id, "remove": true}); r.Status != 200 {
		t.Fatal(r)
	}
	if got, _ := callout.SenderOf(s.App, co2); got.Function != "S3 – Einsatz" {
		t.Errorf("mschulz (S3 only) as sender: %+v", got)
	}
	// The host's operators see the sender in their list of call-outs too.
	if v := s.As(t, "mschulz").Do(t, "GET", "/api/collections/callouts/records", nil); !strings.Contains(string(v.Body), `"name":"Jonas Wagner"`) {
		t.Errorf("the operators' list: %s", v)
	}
}

// Before sending, the preview says when the selection calls only the caller (self);
// a selection that reaches nobody is refused in both languages and makes nothing; a
// count of one person is "1 Person" in the overview's words.
func TestCalloutPreviewSelfAndNobody(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	op := s.As(t, "jwagner") // holds S2 alone
	selfOnly := func(body map[string]any) (int, bool) {
		t.Helper()
		r := op.Do(t, "POST", "/api/crisisroom/callouts/preview", body)
		if r.Status != 200 {
			t.Fatalf("preview %v: %s", body, r)
		}
		var p struct {
			Total int  `json:"total"`
			Self  bool `json:"self"`
		}
		r.Decode(t, &p)
		return p.Total, p.Self
	}
	if n, self := selfOnly(map[string]any{"functions": []string{"S2"}}); n != 1 || !self {
		t.Errorf("S2 (jwagner himself): total %d, self %v", n, self)
	}
	if n, self := selfOnly(map[string]any{"organisations": []string{"POL"}}); n < 1 || self {
		t.Errorf("POL: total %d, self %v", n, self)
	}
	if n, self := selfOnly(map[string]any{"organisations": []string{"KS"}}); n < 2 || !self {
		t.Errorf("KS (with him): total %d, self %v", n, self)
	}
	if n, self := selfOnly(map[string]any{}); n != 0 || self {
		t.Errorf("nothing picked: total %d, self %v", n, self)
	}
	for _, body := range []map[string]any{
		{"text": "Niemand"},
		{"text": "Niemand", "organisations": []string{}, "functions": []string{}, "users": []string{}},
		{"text": "Niemand", "users": []string{"gibtsnicht12345"}},
	} {
		r := op.Do(t, "POST", "/api/crisisroom/callouts", body)
		if r.Status != 400 || !strings.Contains(string(r.Body), "Niemand würde alarmiert") || !strings.Contains(string(r.Body), "Nobody would be alarmed") {
			t.Errorf("%v: want the refusal of nobody, got %s", body, r)
		}
	}
	if n, _ := s.App.CountRecords("callouts"); n != 0 {
		t.Fatalf("%d call-outs of nobody", n)
	}
	// Only himself: allowed (a test of his own phone), and said in the singular.
	r := op.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Probe", "users": []string{s.Demo.Users["jwagner"].Id}})
	if r.Status != 200 {
		t.Fatal(r)
	}
	var ov struct {
		Total     int    `json:"total"`
		Selection string `json:"selection"`
	}
	r.Decode(t, &ov)
	if ov.Total != 1 || ov.Selection != "1 Person" {
		t.Errorf("a call-out of himself: total %d, selection %q", ov.Total, ov.Selection)
	}
	if callout.Personen(1) != "1 Person" || callout.Personen(0) != "0 Personen" || callout.Personen(4) != "4 Personen" {
		t.Errorf("Personen: %q %q %q", callout.Personen(1), callout.Personen(0), callout.Personen(4))
	}
}
