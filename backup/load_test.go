package backup_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"crisisroom/durability/harness"
	"crisisroom/hooks/demo"
)

type sent struct {
	key       string
	scheduled time.Time
	done      time.Time
}

func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[min(len(ds)-1, int(0.99*float64(len(ds))+0.5)-1)]
}

// Backup under load: messages at 200/s and a stream of uploads go on while `crisisroom
// backup` runs in another process; the archive restored into a fresh data folder passes
// integrity_check, holds every message acknowledged before the backup started, and every
// stored file matches the uploaded bytes. The p99 of message creates before and during the
// backup are printed (not asserted: the machine is shared).
func TestBackupUnderLoadRestoresEverythingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the appliance")
	}
	bin := harness.Binary(t)
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	seed := harness.Start(t, bin, dir, harness.Options{Command: "demo"})
	type writer struct {
		c               *harness.Client
		author, channel string
	}
	var ws []writer
	for _, w := range []struct{ user, channel string }{
		{"abecker", "KS intern"}, {"tkeller", "POL intern"}, {"sbraun", "FW intern"},
		{"sroth", "KLM intern"}, {"mschneider", "SW intern"}, {"jwagner", "KS intern"},
	} {
		c := harness.Login(t, seed.URL, w.user, demo.Password)
		ws = append(ws, writer{c, c.UserID(t), c.ChannelID(t, w.channel)})
	}
	seed.Stop(t)
	p := harness.Start(t, bin, dir, harness.Options{})
	for _, w := range ws {
		w.c.Base = p.URL
	}

	var (
		mu       sync.Mutex
		msgs     []sent
		uploads  = map[string]string{} // key → sha256 of the bytes, acknowledged ones only
		upDone   = map[string]time.Time{}
		wg       sync.WaitGroup
		failures int
	)
	content := func(key string, n int) []byte {
		r := rand.New(rand.NewPCG(uint64(len(key)), uint64(n)))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		copy(b, key)
		return b
	}
	upload := func(key string, size int) {
		b := content(key, size)
		h := sha256.Sum256(b)
		if ws[0].c.PostFile(ws[0].channel, ws[0].author, key, key+".pdf", b) {
			mu.Lock()
			uploads[key] = hex.EncodeToString(h[:])
			upDone[key] = time.Now()
			mu.Unlock()
		} else {
			mu.Lock()
			failures++
			mu.Unlock()
		}
	}
	// Stored files first, so that the backup has something to copy: 60 attachments of 1 MB.
	for i := 0; i < 60; i++ {
		upload(fmt.Sprintf("vorab-%d", i), 1<<20)
	}

	stop := make(chan struct{})
	// The message stream: open loop at 200/s, latency counted from the scheduled moment.
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		for i := 0; ; i++ {
			at := start.Add(time.Duration(i) * 5 * time.Millisecond)
			select {
			case <-stop:
				return
			case <-time.After(time.Until(at)):
			}
			w := ws[i%len(ws)]
			key := fmt.Sprintf("last-%d", i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if w.c.Post(w.channel, w.author, key) {
					mu.Lock()
					msgs = append(msgs, sent{key, at, time.Now()})
					mu.Unlock()
				} else {
					mu.Lock()
					failures++
					mu.Unlock()
				}
			}()
		}
	}()
	// The upload stream: a 256 KB attachment every 100 ms.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			upload(fmt.Sprintf("strom-%d", i), 256<<10)
		}
	}()

	time.Sleep(3 * time.Second) // the baseline window (a measuring period, not a wait for a condition)
	dest := filepath.Join(root, "stick")
	os.MkdirAll(dest, 0o755)
	backupStart := time.Now()
	out, err := exec.Command(bin, "backup", "--dir", dir, dest).CombinedOutput()
	backupEnd := time.Now()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	p.Stop(t)
	t.Logf("backup output:\n%s", out)

	var base, during []time.Duration
	acked := map[string]bool{}
	for _, m := range msgs {
		switch {
		case m.scheduled.Before(backupStart):
			base = append(base, m.done.Sub(m.scheduled))
		case !m.scheduled.After(backupEnd):
			during = append(during, m.done.Sub(m.scheduled))
		}
		if m.done.Before(backupStart) {
			acked[m.key] = true
		}
	}
	for k, d := range upDone {
		if d.Before(backupStart) {
			acked[k] = true
		}
	}
	pb, pd := p99(base), p99(during)
	t.Logf("backup took %v; message creates p99 %v before (%d), %v during (%d): x%.2f; %d requests failed",
		backupEnd.Sub(backupStart).Round(time.Millisecond), pb.Round(time.Millisecond), len(base), pd.Round(time.Millisecond), len(during), float64(pd)/float64(max(pb, 1)), failures)
	if failures > 0 {
		t.Errorf("%d creates or uploads failed during the run", failures)
	}

	archives, _ := filepath.Glob(filepath.Join(dest, "crisisroom-backup-*.tar"))
	if len(archives) != 1 {
		t.Fatalf("archives: %v", archives)
	}
	fresh := filepath.Join(root, "restored")
	if out, err := exec.Command(bin, "restore", "--dir", fresh, archives[0]).CombinedOutput(); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	db, err := sql.Open("sqlite", filepath.Join(fresh, "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	var colID string
	if err := db.QueryRow("SELECT id FROM _collections WHERE name = 'messages'").Scan(&colID); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT id, client_key, attachments FROM messages WHERE client_key != ''")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	files := 0
	for rows.Next() {
		var id, key, att string
		if err := rows.Scan(&id, &key, &att); err != nil {
			t.Fatal(err)
		}
		stored[key] = true
		var names []string
		json.Unmarshal([]byte(att), &names)
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(fresh, "storage", colID, id, n))
			if err != nil {
				t.Errorf("%s: attachment %s missing in the restore: %v", key, n, err)
				continue
			}
			h := sha256.Sum256(b)
			if want := uploads[key]; hex.EncodeToString(h[:]) != want {
				t.Errorf("%s: attachment %s differs from the upload", key, n)
			}
			files++
		}
	}
	rows.Close()
	lost := 0
	for k := range acked {
		if !stored[k] {
			lost++
		}
	}
	t.Logf("restored: %d records with client keys, %d files checked; %d acknowledged before the backup started, %d of them missing", len(stored), files, len(acked), lost)
	if lost > 0 {
		t.Errorf("%d records acknowledged before the backup started are not in it", lost)
	}
}
