package callout_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/callout"
	"crisisroom/testkit"
)

// Wrong people against the call-out, the numbers and SMS answers.

func TestOnlyHostAdminsAndOperatorsCallOut(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	body := map[string]any{"text": "Probealarm", "organisations": []string{"KS"}}
	for _, u := range []string{"phoffmann", "tkeller", "lneumann", "sbraun", "gast.gutachter"} {
		if r := s.As(t, u).Do(t, "POST", "/api/crisisroom/callouts", body); r.Status != 403 {
			t.Errorf("%s started a call-out: %s", u, r)
		}
	}
	if r := s.As(t, "").Do(t, "POST", "/api/crisisroom/callouts", body); r.Status != 401 {
		t.Errorf("nobody started a call-out: %s", r)
	}
	n, _ := s.App.CountRecords("callouts")
	if n != 0 {
		t.Fatalf("%d call-outs after refusals", n)
	}
	for _, u := range []string{"abecker", "mschulz"} {
		if r := s.As(t, u).Do(t, "POST", "/api/crisisroom/callouts", body); r.Status != 200 {
			t.Errorf("%s could not call out: %s", u, r)
		}
	}
	// Bad input: clear refusals, nothing made.
	op := s.As(t, "jwagner")
	for _, b := range []map[string]any{
		{"text": "", "organisations": []string{"KS"}},
		{"text": "x", "organisations": []string{"GIBTSNICHT"}},
		{"text": "x", "functions": []string{"Niemand hat diese Funktion"}},
		{"text": "x", "organisations": []string{"KS"}, "priority": "laut"},
		{"text": "x", "organisations": []string{"KS"}, "remind_after_minutes": -5},
	} {
		if r := op.Do(t, "POST", "/api/crisisroom/callouts", b); r.Status != 400 || !strings.Contains(r.String(), " / ") {
			t.Errorf("%v: want a German/English refusal, got %s", b, r)
		}
	}
	if n, _ := s.App.CountRecords("callouts"); n != 2 {
		t.Errorf("%d call-outs, want the 2 allowed", n)
	}
	// A person answers only their own call-out.
	r := op.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Nur POL", "organisations": []string{"POL"}})
	id := r.JSON(t)["id"].(string)
	if a := s.As(t, "kvogel").Do(t, "POST", "/api/crisisroom/callouts/"+id+"/answer", map[string]any{"answer": "coming"}); a.Status != 404 {
		t.Errorf("a person not called answered: %s", a)
	}
	if a := s.As(t, "lneumann").Do(t, "POST", "/api/crisisroom/callouts/"+id+"/answer", map[string]any{"answer": "coming", "eta_minutes": 30}); a.Status != 200 {
		t.Errorf("the person called could not answer: %s", a)
	}
	// Recipients see their own row only, over REST.
	list := s.As(t, "lneumann").Do(t, "GET", "/api/collections/callout_recipients/records?perPage=200", nil)
	var page struct {
		Items []struct {
			User string `json:"user"`
		} `json:"items"`
	}
	list.Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].User != s.Demo.Users["lneumann"].Id {
		t.Errorf("lneumann lists %d call-out rows: %s", len(page.Items), list)
	}
}

