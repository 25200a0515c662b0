package durability_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"crisisroom/durability"
	"crisisroom/durability/harness"
	"crisisroom/hooks/demo"
)

// mountTmpfs mounts a tmpfs of size bytes at a fresh folder, or skips the test where the
// sandbox does not allow mounting (it needs root).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	mnt := filepath.Join(t.TempDir(), "mnt")
	os.MkdirAll(mnt, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", mnt).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s", mnt, err, out)
		}
	})
	return mnt
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

// A full disk: a write is refused with a clear German-first answer (507) and a log line,
// nothing half-written stays (no record, no orphan file), reads go on, and writes work again
// by themselves once there is space.
func TestFullDiskRefusesClearlyKeepsReadingAndRecovers(t *testing.T) {
	mnt := mountTmpfs(t, 24<<20)
	bin := harness.Binary(t)
	dir := filepath.Join(mnt, "data")
	p := harness.Start(t, bin, dir, harness.Options{Command: "demo"})
	c := harness.Login(t, p.URL, "abecker", demo.Password)
	author, channel := c.UserID(t), c.ChannelID(t, "KS intern")

	var acked []string
	post := func(key string) (int, string) {
		status, raw := c.PostBody(channel, author, key, key+" "+strings.Repeat("Lagebild ", 400))
		if status == 200 {
			acked = append(acked, key)
		}
		return status, raw
	}
	for i := 0; i < 5; i++ {
		if status, raw := post(fmt.Sprintf("df-vorher-%d", i)); status != 200 {
			t.Fatalf("post before the disk is full: %d %s", status, raw)
		}
	}

	// Fill the file system up to the last block.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling: %v", err)
			}
			break
		}
	}
	f.Close()
	for len(chunk) > 1 { // the last partial blocks
		chunk = chunk[:len(chunk)/2]
		if f, err := os.OpenFile(filler, os.O_APPEND|os.O_WRONLY, 0); err == nil {
			for {
				if _, err := f.Write(chunk); err != nil {
					break
				}
			}
			f.Close()
		}
	}

	// Writes go on into the WAL's room until SQLite needs a new page: then the refusal.
	var status int
	var raw, failedKey string
	for i := 0; i < 3000; i++ {
		failedKey = fmt.Sprintf("df-voll-%d", i)
		if status, raw = post(failedKey); status != 200 {
			break
		}
	}
	if status != 507 || !strings.Contains(raw, "Der Speicher der Anlage ist voll") || !strings.Contains(raw, "The appliance's storage is full") {
		t.Fatalf("a write on a full disk answered %d %s", status, raw)
	}
	t.Logf("%d messages stored before the disk was full; then: %d %s", len(acked), status, raw)

	// An attachment is refused too, and leaves no file behind.
	storage := filepath.Join(dir, "storage")
	before := countFiles(storage)
	if st, raw := c.PostFileStatus(channel, author, "df-anlage", "lage.pdf", make([]byte, 256<<10)); st == 200 {
		t.Fatalf("an upload on a full disk was accepted: %s", raw)
	} else if st != 507 {
		t.Errorf("an upload on a full disk answered %d %s", st, raw)
	}
	if after := countFiles(storage); after != before {
		t.Errorf("a refused upload left %d files behind", after-before)
	}

	// Reads go on: every acknowledged message is there, the refused ones are not.
	seen := func() map[string]bool {
		var out struct {
			Items []struct {
				Key string `json:"client_key"`
			} `json:"items"`
		}
		q := "/api/collections/messages/records?perPage=500&fields=client_key&filter=" + url.QueryEscape("client_key ~ 'df-'")
		if st, raw := c.Do("GET", q, nil, &out); st != 200 {
			t.Fatalf("reading while the disk is full: %d %s", st, raw)
		}
		m := map[string]bool{}
		for _, it := range out.Items {
			m[it.Key] = true
		}
		return m
	}
	got := seen()
	for _, k := range acked {
		if !got[k] {
			t.Errorf("acknowledged message %s not readable", k)
		}
	}
	if got[failedKey] || got["df-anlage"] {
		t.Errorf("a refused write is stored anyway")
	}
	if !strings.Contains(p.Output(), "Der Speicher der Anlage ist voll") {
		t.Errorf("no German line in the log:\n%s", p.Output())
	}

	// Space again: the next write works, without a restart (bounded wait).
	os.Remove(filler)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, raw := post("df-danach")
		if st == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after space was freed: %d %s", st, raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st, raw := c.PostFileStatus(channel, author, "df-anlage-danach", "lage.pdf", make([]byte, 256<<10)); st != 200 {
		t.Fatalf("upload after space was freed: %d %s", st, raw)
	}
	if got := seen(); !got["df-danach"] || !got["df-anlage-danach"] || len(got) != len(acked)+1 {
		t.Fatalf("after recovery: %d messages readable, want %d", len(got), len(acked)+1)
	}
}

// The classification the answers rest on, for the error texts of modernc.org/sqlite and the
// errno values of file writes.
func TestDiskProblemKinds(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{errors.New("database or disk is full (13)"), durability.DiskFull},
		{fmt.Errorf("upload: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}), durability.DiskFull},
		{errors.New("attempt to write a readonly database (8)"), durability.DiskReadOnly},
		{&fs.PathError{Op: "open", Path: "x", Err: syscall.EROFS}, durability.DiskReadOnly},
		{errors.New("disk I/O error (778)"), durability.DiskIO},
		{errors.New("UNIQUE constraint failed"), ""},
		{nil, ""},
	} {
		if got := durability.DiskProblem(c.err); got != c.want {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
}
