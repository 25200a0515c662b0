package faxgateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"crisisroom/hardware"
	"crisisroom/hardware/fax"
	"crisisroom/hooks/audit"
)

var faxIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// receivedFax is an inbox message checked and decoded.
type receivedFax struct {
	fax.InboxMessage
	pdf      []byte
	previews [][]byte
}

// parseInbox refuses anything that would not make a complete record: the fax is either
// stored whole or not at all, and the device is told why.
func parseInbox(payload []byte, max int) (*receivedFax, error) {
	if len(payload) > max {
		return nil, fmt.Errorf("Fax zu groß (%d Bytes, höchstens %d) / fax too large (%d bytes, at most %d)", len(payload), max, len(payload), max)
	}
	var r receivedFax
	if err := json.Unmarshal(payload, &r.InboxMessage); err != nil {
		return nil, fmt.Errorf("Fax ist kein gültiges JSON / fax is not valid JSON: %v", err)
	}
	if !faxIDPattern.MatchString(r.ID) {
		return nil, errors.New("Fax ohne gültige id / fax without a valid id")
	}
	pdf, err := base64.StdEncoding.DecodeString(r.Document)
	if err != nil {
		return nil, fmt.Errorf("Dokument ist kein gültiges Base64 / document is not valid base64: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, errors.New("Dokument ist kein PDF / document is not a PDF")
	}
	r.pdf = pdf
	if len(r.Previews) > 200 {
		return nil, errors.New("zu viele Vorschaubilder / too many previews")
	}
	for i, s := range r.Previews {
		png, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("Vorschau %d ist kein gültiges Base64 / preview %d is not valid base64: %v", i+1, i+1, err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			return nil, fmt.Errorf("Vorschau %d ist kein PNG / preview %d is not a PNG", i+1, i+1)
		}
		r.previews = append(r.previews, png)
	}
	if r.Pages <= 0 {
		r.Pages = len(r.previews)
	}
	if r.Pages <= 0 {
		return nil, errors.New("Fax ohne Seiten / fax without pages")
	}
	r.RemoteID = strings.TrimSpace(strings.ToValidUTF8(r.RemoteID, ""))
	if len([]rune(r.RemoteID)) > 40 {
		r.RemoteID = string([]rune(r.RemoteID)[:40])
	}
	return &r, nil
}

// faxBody is the message a received fax becomes: "Fax von +49 221 …, 2 Seiten".
func faxBody(r *receivedFax) string {
	from := r.RemoteID
	if from == "" {
		from = "unbekannter Kennung"
	}
	pages := "1 Seite"
	if r.Pages != 1 {
		pages = fmt.Sprintf("%d Seiten", r.Pages)
	}
	body := "Fax von " + from + ", " + pages
	if r.ReasonDE != "" {
		// The driver keeps the pages of a call that broke off and says why.
		body += " (unvollständig: " + r.ReasonDE + ")"
	}
	if r.BadLines > 0 {
		body += fmt.Sprintf(" – %d beschädigte Zeilen", r.BadLines)
	}
	return body
}

// receive stores a received fax: the faxes record and its message in one transaction.
// A redelivered inbox message (same device, same fax id) changes nothing.
func (f *Faxes) receive(username string, payload []byte) error {
	r, err := parseInbox(payload, f.MaxInbox)
	if err != nil {
		return err
	}
	dev, err := f.app.FindFirstRecordByData("devices", "username", username)
	if err != nil {
		return errors.New("unbekanntes Faxgerät / unknown fax device")
	}
	if k := dev.GetString("kind"); k != "fax" && k != "bridge" {
		return errors.New("das Gerät ist kein Faxgerät / the device is not a fax device")
	}

	f.inboxMu.Lock()
	defer f.inboxMu.Unlock()
	if _, err := f.app.FindFirstRecordByFilter("faxes", "device = {:d} && fax_id = {:id}", dbx.Params{"d": dev.Id, "id": r.ID}); err == nil {
		return nil
	}

	stamp := time.Now().UTC().Format("20060102-150405")
	pdfName := "fax-" + stamp + ".pdf"
	channel := dev.GetString("channel")
	var fx *core.Record
	err = f.app.RunInTransaction(func(tx core.App) error {
		faxes, err := tx.FindCachedCollectionByNameOrId("faxes")
		if err != nil {
			return err
		}
		fx = core.NewRecord(faxes)
		fx.Set("device", dev.Id)
		fx.Set("direction", "in")
		fx.Set("fax_id", r.ID)
		fx.Set("remote_id", r.RemoteID)
		fx.Set("pages", r.Pages)
		fx.Set("status", "received")
		fx.Set("error", r.ReasonDE)
		fx.Set("error_en", r.ReasonEN)
		doc, err := filesystem.NewFileFromBytes(r.pdf, pdfName)
		if err != nil {
			return err
		}
		fx.Set("document", doc)
		var previews []*filesystem.File
		for i, p := range r.previews {
			pf, err := filesystem.NewFileFromBytes(p, fmt.Sprintf("fax-%s-seite-%d.png", stamp, i+1))
			if err != nil {
				return err
			}
			previews = append(previews, pf)
		}
		fx.Set("previews", previews)

		var ch *core.Record
		if channel != "" {
			if ch, err = tx.FindRecordById("channels", channel); err != nil {
				return fmt.Errorf("der Kanal des Faxgeräts fehlt / the fax device's channel is missing: %w", err)
			}
			// An organisation taken out of the channel no longer writes into it, on
			// this path either: the fax is kept (nothing received is lost), outside
			// the channel, for the host's operators to see and pass on.
			if !hardware.TakesPart(ch, dev.GetString("organisation")) {
				f.log.Warn("fax kept outside the channel its device's organisation left", "device", dev.GetString("username"), "channel", ch.Id)
				ch = nil
			}
		}
		if ch != nil {
			messages, err := tx.FindCachedCollectionByNameOrId("messages")
			if err != nil {
				return err
			}
			m := core.NewRecord(messages)
			m.Set("channel", ch.Id)
			m.Set("device", dev.Id)
			m.Set("source", "fax")
			m.Set("priority", "normal")
			m.Set("body", faxBody(r))
			// The message gets its own copies: each record owns its files.
			mdoc, _ := filesystem.NewFileFromBytes(r.pdf, pdfName)
			files := []*filesystem.File{mdoc}
			for i, p := range r.previews {
				pf, _ := filesystem.NewFileFromBytes(p, fmt.Sprintf("fax-%s-seite-%d.png", stamp, i+1))
				files = append(files, pf)
			}
			m.Set("attachments", files)
			if err := tx.Save(m); err != nil {
				return fmt.Errorf("Nachricht nicht gespeichert / message not saved: %w", err)
			}
			fx.Set("channel", ch.Id)
			fx.Set("message", m.Id)
		}
		if err := tx.Save(fx); err != nil {
			return fmt.Errorf("Fax nicht gespeichert / fax not saved: %w", err)
		}
		return nil
	})
	if err != nil {
		// A parallel redelivery may have won the unique index.
		if _, ferr := f.app.FindFirstRecordByFilter("faxes", "device = {:d} && fax_id = {:id}", dbx.Params{"d": dev.Id, "id": r.ID}); ferr == nil {
			return nil
		}
		return err
	}
	audit.Write(f.app, audit.Entry{Actor: dev, Action: "fax.received", Organisation: dev.GetString("organisation"), Target: fx.Id,
		Data: map[string]any{"remote_id": r.RemoteID, "pages": r.Pages, "channel": channel}})
	return nil
}
