package serialport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func openPair(t *testing.T, cfg Config) (*os.File, Port) {
	t.Helper()
	master, slave, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close() })
	cfg.Name = slave
	p, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return master, p
}

func TestRawBytesBothWays(t *testing.T) {
	master, p := openPair(t, Config{ReadTimeout: time.Second})
	// Bytes a cooked tty would eat or rewrite: CR, LF, XON, XOFF, DLE, ^C, ^D.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	if _, err := master.Write(all); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 256)
	if _, err := io.ReadFull(p, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(all, got) {
		t.Fatalf("master→port changed bytes: %x", got)
	}
	if _, err := p.Write(all); err != nil {
		t.Fatal(err)
	}
	master.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := io.ReadFull(master, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(all, got) {
		t.Fatalf("port→master changed bytes: %x", got)
	}
}

func TestTimeoutIsNotGone(t *testing.T) {
	master, p := openPair(t, Config{ReadTimeout: 50 * time.Millisecond})
	start := time.Now()
	n, err := p.Read(make([]byte, 10))
	if n != 0 || !errors.Is(err, ErrTimeout) || IsGone(err) {
		t.Fatalf("quiet line: got (%d, %v), want (0, ErrTimeout)", n, err)
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > time.Second {
		t.Errorf("timeout took %v", d)
	}
	// Still usable after a timeout.
	master.Write([]byte("OK"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(p, buf); err != nil || string(buf) != "OK" {
		t.Fatalf("after timeout: %q %v", buf, err)
	}
}

func TestCloseWakesPendingRead(t *testing.T) {
	_, p := openPair(t, Config{}) // no read timeout: Read would block for ever
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	p.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("pending read after Close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not wake the pending Read")
	}
}

func TestMasterClosedIsGone(t *testing.T) {
	master, p := openPair(t, Config{ReadTimeout: time.Second})
	master.Close()
	_, err := p.Read(make([]byte, 1))
	if !IsGone(err) {
		t.Fatalf("read after unplug: %v, want ErrGone", err)
	}
}

// The kernel, not our code, must stop output on XOFF: on a pty the slave's
// line discipline honours IXON for XOFF written into the master.
func TestXoffStopsOutputOnlyWithXonXoff(t *testing.T) {
	master, p := openPair(t, Config{ReadTimeout: time.Second, WriteTimeout: 2 * time.Second})
	if err := p.SetFlowControl(FlowXonXoff); err != nil {
		t.Fatal(err)
	}
	if f, _ := PTYFlow(master); f != FlowXonXoff {
		t.Fatalf("slave flow %v", f)
	}
	master.Write([]byte{0x13})
	time.Sleep(20 * time.Millisecond)
	// On a pty a stopped slave does not buffer: the write itself waits.
	wrote := make(chan error, 1)
	go func() { _, err := p.Write([]byte("page data")); wrote <- err }()
	master.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := master.Read(make([]byte, 64)); n > 0 {
		t.Fatalf("%d bytes passed XOFF (err %v)", n, err)
	}
	master.Write([]byte{0x11})
	buf := make([]byte, 9)
	master.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := io.ReadFull(master, buf); err != nil || string(buf) != "page data" {
		t.Fatalf("after XON: %q %v", buf, err)
	}
	if err := <-wrote; err != nil {
		t.Fatalf("write across XOFF: %v", err)
	}

	// Receiving: XOFF is data and must reach us.
	if err := p.SetFlowControl(FlowNone); err != nil {
		t.Fatal(err)
	}
	master.Write([]byte{0x13, 0x11, 'x'})
	got := make([]byte, 3)
	if _, err := io.ReadFull(p, got); err != nil || !bytes.Equal(got, []byte{0x13, 0x11, 'x'}) {
		t.Fatalf("flow none: got %x %v", got, err)
	}
}

func TestOpenRetryWaitsForDevice(t *testing.T) {
	master, slave, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	link := filepath.Join(t.TempDir(), "ttyFAX")
	go func() {
		time.Sleep(150 * time.Millisecond)
		os.Symlink(slave, link) // the modem is plugged back in
	}()
	var fails int
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	p, err := OpenRetry(ctx, Config{Name: link}, Backoff{Min: 20 * time.Millisecond, Max: 50 * time.Millisecond}, nil, func(error) { fails++ })
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if fails == 0 {
		t.Error("device was there before it was plugged in")
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := OpenRetry(ctx2, Config{Name: link + "-never"}, Backoff{Min: 10 * time.Millisecond}, nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("missing device: %v", err)
	}
}

func TestOpenTarmTimeoutIsNotEOF(t *testing.T) {
	master, slave, err := OpenPTY()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	p, err := OpenTarm(Config{Name: slave, Baud: 9600, DataBits: 7, Parity: ParityEven, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Read(make([]byte, 4)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("tarm quiet line: %v", err)
	}
	if err := p.SetFlowControl(FlowXonXoff); !errors.Is(err, ErrUnsupported) {
		t.Errorf("tarm flow control: %v", err)
	}
}
