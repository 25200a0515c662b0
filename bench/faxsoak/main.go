// Command faxsoak sends -n faxes in a row through a real software fax line: two Debian
// iaxmodems (spandsp's Class 1 modem) pointed at each other on 127.0.0.1, the appliance's
// Class 1 driver on one end and efax on the other. Faxes alternate direction (driver →
// efax, efax → driver); every one must arrive with all its pages. It prints the time per
// fax and per page. Mostly waiting for the line (14400 bit/s, T.30 pauses): little CPU.
//
//	go run ./bench/faxsoak              # 20 faxes of 1 page, about 8 minutes (see README)
//	go run ./bench/faxsoak -n 4 -pages 2
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"crisisroom/hardware/fax"
	"crisisroom/hardware/fax/iaxline"
	"crisisroom/hardware/serialport"
)

func main() {
	n := flag.Int("n", 20, "faxes in a row")
	pages := flag.Int("pages", 1, "pages per fax")
	verbose := flag.Bool("v", false, "log the driver")
	flag.Parse()
	if err := run(*n, *pages, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "faxsoak:", err)
		os.Exit(1)
	}
}

func run(n, pages int, verbose bool) error {
	for _, tool := range []string{"iaxmodem", "efax", "efix"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (apt-get install iaxmodem efax)", tool)
		}
	}
	dir, err := os.MkdirTemp("", "faxsoak")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	line, err := iaxline.Start(dir)
	if err != nil {
		return err
	}
	defer line.Stop()

	var logOut io.Writer = io.Discard
	if verbose {
		logOut = os.Stderr
	}
	d := fax.New(fax.Config{
		Port: serialport.Config{Name: line.A}, LocalID: "+49 221 1234567",
		RetryDelays: []time.Duration{}, Logger: slog.New(slog.NewTextHandler(logOut, nil)),
	})
	rx := make(chan *fax.Received, 4)
	res := make(chan fax.SendResult, 4)
	d.Listen(fax.Events{Received: func(f *fax.Received) { rx <- f }, Result: func(r fax.SendResult) { res <- r }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(15 * time.Second); d.Status() != fax.StatusIdle; {
		if time.Now().After(deadline) {
			return errors.New("driver did not become idle")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The same text both ways: efix's pages for efax, the driver's own rendering.
	// A short situation report (8 lines): a page's time on the line grows with its ink.
	text := strings.Repeat("Lagemeldung: Pegel 8,42 m, steigend. Sandsaecke Ausgabestelle Nord.\n", 8)
	var body strings.Builder
	for p := 0; p < pages; p++ {
		body.WriteString(text + strings.Repeat("\n", 66-8)) // efix: 66 lines a page
	}
	src := filepath.Join(dir, "soak.txt")
	os.WriteFile(src, []byte(body.String()), 0o644)
	if out, err := exec.Command("efix", "-i", "text", "-o", "tiffg3", "-n", filepath.Join(dir, "p%02d.tif"), src).CombinedOutput(); err != nil {
		return fmt.Errorf("efix: %v %s", err, out)
	}
	tiffs, _ := filepath.Glob(filepath.Join(dir, "p*.tif"))
	tiffs = tiffs[:min(len(tiffs), pages)]
	var ours []fax.Page
	for p := 0; p < pages; p++ {
		pp, err := fax.RenderText(text, fax.RenderOptions{SenderID: "Krisenstab"})
		if err != nil {
			return err
		}
		ours = append(ours, pp[0])
	}

	fmt.Printf("faxsoak: %d faxes of %d page(s) over iaxmodem (Class 1 driver %s ↔ efax)\n", n, pages, d.Class())
	var times []time.Duration
	lost := 0
	start := time.Now()
	for i := 0; i < n; i++ {
		t0 := time.Now()
		var err error
		way := "driver → efax"
		if i%2 == 0 {
			err = sendToEfax(ctx, d, res, line, ours, filepath.Join(dir, fmt.Sprintf("rx%02d", i)))
		} else {
			way = "efax → driver"
			err = receiveFromEfax(ctx, rx, line, tiffs)
		}
		el := time.Since(t0)
		if err != nil {
			lost++
			fmt.Printf("  %2d %s: LOST after %.1f s: %v\n", i+1, way, el.Seconds(), err)
			continue
		}
		times = append(times, el)
		fmt.Printf("  %2d %s: %.1f s\n", i+1, way, el.Seconds())
	}
	total := time.Since(start)
	if len(times) > 0 {
		slices.Sort(times)
		var sum time.Duration
		for _, t := range times {
			sum += t
		}
		mean := sum / time.Duration(len(times))
		fmt.Printf("faxsoak: %d of %d arrived, %d lost; per fax mean %.1f s (min %.1f, median %.1f, max %.1f); per page %.1f s; total %.0f s\n",
			len(times), n, lost, mean.Seconds(), times[0].Seconds(), times[len(times)/2].Seconds(), times[len(times)-1].Seconds(),
			mean.Seconds()/float64(pages), total.Seconds())
	}
	if lost > 0 {
		return fmt.Errorf("%d faxes lost", lost)
	}
	return nil
}

// sendToEfax: the driver sends, efax answers (auto-answer) and receives.
func sendToEfax(ctx context.Context, d *fax.Driver, res <-chan fax.SendResult, line *iaxline.Line, pages []fax.Page, rx string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	efaxDone := make(chan error, 1)
	go func() {
		cmd := exec.CommandContext(ctx, "efax", "-d", line.B, "-o1", "-r", rx, "-w", "-iS0=1")
		cmd.WaitDelay = 3 * time.Second
		out, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("efax: %v: %s", err, lastLines(string(out), 4))
		}
		efaxDone <- err
	}()
	if err := d.Send(fax.SendJob{Number: "200", Pages: pages}); err != nil {
		return err
	}
	select {
	case r := <-res:
		if r.Status != fax.ResultSent || r.Pages != len(pages) {
			cancel()
			<-efaxDone
			return fmt.Errorf("driver: %s, %d pages: %v", r.Status, r.Pages, r.Err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := <-efaxDone; err != nil {
		return err
	}
	for p := 1; p <= len(pages); p++ {
		if _, err := os.Stat(fmt.Sprintf("%s.%03d", rx, p)); err != nil {
			return fmt.Errorf("efax did not keep page %d", p)
		}
	}
	return nil
}

// receiveFromEfax: efax dials and sends, the driver answers and receives. efax gives up
// on NO DIALTONE, which the line says for some seconds after a hang-up: that is retried.
func receiveFromEfax(ctx context.Context, rx <-chan *fax.Received, line *iaxline.Line, tiffs []string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	efaxDone := make(chan error, 1)
	go func() {
		for until := time.Now().Add(30 * time.Second); ; {
			cmd := exec.CommandContext(ctx, "efax", append([]string{"-vewinchr", "-d", line.B, "-o1", "-t", "100"}, tiffs...)...)
			cmd.WaitDelay = 3 * time.Second
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "NO DIALTONE") || time.Now().After(until) {
				if err != nil {
					err = fmt.Errorf("efax: %v: %s", err, lastLines(string(out), 4))
				}
				efaxDone <- err
				return
			}
			time.Sleep(time.Second)
		}
	}()
	select {
	case f := <-rx:
		if err := <-efaxDone; err != nil {
			return err
		}
		if !f.Complete || len(f.Pages) != len(tiffs) {
			return fmt.Errorf("driver received %d pages, complete %v: %v", len(f.Pages), f.Complete, f.Err)
		}
		return nil
	case err := <-efaxDone:
		if err != nil {
			return err
		}
		select {
		case f := <-rx:
			if !f.Complete || len(f.Pages) != len(tiffs) {
				return fmt.Errorf("driver received %d pages, complete %v: %v", len(f.Pages), f.Complete, f.Err)
			}
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("efax sent, the driver received nothing")
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], " | ")
}
