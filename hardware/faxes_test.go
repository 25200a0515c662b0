package hardware_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"crisisroom/hardware/fax"
	"crisisroom/hardware/fax/sim"
	"crisisroom/hardware/faxgateway"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

func faxAPI(t *testing.T, s *testkit.Server, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	rep := testkit.Client{Base: s.URL, Token: token}.Do(t, method, path, body)
	var out map[string]any
	json.Unmarshal(rep.Body, &out)
	if out == nil {
		out = map[string]any{"raw": string(rep.Body)}
	}
	return rep.Status, out
}

func readFile(t *testing.T, app core.App, r *core.Record, name string) []byte {
	t.Helper()
	fsys, err := app.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	defer fsys.Close()
	rd, err := fsys.GetReader(r.BaseFilesPath() + "/" + name)
	if err != nil {
		t.Fatalf("file %s: %v", name, err)
	}
	defer rd.Close()
	b, _ := io.ReadAll(rd)
	return b
}

func countRecords(t *testing.T, app core.App, coll, filter string, params dbx.Params) int {
	t.Helper()
	recs, err := app.FindRecordsByFilter(coll, filter, "", 0, 0, params)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// addFaxDevice creates a fax device of org in channel with config; it returns the record
// and its MQTT password.
func addFaxDevice(t *testing.T, s *testkit.Server, username, org, channel string, config map[string]any) (*core.Record, string) {
	t.Helper()
	coll, _ := s.App.FindCollectionByNameOrId("devices")
	d := core.NewRecord(coll)
	d.Set("username", username)
	d.Set("name", "Fax "+username)
	d.Set("organisation", org)
	d.Set("kind", "fax")
	d.Set("driver", "fax-class2")
	d.Set("channel", channel)
	d.Set("config", config)
	d.SetPassword("geheim-" + username)
	if err := s.App.Save(d); err != nil {
		t.Fatal(err)
	}
	return d, "geheim-" + username
}

func postMessage(t *testing.T, s *testkit.Server, channel, author, body string) *core.Record {
	t.Helper()
	coll, _ := s.App.FindCollectionByNameOrId("messages")
	m := core.NewRecord(coll)
	m.Set("channel", channel)
	m.Set("author", s.Demo.Users[author].Id)
	m.Set("body", body)
	m.Set("source", "web")
	if err := s.App.Save(m); err != nil {
		t.Fatal(err)
	}
	return m
}

func testDemoSimulatorRings(t *testing.T, s *testkit.Server) {
	flood := s.Demo.Channels["Hochwasser Rhein"]
	dev, err := s.App.FindFirstRecordByData("devices", "username", faxgateway.DemoFaxUsername)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, "the demo fax line to be idle", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return d.GetString("state") == "idle" && d.GetBool("online")
	})

	// A member of the police may not make the room's fax ring.
	if code, _ := faxAPI(t, s, "POST", "/api/crisisroom/fax/fax1/test-ring", s.Token(t, "lneumann"), nil); code != 403 {
		t.Fatalf("test ring as a police member: %d, want 403", code)
	}
	if code, body := faxAPI(t, s, "POST", "/api/crisisroom/fax/fax1/test-ring", s.Token(t, "jwagner"), nil); code != 202 {
		t.Fatalf("test ring as operator: %d %v", code, body)
	}

	var in *core.Record
	testkit.Eventually(t, 30*time.Second, "the received fax", func() bool {
		in, _ = s.App.FindFirstRecordByFilter("faxes", `device = {:d} && direction = "in"`, dbx.Params{"d": dev.Id})
		return in != nil
	})
	if in.GetString("status") != "received" || in.GetInt("pages") != 2 || in.GetString("remote_id") != "+49 221 229 0" || in.GetString("channel") != flood.Id {
		t.Fatalf("fax record: status %q pages %d remote %q channel %q", in.GetString("status"), in.GetInt("pages"), in.GetString("remote_id"), in.GetString("channel"))
	}
	pdf := readFile(t, s.App, in, in.GetString("document"))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("document starts with %q", pdf[:min(8, len(pdf))])
	}
	if pages, err := fax.ReadPDF(pdf); err != nil || len(pages) != 2 {
		t.Fatalf("document holds %d pages (%v)", len(pages), err)
	}
	previews := in.GetStringSlice("previews")
	if len(previews) != 2 {
		t.Fatalf("%d previews", len(previews))
	}
	for _, p := range previews {
		img, err := png.Decode(bytes.NewReader(readFile(t, s.App, in, p)))
		if err != nil || img.Bounds().Dx() != 864 {
			t.Fatalf("preview %s: %v", p, err)
		}
	}

	msg, err := s.App.FindRecordById("messages", in.GetString("message"))
	if err != nil {
		t.Fatal(err)
	}
	if msg.GetString("channel") != flood.Id || msg.GetString("source") != "fax" || msg.GetString("device") != dev.Id {
		t.Fatalf("message: channel %q source %q device %q", msg.GetString("channel"), msg.GetString("source"), msg.GetString("device"))
	}
	if msg.GetString("body") != "Fax von +49 221 229 0, 2 Seiten" {
		t.Fatalf("message body %q", msg.GetString("body"))
	}
	att := msg.GetStringSlice("attachments")
	if len(att) != 3 || !strings.HasSuffix(att[0], ".pdf") || !strings.HasSuffix(att[1], ".png") {
		t.Fatalf("attachments %v", att)
	}
	if !bytes.HasPrefix(readFile(t, s.App, msg, att[0]), []byte("%PDF-")) {
		t.Fatal("the message's PDF is no PDF")
	}

	// Members of the channel see the fax and its pages; a stranger to the channel does not.
	code, list := faxAPI(t, s, "GET", "/api/collections/faxes/records?filter=direction='in'", s.Token(t, "lneumann"), nil)
	if code != 200 || list["totalItems"].(float64) != 1 {
		t.Fatalf("police member lists faxes: %d %v", code, list["totalItems"])
	}
	outsider, _ := tenancy.NewUser(s.App, "Olaf Außen", "oaussen", "passwort-lang-genug", "")
	code, list = faxAPI(t, s, "GET", "/api/collections/faxes/records", s.Token(t, outsider.GetString("username")), nil)
	if code != 200 || list["totalItems"].(float64) != 0 {
		t.Fatalf("outsider lists faxes: %d %v", code, list["totalItems"])
	}
}

