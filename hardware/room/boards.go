package room

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/hardware"
	"crisisroom/hardware/board"
	"crisisroom/hooks/tenancy"
)

// Boards keeps the room's status boards showing the situation picture: board items kept
// by S2, the latest Blitz and Sofort messages of the channels each board follows, and
// the sirens that are sounding. Kiosk browsers read GET /api/crisisroom/board; MQTT
// boards get crisisroom/board/<device>/set (retained) and their driver's own topic.
type Boards struct {
	app core.App
	b   *hardware.Broker
	log *slog.Logger

	mu      sync.Mutex
	life    sync.RWMutex // publishing holds it for reading; terminating for writing
	closed  bool
	pending *time.Timer
	ticker  *time.Ticker
	stop    chan struct{}
}

// BoardView is what one board shows.
type BoardView struct {
	Device   BoardDevice     `json:"device"`
	Now      string          `json:"now"`
	Items    []board.Item    `json:"items"`
	Messages []board.Item    `json:"messages"`
	Sirens   []BoardSiren    `json:"sirens"`
	Devices  []BoardPresence `json:"devices"`
}

type BoardDevice struct {
	Id       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

type BoardSiren struct {
	Name      string `json:"name"`
	Zone      string `json:"zone"`
	Online    bool   `json:"online"`
	State     string `json:"state"` // off, pending, on
	Signal    string `json:"signal,omitempty"`
	Until     string `json:"until,omitempty"`
	Confirmed bool   `json:"confirmed"`
}

type BoardPresence struct {
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Online   bool   `json:"online"`
	LastSeen string `json:"last_seen,omitempty"`
}

// RegisterBoards binds the board route and the hooks that republish boards on change.
func RegisterBoards(app core.App, b *hardware.Broker) *Boards {
	bo := &Boards{app: app, b: b, stop: make(chan struct{})}
	bo.log = app.Logger().With("component", "boards")
	changed := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		bo.changed()
		return nil
	}
	app.OnRecordAfterCreateSuccess("board_items", "siren_activations").BindFunc(changed)
	app.OnRecordAfterUpdateSuccess("board_items", "siren_activations").BindFunc(changed)
	app.OnRecordAfterDeleteSuccess("board_items").BindFunc(changed)
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if p := e.Record.GetString("priority"); p == "flash" || p == "immediate" {
			bo.changed()
		}
		return nil
	})
	// Who wrote an item is the signed-in person, whatever the request says; an item
	// without an organisation belongs to the room (the host).
	app.OnRecordCreateRequest("board_items").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth != nil && e.Auth.Collection().Name == "users" {
			e.Record.Set("created_by", e.Auth.Id)
		}
		if err := checkBoards(e); err != nil {
			return err
		}
		if e.Record.GetString("organisation") == "" {
			if host := tenancy.HostOrganisation(e.App); host != nil {
				e.Record.Set("organisation", host.Id)
			}
		}
		return e.Next()
	})
	app.OnRecordUpdateRequest("board_items").BindFunc(func(e *core.RecordRequestEvent) error {
		if err := checkBoards(e); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		e.Router.GET("/api/crisisroom/board", bo.handleBoard)
		// /board/<device> is the kiosk page's short address.
		e.Router.GET("/board/{name}", func(re *core.RequestEvent) error {
			return re.Redirect(http.StatusFound, "/board.html#"+url.PathEscape(re.Request.PathValue("name")))
		})
		return e.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		bo.life.Lock()
		bo.closed = true
		bo.life.Unlock()
		bo.mu.Lock()
		if bo.pending != nil {
			bo.pending.Stop()
		}
		if bo.ticker != nil {
			bo.ticker.Stop()
			close(bo.stop)
			bo.ticker = nil
		}
		bo.mu.Unlock()
		return e.Next()
	})
	b.OnStart(func(*hardware.Broker) {
		bo.publishAll()
		// Items expire and kiosks stop polling without any record changing.
		bo.mu.Lock()
		bo.ticker = time.NewTicker(30 * time.Second)
		tick, stop := bo.ticker.C, bo.stop
		bo.mu.Unlock()
		go func() {
			for {
				select {
				case <-tick:
					bo.sweepKiosks()
					bo.publishAll()
				case <-stop:
					return
				}
			}
		}()
	})
	return bo
}

// changed coalesces a burst of changes into one publish.
func (bo *Boards) changed() {
	if !bo.b.Running() {
		return
	}
	bo.mu.Lock()
	defer bo.mu.Unlock()
	if bo.pending != nil {
		return
	}
	bo.pending = time.AfterFunc(200*time.Millisecond, func() {
		bo.mu.Lock()
		bo.pending = nil
		bo.mu.Unlock()
		bo.publishAll()
	})
}

