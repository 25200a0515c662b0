// crisisroom is a self-hosted appliance for a municipal crisis staff room: one messenger
// for every organisation in the room, each in its own tenant, with the room's fax modems,
// sirens and status boards on the same box through MQTT. See README.md.
package main

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/cmd"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/spf13/cobra"

	"crisisroom/appliance"
	"crisisroom/backup"
	"crisisroom/bridge"
	"crisisroom/durability"
	"crisisroom/hardware"
	"crisisroom/hooks"
	"crisisroom/hooks/demo"
	"crisisroom/hooks/enrolment"
	"crisisroom/hooks/journal"
	_ "crisisroom/migrations"
	"crisisroom/standby"
)

// gcPercent is the garbage collector's target (GOGC) unless the environment sets one. A
// stream of messages allocates mostly short-lived request garbage; at Go's default of 100
// the collector took about a seventh of the appliance's CPU at 300–500 messages/s, at 200
// half of that (bench/fanout: 2.9–3.2 against 3.4–3.7 ms of CPU per message, 20 MB more
// heap under that load; idle memory is returned after bursts either way).
const gcPercent = 200

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	// durability.Connect: data.db and auxiliary.db with synchronous=FULL (an answer 200 is on disk).
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDataDir: "./crisisroom_data", HideStartBanner: false, DBConnect: durability.Connect})

	var (
		httpAddr   = "0.0.0.0:8090"
		httpsAddr  = "0.0.0.0:8443"
		tlsCert    = ""
		tlsKey     = ""
		mdns       = false
		mqttAddr   = "0.0.0.0:1883"
		mqttWSAddr = ""
		mqttPrefix = "crisisroom/"
		publicDir  = ""
		publicURL  = ""
	)
	flags := app.RootCmd.PersistentFlags()
	flags.StringVar(&httpAddr, "http", httpAddr, "HTTP listen address")
	flags.StringVar(&httpsAddr, "https", httpsAddr, `HTTPS listen address, with the appliance's own CA ("off" disables)`)
	flags.StringVar(&tlsCert, "tls-cert", tlsCert, "the city's own certificate (PEM) for HTTPS instead of the appliance's CA")
	flags.StringVar(&tlsKey, "tls-key", tlsKey, "the key (PEM) of --tls-cert")
	flags.BoolVar(&mdns, "mdns", mdns, "announce crisisroom.local and the HTTPS service on the local network by multicast DNS (off unless asked for: it sends to the LAN)")
	flags.StringVar(&mqttAddr, "mqtt", mqttAddr, `MQTT listen address ("off" disables the broker)`)
	flags.StringVar(&mqttWSAddr, "mqtt-ws", mqttWSAddr, "MQTT over WebSocket listen address (empty: off)")
	flags.StringVar(&mqttPrefix, "mqtt-prefix", mqttPrefix, "prefix of the appliance's MQTT topics")
	flags.StringVar(&publicDir, "public-dir", publicDir, "serve the web UI from this folder instead of the embedded copy (development)")
	flags.StringVar(&publicURL, "public-url", publicURL, "base URL in links and QR codes (default: derived from the listen address)")

	// The values are read when a command runs, after flag parsing: hand out pointers.
	hcfg := &hooks.Config{}
	bcfg := &hardware.Config{}
	app.RootCmd.PersistentPreRun = func(*cobra.Command, []string) {
		*hcfg = hooks.Config{PublicURL: publicURL, HTTPAddr: httpAddr, HTTPSAddr: httpsAddr, TLSCert: tlsCert, TLSKey: tlsKey, MQTTAddr: mqttAddr, MQTTPrefix: mqttPrefix, MDNS: mdns}
		*bcfg = hardware.Config{Addr: mqttAddr, WSAddr: mqttWSAddr, Prefix: mqttPrefix}
	}
	appliance.Register(app, appliance.Config{Hooks: hcfg, Broker: bcfg, PublicDir: &publicDir})
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id:       "crisisroomReadyLine",
		Priority: -1000, // first in, so last out: after every other part has printed
		Func: func(e *core.ServeEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "\n  crisisroom läuft / is running: http://%s/   (beenden / stop: Strg+C / Ctrl+C)\n\n", hooks.LinkHost(httpAddr))
			return nil
		},
	})

	serve := func(c *cobra.Command, _ []string) error {
		// No AllowedOrigins: hooks (security_headers.go) replace PocketBase's CORS and
		// allow only the appliance's own origins (its names and ports, --public-url).
		// PocketBase's own banner ended the console with its dashboard's address, which the
		// room does not need (the room's IT finds it in the README): the last line is the
		// appliance's address instead (readyLine).
		err := apis.Serve(app, apis.ServeConfig{HttpAddr: httpAddr, ShowStartBanner: false})
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
	app.RootCmd.AddCommand(bridge.NewCommand(app))
	app.RootCmd.AddCommand(backup.Commands(app)...)
	app.RootCmd.AddCommand(standby.Command(app))
	app.RootCmd.AddCommand(
		cmd.NewSuperuserCommand(app),
		enrolment.InviteCommand(app, hcfg),
		journal.Command(app),
		&cobra.Command{Use: "serve", Short: "Runs the appliance: web UI, API and MQTT broker", SilenceUsage: true, RunE: serve},
		&cobra.Command{Use: "demo", Short: "Like serve, but first seeds a demo crisis staff with simulated hardware", SilenceUsage: true,
			RunE: func(c *cobra.Command, args []string) error {
				demo.Enable(app, appliance.DemoExtras()...)
				return serve(c, args)
			}},
	)
	// PocketBase's Execute swallows a command's error; remember it for the exit code so
	// systemd and scripts see a failed start.
	failed := false
	for _, c := range app.RootCmd.Commands() {
		if run := c.RunE; run != nil {
			c.RunE = func(c *cobra.Command, args []string) error {
				err := run(c, args)
				failed = failed || err != nil
				return err
			}
		}
	}
	// A last resort for a stop that hangs (a driver or client that never returns): the
	// appliance must go down when systemd or an operator says so.
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		time.AfterFunc(20*time.Second, func() {
			log.Println("crisisroom: shutdown took longer than 20 s; exiting")
			os.Exit(1)
		})
	}()
	if err := app.Execute(); err != nil || failed {
		if err != nil {
			log.Println(err)
		}
		os.Exit(1)
	}
}
