package board

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"

	"crisisroom/hardware/mqttbus"
	"crisisroom/hardware/serialport"
)

func TestAlphaFrameLayout(t *testing.T) {
	got := AlphaFrame("Pegel 9,60 m – Deich gesperrt", AlphaFlash)
	want := "\x00\x00\x00\x00\x00\x01Z00\x02A0\x1b cPegel 9,60 m - Deich gesperrt\x04"
	if string(got) != want {
		t.Fatalf("frame %q, want %q", got, want)
	}
	if f := AlphaFrame("Straße über Brücke", AlphaHold); !bytes.Contains(f, []byte("Strasse ueber Bruecke")) {
		t.Errorf("umlauts not spelt out: %q", f)
	}
	long := AlphaFrame(strings.Repeat("x", 300), AlphaHold)
	if n := bytes.IndexByte(long, 0x04) - bytes.IndexByte(long, 'b') - 1; n != 125 {
		t.Errorf("text of %d characters, want 125", n)
	}
}

func TestAdaptBySeverity(t *testing.T) {
	set := Set{Items: []Item{{Title: "Lage ruhig", Severity: "info"}, {Title: "Deich 3 sickert", Severity: "critical"}}}
	m := Adapt("wled", "stabsraum", set, Config{Presets: map[string]int{"critical": 9}})
	if len(m) != 1 || m[0].Topic != "wled/stabsraum/api" || string(m[0].Payload) != `{"on":true,"ps":9}` {
		t.Fatalf("wled %+v", m)
	}
	m = Adapt("awtrix", "awtrix_1", set, Config{})
	var n map[string]any
	if len(m) != 1 || m[0].Topic != "awtrix_1/notify" || json.Unmarshal(m[0].Payload, &n) != nil || n["text"] != "Deich 3 sickert" || n["hold"] != true || n["color"] != "#FF0000" {
		t.Fatalf("awtrix %+v", m)
	}
	if m := Adapt("awtrix", "awtrix_1", Set{}, Config{}); len(m) != 1 || m[0].Topic != "awtrix_1/notify/dismiss" {
		t.Fatalf("awtrix empty %+v", m)
	}
	if m := Adapt("wled", "stabsraum", Set{}, Config{}); string(m[0].Payload) != `{"on":false}` {
		t.Fatalf("wled empty %s", m[0].Payload)
	}
}

// The Alpha driver writes the frame for each board update to a 7E1 serial port (a
// pseudo-terminal here) and reports what the sign shows.
func TestRunAlphaOverPTY(t *testing.T) {
	master, slave, err := serialport.OpenPTY()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer master.Close()
	port, err := serialport.Open(serialport.Config{Name: slave, Baud: 9600, DataBits: 7, Parity: serialport.ParityEven, StopBits: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()

	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumMessageExpiryInterval = 0
	server := mqtt.New(&mqtt.Options{InlineClient: true, Capabilities: caps, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go server.Serve()
	defer server.Close()
	bus := mqttbus.NewMochi(server)

	states := make(chan string, 4)
	if err := bus.Subscribe(StateTopic("crisisroom/", "schild1"), func(_ string, p []byte) { states <- string(p) }); err != nil {
		t.Fatal(err)
	}
	// The appliance publishes board sets retained: a sign that starts late still shows
	// the current situation.
	set, _ := json.Marshal(Set{Items: []Item{{Title: "BLITZ: Deich 3 sickert", Severity: "critical"}}})
	if err := bus.Publish(SetTopic("crisisroom/", "schild1"), set, true, 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunAlpha(ctx, bus, port, "crisisroom/", "schild1") }()
	frame := readFrame(t, master)
	if want := AlphaFrame("BLITZ: Deich 3 sickert", AlphaFlash); !bytes.Equal(frame, want) {
		t.Fatalf("sign got %q, want %q", frame, want)
	}
	select {
	case st := <-states:
		if !strings.Contains(st, "BLITZ: Deich 3 sickert") {
			t.Errorf("state %s", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no state report")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func readFrame(t *testing.T, r io.Reader) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 256)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if i := bytes.IndexByte(out, 0x04); i >= 0 {
			return out[:i+1]
		}
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, out)
		}
	}
	t.Fatalf("no complete frame: %q", out)
	return nil
}
