package demo

import (
	"crisisroom/hooks/tenancy"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/pocketbase/dbx"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// DemoPassword is the password of every demo account.
const Password = "krisenstab2026"

// Data holds what the seed created, for the extras that add hardware to it.
type Data struct {
	Orgs     map[string]*core.Record // by short name: KS, POL, FW, KLM, SW
	Users    map[string]*core.Record // by username
	Channels map[string]*core.Record // by name
}

// Extra adds a part's demo data (simulated devices, forms) after the people and channels
// are seeded. Each must be idempotent itself. appliance.DemoExtras lists them.
type Extra func(app core.App, d *Data) error

// Enable makes the next serve seed the demo crisis staff, then extras, before anything
// else runs.
func Enable(app core.App, extras ...Extra) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{Id: "crisisroom_demo_seed", Priority: -100, Func: func(e *core.ServeEvent) error {
		_, err := Seed(e.App, extras...)
		if err != nil {
			return fmt.Errorf("failed to seed the demo: %w", err)
		}
		printDemoLogins(e.App)
		return e.Next()
	}})
}

type demoPerson struct{ org, name, username, role, function string }

var demoOrgs = []struct{ short, name, kind, color string }{
	{"KS", "Krisenstab Stadt", "host", "#b71c1c"},
	{"POL", "Polizeipräsidium", "police", "#1565c0"},
	{"FW", "Berufsfeuerwehr", "fire", "#d84315"},
	{"KLM", "Klinikum Mitte", "clinic", "#2e7d32"},
	{"SW", "Stadtwerke", "utility", "#6a1b9a"},
}

var demoPeople = []demoPerson{
	{"KS", "Anna Becker", "abecker", "admin", "Leiterin Stab"},
	{"KS", "Jonas Wagner", "jwagner", "operator", "S2 Lage"},
	{"KS", "Miriam Schulz", "mschulz", "operator", "S3 Einsatz"},
	{"KS", "Peter Hoffmann", "phoffmann", "member", "S5 Presse"},
	{"POL", "Thomas Keller", "tkeller", "admin", "Verbindungsbeamter"},
	{"POL", "Laura Neumann", "lneumann", "member", "Lagedienst"},
	{"FW", "Stefan Braun", "sbraun", "admin", "Verbindungsperson"},
	{"FW", "Katrin Vogel", "kvogel", "member", "Einsatzleitung"},
	{"KLM", "Dr. Sabine Roth", "sroth", "admin", "Ärztliche Leitung"},
	{"KLM", "Lukas Fischer", "lfischer", "member", "Bettenkoordination"},
	{"SW", "Michael Schneider", "mschneider", "admin", "Netzleitstelle"},
	{"SW", "Julia Weber", "jweber", "member", "Störungsdienst"},
}