func (bo *Boards) publishAll() {
	bo.life.RLock()
	defer bo.life.RUnlock()
	if bo.closed {
		return
	}
	devs, err := bo.app.FindAllRecords("devices", dbx.HashExp{"kind": "board"})
	if err != nil {
		return
	}
	prefix := bo.b.Prefix()
	for _, d := range devs {
		v := bo.View(d)
		set := board.Set{Items: v.Flat(), Updated: v.Now}
		payload, _ := json.Marshal(set)
		_ = bo.b.Publish(board.SetTopic(prefix, d.GetString("username")), payload, true, 1)
		var cfg board.Config
		_ = json.Unmarshal([]byte(d.GetString("config")), &cfg)
		for _, m := range board.Adapt(d.GetString("driver"), d.GetString("topic"), set, cfg) {
			_ = bo.b.Publish(m.Topic, m.Payload, m.Retain, m.QoS)
		}
	}
}

// Flat is the view as one list for boards with a single list: sirens first, then
// messages, then items, each already in its own order.
func (v BoardView) Flat() []board.Item {
	var out []board.Item
	for _, s := range v.Sirens {
		if s.State == "on" {
			out = append(out, board.Item{Title: "Sirene " + s.Name + ": " + signalName(s.Signal), Severity: "critical", Kind: "siren", Expires: s.Until})
		}
	}
	out = append(out, v.Messages...)
	return append(out, v.Items...)
}

func signalName(s string) string {
	switch s {
	case "warning":
		return "Warnung"
	case "all_clear":
		return "Entwarnung"
	case "test":
		return "Probealarm"
	case "room_alarm":
		return "Raumalarm"
	}
	return s
}

// View gathers what the board device d shows.
func (bo *Boards) View(d *core.Record) BoardView {
	app := bo.app
	now := time.Now().UTC()
	org := d.GetString("organisation")
	host := tenancy.HostOrganisation(app)
	hostId := ""
	if host != nil {
		hostId = host.Id
	}
	v := BoardView{Device: BoardDevice{d.Id, d.GetString("name"), d.GetString("username")}, Now: now.Format(time.RFC3339),
		Items: []board.Item{}, Messages: []board.Item{}, Sirens: []BoardSiren{}, Devices: []BoardPresence{}}

	// Items: not expired; for every board or this one; the room's (host) or its own
	// organisation's, or addressed to this board by name.
	items, _ := app.FindRecordsByFilter("board_items",
		tenancy.NotExpiredFilter("expires")+` && (boards:length = 0 || boards ?= {:d}) && (organisation = "" || organisation = {:org} || organisation = {:host} || boards ?= {:d})`,
		"-updated", 50, 0, dbx.Params{"d": d.Id, "org": org, "host": hostId})
	slices.SortStableFunc(items, func(a, b *core.Record) int {
		return sevRank(b.GetString("severity")) - sevRank(a.GetString("severity"))
	})
	for _, it := range items {
		src := ""
		if o, err := app.FindRecordById("organisations", it.GetString("organisation")); err == nil {
			src = o.GetString("short")
		}
		sev := it.GetString("severity")
		if sev == "" {
			sev = "info"
		}
		v.Items = append(v.Items, board.Item{Id: it.Id, Title: it.GetString("title"), Body: it.GetString("body"), Severity: sev, Kind: "item",
			Source: src, Time: it.GetDateTime("updated").Time().UTC().Format(time.RFC3339), Expires: dateOrEmpty(it.GetDateTime("expires"))})
	}

	// Messages: the latest Blitz and Sofort of the channels the board follows, where the
	// board's organisation takes part.
	var cfg board.Config
	_ = json.Unmarshal([]byte(d.GetString("config")), &cfg)
	var chans []string
	names := map[string]string{}
	for _, id := range cfg.Channels {
		ch, err := app.FindRecordById("channels", id)
		if err != nil || ch.GetBool("archived") {
			continue
		}
		if ch.GetString("organisation") != org && !slices.Contains(ch.GetStringSlice("organisations"), org) {
			continue
		}
		chans = append(chans, id)
		names[id] = ch.GetString("name")
	}
	if len(chans) > 0 {
		msgs, _ := app.FindAllRecords("messages", dbx.In("channel", toAny(chans)...), dbx.In("priority", "flash", "immediate"), dbx.NewExp("created > {:since}", dbx.Params{"since": now.Add(-24 * time.Hour).Format(types.DefaultDateLayout)}))
		slices.SortFunc(msgs, func(a, b *core.Record) int {
			return b.GetDateTime("created").Time().Compare(a.GetDateTime("created").Time())
		})
		if len(msgs) > 8 {
			msgs = msgs[:8]
		}
		for _, m := range msgs {
			if m.GetBool("deleted") {
				continue
			}
			sev, label := "warning", "SOFORT"
			if m.GetString("priority") == "flash" {
				sev, label = "critical", "BLITZ"
			}
			author := ""
			if u, err := app.FindRecordById("users", m.GetString("author")); err == nil {
				author = u.GetString("name")
			}
			v.Messages = append(v.Messages, board.Item{Id: m.Id, Title: label + " · " + names[m.GetString("channel")], Body: m.GetString("body"),
				Severity: sev, Kind: "message", Source: author, Time: m.GetDateTime("created").Time().UTC().Format(time.RFC3339)})
		}
	}

	// Sirens and presence of the board's organisation.
	devs, _ := app.FindAllRecords("devices", dbx.HashExp{"organisation": org})
	slices.SortFunc(devs, func(a, b *core.Record) int { return compareStr(a.GetString("name"), b.GetString("name")) })
	for _, x := range devs {
		name := x.GetString("name")
		if name == "" {
			name = x.GetString("username")
		}
		v.Devices = append(v.Devices, BoardPresence{Name: name, Kind: x.GetString("kind"), Online: x.GetBool("online"), LastSeen: dateOrEmpty(x.GetDateTime("last_seen"))})
		if !hardware.IsSirenKind(x.GetString("kind")) {
			continue
		}
		s := BoardSiren{Name: name, Zone: x.GetString("zone"), Online: x.GetBool("online"), State: "off"}
		if a, err := app.FindFirstRecordByFilter("siren_activations", "device = {:d} && (state = 'on' || state = 'pending')", dbx.Params{"d": x.Id}); err == nil {
			s.State, s.Signal, s.Confirmed = a.GetString("state"), a.GetString("signal"), a.GetBool("confirmed")
			s.Until = dateOrEmpty(a.GetDateTime("ends"))
		}
		v.Sirens = append(v.Sirens, s)
	}
	return v
}

