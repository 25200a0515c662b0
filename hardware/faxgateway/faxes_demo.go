package faxgateway

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hardware"
	"crisisroom/hardware/fax"
	"crisisroom/hardware/fax/sim"
	"crisisroom/hooks/audit"
	"crisisroom/hooks/tenancy"
)

// The demo's fax device: a simulated Class 2.0 modem on a pseudo-terminal, driven by
// the same in-process driver a real modem gets. The record's {"simulator": true} is what
// makes it simulated, so the demo flag needs no other way into this package.

// DemoFaxUsername is the demo fax device.
const DemoFaxUsername = "fax1"

// SeedDemo adds the demo's simulated fax modem to the staff d; idempotent.
func SeedDemo(app core.App, d hardware.DemoStaff) error {
	if _, err := app.FindFirstRecordByData("devices", "username", DemoFaxUsername); err == nil {
		return nil
	}
	ks, ch := d.Orgs["KS"], d.Channels["Hochwasser Rhein"]
	if ks == nil || ch == nil {
		return fmt.Errorf("demo fax: the demo has no KS or no channel \"Hochwasser Rhein\"")
	}
	coll, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	pw := make([]byte, 18)
	rand.Read(pw)
	dev := core.NewRecord(coll)
	dev.Set("username", DemoFaxUsername)
	dev.Set("name", "Faxgerät Stabsraum")
	dev.Set("organisation", ks.Id)
	dev.Set("kind", "fax")
	dev.Set("driver", "fax-class2")
	dev.Set("channel", ch.Id)
	dev.Set("config", map[string]any{"simulator": true, "local_id": "+49 221 100 200"})
	dev.SetPassword(hex.EncodeToString(pw))
	if err := app.Save(dev); err != nil {
		return fmt.Errorf("demo fax device: %w", err)
	}
	return nil
}

// TestFaxPages is what a test call brings: a situation report from the police and a
// second page.
func TestFaxPages() ([]sim.Page, error) {
	now := time.Now().Format("02.01.2006 15:04")
	texts := []string{
		"POLIZEIPRÄSIDIUM – Führungsstelle\n\nLAGEMELDUNG Nr. 7\nan: Krisenstab Stadt, S2 Lage\nStand: " + now + "\n\n" +
			"1. Lage: Pegel Rhein 8,92 m, steigend. Uferstraße zwischen Pegelhaus und Zoobrücke gesperrt.\n" +
			"2. Kräfte: 4 Streifen an den Absperrungen, 1 Hubschrauber in Bereitschaft.\n" +
			"3. Absicht: Räumung der Tiefgaragen Altstadt bis 20:00 unterstützen.\n" +
			"4. Bitte: Lagekarte mit den Sandsacklagern an die Führungsstelle.\n\n" +
			"gez. Keller, Verbindungsbeamter",
		"POLIZEIPRÄSIDIUM – Anlage zur Lagemeldung Nr. 7\n\nAbsperrungen (Stand " + now + "):\n\n" +
			"  A  Uferstraße / Pegelhaus          gesperrt\n" +
			"  B  Rheinufer / Zoobrücke           gesperrt\n" +
			"  C  Altstadt, Tiefgaragen          Räumung läuft\n" +
			"  D  Deutz, Rheinboulevard           Sichtkontrolle\n\n" +
			"Rückfragen: Führungsstelle, Tel. 0221 229-0",
	}
	var out []sim.Page
	for _, t := range texts {
		pages, err := fax.RenderText(t, fax.RenderOptions{SenderID: "Polizeipraesidium"})
		if err != nil {
			return nil, err
		}
		for _, p := range pages {
			out = append(out, sim.Page{Image: p.Image})
		}
	}
	return out, nil
}

// handleTestRing answers POST /api/crisisroom/fax/{device}/test-ring: the simulated
// modem of the demo gets a call with a two-page situation report. Host operators only.
func (f *Faxes) handleTestRing(re *core.RequestEvent) error {
	if !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return apperr.Forbidden("fax.only_operators_test_fax")
	}
	key := re.Request.PathValue("device")
	dev, err := re.App.FindRecordById("devices", key)
	if err != nil {
		dev, err = re.App.FindFirstRecordByData("devices", "username", key)
	}
	if err != nil {
		return apperr.NotFound("fax.fax_device_not_found")
	}
	if !hardware.MayUseDevice(re.App, re.Auth.Id, dev) {
		return hardware.DeviceForbidden()
	}
	s := f.Simulator(dev.Id)
	if s == nil {
		return apperr.BadRequest("fax.test_fax_needs_demo")
	}
	pages, err := TestFaxPages()
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	// Ring waits while earlier test calls are still queued at the simulated line.
	go s.Ring("+49 221 229 0", pages...)
	audit.Write(re.App, audit.Entry{Actor: re.Auth, Action: "fax.test_ring", Organisation: dev.GetString("organisation"), Target: dev.Id})
	return re.JSON(202, map[string]any{"ringing": true, "pages": len(pages)})
}