// sendHarness is an appliance with a fax modem (the simulator) on a serial port driven
// in-process, as a real modem would be.
type sendHarness struct {
	s     *testkit.Server
	sim   *sim.Sim
	dev   *core.Record
	flood *core.Record
}

func newSendHarness(t *testing.T) *sendHarness {
	t.Helper()
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	m, err := sim.New(sim.Options{RemoteID: "+49 221 555 77"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	flood := s.Demo.Channels["Hochwasser Rhein"]
	dev, _ := addFaxDevice(t, s, "faxport", s.Demo.Orgs["KS"].Id, flood.Id, map[string]any{
		"port": m.Path(), "baud": 19200, "local_id": "+49 221 100 300", "retry_delays_ms": []int{50, 100},
	})
	testkit.Eventually(t, 20*time.Second, "the fax line to be idle", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return d.GetString("state") == "idle"
	})
	return &sendHarness{s: s, sim: m, dev: dev, flood: flood}
}

func (h *sendHarness) waitFax(t *testing.T, id string, statuses ...string) *core.Record {
	t.Helper()
	var r *core.Record
	testkit.Eventually(t, 20*time.Second, "fax "+id+" to be "+strings.Join(statuses, "/"), func() bool {
		r, _ = h.s.App.FindRecordById("faxes", id)
		for _, st := range statuses {
			if r != nil && r.GetString("status") == st {
				return true
			}
		}
		return false
	})
	return r
}

func testMessageSentAsFax(t *testing.T, h *sendHarness) {
	s := h.s
	msg := postMessage(t, s, h.flood.Id, "jwagner", "Pegel Rhein 8,92 m, steigend. Sandsäcke an die Uferstraße.")

	code, rec := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+msg.Id+"/fax", s.Token(t, "jwagner"), map[string]any{"number": "0221 12345", "device": "faxport"})
	if code != 201 {
		t.Fatalf("fax route: %d %v", code, rec)
	}
	id := rec["id"].(string)

	var got sim.Fax
	select {
	case got = <-h.sim.Faxes():
	case <-time.After(20 * time.Second):
		t.Fatal("the simulator received no fax")
	}
	if got.Number != "022112345" || got.LocalID != "+49 221 100 300" || len(got.Pages) != 1 {
		t.Fatalf("simulator got %q from %q, %d pages", got.Number, got.LocalID, len(got.Pages))
	}
	// The text was rendered: the page's body has ink, well below the header line.
	img := got.Pages[0].Image
	ink := 0
	for y := 150; y < 600; y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			if img.GrayAt(x, y).Y < 128 {
				ink++
			}
		}
	}
	if ink < 2000 {
		t.Fatalf("page body holds %d black pixels: no text rendered", ink)
	}

	r := h.waitFax(t, id, "sent")
	if r.GetInt("attempts") != 1 || r.GetInt("pages") != 1 || r.GetString("error") != "" || r.GetString("requested_by") != s.Demo.Users["jwagner"].Id {
		t.Fatalf("fax record: attempts %d pages %d error %q", r.GetInt("attempts"), r.GetInt("pages"), r.GetString("error"))
	}
	testkit.Eventually(t, 15*time.Second, "the system message", func() bool {
		return countRecords(t, s.App, "messages", `channel = {:c} && source = "system" && body = "Fax an 0221 12345 gesendet (1 Seite)"`, dbx.Params{"c": h.flood.Id}) == 1
	})
}

