package standby_test

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
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"crisisroom/durability/harness"
	"crisisroom/hooks/demo"
)

func TestMain(m *testing.M) {
	code := m.Run()
	harness.Cleanup()
	os.Exit(code)
}

// storedMessages opens a data folder's data.db and returns every message's client key with
// its attachments' SHA-256 sums as stored in the folder ("" for a missing file).
func storedMessages(t *testing.T, dir string) map[string][]string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "data.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check of %s: %q %v", dir, ok, err)
	}
	var colID string
	if err := db.QueryRow("SELECT id FROM _collections WHERE name = 'messages'").Scan(&colID); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT id, client_key, attachments FROM messages WHERE client_key != ''")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id, key string
		var att sql.NullString
		if err := rows.Scan(&id, &key, &att); err != nil {
			t.Fatal(err)
		}
		var names []string
		json.Unmarshal([]byte(att.String), &names)
		sums := []string{}
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(dir, "storage", colID, id, n))
			if err != nil {
				sums = append(sums, "")
				continue
			}
			h := sha256.Sum256(b)
			sums = append(sums, hex.EncodeToString(h[:]))
		}
		if _, dup := out[key]; dup {
			t.Errorf("%s stored twice", key)
		}
		out[key] = sums
	}
	return out
}

// holdsAll tells whether the data.db in dir has messages with all these client keys (false
// while the replica has not caught up, or has no snapshot yet).
func holdsAll(dir string, keys []string) bool {
	db, err := sql.Open("sqlite", filepath.Join(dir, "data.db"))
	if err != nil {
		return false
	}
	defer db.Close()
	for _, k := range keys {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM messages WHERE client_key = ?", k).Scan(&n); err != nil || n != 1 {
			return false
		}
	}
	return true
}

