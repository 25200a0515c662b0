package hardware_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hardware/fax/iaxline"
	"crisisroom/testkit"
)

// A fax-class2 device whose modem offers only Class 1 (iaxmodem, spandsp): the appliance
// asks AT+FCLASS=?, falls back to Class 1, shows it in the device record, and a fax efax
// sends from the other end of the line becomes a fax record and a message.
func TestFaxGatewayFallsBackToClass1(t *testing.T) {
	for _, tool := range []string{"iaxmodem", "efax", "efix"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (apt-get install iaxmodem efax; ./test.sh installs them)", tool)
		}
	}
	line, err := iaxline.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer line.Stop()
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	flood := s.Demo.Channels["Hochwasser Rhein"]
	dev, _ := addFaxDevice(t, s, "faxcx", s.Demo.Orgs["FW"].Id, flood.Id, map[string]any{"port": line.A, "local_id": "+49 221 8080"})
	testkit.Eventually(t, 20*time.Second, "the line idle in Class 1", func() bool {
		d, _ := s.App.FindRecordById("devices", dev.Id)
		return d.GetString("state") == "idle" && d.GetString("fax_class") == "1"
	})

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t.txt"), []byte("\n\n\nLagemeldung Klinikum\n\nBetten frei: 14\n"), 0o644)
	if out, err := exec.Command("efix", "-i", "text", "-o", "tiffg3", "-n", filepath.Join(dir, "p%02d.tif"), filepath.Join(dir, "t.txt")).CombinedOutput(); err != nil {
		t.Fatalf("efix: %v %s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	// efax gives up on NO DIALTONE, which the line says for a few seconds after either
	// modem hung up (the driver's ATZ included): tried again for at most 30 s.
	for until := time.Now().Add(30 * time.Second); ; {
		cmd := exec.CommandContext(ctx, "efax", "-vewinchr", "-d", line.B, "-o1", "-l", "+49 30 1234", "-t", "200", filepath.Join(dir, "p01.tif"))
		cmd.WaitDelay = 3 * time.Second
		out, err := cmd.CombinedOutput()
		if err == nil {
			break
		}
		if !strings.Contains(string(out), "NO DIALTONE") || time.Now().After(until) {
			t.Fatalf("efax: %v\n%s\n%s", err, out, line.Logs())
		}
		time.Sleep(time.Second)
	}
	testkit.Eventually(t, 30*time.Second, "the received fax", func() bool {
		in, _ := s.App.FindFirstRecordByFilter("faxes", `device = {:d} && direction = "in"`, dbx.Params{"d": dev.Id})
		return in != nil && in.GetInt("pages") == 1 && in.GetString("message") != ""
	})
}
