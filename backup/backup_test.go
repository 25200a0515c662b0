package backup_test

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/backup"
	"crisisroom/durability/harness"
	"crisisroom/testkit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	harness.Cleanup()
	os.Exit(code)
}

func superuserToken(t *testing.T, s *testkit.Server) string {
	t.Helper()
	col, err := s.App.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su := core.NewRecord(col)
	su.SetEmail("it@krisenstab.example")
	su.SetPassword("it-passwort-2026")
	if err := s.App.Save(su); err != nil {
		t.Fatal(err)
	}
	tok, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func call(t *testing.T, s *testkit.Server, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	r := testkit.Client{Base: s.URL, Token: token}.Do(t, method, path, body)
	var out map[string]any
	_ = json.Unmarshal(r.Body, &out)
	return r.Status, out
}

// The health page and the backup routes are for the room's IT only: nobody, a plain member,
// another tenant's admin and even the host's admin are refused; a superuser gets them.
func TestHealthAndBackupRoutesOnlyForSuperusers(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	folder := t.TempDir()
	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/crisisroom/health", nil},
		{"GET", "/api/crisisroom/backup", nil},
		{"PUT", "/api/crisisroom/backup/settings", map[string]any{"folder": folder, "interval": 0, "keep": 3}},
		{"POST", "/api/crisisroom/backup", nil},
	}
	for _, who := range []struct{ name, token string }{
		{"nobody", ""},
		{"member phoffmann (host)", s.Token(t, "phoffmann")},
		{"admin tkeller (POL)", s.Token(t, "tkeller")},
		{"admin abecker (host)", s.Token(t, "abecker")},
	} {
		for _, r := range routes {
			status, _ := call(t, s, who.token, r.method, r.path, r.body)
			if status != http.StatusUnauthorized && status != http.StatusForbidden {
				t.Errorf("%s: %s %s answered %d", who.name, r.method, r.path, status)
			}
		}
	}
	if set, _ := backup.LoadSettings(s.App); set.Folder != "" {
		t.Fatalf("a refused request changed the settings: %+v", set)
	}
	if all, _ := backup.List(folder); len(all) > 0 {
		t.Fatalf("a refused request made a backup: %v", all)
	}

	su := superuserToken(t, s)
	for _, r := range routes {
		status, out := call(t, s, su, r.method, r.path, r.body)
		if status != 200 && status != 202 {
			t.Fatalf("superuser: %s %s answered %d %v", r.method, r.path, status, out)
		}
	}
	// The backup started by the POST ends in the folder (bounded wait).
	waitFor(t, 30*time.Second, func() bool {
		_, out := call(t, s, su, "GET", "/api/crisisroom/health", nil)
		b, _ := out["backup"].(map[string]any)
		st, _ := b["state"].(map[string]any)
		return b["running"] == false && st["last"] != nil
	})
	_, h := call(t, s, su, "GET", "/api/crisisroom/health", nil)
	disk, _ := h["disk"].(map[string]any)
	db, _ := h["database"].(map[string]any)
	if disk["free"].(float64) <= 0 || db["data"].(float64) <= 0 {
		t.Fatalf("health figures missing: %v", h)
	}
	if all, _ := backup.List(folder); len(all) != 1 {
		t.Fatalf("archives in the folder: %v", all)
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	testkit.Eventually(t, d, "condition not reached", ok)
}

// A scheduled backup that cannot be made puts a warning on the status board; the next
// backup that succeeds takes it off again.
func TestOverdueBackupWarnsOnTheStatusBoard(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	su := superuserToken(t, s)
	warnings := func() int {
		n, _ := s.App.CountRecords("board_items", nil)
		items, _ := s.App.FindRecordsByFilter("board_items", "title ~ 'Datensicherung überfällig'", "", 0, 0)
		_ = n
		return len(items)
	}
	if warnings() != 0 {
		t.Fatal("a warning before any schedule")
	}
	folder := t.TempDir()
	if status, out := call(t, s, su, "PUT", "/api/crisisroom/backup/settings", map[string]any{"folder": folder, "interval": 60, "keep": 2}); status != 200 {
		t.Fatalf("settings: %d %v", status, out)
	}
	// A schedule and no backup yet: overdue.
	if warnings() != 1 {
		t.Fatalf("no overdue warning on the board (%d)", warnings())
	}
	if status, _ := call(t, s, su, "POST", "/api/crisisroom/backup", nil); status != 202 {
		t.Fatalf("backup start: %d", status)
	}
	waitFor(t, 30*time.Second, func() bool { return warnings() == 0 })
	// keep=2: a third backup removes the oldest archive.
	for i := 0; i < 2; i++ {
		// Archive names hold the second; wait for the next one.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		waitFor(t, 30*time.Second, func() bool {
			status, _ := call(t, s, su, "POST", "/api/crisisroom/backup", nil)
			return status == 202
		})
		waitFor(t, 30*time.Second, func() bool {
			_, out := call(t, s, su, "GET", "/api/crisisroom/backup", nil)
			return out["running"] == false
		})
	}
	if all, _ := backup.List(folder); len(all) != 2 {
		t.Fatalf("keep=2 left %d archives: %v", len(all), all)
	}
	// Settings are checked.
	if status, _ := call(t, s, su, "PUT", "/api/crisisroom/backup/settings", map[string]any{"folder": "relativ", "interval": 60}); status != 400 {
		t.Fatalf("a relative folder was accepted: %d", status)
	}
}

