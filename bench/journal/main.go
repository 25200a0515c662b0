// Command journal measures the Einsatztagebuch's hash chain: how many entries per second
// the appliance writes when each is its own transaction (seq and prev_hash read, SHA-256
// computed, row stored, synchronous=FULL as in main), with -writers goroutines writing
// into one journal at once; then how long `etb verify` takes for a journal of -n entries
// (read every row, recompute every hash).
//
//	go run ./bench/journal                          # about 30 s
//	go run ./bench/journal -duration 5s -n 20000
package main

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/durability"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
	_ "crisisroom/migrations"
)

func main() {
	writers := flag.Int("writers", 4, "goroutines writing entries at once")
	duration := flag.Duration("duration", 10*time.Second, "how long to write single entries")
	n := flag.Int("n", 100000, "entries in the journal that is verified")
	flag.Parse()
	if err := run(*writers, *duration, *n); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(writers int, duration time.Duration, n int) error {
	dir, err := os.MkdirTemp("", "bench-journal-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir, DBConnect: durability.Connect})
	if err := app.Bootstrap(); err != nil {
		return err
	}
	if err := app.RunAllMigrations(); err != nil {
		return err
	}
	host, err := tenancy.NewOrganisation(app, "Krisenstab Stadt", "KS", "host", "#b71c1c")
	if err != nil {
		return err
	}
	other, err := tenancy.NewOrganisation(app, "Polizeipräsidium", "POL", "police", "#1565c0")
	if err != nil {
		return err
	}
	coll, err := app.FindCollectionByNameOrId("incidents")
	if err != nil {
		return err
	}
	inc := core.NewRecord(coll)
	inc.Set("name", "Hochwasser Rhein")
	inc.Set("status", "open")
	if err := app.Save(inc); err != nil {
		return err
	}
	text := "Lage 06:00: Pegel Rhein 8,90 m, steigend um 6 cm/h. Scheitel für morgen früh bei 9,60 m erwartet; Sandsackfüllplatz Deutz in Betrieb."

	// 1. Single entries, each its own transaction, from several writers into one journal.
	var count atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	start := time.Now()
	stop := start.Add(duration)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				if _, err := journal.Write(app, journal.Entry{Incident: inc.Id, Organisation: host.Id, Kind: "manual", Source: "manual",
					Text: fmt.Sprintf("%s (%d/%d)", text, w, i)}); err != nil {
					errs <- err
					return
				}
				count.Add(1)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Printf("write: %d entries in %.1f s with %d writers: %.0f entries/s (one transaction each, synchronous=FULL)\n",
		count.Load(), took.Seconds(), writers, float64(count.Load())/took.Seconds())

	// 2. A journal of n entries, chained as Write chains them but stored with plain
	// INSERTs in transactions of 5,000 (the write path is measured above; this only gets
	// there quickly), then verified as `etb verify` does.
	start = time.Now()
	prev := journal.Genesis
	for done := 0; done < n; {
		batch := min(5000, n-done)
		err := app.RunInTransaction(func(tx core.App) error {
			for i := 0; i < batch; i++ {
				now := types.NowDateTime().String()
				c := journal.Canonical{V: 1, Incident: inc.Id, Organisation: other.Id, Seq: done + i + 1, RecordedAt: now, OccurredAt: now,
					Kind: "manual", Source: "manual", Mark: "A", Text: fmt.Sprintf("%s (%d)", text, done+i), Attachments: []journal.Attachment{}, PrevHash: prev}
				h := c.Hash()
				_, err := tx.DB().Insert("journal_entries", dbx.Params{"id": security.RandomStringWithAlphabet(15, "abcdefghijklmnopqrstuvwxyz0123456789"),
					"incident": c.Incident, "organisation": c.Organisation, "seq": c.Seq, "recorded_at": now, "occurred_at": now, "kind": c.Kind,
					"source": c.Source, "mark": c.Mark, "text": c.Text, "attachments": "[]", "prev_hash": prev, "hash": h}).Execute()
				if err != nil {
					return err
				}
				prev = h
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += batch
	}
	fmt.Printf("fill: %d entries in %.1f s (plain INSERTs, not the write path)\n", n, time.Since(start).Seconds())
	start = time.Now()
	rs, err := journal.VerifyDB(app, inc.Id, "POL", nil)
	if err != nil {
		return err
	}
	took = time.Since(start)
	if len(rs) != 1 || rs[0].Break != nil || rs[0].Entries != n {
		return fmt.Errorf("verify: %+v", rs)
	}
	fmt.Printf("verify: %d entries in %.2f s (%.0f entries/s), chain holds\n", n, took.Seconds(), float64(n)/took.Seconds())
	return nil
}
