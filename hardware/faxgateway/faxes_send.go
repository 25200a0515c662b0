package faxgateway

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // photos attached to a message become fax pages
	_ "image/png"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hardware"
	"crisisroom/hardware/fax"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
	"crisisroom/imagebound"
)

// Limits of one outgoing fax.
const (
	maxFaxImages     = 10
	maxFaxImageBytes = 10 << 20
	maxFaxTextRunes  = 20000
)

// FaxRequest is the body of POST /api/crisisroom/messages/{id}/fax.
type FaxRequest struct {
	Number string `json:"number"`
	Device string `json:"device"` // id or username; empty: the channel's fax device
}

func (f *Faxes) bindOutgoing(app core.App) {
	// A fax created over REST (free text, or a message) is checked and rendered here;
	// the collection's create rule has already required a channel writer.
	app.OnRecordCreateRequest("faxes").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth == nil || e.Auth.Collection().Name != "users" {
			return apperr.Forbidden("fax.only_signed_people_send")
		}
		if err := f.prepareOutgoing(e.App, e.Record, e.Auth); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnRecordAfterCreateSuccess("faxes").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("direction") == "out" && e.Record.GetString("status") == "queued" {
			id := e.Record.Id
			go f.dispatch(id)
			audit.Write(e.App, audit.Entry{Actor: f.requester(e.App, e.Record), Action: "fax.queued", Target: id,
				Organisation: f.deviceOrg(e.App, e.Record.GetString("device")),
				Data:         map[string]any{"number": e.Record.GetString("number"), "channel": e.Record.GetString("channel"), "message": e.Record.GetString("message")}})
		}
		return e.Next()
	})
}

func (f *Faxes) requester(app core.App, r *core.Record) *core.Record {
	u, _ := app.FindRecordById("users", r.GetString("requested_by"))
	return u
}

func (f *Faxes) deviceOrg(app core.App, id string) string {
	d, err := app.FindRecordById("devices", id)
	if err != nil {
		return ""
	}
	return d.GetString("organisation")
}

func (f *Faxes) routes(e *core.ServeEvent) {
	e.Router.POST("/api/crisisroom/messages/{id}/fax", f.handleFaxMessage).Bind(apis.RequireAuth("users"), apis.BodyLimit(16<<10))
	e.Router.GET("/api/crisisroom/fax/devices", f.handleFaxDevices).Bind(apis.RequireAuth("users"))
	e.Router.POST("/api/crisisroom/fax/{device}/test-ring", f.handleTestRing).Bind(apis.RequireAuth("users"))
}

// handleFaxMessage sends a message of a channel out as a fax.
func (f *Faxes) handleFaxMessage(re *core.RequestEvent) error {
	var body FaxRequest
	if err := re.BindBody(&body); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_not_json", err)
	}
	msg, err := re.App.FindRecordById("messages", re.Request.PathValue("id"))
	if err != nil || msg.GetBool("deleted") || tenancy.ChannelMember(re.App, msg.GetString("channel"), re.Auth.Id) == nil {
		return apperr.NotFound("common.message_not_found")
	}
	coll, err := re.App.FindCachedCollectionByNameOrId("faxes")
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	rec := core.NewRecord(coll)
	rec.Set("channel", msg.GetString("channel"))
	rec.Set("message", msg.Id)
	rec.Set("number", body.Number)
	rec.Set("device", body.Device)
	if err := f.prepareOutgoing(re.App, rec, re.Auth); err != nil {
		return err
	}
	if err := re.App.Save(rec); err != nil {
		return apperr.New(http.StatusBadRequest, "fax.fax_not_created", err)
	}
	return re.JSON(201, rec)
}

// faxDevicesFor lists the fax devices of the organisations taking part in a channel, the
// channel's own device first.
func faxDevicesFor(app core.App, ch *core.Record) []*core.Record {
	orgs := append([]string{ch.GetString("organisation")}, ch.GetStringSlice("organisations")...)
	var out []*core.Record
	devs, err := app.FindRecordsByFilter("devices", `kind = "fax"`, "name", 0, 0)
	if err != nil {
		return nil
	}
	for _, d := range devs {
		if slices.Contains(orgs, d.GetString("organisation")) {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b *core.Record) int {
		ac, bc := a.GetString("channel") == ch.Id, b.GetString("channel") == ch.Id
		switch {
		case ac && !bc:
			return -1
		case bc && !ac:
			return 1
		}
		return 0
	})
	return out
}

