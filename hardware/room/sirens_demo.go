package room

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"crisisroom/hardware"
	"crisisroom/hardware/siren"
)

// The demo's sirens and board: an outdoor Tasmota siren at the town hall, the staff
// room's alarm light on a Shelly, and the staff room's status board, with a few
// situation items. The relays are simulated by MQTT clients inside the appliance that
// connect to its own broker like the real devices; the record's {"simulator": true}
// plus the demo password is what makes a device simulated.

type demoDevice struct {
	username, name, kind, driver, topic, zone string
	outdoor                                   bool
}

var demoRoomDevices = []demoDevice{
	{"sirene-rathaus", "Sirene Rathaus", "siren", "tasmota", "sirene_rathaus", "rathaus", true},
	{"alarmleuchte-stab", "Alarmleuchte Stabsraum", "relay", "shelly1", "alarmleuchte_stab", "stabsraum", false},
	{"lagetafel-stab", "Lagetafel Stabsraum", "board", "kiosk", "", "", false},
}

// SeedDemo adds the demo's sirens, alarm light and board to the staff d; idempotent.
func SeedDemo(app core.App, d hardware.DemoStaff) error {
	ks := d.Orgs["KS"]
	if ks == nil {
		return fmt.Errorf("demo room: the demo has no host organisation")
	}
	coll, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	for _, x := range demoRoomDevices {
		if _, err := app.FindFirstRecordByData("devices", "username", x.username); err == nil {
			continue
		}
		r := core.NewRecord(coll)
		r.Set("username", x.username)
		r.Set("name", x.name)
		r.Set("organisation", ks.Id)
		r.Set("kind", x.kind)
		r.Set("driver", x.driver)
		r.Set("topic", x.topic)
		r.Set("zone", x.zone)
		r.Set("outdoor", x.outdoor)
		cfg := map[string]any{"simulator": x.kind != "board"}
		if x.kind == "board" {
			var chans []string
			for _, name := range []string{"Hochwasser Rhein", "Stromausfall Süd"} {
				if ch := d.Channels[name]; ch != nil {
					chans = append(chans, ch.Id)
				}
			}
			cfg["channels"] = chans
		}
		r.Set("config", cfg)
		r.SetPassword(d.Password)
		if err := app.Save(r); err != nil {
			return fmt.Errorf("demo device %s: %w", x.username, err)
		}
	}
	if n, _ := app.CountRecords("board_items"); n > 0 {
		return nil
	}
	items, err := app.FindCollectionByNameOrId("board_items")
	if err != nil {
		return err
	}
	author := d.Users["jwagner"]
	for _, it := range []struct{ title, body, severity string }{
		{"Evakuierung Pflegeheim Rheinblick", "62 Bewohner, Abschluss bis 14:00. Busse über Stadtwerke, Aufnahme Klinikum Mitte.", "critical"},
		{"Pegel Rhein 8,90 m, steigend", "6 cm pro Stunde. Scheitel morgen früh bei 9,60 m erwartet.", "warning"},
		{"Rheinufer gesperrt", "Zwischen Hohenzollernbrücke und Severinsbrücke, Polizei ab 08:00.", "info"},
	} {
		r := core.NewRecord(items)
		r.Set("title", it.title)
		r.Set("body", it.body)
		r.Set("severity", it.severity)
		r.Set("organisation", ks.Id)
		if author != nil {
			r.Set("created_by", author.Id)
		}
		if err := app.Save(r); err != nil {
			return fmt.Errorf("demo board item: %w", err)
		}
	}
	return nil
}

// demoSimulators runs the simulated relays while the broker runs.
type demoSimulators struct {
	password string // the demo's: a record with {"simulator": true} and another password is not simulated
	mu       sync.Mutex
	sims     []*siren.Simulator
	stopped  bool
	// starting counts the start under way: stop waits for it, so that no simulator
	// starts after stop (one connecting to the broker while it closes held the
	// appliance's exit after SIGTERM).
	starting sync.WaitGroup
}

func (ds *demoSimulators) start(app core.App, b *hardware.Broker) {
	recs, err := app.FindAllRecords("devices", dbx.In("kind", "siren", "relay"))
	if err != nil {
		return
	}
	addr := b.Addr()
	if addr == nil {
		return
	}
	for _, r := range recs {
		ds.mu.Lock()
		stopped := ds.stopped
		ds.mu.Unlock()
		if stopped {
			return
		}
		var cfg struct {
			Simulator bool `json:"simulator"`
		}
		if json.Unmarshal([]byte(r.GetString("config")), &cfg) != nil || !cfg.Simulator || !r.ValidatePassword(ds.password) {
			continue
		}
		s, err := siren.StartSimulator(siren.SimConfig{Broker: addr.String(), Username: r.GetString("username"), Password: ds.password,
			Driver: r.GetString("driver"), Topic: r.GetString("topic"), Zone: r.GetString("zone"), Prefix: b.Prefix(), Reconnect: true})
		if err != nil {
			app.Logger().Warn("demo siren simulator not started", "device", r.GetString("username"), "error", err)
			continue
		}
		ds.mu.Lock()
		if ds.stopped {
			ds.mu.Unlock()
			s.Stop()
			return
		}
		ds.sims = append(ds.sims, s)
		ds.mu.Unlock()
	}
}

// stop stops the simulators, after the start under way has ended (it starts no more
// once stopped; one simulator it is starting, at most 10 s, it stops itself).
func (ds *demoSimulators) stop() {
	ds.mu.Lock()
	ds.stopped = true
	ds.mu.Unlock()
	ds.starting.Wait()
	ds.mu.Lock()
	sims := ds.sims
	ds.sims = nil
	ds.mu.Unlock()
	for _, s := range sims {
		s.Stop()
	}
}

func registerDemoSimulators(app core.App, b *hardware.Broker, password string) {
	ds := &demoSimulators{password: password}
	// After the broker listens; in their own goroutine, because a simulator waits for
	// the broker's answers and the broker is still finishing its start.
	b.OnStart(func(b *hardware.Broker) {
		ds.starting.Add(1)
		go func() {
			defer ds.starting.Done()
			ds.start(app, b)
		}()
	})
	// Before the broker closes: a simulator reconnecting while mochi closes its listener
	// can hold the close for ever.
	app.OnTerminate().Bind(&hook.Handler[*core.TerminateEvent]{Id: "crisisroom_demo_simulators", Priority: -50, Func: func(e *core.TerminateEvent) error {
		ds.stop()
		return e.Next()
	}})
}