func TestNumbersAreNotShownToPeers(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	lneumann := s.Demo.Users["lneumann"].Id // POL member
	// She enters her own number (national form refused, international accepted).
	me := s.As(t, "lneumann")
	if r := me.Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": "0170 1234567"}); r.Status != 400 {
		t.Errorf("national number accepted: %s", r)
	}
	const secret = "+4915112345678"
	if r := me.Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": "+49 151 1234 5678", "blitz_sms": true}); r.Status != 200 || !strings.Contains(r.String(), secret) {
		t.Fatalf("own number: %s", r)
	}
	// Who may see it: she, her organisation's admin, the host's admins and operators.
	for _, u := range []string{"lneumann", "tkeller", "abecker", "jwagner"} {
		if r := s.As(t, u).Do(t, "GET", "/api/crisisroom/phones/"+lneumann, nil); r.Status != 200 || !strings.Contains(r.String(), secret) {
			t.Errorf("%s cannot see it: %s", u, r)
		}
	}
	// Who may not: peers of other organisations (their admins too), a plain host member,
	// a guest, nobody, and a device.
	dev, _ := s.App.FindFirstRecordByData("devices", "username", "sms1")
	devTok, _ := dev.NewAuthToken()
	devClient := testkit.Client{Base: s.URL, Token: devTok}
	peers := map[string]testkit.Client{"nobody": s.As(t, ""), "device": devClient}
	for _, u := range []string{"sbraun", "kvogel", "sroth", "lfischer", "mschneider", "phoffmann", "gast.gutachter"} {
		peers[u] = s.As(t, u)
	}
	for name, c := range peers {
		for _, try := range []struct{ method, path string }{
			{"GET", "/api/crisisroom/phones/" + lneumann},
			{"GET", "/api/collections/user_phones/records"},
			{"GET", "/api/collections/user_phones/records?filter=" + strings.ReplaceAll(`number~"4915"`, `"`, "%22")},
			{"GET", "/api/collections/users/records/" + lneumann + "?expand=user_phones_via_user"},
			{"GET", "/api/collections/users/records?expand=user_phones_via_user&perPage=200"},
			{"GET", "/api/collections/callout_recipients/records?expand=user.user_phones_via_user"},
		} {
			r := c.Do(t, try.method, try.path, nil)
			if strings.Contains(r.String(), "4915112345678") {
				t.Errorf("%s %s as %s shows the number: %s", try.method, try.path, name, r)
			}
		}
		if r := c.Do(t, "PUT", "/api/crisisroom/phones/"+lneumann, map[string]any{"number": "+4917099999999"}); r.Status/100 == 2 {
			t.Errorf("%s changed her number: %s", name, r)
		}
	}
	// Her organisation's admin may change it; the host's operators only see it.
	if r := s.As(t, "jwagner").Do(t, "PUT", "/api/crisisroom/phones/"+lneumann, map[string]any{"number": "+4917099999999"}); r.Status != 403 {
		t.Errorf("a host operator changed a POL member's number: %s", r)
	}
	if r := s.As(t, "tkeller").Do(t, "PUT", "/api/crisisroom/phones/"+lneumann, map[string]any{"number": secret, "blitz_sms": true}); r.Status != 200 {
		t.Errorf("her admin could not change it: %s", r)
	}
	// Realtime: a peer following user_phones hears nothing of a change.
	sse := testkit.OpenSSE(t, s.URL)
	st, _ := sse.Subscribe(t, s.Token(t, "kvogel"), "user_phones", "user_phones/*", "users/"+lneumann+"?expand=user_phones_via_user")
	me.Do(t, "PUT", "/api/crisisroom/phones/me", map[string]any{"number": secret, "blitz_sms": false})
	time.Sleep(300 * time.Millisecond) // a bounded look: the event, if leaked, is sent at once
	for _, ev := range sse.All() {
		if strings.Contains(ev.Raw, "4915112345678") {
			t.Fatalf("realtime (subscribe %d) carried the number to kvogel: %s", st, ev.Raw)
		}
	}
}

func TestUnknownNumberAcknowledgesNothing(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	sim := fastSMS(t, s)
	app := s.App
	op := s.As(t, "jwagner")
	r := op.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Lage", "organisations": []string{"POL"}})
	if r.Status != 200 {
		t.Fatal(r)
	}
	id := r.JSON(t)["id"].(string)
	// tkeller and lneumann share a duty phone: an answer from it names neither.
	shared := callout.PhoneOf(app, s.Demo.Users["tkeller"].Id)
	p := callout.PhoneOf(app, s.Demo.Users["lneumann"].Id)
	p.Set("number", shared.GetString("number"))
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	// A Blitz for lneumann, sent by SMS, waiting for "OK".
	blitz := sendBlitzSMS(t, s, "lneumann")
	sim.Receive("+491799999999", "1 5")
	sim.Receive("+491799999999", "OK")
	sim.Receive(shared.GetString("number"), "1 10")
	sim.Receive(shared.GetString("number"), "OK")
	testkit.Eventually(t, 60*time.Second, "4 SMS received", func() bool {
		n, _ := app.CountRecords("sms_messages", dbx.HashExp{"direction": "in"})
		return n == 4
	})
	time.Sleep(300 * time.Millisecond) // handlers run after the record is stored
	rs, _ := app.FindRecordsByFilter("callout_recipients", "callout = {:c}", "", 0, 0, dbx.Params{"c": id})
	for _, rr := range rs {
		if rr.GetString("answer") != "" {
			t.Errorf("%s answered by an SMS that names nobody: %s", rr.GetString("name"), rr.GetString("answer"))
		}
	}
	rec, _ := app.FindFirstRecordByFilter("receipts", "message = {:m} && user = {:u}", dbx.Params{"m": blitz, "u": s.Demo.Users["lneumann"].Id})
	if rec.GetString("acked_at") != "" {
		t.Error("an SMS that names nobody acknowledged a Blitz")
	}
	ins, _ := app.FindRecordsByFilter("sms_messages", "direction = 'in'", "", 0, 0)
	for _, in := range ins {
		if !in.GetBool("unknown_sender") || in.GetString("purpose") == "answer" {
			t.Errorf("SMS from %s: unknown_sender %v, purpose %q", in.GetString("number"), in.GetBool("unknown_sender"), in.GetString("purpose"))
		}
	}
	// Her own number again: now "OK" acknowledges.
	p.Set("number", "+4915112345678")
	app.Save(p)
	sim.Receive("+4915112345678", "OK")
	testkit.Eventually(t, 60*time.Second, "Blitz acknowledged by SMS", func() bool {
		rec, _ := app.FindFirstRecordByFilter("receipts", "message = {:m} && user = {:u}", dbx.Params{"m": blitz, "u": s.Demo.Users["lneumann"].Id})
		return rec.GetString("acked_at") != ""
	})
}