func testBusyRetriesThenFails(t *testing.T, h *sendHarness) {
	defer h.sim.SetFault(sim.FaultNone)
	s := h.s
	h.sim.SetFault(sim.FaultBusy)
	// Free text over REST, as the fax view sends it.
	code, rec := faxAPI(t, s, "POST", "/api/collections/faxes/records", s.Token(t, "mschulz"), map[string]any{
		"direction": "out", "channel": h.flood.Id, "device": h.dev.Id, "number": "+49 30 1234", "text": "Bitte Rückruf.", "requested_by": s.Demo.Users["mschulz"].Id,
		"status": "sent", // a client cannot claim success
	})
	if code != 200 {
		t.Fatalf("create fax: %d %v", code, rec)
	}
	id := rec["id"].(string)
	if rec["status"] != "queued" {
		t.Fatalf("new fax has status %v", rec["status"])
	}
	h.waitFax(t, id, "retrying", "failed")
	r := h.waitFax(t, id, "failed")
	if r.GetInt("attempts") != 3 || r.GetString("error") != "Die Gegenstelle ist besetzt." {
		t.Fatalf("failed fax: attempts %d error %q", r.GetInt("attempts"), r.GetString("error"))
	}
	testkit.Eventually(t, 15*time.Second, "the failure message", func() bool {
		return countRecords(t, s.App, "messages", `channel = {:c} && source = "system" && body = "Fax an +49 30 1234 fehlgeschlagen: Die Gegenstelle ist besetzt."`, dbx.Params{"c": h.flood.Id}) == 1
	})
}