// handleFaxDevices answers GET /api/crisisroom/fax/devices?channel=ID: the fax devices a
// member of the channel may send through, with their line state.
func (f *Faxes) handleFaxDevices(re *core.RequestEvent) error {
	chId := re.Request.URL.Query().Get("channel")
	ch, err := re.App.FindRecordById("channels", chId)
	if err != nil || tenancy.ChannelMember(re.App, chId, re.Auth.Id) == nil {
		return apperr.NotFound("fax.channel_not_found")
	}
	type item struct {
		Id     string `json:"id"`
		Name   string `json:"name"`
		State  string `json:"state"`
		Online bool   `json:"online"`
		// Simulator: the demo's simulated modem, which can be made to ring.
		Simulator bool `json:"simulator"`
	}
	list := []item{}
	for _, d := range faxDevicesFor(re.App, ch) {
		if !hardware.MayFaxThrough(re.App, re.Auth.Id, d, ch) {
			continue
		}
		name := d.GetString("name")
		if name == "" {
			name = d.GetString("username")
		}
		list = append(list, item{d.Id, name, d.GetString("state"), d.GetBool("online") || f.running(d.Id), f.Simulator(d.Id) != nil})
	}
	return re.JSON(200, list)
}

// cleanFaxNumber keeps what a modem dials; anything else is refused, not dropped, so a
// typo is not faxed to a wrong number.
func cleanFaxNumber(n string) (string, bool) {
	var b strings.Builder
	digits := 0
	for _, r := range strings.TrimSpace(n) {
		switch {
		case r >= '0' && r <= '9':
			digits++
			b.WriteRune(r)
		case strings.ContainsRune("+*#,", r):
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '/' || r == '(' || r == ')':
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	s := strings.TrimSpace(b.String())
	return s, digits >= 3 && len(s) <= 40
}

// prepareOutgoing checks who asks for what and renders the pages, for both the REST
// create and the message route: the caller writes in the channel, the device is a fax
// device of an organisation taking part in it, and the number can be dialled.
func (f *Faxes) prepareOutgoing(app core.App, rec *core.Record, user *core.Record) error {
	ch, err := app.FindRecordById("channels", rec.GetString("channel"))
	if err != nil {
		return apperr.BadRequest("fax.name_channel")
	}
	cm := tenancy.ChannelMember(app, ch.Id, user.Id)
	if cm == nil || cm.GetString("role") == "readonly" {
		return apperr.Forbidden("fax.only_people_write_channel")
	}
	if ch.GetBool("archived") {
		return apperr.BadRequest("common.channel_archived")
	}

	devices := faxDevicesFor(app, ch)
	var dev *core.Record
	if want := rec.GetString("device"); want == "" {
		// The first device of the channel the caller may use: never another
		// organisation's line just because that organisation takes part.
		for _, d := range devices {
			if hardware.MayFaxThrough(app, user.Id, d, ch) {
				dev = d
				break
			}
		}
	} else {
		for _, d := range devices {
			if d.Id == want || d.GetString("username") == want {
				dev = d
			}
		}
		if dev == nil {
			return apperr.Forbidden("fax.fax_device_belongs_no")
		}
		if !hardware.MayFaxThrough(app, user.Id, dev, ch) {
			return apperr.Forbidden("fax.fax_device_does_not")
		}
	}
	if dev == nil {
		return apperr.BadRequest("fax.channel_no_fax_device")
	}

	number, ok := cleanFaxNumber(rec.GetString("number"))
	if !ok {
		return apperr.BadRequest("fax.enter_fax_number")
	}

	text := strings.TrimSpace(rec.GetString("text"))
	var images []image.Image
	if mid := rec.GetString("message"); mid != "" {
		msg, err := app.FindRecordById("messages", mid)
		if err != nil || msg.GetString("channel") != ch.Id || msg.GetBool("deleted") {
			return apperr.BadRequest("fax.message_not_channel")
		}
		text = composeFaxText(app, ch, msg)
		if images, err = messageImages(app, msg); err != nil {
			return err
		}
	}
	if text == "" && len(images) == 0 {
		return apperr.BadRequest("fax.fax_no_text")
	}
	if len([]rune(text)) > maxFaxTextRunes {
		return apperr.BadRequest("fax.text_too_long_fax")
	}

	pages, err := renderOutgoing(text, images, senderOf(app, dev))
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	pdf, err := fax.BuildPDF(pages, "Fax an "+number)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	pngs, err := fax.Previews(pages, 0)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	doc, _ := filesystem.NewFileFromBytes(pdf, "fax-an-"+safeName(number)+".pdf")
	rec.Set("document", doc)
	var previews []*filesystem.File
	for i, p := range pngs {
		pf, _ := filesystem.NewFileFromBytes(p, fmt.Sprintf("fax-seite-%d.png", i+1))
		previews = append(previews, pf)
	}
	rec.Set("previews", previews)

	rec.Set("device", dev.Id)
	rec.Set("direction", "out")
	rec.Set("number", number)
	rec.Set("text", text)
	rec.Set("pages", len(pages))
	rec.Set("requested_by", user.Id)
	rec.Set("status", "queued")
	rec.Set("attempts", 0)
	rec.Set("dispatched", false)
	rec.Set("error", "")
	rec.Set("error_en", "")
	rec.Set("fax_id", "")
	rec.Set("remote_id", "")
	rec.Set("next_attempt", "")
	return nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// senderOf is the station name in page headers: the device's local_id, else its
// organisation's name.
func senderOf(app core.App, dev *core.Record) string {
	var cfg faxDeviceConfig
	_ = json.Unmarshal([]byte(dev.GetString("config")), &cfg)
	if cfg.LocalID != "" {
		return cfg.LocalID
	}
	if org, err := app.FindRecordById("organisations", dev.GetString("organisation")); err == nil {
		return org.GetString("name")
	}
	return dev.GetString("name")
}

// composeFaxText puts who wrote what, where and when above the message, as on a
// Vierfachvordruck: the recipient has no other way to know.
func composeFaxText(app core.App, ch *core.Record, msg *core.Record) string {
	author := "System"
	if u, err := app.FindRecordById("users", msg.GetString("author")); err == nil {
		author = u.GetString("name")
		if author == "" {
			author = u.GetString("username")
		}
	} else if d, err := app.FindRecordById("devices", msg.GetString("device")); err == nil {
		author = d.GetString("name")
	}
	org := ""
	if o, err := app.FindRecordById("organisations", ch.GetString("organisation")); err == nil {
		org = o.GetString("name")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s – Kanal „%s“\n", org, ch.GetString("name"))
	fmt.Fprintf(&b, "Von: %s\n", author)
	fmt.Fprintf(&b, "Zeit: %s\n", msg.GetDateTime("created").Time().Local().Format("02.01.2006 15:04"))
	switch msg.GetString("priority") {
	case "flash":
		b.WriteString("Vorrang: BLITZ\n")
	case "immediate":
		b.WriteString("Vorrang: SOFORT\n")
	}
	b.WriteString("\n")
	b.WriteString(strings.TrimSpace(msg.GetString("body")))
	return b.String()
}

// messageImages reads the PNG and JPEG attachments of a message; each becomes a page.
func messageImages(app core.App, msg *core.Record) ([]image.Image, error) {
	var names []string
	for _, n := range msg.GetStringSlice("attachments") {
		switch strings.ToLower(filepath.Ext(n)) {
		case ".png", ".jpg", ".jpeg":
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	if len(names) > maxFaxImages {
		return nil, apperr.BadRequest("fax.too_many_pictures", maxFaxImages)
	}
	fsys, err := app.NewFilesystem()
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	var out []image.Image
	for _, n := range names {
		r, err := fsys.GetReader(msg.BaseFilesPath() + "/" + n)
		if err != nil {
			return nil, apperr.BadRequest("fax.picture_unreadable", n)
		}
		img, _, err := imagebound.Decode(io.LimitReader(r, maxFaxImageBytes)) // never a picture of more pixels than an upload may have
		r.Close()
		if err != nil {
			continue // a file named .png that is no picture is left out, not faxed as noise
		}
		out = append(out, img)
	}
	return out, nil
}

// renderOutgoing lays out the text, then one page per picture, with the header line
// "sender  date  Seite n/m" over all of them.
func renderOutgoing(text string, images []image.Image, sender string) ([]fax.Page, error) {
	var pages []fax.Page
	if text != "" {
		p, err := fax.RenderText(text, fax.RenderOptions{SenderID: sender})
		if err != nil {
			return nil, err
		}
		pages = p
	}
	for _, img := range images {
		pages = append(pages, fax.RenderImage(img))
	}
	if err := fax.StampHeaders(pages, sender, time.Now()); err != nil {
		return nil, err
	}
	return pages, nil
}

// sendPayload is the request for the device: the text, which the driver renders with
// its own station header, or, for faxes with pictures, the pages the sender previewed.
func (f *Faxes) sendPayload(rec *core.Record) ([]byte, error) {
	req := fax.SendRequest{ID: rec.Id, Number: rec.GetString("number")}
	withImages := false
	if mid := rec.GetString("message"); mid != "" {
		if msg, err := f.app.FindRecordById("messages", mid); err == nil {
			imgs, _ := messageImages(f.app, msg)
			withImages = len(imgs) > 0
		}
	}
	if !withImages {
		req.Text = rec.GetString("text")
		return json.Marshal(req)
	}
	fsys, err := f.app.NewFilesystem()
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	r, err := fsys.GetReader(rec.BaseFilesPath() + "/" + rec.GetString("document"))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	pdf, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	req.Document = base64.StdEncoding.EncodeToString(pdf)
	return json.Marshal(req)
}

// reachable: an in-process driver runs for the device, or it is connected and listens.
func (f *Faxes) reachable(dev *core.Record) bool {
	return f.running(dev.Id) || f.isListening(dev.GetString("username"))
}

// dispatch hands a queued fax to its device if the device can take it now; otherwise it
// stays queued until the device comes online. Each request is published once.
func (f *Faxes) dispatch(id string) {
	f.sendMu.Lock()
	defer f.sendMu.Unlock()
	rec, err := f.app.FindRecordById("faxes", id)
	if err != nil || rec.GetString("direction") != "out" || rec.GetString("status") != "queued" || rec.GetBool("dispatched") {
		return
	}
	dev, err := f.app.FindRecordById("devices", rec.GetString("device"))
	if err != nil || !f.reachable(dev) {
		return
	}
	payload, err := f.sendPayload(rec)
	if err != nil {
		f.log.Error("fax request not built", "fax", id, "error", err)
		return
	}
	// Saved before publishing: an in-process driver may answer before Publish returns.
	rec.Set("dispatched", true)
	if err := f.app.Save(rec); err != nil {
		f.log.Error("fax not marked as handed over", "fax", id, "error", err)
		return
	}
	if err := f.b.Publish(f.b.Prefix()+"fax/"+dev.GetString("username")+"/send", payload, false, 1); err != nil {
		f.log.Warn("fax request not published", "fax", id, "error", err)
		rec.Set("dispatched", false)
		_ = f.app.Save(rec)
	}
}

// dispatchPending hands every waiting fax of a device over, oldest first.
func (f *Faxes) dispatchPending(deviceId string) {
	recs, err := f.app.FindRecordsByFilter("faxes", `device = {:d} && direction = "out" && status = "queued" && dispatched = false`, "created", 0, 0, dbx.Params{"d": deviceId})
	if err != nil {
		return
	}
	for _, r := range recs {
		f.dispatch(r.Id)
	}
}

// markSending: one modem sends one fax at a time, in the order it was handed them.
func (f *Faxes) markSending(deviceId string) {
	f.sendMu.Lock()
	defer f.sendMu.Unlock()
	rec, err := f.app.FindFirstRecordByFilter("faxes", `device = {:d} && direction = "out" && status = "queued" && dispatched = true`, dbx.Params{"d": deviceId})
	if err != nil {
		return
	}
	rec.Set("status", "sending")
	if err := f.app.Save(rec); err != nil {
		f.log.Warn("fax status not saved", "fax", rec.Id, "error", err)
	}
}

func (f *Faxes) onResult(username, topic string, payload []byte) {
	device, ok := f.faxDeviceOf(username, topic, "send/result")
	if !ok {
		return
	}
	p := append([]byte(nil), payload...)
	go func() {
		if err := f.applyResult(device, p); err != nil {
			f.log.Warn("fax send result refused", "device", device, "error", err)
			f.b.ReportError(device, topic, err.Error())
		}
	}()
}

// applyResult records what the device reports and, when the fax has ended, tells the
// channel.
func (f *Faxes) applyResult(username string, payload []byte) error {
	var m fax.SendResultMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		return fmt.Errorf("Ergebnis ist kein gültiges JSON / result is not valid JSON: %v", err)
	}
	f.sendMu.Lock()
	defer f.sendMu.Unlock()
	rec, err := f.app.FindRecordById("faxes", m.ID)
	if err != nil || rec.GetString("direction") != "out" {
		return fmt.Errorf("unbekannter Faxauftrag %q / unknown fax job %q", m.ID, m.ID)
	}
	dev, err := f.app.FindRecordById("devices", rec.GetString("device"))
	if err != nil || dev.GetString("username") != username {
		return fmt.Errorf("Faxauftrag %q gehört einem anderen Gerät / fax job %q belongs to another device", m.ID, m.ID)
	}
	switch rec.GetString("status") {
	case "sent", "failed":
		return nil // a late duplicate of the final report
	}
	if m.Attempt > rec.GetInt("attempts") {
		rec.Set("attempts", m.Attempt)
	}
	rec.Set("error", m.ReasonDE)
	rec.Set("error_en", m.ReasonEN)
	rec.Set("next_attempt", "")
	final := false
	switch m.Status {
	case fax.ResultRetrying:
		rec.Set("status", "retrying")
		if t, err := time.Parse(time.RFC3339, m.NextAttempt); err == nil {
			rec.Set("next_attempt", types.NowDateTime().Add(time.Until(t)))
		}
	case fax.ResultSent:
		rec.Set("status", "sent")
		rec.Set("error", "")
		rec.Set("error_en", "")
		if m.Pages > 0 {
			rec.Set("pages", m.Pages)
		}
		final = true
	case fax.ResultFailed:
		if m.Code == "STOPPED" {
			// The driver stopped before dialling (restart, new settings): the job is
			// handed over again when it runs, not lost.
			rec.Set("status", "queued")
			rec.Set("dispatched", false)
			defer func() { go f.dispatch(rec.Id) }()
		} else {
			rec.Set("status", "failed")
			if m.ReasonDE == "" {
				rec.Set("error", m.Error)
			}
			final = true
		}
	default:
		return fmt.Errorf("unbekannter Status %q / unknown status %q", m.Status, m.Status)
	}
	err = f.app.RunInTransaction(func(tx core.App) error {
		if err := tx.Save(rec); err != nil {
			return err
		}
		if !final || rec.GetString("channel") == "" {
			return nil
		}
		return postSystemMessage(tx, rec.GetString("channel"), faxOutcome(rec))
	})
	if err != nil {
		return fmt.Errorf("Faxstatus nicht gespeichert / fax status not saved: %w", err)
	}
	if final {
		audit.Write(f.app, audit.Entry{Actor: dev, Action: "fax." + rec.GetString("status"), Organisation: dev.GetString("organisation"), Target: rec.Id,
			Data: map[string]any{"number": rec.GetString("number"), "pages": rec.GetInt("pages"), "attempts": rec.GetInt("attempts"), "error": rec.GetString("error")}})
	}
	return nil
}

// faxOutcome: "Fax an 0221 12345 gesendet (2 Seiten)" or "… fehlgeschlagen: <Grund>".
func faxOutcome(rec *core.Record) string {
	n := rec.GetString("number")
	if rec.GetString("status") == "sent" {
		pages := "1 Seite"
		if p := rec.GetInt("pages"); p != 1 {
			pages = fmt.Sprintf("%d Seiten", p)
		}
		return fmt.Sprintf("Fax an %s gesendet (%s)", n, pages)
	}
	reason := rec.GetString("error")
	if reason == "" {
		reason = "unbekannter Grund"
	}
	return fmt.Sprintf("Fax an %s fehlgeschlagen: %s", n, reason)
}

func postSystemMessage(app core.App, channel, body string) error {
	coll, err := app.FindCachedCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	m := core.NewRecord(coll)
	m.Set("channel", channel)
	m.Set("source", "system")
	m.Set("priority", "normal")
	m.Set("body", body)
	return app.Save(m)
}
