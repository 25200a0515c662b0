package callout_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/callout"
	"crisisroom/testkit"
)

// F7: the SMS log must not show the host's operators the internal Blitz messages of
// another organisation (POL intern), whether listed, viewed, filtered, expanded or heard
// live; the text stays for people who may read the channel.
func TestSMSLogHidesOtherOrganisationsBlitz(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	sim := fastSMS(t, s)
	app := s.App
	ln := s.Demo.Users["lneumann"]
	p := callout.PhoneOf(app, ln.Id)
	p.Set("blitz_sms", true)
	if err := app.Save(p); err != nil {
		t.Fatal(err)
	}
	number := p.GetString("number")
	ch := s.Demo.Channels["POL intern"]
	if ch == nil {
		t.Fatal("no POL intern")
	}
	// jwagner (host operator) listens to the SMS log live from before the Blitz.
	sse := testkit.OpenSSE(t, s.URL)
	sse.Subscribe(t, s.Token(t, "jwagner"), "sms_messages", "sms_messages/*", "sms_messages/*?expand=person")

	const secret = "Zugriffsplanung Razzia Nordstadt"
	callout.BlitzDelay = 200 * time.Millisecond
	defer func() { callout.BlitzDelay = 60 * time.Second }()
	r := s.As(t, "tkeller").Do(t, "POST", "/api/collections/messages/records", map[string]any{"channel": ch.Id, "author": s.Demo.Users["tkeller"].Id,
		"body": secret, "priority": "flash", "ack_required": true})
	if r.Status != 200 {
		t.Fatalf("Blitz: %s", r)
	}
	msg := r.JSON(t)["id"].(string)
	testkit.Eventually(t, 60*time.Second, "Blitz SMS to lneumann", func() bool {
		n, _ := app.CountRecords("sms_messages", dbx.HashExp{"purpose": "blitz", "ref": msg, "person": ln.Id})
		return n == 1
	})
	sim.Receive(number, "OK")
	testkit.Eventually(t, 60*time.Second, "her OK", func() bool {
		n, _ := app.CountRecords("sms_messages", dbx.HashExp{"direction": "in"})
		return n == 1
	})
	blitz, _ := app.FindFirstRecordByFilter("sms_messages", "purpose = 'blitz' && ref = {:m}", dbx.Params{"m": msg})
	if !strings.Contains(blitz.GetString("text"), secret) {
		t.Fatalf("the stored SMS lacks the text: %q", blitz.GetString("text"))
	}
	// The channel's messages are closed to jwagner; so must be its Blitz in the SMS log.
	jw := s.As(t, "jwagner")
	if r := jw.Do(t, "GET", "/api/collections/messages/records/"+msg, nil); r.Status/100 == 2 {
		t.Fatalf("the scene is wrong: jwagner reads POL intern: %s", r)
	}
	q := url.QueryEscape
	for _, path := range []string{
		"/api/collections/sms_messages/records?perPage=200&expand=person",
		"/api/collections/sms_messages/records/" + blitz.Id,
		"/api/collections/sms_messages/records?filter=" + q("text~'Razzia'"),
		"/api/collections/sms_messages/records?filter=" + q("text~'BLITZ POL'"),
		"/api/collections/sms_messages/records?sort=text",
		"/api/collections/users/records/" + ln.Id + "?expand=sms_messages_via_person",
		"/api/collections/users/records?filter=" + q("sms_messages_via_person.text~'Razzia'"),
		"/api/collections/devices/records?expand=sms_messages_via_device",
	} {
		r := jw.Do(t, "GET", path, nil)
		body := string(r.Body)
		if strings.Contains(body, "Razzia") || strings.Contains(body, "BLITZ POL") {
			t.Errorf("jwagner GET %s shows the POL Blitz: %s", path, body)
		}
		if strings.Contains(path, "filter=") && r.Status == 200 && !strings.Contains(body, `"totalItems":0`) {
			t.Errorf("jwagner GET %s finds something by the Blitz's text: %s", path, body)
		}
	}
	// What jwagner may read stays: the placeholder, the log's status, and her number
	// (the host's operators may see numbers).
	view := jw.Do(t, "GET", "/api/collections/sms_messages/records/"+blitz.Id, nil)
	if !strings.Contains(string(view.Body), "Blitz aus einem Kanal, den Sie nicht lesen") || !strings.Contains(string(view.Body), number) {
		t.Errorf("jwagner's view of the Blitz SMS: %s", view)
	}
	time.Sleep(300 * time.Millisecond)
	for _, ev := range sse.All() {
		if strings.Contains(ev.Raw, "Razzia") || strings.Contains(ev.Raw, "BLITZ POL") {
			t.Fatalf("realtime carried the POL Blitz to jwagner: %s", ev.Raw)
		}
	}
	// The host's own SMS (a call-out) stay readable in the log.
	if r := jw.Do(t, "POST", "/api/crisisroom/callouts", map[string]any{"text": "Lagebesprechung vorgezogen", "organisations": []string{"POL"}}); r.Status != 200 {
		t.Fatal(r)
	}
	testkit.Eventually(t, 60*time.Second, "call-out SMS readable in the log", func() bool {
		return strings.Contains(string(jw.Do(t, "GET", "/api/collections/sms_messages/records?perPage=200&filter="+q("purpose='callout'"), nil).Body), "Lagebesprechung vorgezogen")
	})
}