func sevRank(s string) int {
	switch s {
	case "critical":
		return 3
	case "warning":
		return 2
	}
	return 1
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func dateOrEmpty(d types.DateTime) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().UTC().Format(time.RFC3339)
}

// handleBoard answers a board device (kiosk) with what it shows.
func (bo *Boards) handleBoard(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != "devices" || e.Auth.GetString("kind") != "board" {
		return apperr.Forbidden("room.only_board_devices_read")
	}
	// A kiosk is not an MQTT client: its polling is its presence.
	if ls := e.Auth.GetDateTime("last_seen"); !e.Auth.GetBool("online") || ls.IsZero() || time.Since(ls.Time()) > 20*time.Second {
		if rec, err := e.App.FindRecordById("devices", e.Auth.Id); err == nil {
			rec.Set("online", true)
			rec.Set("last_seen", types.NowDateTime())
			if err := e.App.Save(rec); err != nil {
				bo.log.Debug("kiosk presence not saved", "error", err)
			}
		}
	}
	return e.JSON(http.StatusOK, bo.View(e.Auth))
}

// sweepKiosks marks kiosks offline that stopped polling.
func (bo *Boards) sweepKiosks() {
	bo.life.RLock()
	defer bo.life.RUnlock()
	if bo.closed {
		return
	}
	recs, err := bo.app.FindAllRecords("devices", dbx.HashExp{"kind": "board", "driver": "kiosk", "online": true})
	if err != nil {
		return
	}
	for _, r := range recs {
		if ls := r.GetDateTime("last_seen"); ls.IsZero() || time.Since(ls.Time()) > time.Minute {
			r.Set("online", false)
			_ = bo.app.Save(r)
		}
	}
}

// checkBoards refuses a board item that names a board the requester may not use (see
// MayUseDevice): an item is shown on another organisation's board only by its staff.
// On update only boards added by the request are checked, so an edit of an item that
// already shows on a shared board stays possible.
func checkBoards(e *core.RecordRequestEvent) error {
	if e.HasSuperuserAuth() {
		return nil
	}
	var before []string
	if !e.Record.IsNew() {
		before = e.Record.Original().GetStringSlice("boards")
	}
	for _, id := range e.Record.GetStringSlice("boards") {
		if slices.Contains(before, id) {
			continue
		}
		dev, err := e.App.FindRecordById("devices", id)
		if err != nil {
			continue // the relation field refuses an unknown id itself
		}
		if e.Auth == nil || e.Auth.Collection().Name != "users" || !hardware.MayUseDevice(e.App, e.Auth.Id, dev) {
			return hardware.DeviceForbidden()
		}
	}
	return nil
}