func testSendRefusesTheWrongPerson(t *testing.T, s *testkit.Server) {
	flood, power, polIntern := s.Demo.Channels["Hochwasser Rhein"], s.Demo.Channels["Stromausfall Süd"], s.Demo.Channels["POL intern"]
	addFaxDevice(t, s, "faxpol", s.Demo.Orgs["POL"].Id, polIntern.Id, map[string]any{})
	inFlood := postMessage(t, s, flood.Id, "jwagner", "Lage 18:00")
	inPower := postMessage(t, s, power.Id, "mschulz", "Notstrom Klinikum läuft")
	inPol := postMessage(t, s, polIntern.Id, "tkeller", "Nur intern")

	cases := []struct {
		name, user, msg, device string
		want                    int
	}{
		{"no sign-in", "", inFlood.Id, "", 401},
		{"read-only guest", "gast.gutachter", inFlood.Id, "", 403},
		{"not in the channel", "sroth", inPol.Id, "", 404},
		{"device of an organisation outside the channel", "mschulz", inPower.Id, "faxpol", 403},
		{"bad number", "jwagner", inFlood.Id, "fax1", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tok := ""
			if c.user != "" {
				tok = s.Token(t, c.user)
			}
			number := "0221 4711"
			if c.name == "bad number" {
				number = "0221 4711; ATZ"
			}
			code, body := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+c.msg+"/fax", tok, map[string]any{"number": number, "device": c.device})
			if code != c.want {
				t.Fatalf("%d %v, want %d", code, body, c.want)
			}
		})
	}
	// Over REST, the same rules hold.
	code, body := faxAPI(t, s, "POST", "/api/collections/faxes/records", s.Token(t, "mschulz"), map[string]any{
		"direction": "out", "channel": power.Id, "device": "faxpol", "number": "0221 4711", "text": "x", "requested_by": s.Demo.Users["mschulz"].Id,
	})
	if code == 200 {
		t.Fatalf("REST fax through another organisation's device: %d %v", code, body)
	}
	if n := countRecords(t, s.App, "faxes", `direction = "out"`, nil); n != 0 {
		t.Fatalf("%d faxes created by refused requests", n)
	}
	// The room's fax is the host's line: a police member in the flood channel cannot
	// dial it, the host's staff can.
	if code, body := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+inFlood.Id+"/fax", s.Token(t, "lneumann"), map[string]any{"number": "0221 4711", "device": "fax1"}); code != 403 {
		t.Fatalf("police member faxes through the host's line: %d %v", code, body)
	}
	// Its own organisation's line, which takes part in the channel, it may use.
	if code, body := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+inFlood.Id+"/fax", s.Token(t, "lneumann"), map[string]any{"number": "0221 4711"}); code != 201 || body["device"] == nil {
		t.Fatalf("police member faxes a flood message through the police line: %d %v", code, body)
	}
	if code, body := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+inFlood.Id+"/fax", s.Token(t, "phoffmann"), map[string]any{"number": "0221 4711", "device": "fax1"}); code != 201 {
		t.Fatalf("host staff member faxes a flood message: %d %v", code, body)
	}
}

func mqttDevice(t *testing.T, s *testkit.Server, username, password string) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + s.MQTTAddr).SetClientID(username + "-test").
		SetUsername(username).SetPassword(password).SetConnectTimeout(5 * time.Second))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect as %s: %v", username, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(50) })
	return c
}

