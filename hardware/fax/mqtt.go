package fax

import (
	"bytes"
	"context"
	"crisisroom/hardware/mqttbus"
	"crisisroom/imagebound"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // page images may be JPEG photos
	"log/slog"
	"strings"
	"time"
)

// Bus is the little of MQTT a fax driver needs. The appliance adapts
// mochi's inline client to it, `crisisroom bridge` adapts a paho client
// (see hardware/mqttbus). Handlers may run on the broker's goroutines, so
// Attach only queues in them.
type Bus = mqttbus.Bus

// MQTTOptions name the driver's topics.
type MQTTOptions struct {
	// Prefix of all topics; "" means "crisisroom/".
	Prefix string
	// Device is the <device> in crisisroom/fax/<device>/…; required.
	Device string
	// PreviewWidth of inbox PNG previews; 0 means 864.
	PreviewWidth int
	Logger       *slog.Logger
}

// SendRequest is the payload of crisisroom/fax/<device>/send. Exactly one
// of Text, Pages or Document is used, in that order of preference:
//   - text: UTF-8, rendered to pages with the driver's header line;
//   - pages: base64 PNG or JPEG images, one per page (1728 pixels wide
//     images are sent as they are, others scaled and dithered);
//   - document: base64 PDF, but only one produced by this package (an
//     inbox document being forwarded): re-rasterising arbitrary PDFs needs a
//     PDF renderer the appliance does not carry.
type SendRequest struct {
	ID       string   `json:"id"`
	Number   string   `json:"number"`
	Text     string   `json:"text,omitempty"`
	Pages    []string `json:"pages,omitempty"`
	Document string   `json:"document,omitempty"`
}

// SendResultMessage is the payload of …/send/result.
type SendResultMessage struct {
	ID          string `json:"id"`
	Status      string `json:"status"` // sent, failed, retrying
	Pages       int    `json:"pages"`
	Attempt     int    `json:"attempt"`
	Error       string `json:"error,omitempty"`
	Code        string `json:"code,omitempty"`
	ReasonDE    string `json:"reason_de,omitempty"`
	ReasonEN    string `json:"reason_en,omitempty"`
	NextAttempt string `json:"next_attempt,omitempty"`
}

// InboxMessage is the payload of crisisroom/fax/<device>/inbox.
type InboxMessage struct {
	ID         string   `json:"id"`
	RemoteID   string   `json:"remote_id"`
	Pages      int      `json:"pages"`
	Document   string   `json:"document"` // base64 PDF of all pages
	Previews   []string `json:"previews"` // base64 PNG per page
	ReceivedAt string   `json:"received_at"`
	BadLines   int      `json:"bad_lines"`
	Complete   bool     `json:"complete"`
	ReasonDE   string   `json:"reason_de,omitempty"`
	ReasonEN   string   `json:"reason_en,omitempty"`
}

type busLink struct {
	d       *Driver
	bus     Bus
	o       MQTTOptions
	base    string
	log     *slog.Logger
	pending chan []byte
}

// Attach connects a driver to its MQTT topics until ctx ends: it publishes
// status (retained), inbox faxes and send results (QoS 1, never retained),
// and takes send requests. A malformed request is answered with a failed
// result, never dropped.
func Attach(ctx context.Context, d *Driver, bus Bus, o MQTTOptions) error {
	if o.Device == "" || strings.ContainsAny(o.Device, "/+#") {
		return fmt.Errorf("invalid fax device name %q", o.Device)
	}
	if o.Prefix == "" {
		o.Prefix = "crisisroom/"
	}
	if !strings.HasSuffix(o.Prefix, "/") {
		o.Prefix += "/"
	}
	if o.Logger == nil {
		o.Logger = d.cfg.Logger
	}
	l := &busLink{
		d: d, bus: bus, o: o, base: o.Prefix + "fax/" + o.Device + "/",
		log: o.Logger.With("component", "fax-mqtt", "device", o.Device), pending: make(chan []byte, 64),
	}
	d.Listen(Events{Status: l.status, Received: l.inbox, Result: l.result, Class: l.class})
	if s := d.Status(); s != "" {
		l.status(s, nil)
	}
	if err := bus.Subscribe(l.base+"send", l.enqueue); err != nil {
		return fmt.Errorf("failed to subscribe to %ssend: %w", l.base, err)
	}
	go l.work(ctx)
	return nil
}

// enqueue runs on the broker's goroutine: rendering a fax there would stall
// every other client.
func (l *busLink) enqueue(_ string, payload []byte) {
	p := append([]byte(nil), payload...)
	select {
	case l.pending <- p:
	default:
		l.fail(requestID(p), 0, errors.New("send queue full"), ResultReason("BUSY"))
	}
}

func requestID(payload []byte) string {
	var r struct {
		ID string `json:"id"`
	}
	json.Unmarshal(payload, &r)
	return r.ID
}

func (l *busLink) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-l.pending:
			l.handleSend(p)
		}
	}
}