// sendBlitzSMS writes a Blitz in a channel of username and waits until it went to
// them by SMS (opted in, not connected; the 60 s wait shortened).
func sendBlitzSMS(t *testing.T, s *testkit.Server, username string) string {
	t.Helper()
	app := s.App
	u := s.Demo.Users[username]
	p := callout.PhoneOf(app, u.Id)
	p.Set("blitz_sms", true)
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	// A channel both the author (tkeller) and the recipient are in.
	chs, err := app.FindRecordsByFilter("channel_members", "user = {:u} && channel.channel_members_via_channel.user ?= {:a}", "", 1, 0,
		dbx.Params{"u": u.Id, "a": s.Demo.Users["tkeller"].Id})
	if err != nil || len(chs) == 0 {
		t.Fatalf("%s shares no channel with tkeller: %v", username, err)
	}
	callout.BlitzDelay = 200 * time.Millisecond
	defer func() { callout.BlitzDelay = 60 * time.Second }()
	r := s.As(t, "tkeller").Do(t, "POST", "/api/collections/messages/records", map[string]any{"channel": chs[0].GetString("channel"), "author": s.Demo.Users["tkeller"].Id,
		"body": "Zugriff vorgezogen", "priority": "flash", "ack_required": true})
	if r.Status != 200 {
		t.Fatalf("Blitz: %s", r)
	}
	id := r.JSON(t)["id"].(string)
	testkit.Eventually(t, 60*time.Second, "receipt", func() bool {
		_, err := app.FindFirstRecordByFilter("receipts", "message = {:m} && user = {:u}", dbx.Params{"m": id, "u": u.Id})
		return err == nil
	})
	testkit.Eventually(t, 60*time.Second, "Blitz SMS", func() bool {
		n, _ := app.CountRecords("sms_messages", dbx.HashExp{"purpose": "blitz", "ref": id, "person": u.Id})
		return n == 1
	})
	return id
}

func TestSIMPINOnlyForThoseWhoManageTheModem(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	dev, err := s.App.FindFirstRecordByData("devices", "username", "sms1")
	if err != nil {
		t.Fatal(err)
	}
	for user, want := range map[string]bool{"phoffmann": false, "abecker": true, "jwagner": true} {
		r := s.As(t, user).Do(t, "GET", "/api/collections/devices/records/"+dev.Id, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %s", user, r)
		}
		if got := strings.Contains(string(r.Body), `"pin":"1234"`); got != want {
			t.Errorf("%s sees the SIM PIN: %v, want %v (%s)", user, got, want, r)
		}
	}
}

// Functions are picked, not guessed: a function nobody holds is refused even beside an
// organisation (it would silently call nobody), and the preview says how many a
// selection reaches; both only for the host's admins and operators.
func TestUnknownFunctionRefusedAndPreview(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	op := s.As(t, "jwagner")
	r := op.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "x", "organisations": []string{"POL"}, "functions": []string{"Verbindungsbeamtr"}})
	if r.Status != 400 || !strings.Contains(r.String(), "Verbindungsbeamtr") || !strings.Contains(r.String(), " / ") {
		t.Errorf("a misspelt function beside an organisation: %s", r)
	}
	if n, _ := s.App.CountRecords("callouts"); n != 0 {
		t.Errorf("%d call-outs made", n)
	}
	fns := op.Do(t, "GET", "/api/crisisroom/callouts/functions", nil)
	if fns.Status != 200 || !strings.Contains(string(fns.Body), `"Verbindungsbeamter"`) {
		t.Errorf("functions: %s", fns)
	}
	if p := op.Do(t, "POST", "/api/crisisroom/callouts/preview", map[string]any{"functions": []string{"Verbindungsbeamter"}}); p.Status != 200 || p.JSON(t)["total"].(float64) < 1 {
		t.Errorf("preview: %s", p)
	}
	if p := op.Do(t, "POST", "/api/crisisroom/callouts/preview", map[string]any{}); p.Status != 200 || p.JSON(t)["total"].(float64) != 0 {
		t.Errorf("empty preview: %s", p)
	}
	for _, u := range []string{"phoffmann", "tkeller", "sbraun", "gast.gutachter"} {
		c := s.As(t, u)
		if r := c.Do(t, "GET", "/api/crisisroom/callouts/functions", nil); r.Status != 403 {
			t.Errorf("%s lists the functions: %s", u, r)
		}
		if r := c.Do(t, "POST", "/api/crisisroom/callouts/preview", map[string]any{"organisations": []string{"POL"}}); r.Status != 403 {
			t.Errorf("%s previews a call-out: %s", u, r)
		}
	}
}