// rewrite copies the archive src to dst, changing the entry content of name with f (nil:
// drop the entry).
func rewrite(t *testing.T, src, dst, name string, f func([]byte) []byte) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	tr, tw := tar.NewReader(in), tar.NewWriter(out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if h.Name == name {
			if f == nil {
				continue
			}
			b = f(b)
			h.Size = int64(len(b))
		}
		tw.WriteHeader(h)
		tw.Write(b)
	}
	tw.Close()
}

// Restore refuses a damaged archive with a German-first message naming the damage, and
// leaves the data folder as it was; a sound archive restores and passes integrity_check.
func TestRestoreRefusesADamagedArchive(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	dir := t.TempDir()
	res, err := backup.Create(s.App, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Messages == 0 {
		t.Fatalf("the snapshot has no messages: %+v", res)
	}
	flip := func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }
	cases := []struct {
		name, says string
		make       func(dst string)
	}{
		{"a flipped byte in data.db", "Prüfsumme von data.db stimmt nicht", func(dst string) { rewrite(t, res.Path, dst, "data.db", flip) }},
		{"data.db missing", "data.db fehlt", func(dst string) { rewrite(t, res.Path, dst, "data.db", nil) }},
		{"no manifest", "kein MANIFEST.json", func(dst string) { rewrite(t, res.Path, dst, "MANIFEST.json", nil) }},
		{"cut off in the middle", "", func(dst string) {
			b, _ := os.ReadFile(res.Path)
			os.WriteFile(dst, b[:len(b)/2], 0o600)
		}},
		{"a broken manifest", "kein gültiges JSON", func(dst string) {
			rewrite(t, res.Path, dst, "MANIFEST.json", func(b []byte) []byte { return b[:len(b)-5] })
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.tar")
			c.make(bad)
			target := t.TempDir()
			os.WriteFile(filepath.Join(target, "marker"), []byte("unverändert"), 0o600)
			_, _, err := backup.Restore(bad, target, false, nil)
			var d *backup.DamagedError
			if !errors.As(err, &d) {
				t.Fatalf("restore of a damaged archive: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "Die Sicherung ist beschädigt") || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), "/ The backup archive is damaged") {
				t.Fatalf("message: %v", err)
			}
			entries, _ := os.ReadDir(target)
			if len(entries) != 1 {
				t.Fatalf("the data folder was touched: %v", entries)
			}
		})
	}
	target := t.TempDir()
	m, _, err := backup.Restore(res.Path, target, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Messages != res.Messages {
		t.Fatalf("manifest messages %d, backup %d", m.Messages, res.Messages)
	}
	// A folder with data is not overwritten without --force, and with it the old data is kept aside.
	if _, _, err := backup.Restore(res.Path, target, false, nil); !errors.Is(err, backup.ErrDataPresent) {
		t.Fatalf("restore over data: %v", err)
	}
	if _, aside, err := backup.Restore(res.Path, target, true, nil); err != nil || aside == "" {
		t.Fatalf("forced restore: %q %v", aside, err)
	} else if _, err := os.Stat(filepath.Join(aside, "data.db")); err != nil {
		t.Fatalf("the previous data.db was not kept: %v", err)
	}
}