func (l *busLink) handleSend(payload []byte) {
	var req SendRequest
	if err := json.Unmarshal(payload, &req); err != nil {
		l.fail(requestID(payload), 0, fmt.Errorf("malformed send request: %w", err), ResultReason("INVALID"))
		return
	}
	pages, err := l.pagesOf(req)
	if err == nil {
		err = l.d.Send(SendJob{ID: req.ID, Number: req.Number, Pages: pages})
	}
	if err != nil {
		l.fail(req.ID, 0, err, ResultReason("INVALID"))
	}
}

func (l *busLink) pagesOf(req SendRequest) ([]Page, error) {
	switch {
	case req.Text != "":
		return RenderText(req.Text, RenderOptions{SenderID: l.d.LocalID()})
	case len(req.Pages) > 0:
		var pages []Page
		for i, s := range req.Pages {
			data, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("page %d: not base64: %w", i+1, err)
			}
			img, _, err := imagebound.Decode(bytes.NewReader(data)) // a small file may declare billions of pixels
			if err != nil {
				return nil, fmt.Errorf("page %d: not a PNG or JPEG image: %w", i+1, err)
			}
			pages = append(pages, pageFromImage(img))
		}
		if err := StampHeaders(pages, l.d.LocalID(), time.Now()); err != nil {
			return nil, err
		}
		return pages, nil
	case req.Document != "":
		data, err := base64.StdEncoding.DecodeString(req.Document)
		if err != nil {
			return nil, fmt.Errorf("document: not base64: %w", err)
		}
		return ReadPDF(data)
	}
	return nil, errors.New("send request has no text, pages or document")
}

// pageFromImage keeps an image that already is a fax page and fits any
// other onto one.
func pageFromImage(img image.Image) Page {
	b := img.Bounds()
	if b.Dx() != PageWidth || b.Dy() > 2*PageHeightFine {
		return RenderImage(img)
	}
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
	threshold(g)
	return Page{Image: g, Fine: true}
}

func (l *busLink) publish(topic string, v any, retain bool) {
	data, err := json.Marshal(v)
	if err != nil {
		l.log.Error("failed to encode MQTT message", "topic", topic, "error", err)
		return
	}
	if err := l.bus.Publish(topic, data, retain, 1); err != nil {
		l.log.Error("failed to publish", "topic", topic, "error", err)
	}
}

func (l *busLink) status(s Status, _ error) {
	// Plain text, retained: the contract is idle|ringing|receiving|sending|error.
	if err := l.bus.Publish(l.base+"status", []byte(s), true, 1); err != nil {
		l.log.Error("failed to publish status", "error", err)
	}
}

// class tells the appliance which fax class the modem speaks ("1" or "2.0") on
// …/class, QoS 1, not retained (devices may retain only their status).
func (l *busLink) class(c string) {
	if err := l.bus.Publish(l.base+"class", []byte(c), false, 1); err != nil {
		l.log.Error("failed to publish fax class", "error", err)
	}
}

func (l *busLink) fail(id string, attempt int, err error, r Reason) {
	l.publish(l.base+"send/result", SendResultMessage{
		ID: id, Status: ResultFailed, Attempt: attempt, Error: err.Error(),
		Code: r.Code, ReasonDE: r.DE, ReasonEN: r.EN,
	}, false)
}

func (l *busLink) result(r SendResult) {
	m := SendResultMessage{ID: r.ID, Status: r.Status, Pages: r.Pages, Attempt: r.Attempt}
	if r.Err != nil {
		m.Error, m.Code, m.ReasonDE, m.ReasonEN = r.Err.Error(), r.Err.Code, r.Err.DE, r.Err.EN
	}
	if !r.NextAttempt.IsZero() {
		m.NextAttempt = r.NextAttempt.UTC().Format(time.RFC3339)
	}
	l.publish(l.base+"send/result", m, false)
}

func (l *busLink) inbox(f *Received) {
	m, err := NewInboxMessage(f, l.o.PreviewWidth)
	if err != nil {
		l.log.Error("failed to build inbox message", "id", f.ID, "error", err)
		return
	}
	l.publish(l.base+"inbox", m, false)
}

// NewInboxMessage packs a received fax: one PDF and a PNG preview per page.
func NewInboxMessage(f *Received, previewWidth int) (*InboxMessage, error) {
	title := "Fax"
	if f.RemoteID != "" {
		title += " von " + f.RemoteID
	}
	pdf, err := BuildPDF(f.Pages, title)
	if err != nil {
		return nil, err
	}
	pngs, err := Previews(f.Pages, previewWidth)
	if err != nil {
		return nil, err
	}
	m := &InboxMessage{
		ID: f.ID, RemoteID: f.RemoteID, Pages: len(f.Pages),
		Document:   base64.StdEncoding.EncodeToString(pdf),
		ReceivedAt: f.ReceivedAt.UTC().Format(time.RFC3339),
		BadLines:   f.BadLines(), Complete: f.Complete,
	}
	for _, p := range pngs {
		m.Previews = append(m.Previews, base64.StdEncoding.EncodeToString(p))
	}
	if f.Err != nil {
		m.ReasonDE, m.ReasonEN = f.Err.DE, f.Err.EN
	}
	return m, nil
}