// The primary writes (messages and attachments) with replication to a shared folder, a warm
// standby follows, the primary is killed (SIGKILL) at a random moment; the standby takes the
// latest state and serves. Everything acknowledged before a moment the replica had caught up
// is there, every attachment on the standby matches its upload, nothing is stored twice; the
// replication lag and the count of acknowledged messages missing (acknowledged after the
// last replicated frame) are printed.
func TestStandbyTakesOverAfterThePrimaryDies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the appliance")
	}
	bin := harness.Binary(t)
	root := t.TempDir()
	pdir, sdir, replica := filepath.Join(root, "primary"), filepath.Join(root, "standby"), filepath.Join(root, "shared")

	seed := harness.Start(t, bin, pdir, harness.Options{Command: "demo"})
	type writer struct {
		c               *harness.Client
		author, channel string
	}
	var ws []writer
	for _, w := range []struct{ user, channel string }{
		{"abecker", "KS intern"}, {"tkeller", "POL intern"}, {"sbraun", "FW intern"}, {"sroth", "KLM intern"},
	} {
		c := harness.Login(t, seed.URL, w.user, demo.Password)
		ws = append(ws, writer{c, c.UserID(t), c.ChannelID(t, w.channel)})
	}
	seed.Stop(t)
	if out, err := exec.Command(bin, "standby", "replicate", "--dir", pdir, replica).CombinedOutput(); err != nil {
		t.Fatalf("standby replicate: %v %s", err, out)
	}
	if out, err := exec.Command(bin, "superuser", "upsert", "it@krisenstab.example", "it-passwort-2026", "--dir", pdir).CombinedOutput(); err != nil {
		t.Fatalf("superuser: %v %s", err, out)
	}
	p := harness.Start(t, bin, pdir, harness.Options{})
	for _, w := range ws {
		w.c.Base = p.URL
	}

	// Before the load: a few messages, then a bounded wait until a restore from the replica
	// holds them all (the replica caught up).
	uploads := map[string]string{}
	var mu sync.Mutex
	content := func(key string) []byte {
		r := rand.New(rand.NewPCG(uint64(len(key)), 7))
		b := make([]byte, 64<<10)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		copy(b, key)
		return b
	}
	var early []string
	for i := 0; i < 10; i++ {
		key := fmt.Sprintf("sb-vorher-%d", i)
		if !ws[0].c.Post(ws[0].channel, ws[0].author, key) {
			t.Fatal("post failed")
		}
		early = append(early, key)
	}
	b := content("sb-vorher-anlage")
	if !ws[0].c.PostFile(ws[0].channel, ws[0].author, "sb-vorher-anlage", "lage.pdf", b) {
		t.Fatal("upload failed")
	}
	h := sha256.Sum256(b)
	uploads["sb-vorher-anlage"] = hex.EncodeToString(h[:])
	early = append(early, "sb-vorher-anlage")
	probe := filepath.Join(root, "probe")
	deadline := time.Now().Add(60 * time.Second)
	for {
		os.RemoveAll(probe)
		out, err := exec.Command(bin, "standby", "follow", "--once", "--dir", probe, replica).CombinedOutput()
		if err == nil && holdsAll(probe, early) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not catch up within 60 s: %v %s", err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The health page of the room's IT shows the replication (bounded wait for the figures).
	su := harness.LoginSuperuser(t, p.URL, "it@krisenstab.example", "it-passwort-2026")
	deadline = time.Now().Add(30 * time.Second)
	for {
		var h struct {
			Replication map[string]any `json:"replication"`
		}
		st, raw := su.Do("GET", "/api/crisisroom/health", nil, &h)
		if st != 200 {
			t.Fatalf("health: %d %s", st, raw)
		}
		if h.Replication["folder"] == replica && h.Replication["in_sync"] == true {
			t.Logf("health page, replication: %v", h.Replication)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the health page shows no replication in sync: %s", raw)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The warm standby follows while the primary works.
	follow := exec.Command(bin, "standby", "follow", "--dir", sdir, replica)
	followLog, _ := os.Create(filepath.Join(root, "follow.log"))
	follow.Stdout, follow.Stderr = followLog, followLog
	if err := follow.Start(); err != nil {
		t.Fatal(err)
	}
	followDone := make(chan error, 1)
	go func() { followDone <- follow.Wait() }()
	t.Cleanup(func() { follow.Process.Kill() })

	type ack struct {
		key string
		at  time.Time
	}
	var (
		acks  []ack
		count atomic.Int64
		wg    sync.WaitGroup
		stop  atomic.Bool
	)
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				key := fmt.Sprintf("sb-%d-%d", i, n)
				var ok bool
				if i == 0 && n%5 == 0 { // every fifth message of the first writer carries a file
					b := content(key)
					if ok = w.c.PostFile(w.channel, w.author, key, key+".pdf", b); ok {
						h := sha256.Sum256(b)
						mu.Lock()
						uploads[key] = hex.EncodeToString(h[:])
						mu.Unlock()
					}
				} else {
					ok = w.c.Post(w.channel, w.author, key)
				}
				if !ok {
					return
				}
				mu.Lock()
				acks = append(acks, ack{key, time.Now()})
				mu.Unlock()
				count.Add(1)
			}
		}()
	}
	// The kill comes after 150–300 acknowledged writes and after the load has run for a
	// few seconds: with fast creates 300 writes take a quarter of a second, less than the
	// replication lag (MonitorInterval and the follower's own polling), and a kill then
	// would test nothing but the lag.
	killAt := int64(150 + rand.IntN(150))
	loadStart := time.Now()
	deadline = time.Now().Add(90 * time.Second)
	for (count.Load() < killAt || time.Since(loadStart) < 3*time.Second) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.Kill(t)
	killed := time.Now()
	stop.Store(true)
	wg.Wait()

	// Failover: the follower is stopped, then takes whatever the replica holds, and serves.
	follow.Process.Signal(os.Interrupt)
	select {
	case <-followDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the follower did not stop within 30 s")
	}
	// The failover step on the follower's own folder: the latest state replaces its copy.
	start := time.Now()
	out, err := exec.Command(bin, "standby", "follow", "--once", "--dir", sdir, replica).CombinedOutput()
	if err != nil {
		b, _ := os.ReadFile(followLog.Name())
		t.Fatalf("failover restore: %v\n%s\nfollow log:\n%s", err, out, b)
	}
	restoreTook := time.Since(start)
	s := harness.Start(t, bin, sdir, harness.Options{})
	c := harness.Login(t, s.URL, "abecker", demo.Password)
	if c.ChannelID(t, "KS intern") == "" {
		t.Fatal("the standby does not serve the channels")
	}
	s.Stop(t)
	got := storedMessages(t, sdir)

	for _, k := range early {
		if _, ok := got[k]; !ok {
			t.Errorf("%s, replicated before the load, is missing on the standby", k)
		}
	}
	var missing []ack
	for _, a := range acks {
		if _, ok := got[a.key]; !ok {
			missing = append(missing, a)
		}
	}
	filesOK, filesBad := 0, 0
	for key, sums := range got {
		want, ok := uploads[key]
		if !ok {
			continue
		}
		if len(sums) != 1 || sums[0] != want {
			filesBad++
			t.Errorf("%s: the standby's attachment is missing or differs (%v)", key, sums)
		} else {
			filesOK++
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].at.Before(missing[j].at) })
	lag := time.Duration(0)
	if len(missing) > 0 {
		lag = killed.Sub(missing[0].at)
	}
	t.Logf("primary killed after %d acknowledged writes; standby restored in %v: %d acknowledged messages missing "+
		"(all acknowledged within the last %v before the kill: the replication lag); %d attachments checked",
		len(acks), restoreTook.Round(time.Millisecond), len(missing), lag.Round(time.Millisecond), filesOK)
	if filesBad > 0 {
		out, _ := exec.Command("find", replica+"/storage", sdir+"/storage").CombinedOutput()
		t.Logf("stored files:\n%s", out)
	}
	if len(missing) == len(acks) {
		t.Errorf("nothing of the load reached the standby")
	}
}