func testInboxRefusesBadPayloadsAndDuplicates(t *testing.T, s *testkit.Server) {
	flood := s.Demo.Channels["Hochwasser Rhein"]
	dev, pw := addFaxDevice(t, s, "faxremote", s.Demo.Orgs["KS"].Id, flood.Id, map[string]any{})
	c := mqttDevice(t, s, "faxremote", pw)
	errs := make(chan string, 10)
	if tok := c.Subscribe("crisisroom/device/faxremote/error", 1, func(_ paho.Client, m paho.Message) { errs <- string(m.Payload()) }); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	faxgateway.FaxesOf(s.App).MaxInbox = 200 << 10

	pages, _ := fax.RenderText("Lagemeldung", fax.RenderOptions{})
	good, err := fax.NewInboxMessage(&fax.Received{ID: "abc123", RemoteID: "+49 221 1", Pages: pages, ReceivedAt: time.Now(), Complete: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	variant := func(change func(m *fax.InboxMessage)) []byte {
		m := *good
		m.Previews = append([]string(nil), good.Previews...)
		change(&m)
		b, _ := json.Marshal(m)
		return b
	}
	bad := []struct {
		name    string
		payload []byte
		says    string
	}{
		{"broken JSON", []byte(`{"id":"x","document":`), "kein gültiges JSON"},
		{"bad base64 document", variant(func(m *fax.InboxMessage) { m.ID = "b1"; m.Document = "%%%not base64" }), "Dokument ist kein gültiges Base64"},
		{"bad base64 preview", variant(func(m *fax.InboxMessage) { m.ID = "b2"; m.Previews[0] = "!!" }), "Vorschau 1 ist kein gültiges Base64"},
		{"not a PDF", variant(func(m *fax.InboxMessage) { m.ID = "b3"; m.Document = "aGVsbG8=" }), "Dokument ist kein PDF"},
		{"oversized", variant(func(m *fax.InboxMessage) { m.ID = "b4"; m.Previews = append(m.Previews, strings.Repeat("A", 300<<10)) }), "Fax zu groß"},
	}
	for _, bc := range bad {
		t.Run(bc.name, func(t *testing.T) {
			c.Publish("crisisroom/fax/faxremote/inbox", 1, false, bc.payload).WaitTimeout(5 * time.Second)
			select {
			case e := <-errs:
				var rep struct{ Topic, Error string }
				json.Unmarshal([]byte(e), &rep)
				if rep.Topic != "crisisroom/fax/faxremote/inbox" || !strings.Contains(rep.Error, bc.says) {
					t.Fatalf("error report %s, want one saying %q", e, bc.says)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no error report")
			}
		})
	}
	if n := countRecords(t, s.App, "faxes", "device = {:d}", dbx.Params{"d": dev.Id}); n != 0 {
		t.Fatalf("%d faxes from bad payloads", n)
	}
	if n := countRecords(t, s.App, "messages", "device = {:d}", dbx.Params{"d": dev.Id}); n != 0 {
		t.Fatalf("%d messages from bad payloads", n)
	}

	// QoS 1 may deliver twice: one record.
	payload, _ := json.Marshal(good)
	for range 3 {
		c.Publish("crisisroom/fax/faxremote/inbox", 1, false, payload).WaitTimeout(5 * time.Second)
	}
	testkit.Eventually(t, 20*time.Second, "the fax", func() bool {
		return countRecords(t, s.App, "faxes", "device = {:d}", dbx.Params{"d": dev.Id}) >= 1
	})
	// A later, different fax is stored after the duplicates were handled, in order.
	other := variant(func(m *fax.InboxMessage) { m.ID = "def456" })
	c.Publish("crisisroom/fax/faxremote/inbox", 1, false, other).WaitTimeout(5 * time.Second)
	testkit.Eventually(t, 20*time.Second, "the second fax", func() bool {
		return countRecords(t, s.App, "faxes", "device = {:d}", dbx.Params{"d": dev.Id}) >= 2
	})
	time.Sleep(200 * time.Millisecond) // let any straggling duplicate be written, if it would be
	if n := countRecords(t, s.App, "faxes", "device = {:d}", dbx.Params{"d": dev.Id}); n != 2 {
		t.Fatalf("%d fax records, want 2", n)
	}
	if n := countRecords(t, s.App, "messages", "device = {:d} && source = 'fax'", dbx.Params{"d": dev.Id}); n != 2 {
		t.Fatalf("%d fax messages, want 2", n)
	}
	select {
	case e := <-errs:
		t.Fatalf("unexpected error report %s", e)
	default:
	}

	// Another device cannot post into this one's inbox (ACL): nothing arrives.
	_, pw2 := addFaxDevice(t, s, "faxother", s.Demo.Orgs["KS"].Id, flood.Id, map[string]any{})
	c2 := mqttDevice(t, s, "faxother", pw2)
	c2.Publish("crisisroom/fax/faxremote/inbox", 1, false, variant(func(m *fax.InboxMessage) { m.ID = "forged" })).WaitTimeout(2 * time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := countRecords(t, s.App, "faxes", "fax_id = 'forged'", nil); n != 0 {
		t.Fatal("a device wrote into another device's inbox")
	}
}

// A fax queued while its device is away waits, and goes out when the device connects.
func testQueuedUntilDeviceOnline(t *testing.T, s *testkit.Server) {
	flood := s.Demo.Channels["Hochwasser Rhein"]
	dev, pw := addFaxDevice(t, s, "faxaway", s.Demo.Orgs["KS"].Id, flood.Id, map[string]any{})
	msg := postMessage(t, s, flood.Id, "abecker", "Stabsbesprechung 19:00")
	code, rec := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+msg.Id+"/fax", s.Token(t, "abecker"), map[string]any{"number": "0221 999", "device": dev.Id})
	if code != 201 {
		t.Fatalf("%d %v", code, rec)
	}
	id := rec["id"].(string)
	time.Sleep(200 * time.Millisecond)
	r, _ := s.App.FindRecordById("faxes", id)
	if r.GetString("status") != "queued" || r.GetBool("dispatched") {
		t.Fatalf("fax for an offline device: status %q dispatched %v", r.GetString("status"), r.GetBool("dispatched"))
	}

	c := mqttDevice(t, s, "faxaway", pw)
	got := make(chan fax.SendRequest, 2)
	c.Subscribe("crisisroom/fax/faxaway/send", 1, func(_ paho.Client, m paho.Message) {
		var req fax.SendRequest
		json.Unmarshal(m.Payload(), &req)
		if m.Retained() {
			req.ID = "RETAINED"
		}
		got <- req
	}).WaitTimeout(5 * time.Second)
	// The subscription may come after the presence hand-over; a reconnect hands it again
	// only if it was not handed yet, so wait for either.
	var req fax.SendRequest
	select {
	case req = <-got:
	case <-time.After(10 * time.Second):
		r, _ := s.App.FindRecordById("faxes", id)
		t.Fatalf("no send request (dispatched %v)", r.GetBool("dispatched"))
	}
	if req.ID != id || req.Number != "0221 999" || !strings.Contains(req.Text, "Stabsbesprechung 19:00") || !strings.Contains(req.Text, "Von: Anna Becker") {
		t.Fatalf("send request %+v", req)
	}
	res, _ := json.Marshal(fax.SendResultMessage{ID: id, Status: "sent", Pages: 1, Attempt: 1})
	c.Publish("crisisroom/fax/faxaway/send/result", 1, false, res).WaitTimeout(5 * time.Second)
	testkit.Eventually(t, 20*time.Second, "sent", func() bool {
		r, _ := s.App.FindRecordById("faxes", id)
		return r.GetString("status") == "sent"
	})
}

// A picture attached to a message becomes a page of its own after the text.
func testMessageWithPictureSentAsTwoPages(t *testing.T, h *sendHarness) {
	s := h.s
	img := image.NewGray(image.Rect(0, 0, 400, 300))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y := 100; y < 200; y++ { // a black bar across the middle
		for x := 0; x < 400; x++ {
			img.Pix[y*img.Stride+x] = 0
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	coll, _ := s.App.FindCollectionByNameOrId("messages")
	msg := core.NewRecord(coll)
	msg.Set("channel", h.flood.Id)
	msg.Set("author", s.Demo.Users["jwagner"].Id)
	msg.Set("body", "Lagekarte anbei.")
	f, _ := filesystem.NewFileFromBytes(buf.Bytes(), "lagekarte.png")
	msg.Set("attachments", []*filesystem.File{f})
	if err := s.App.Save(msg); err != nil {
		t.Fatal(err)
	}
	code, rec := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+msg.Id+"/fax", s.Token(t, "jwagner"), map[string]any{"number": "0221 12345", "device": h.dev.Id})
	if code != 201 || rec["pages"].(float64) != 2 {
		t.Fatalf("fax route: %d %v", code, rec)
	}
	select {
	case got := <-h.sim.Faxes():
		if len(got.Pages) != 2 {
			t.Fatalf("simulator got %d pages", len(got.Pages))
		}
		// The picture page has the bar: a run of fully black lines.
		p := got.Pages[1].Image
		black := 0
		for y := 0; y < p.Bounds().Dy(); y++ {
			if p.GrayAt(p.Bounds().Dx()/2, y).Y < 128 && p.GrayAt(p.Bounds().Dx()/3, y).Y < 128 {
				black++
			}
		}
		if black < 100 {
			t.Fatalf("picture page has %d black lines", black)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the simulator received no fax")
	}
	h.waitFax(t, rec["id"].(string), "sent")
}

// The in-process driver follows its record: a new port restarts it, no port stops it.
func testDriverFollowsItsRecord(t *testing.T, h *sendHarness) {
	s := h.s
	second, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	dev, _ := s.App.FindRecordById("devices", h.dev.Id)
	dev.Set("config", map[string]any{"port": second.Path(), "local_id": "Zweites Modem"})
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	// Sends now go through the second modem.
	testkit.Eventually(t, 20*time.Second, "the driver on the new port", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return d.GetString("state") == "idle"
	})
	msg := postMessage(t, s, h.flood.Id, "jwagner", "Über das zweite Modem")
	if code, rec := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+msg.Id+"/fax", s.Token(t, "jwagner"), map[string]any{"number": "0221 1", "device": dev.Id}); code != 201 {
		t.Fatalf("%d %v", code, rec)
	}
	select {
	case got := <-second.Faxes():
		if got.LocalID != "Zweites Modem" {
			t.Fatalf("second modem got a fax from %q", got.LocalID)
		}
	case got := <-h.sim.Faxes():
		t.Fatalf("the old modem still sends (%q)", got.Number)
	case <-time.After(20 * time.Second):
		t.Fatal("no fax through the second modem")
	}

	// Without a port the device is driven elsewhere (crisisroom bridge): the appliance lets go.
	dev, _ = s.App.FindRecordById("devices", dev.Id)
	dev.Set("config", map[string]any{})
	if err := s.App.Save(dev); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, "the driver to stop", func() bool {
		return !faxgateway.FaxesOf(s.App).Running(dev.Id)
	})

	// A deleted device's driver stops too.
	gone, _ := addFaxDevice(t, s, "faxgone", s.Demo.Orgs["KS"].Id, h.flood.Id, map[string]any{"port": second.Path()})
	testkit.Eventually(t, 20*time.Second, "the new device's driver", func() bool { return faxgateway.FaxesOf(s.App).Running(gone.Id) })
	if err := s.App.Delete(gone); err != nil {
		t.Fatal(err)
	}
	testkit.Eventually(t, 20*time.Second, "the deleted device's driver to stop", func() bool { return !faxgateway.FaxesOf(s.App).Running(gone.Id) })
}

// One appliance for the checks that need no modem of their own: each uses its own
// devices, so they do not see each other's faxes.
func TestFaxGateway(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	t.Run("demo simulator rings", func(t *testing.T) { testDemoSimulatorRings(t, s) })
	t.Run("send refuses the wrong person", func(t *testing.T) { testSendRefusesTheWrongPerson(t, s) })
	t.Run("inbox refuses bad payloads and duplicates", func(t *testing.T) { testInboxRefusesBadPayloadsAndDuplicates(t, s) })
	t.Run("queued until the device is online", func(t *testing.T) { testQueuedUntilDeviceOnline(t, s) })
	t.Run("inbox of a device whose organisation left the channel", func(t *testing.T) { testInboxAfterRemoval(t, s) })
}

// An organisation taken out of a shared channel no longer writes into it through its fax
// line either: a fax its device receives afterwards is kept, outside the channel.
func testInboxAfterRemoval(t *testing.T, s *testkit.Server) {
	ks, fw := s.Demo.Orgs["KS"].Id, s.Demo.Orgs["FW"].Id
	ch, err := tenancy.NewChannel(s.App, ks, "shared", "Fax nach Austritt", "", []string{ks, fw}, s.Demo.Users["jwagner"].Id)
	if err != nil {
		t.Fatal(err)
	}
	dev, pw := addFaxDevice(t, s, "faxfw-austritt", fw, ch.Id, map[string]any{})
	if code, body := faxAPI(t, s, "PATCH", "/api/collections/channels/records/"+ch.Id, s.Token(t, "jwagner"), map[string]any{"organisations": []string{ks}}); code != 200 {
		t.Fatalf("remove FW from the channel: %d %v", code, body)
	}
	c := mqttDevice(t, s, "faxfw-austritt", pw)
	pages, _ := fax.RenderText("Nach dem Austritt", fax.RenderOptions{})
	msg, err := fax.NewInboxMessage(&fax.Received{ID: "nach-austritt", RemoteID: "+49 221 9", Pages: pages, ReceivedAt: time.Now(), Complete: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(msg)
	c.Publish("crisisroom/fax/faxfw-austritt/inbox", 1, false, payload).WaitTimeout(5 * time.Second)
	testkit.Eventually(t, 20*time.Second, "the fax kept", func() bool {
		return countRecords(t, s.App, "faxes", "device = {:d}", dbx.Params{"d": dev.Id}) == 1
	})
	if n := countRecords(t, s.App, "faxes", "device = {:d} && channel = ''", dbx.Params{"d": dev.Id}); n != 1 {
		t.Errorf("the fax was filed into the channel its organisation left")
	}
	if n := countRecords(t, s.App, "messages", "channel = {:c}", dbx.Params{"c": ch.Id}); n != 0 {
		t.Errorf("%d messages in the channel from a device of an organisation that left it", n)
	}
}

// One appliance with a modem on a serial port, driven in-process.
func TestFaxSending(t *testing.T) {
	h := newSendHarness(t)
	t.Run("message", func(t *testing.T) { testMessageSentAsFax(t, h) })
	t.Run("message with picture", func(t *testing.T) { testMessageWithPictureSentAsTwoPages(t, h) })
	t.Run("busy, retrying, failed", func(t *testing.T) { testBusyRetriesThenFails(t, h) })
	t.Run("driver follows its record", func(t *testing.T) { testDriverFollowsItsRecord(t, h) })
}

// A fax the modem was still trying when the appliance stopped is sent after it starts
// again: its driver's memory is gone, the record is not.
func TestFaxSurvivesApplianceRestart(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	busy, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busy.SetFault(sim.FaultBusy)
	flood := s.Demo.Channels["Hochwasser Rhein"]
	dev, _ := addFaxDevice(t, s, "faxrestart", s.Demo.Orgs["KS"].Id, flood.Id, map[string]any{"port": busy.Path(), "retry_delays_ms": []int{600000}})
	testkit.Eventually(t, 20*time.Second, "the line idle", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return d.GetString("state") == "idle"
	})
	msg := postMessage(t, s, flood.Id, "jwagner", "Nach dem Neustart")
	code, rec := faxAPI(t, s, "POST", "/api/crisisroom/messages/"+msg.Id+"/fax", s.Token(t, "jwagner"), map[string]any{"number": "0221 42", "device": dev.Id})
	if code != 201 {
		t.Fatalf("%d %v", code, rec)
	}
	id := rec["id"].(string)
	testkit.Eventually(t, 15*time.Second, "retrying", func() bool {
		r, _ := s.App.FindRecordById("faxes", id)
		return r.GetString("status") == "retrying"
	})

	// The modem is replaced while the appliance is down.
	fresh, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	cfg, _ := json.Marshal(map[string]any{"port": fresh.Path()})
	if _, err := s.App.DB().NewQuery("UPDATE devices SET config = {:c} WHERE id = {:id}").Bind(dbx.Params{"c": string(cfg), "id": dev.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	// Only the fax matters here: the demo's simulated sirens stay off in the second run.
	if _, err := s.App.DB().NewQuery("UPDATE devices SET config = '{}' WHERE kind != 'fax'").Execute(); err != nil {
		t.Fatal(err)
	}
	s2 := testkit.StartServer(t, testkit.Options{DataDir: s.App.DataDir()})
	select {
	case got := <-fresh.Faxes():
		if got.Number != "022142" {
			t.Fatalf("fresh modem got %q", got.Number)
		}
	case <-time.After(20 * time.Second):
		r, _ := s2.App.FindRecordById("faxes", id)
		d, _ := s2.App.FindRecordById("devices", dev.Id)
		t.Fatalf("the fax was not sent after the restart (status %q, dispatched %v; device state %q config %s, driven %v)", r.GetString("status"), r.GetBool("dispatched"), d.GetString("state"), d.GetString("config"), faxgateway.FaxesOf(s2.App).Running(dev.Id))
	}
	testkit.Eventually(t, 20*time.Second, "sent after the restart", func() bool {
		r, _ := s2.App.FindRecordById("faxes", id)
		return r.GetString("status") == "sent"
	})
}