// Seed creates the demo crisis staff, then runs extras in order. It is idempotent: a
// second run finds what the first made and adds only what is missing.
func Seed(app core.App, extras ...Extra) (*Data, error) {
	d := &Data{Orgs: map[string]*core.Record{}, Users: map[string]*core.Record{}, Channels: map[string]*core.Record{}}
	if host := tenancy.HostOrganisation(app); host != nil && host.GetString("name") != "Krisenstab Stadt" {
		return nil, fmt.Errorf("this appliance already has the host organisation %q; the demo needs a fresh --dir", host.GetString("name"))
	}
	err := app.RunInTransaction(func(tx core.App) error {
		for _, o := range demoOrgs {
			org, err := tx.FindFirstRecordByData("organisations", "name", o.name)
			if err != nil {
				if org, err = tenancy.NewOrganisation(tx, o.name, o.short, o.kind, o.color); err != nil {
					return err
				}
			}
			d.Orgs[o.short] = org
		}
		for _, p := range demoPeople {
			u, err := tx.FindFirstRecordByData("users", "username", p.username)
			if err != nil {
				if u, err = tenancy.NewUser(tx, p.name, p.username, Password, ""); err != nil {
					return err
				}
			}
			d.Users[p.username] = u
			if tenancy.Membership(tx, u.Id, d.Orgs[p.org].Id) == nil {
				if _, err := tenancy.NewMembership(tx, u.Id, d.Orgs[p.org].Id, p.role, p.function, nil); err != nil {
					return err
				}
			}
		}
		guest, err := tx.FindFirstRecordByData("users", "username", "gast.gutachter")
		if err != nil {
			if guest, err = tenancy.NewUser(tx, "Prof. Erik Lang (Hydrologe, extern)", "gast.gutachter", Password, ""); err != nil {
				return err
			}
		}
		d.Users["gast.gutachter"] = guest
		guestEnd := time.Now().Add(7 * 24 * time.Hour).UTC()
		if m := tenancy.Membership(tx, guest.Id, d.Orgs["KS"].Id); m == nil {
			if _, err := tenancy.NewMembership(tx, guest.Id, d.Orgs["KS"].Id, "guest", "Gutachter Hochwasser", guestEnd); err != nil {
				return err
			}
		}

		if err := openDemoIncident(tx, d.Users["abecker"].Id); err != nil {
			return err
		}

		channel := func(org, kind, name, topic string, participants []string, creator string) (*core.Record, error) {
			if ch, err := tx.FindFirstRecordByData("channels", "name", name); err == nil {
				d.Channels[name] = ch
				return ch, nil
			}
			ids := []string{}
			for _, p := range participants {
				ids = append(ids, d.Orgs[p].Id)
			}
			ch, err := tenancy.NewChannel(tx, d.Orgs[org].Id, kind, name, topic, ids, d.Users[creator].Id)
			if err == nil {
				d.Channels[name] = ch
			}
			return ch, err
		}
		admins := map[string]string{"KS": "abecker", "POL": "tkeller", "FW": "sbraun", "KLM": "sroth", "SW": "mschneider"}
		for _, o := range demoOrgs {
			if _, err := channel(o.short, "org", o.short+" intern", "Interner Kanal: "+o.name, nil, admins[o.short]); err != nil {
				return err
			}
		}
		flood, err := channel("KS", "shared", "Hochwasser Rhein", "Gemeinsame Lage Hochwasser: Pegel, Evakuierung, Kliniken, Versorgung", []string{"KS", "POL", "FW", "KLM", "SW"}, "jwagner")
		if err != nil {
			return err
		}
		power, err := channel("KS", "shared", "Stromausfall Süd", "Stromausfall Stadtteil Süd: Notstrom, Kliniken, Ampeln", []string{"KS", "FW", "SW", "KLM"}, "mschulz")
		if err != nil {
			return err
		}
		// Each organisation adds its own people to the shared channels it takes part in.
		for _, p := range demoPeople {
			for _, ch := range []*core.Record{flood, power} {
				for _, o := range tenancy.ChannelOrgs(ch) {
					if o == d.Orgs[p.org].Id {
						tenancy.AddChannelMember(tx, ch.Id, d.Users[p.username].Id, "member", nil)
					}
				}
			}
		}
		tenancy.AddChannelMember(tx, flood.Id, guest.Id, "readonly", guestEnd)

		direct := func(a, b string) (*core.Record, error) {
			name := "direct:" + a + ":" + b
			if ch, err := tx.FindFirstRecordByData("channels", "name", name); err == nil {
				return ch, nil
			}
			ch, err := tenancy.NewChannel(tx, d.Orgs[orgOfDemo(a)].Id, "direct", name, "", nil, d.Users[a].Id)
			if err != nil {
				return nil, err
			}
			tenancy.AddChannelMember(tx, ch.Id, d.Users[b].Id, "member", nil)
			d.Channels[name] = ch
			return ch, nil
		}
		dm1, err := direct("abecker", "tkeller")
		if err != nil {
			return err
		}
		dm2, err := direct("jwagner", "sbraun")
		if err != nil {
			return err
		}

		if n, _ := tx.CountRecords("messages"); n > 0 {
			return nil
		}
		post := func(ch *core.Record, author, body, priority string, ack bool, ago time.Duration) error {
			coll, err := tx.FindCachedCollectionByNameOrId("messages")
			if err != nil {
				return err
			}
			m := core.NewRecord(coll)
			m.Set("channel", ch.Id)
			m.Set("author", d.Users[author].Id)
			m.Set("body", body)
			m.Set("priority", priority)
			m.Set("ack_required", ack)
			m.Set("source", "web")
			return tx.Save(m)
		}
		msgs := []struct {
			ch                     *core.Record
			author, body, priority string
			ack                    bool
		}{
			{flood, "jwagner", "Lage 06:00: Pegel Rhein 8,90 m, steigend um 6 cm/h. Scheitel für morgen früh bei 9,60 m erwartet.", "normal", false},
			{flood, "sbraun", "Feuerwehr: Sandsackfüllplatz Deutz in Betrieb, 12.000 Säcke gefüllt. Zwei Pumpen an der Altstadt-Unterführung.", "normal", false},
			{flood, "tkeller", "Polizei sperrt ab 08:00 das Rheinufer zwischen Hohenzollernbrücke und Severinsbrücke.", "immediate", false},
			{flood, "lfischer", "Klinikum Mitte: 42 freie Betten, davon 6 Intensiv. Evakuierung Pflegeheim Rheinblick kann aufgenommen werden.", "normal", false},
			{flood, "mschulz", "BLITZ: Deichabschnitt 3 sickert. Evakuierung Rheinblick sofort einleiten. Alle Stellen bitte bestätigen.", "flash", true},
			{power, "mschneider", "Stadtwerke: Umspannwerk Süd ausgefallen, ca. 18.000 Haushalte ohne Strom. Wiederversorgung frühestens 14:00.", "immediate", false},
			{power, "sroth", "Klinikum läuft auf Notstrom, Diesel reicht 36 Stunden.", "normal", false},
			{d.Channels["KS intern"], "abecker", "Nächste Lagebesprechung 10:00 im Stabsraum.", "normal", false},
			{d.Channels["POL intern"], "tkeller", "Nur intern: Kräfteplanung Nachtschicht folgt bis 16:00.", "normal", false},
			{dm1, "abecker", "Herr Keller, können Sie die Absperrung bis 07:45 vorziehen?", "normal", false},
			{dm1, "tkeller", "Ja, ist veranlasst.", "normal", false},
			{dm2, "jwagner", "Brauchen aktuelle Zahl der Pumpen für die Lagekarte.", "normal", false},
		}
		for i, m := range msgs {
			if err := post(m.ch, m.author, m.body, m.priority, m.ack, time.Duration(len(msgs)-i)*time.Minute); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, extra := range extras {
		if err := extra(app, d); err != nil {
			return d, err
		}
	}
	return d, nil
}

// openDemoIncident opens the demo operation "Hochwasser Rhein" on a fresh appliance, so
// its channels and messages belong to it and its Einsatztagebuch fills as the demo runs.
func openDemoIncident(tx core.App, by string) error {
	if n, err := tx.CountRecords("incidents"); err != nil || n > 0 {
		return err
	}
	coll, err := tx.FindCachedCollectionByNameOrId("incidents")
	if err != nil {
		return err
	}
	r := core.NewRecord(coll)
	r.Set("name", "Hochwasser Rhein")
	r.Set("opened_by", by)
	return tx.Save(r)
}

func orgOfDemo(username string) string {
	for _, p := range demoPeople {
		if p.username == username {
			return p.org
		}
	}
	return "KS"
}

// printDemoLogins prints every person of the demo, grouped by organisation, with their
// role and the functions as the app shows them beside their name, read from
// the database after all extras ran (so the city administration and the forms'
// functions are there, as the README names them).
func printDemoLogins(app core.App) {
	fmt.Fprintf(os.Stderr, "\n  crisisroom demo: Anmeldungen / logins (Passwort / password: %s)\n", Password)
	for _, line := range DemoLoginLines(app) {
		fmt.Fprintln(os.Stderr, line)
	}
	fmt.Fprintln(os.Stderr)
}

// DemoLoginLines: per organisation (host first, then by name) a heading and one line per
// member: username, name, role, functions.
func DemoLoginLines(app core.App) []string {
	orgs, err := app.FindAllRecords("organisations")
	if err != nil {
		return nil
	}
	host := tenancy.HostOrganisation(app)
	sort.SliceStable(orgs, func(i, j int) bool {
		hi, hj := host != nil && orgs[i].Id == host.Id, host != nil && orgs[j].Id == host.Id
		if hi != hj {
			return hi
		}
		return orgs[i].GetString("name") < orgs[j].GetString("name")
	})
	// The codes of the staff functions held, as the app shows them beside a name
	// (staffroom.staffCodes: the host's functions in their order, each only while its
	// holder is staff of the organisation it stands for).
	held := map[string][]string{} // user id → codes of the staff functions held
	if host != nil {
		if fns, err := app.FindRecordsByFilter("staff_functions", "organisation = {:h}", "sort", 0, 0, dbx.Params{"h": host.Id}); err == nil {
			for _, f := range fns {
				org := f.GetString("liaison_org")
				if org == "" {
					org = f.GetString("organisation")
				}
				for _, u := range f.GetStringSlice("holders") {
					if tenancy.IsStaff(app, u, org) {
						held[u] = append(held[u], f.GetString("code"))
					}
				}
			}
		}
	}
	var out []string
	for _, o := range orgs {
		ms, err := app.FindAllRecords("memberships", dbx.HashExp{"organisation": o.Id})
		if err != nil || len(ms) == 0 {
			continue
		}
		type row struct{ username, name, role, fn string }
		var rows []row
		for _, m := range ms {
			u, err := app.FindRecordById("users", m.GetString("user"))
			if err != nil {
				continue
			}
			// what the app shows beside the name (features/mentions.js functionLabel): the
			// codes held, without one the membership's function begins with, then that
			// function ("VB-POL · Verbindungsbeamter", "Sichter · S3 Einsatz")
			f := strings.TrimSpace(m.GetString("function"))
			first := strings.ToLower(strings.SplitN(f, " ", 2)[0])
			var fns []string
			for _, c := range held[u.Id] {
				if strings.ToLower(c) != first {
					fns = append(fns, c)
				}
			}
			if f != "" {
				fns = append(fns, f)
			}
			rows = append(rows, row{u.GetString("username"), u.GetString("name"), m.GetString("role"), strings.Join(fns, " · ")})
		}
		rank := map[string]int{"admin": 0, "operator": 1, "member": 2, "guest": 3}
		sort.SliceStable(rows, func(i, j int) bool {
			if rank[rows[i].role] != rank[rows[j].role] {
				return rank[rows[i].role] < rank[rows[j].role]
			}
			return rows[i].username < rows[j].username
		})
		out = append(out, fmt.Sprintf("    %s (%s)", o.GetString("name"), o.GetString("short")))
		for _, r := range rows {
			out = append(out, fmt.Sprintf("      %-15s %-36s %-9s %s", r.username, r.name, r.role, r.fn))
		}
	}
	return out
}
