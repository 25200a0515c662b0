package hooks_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"crisisroom/hooks"
	"crisisroom/testkit"
)

// Decompression bombs: a small PNG whose header declares 10000 × 10000 pixels. Decoding
// it for a thumbnail cost the server 0.8 GB per request; the avatar's thumbnail needed
// no sign-in. It is refused at upload, and a copy put into storage by other means is
// never decoded for a thumbnail.

// bombPNG is a valid 8-bit grey PNG of w × h black pixels, written row by row so that
// the test itself never holds the image (10000 × 10000 is about 100 KB).
func bombPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var idat bytes.Buffer
	z, err := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]byte, w+1) // filter byte 0, then w grey bytes
	for range h {
		if _, err := z.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		_ = binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(kind)
		out.Write(data)
		_ = binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 0 // 8 bits, grey
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// photoJPEG is a photo-sized JPEG (w × h, a gradient so it is not trivially small).
func photoJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x + y), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func smallPNG(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 64, 48))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// storedFiles counts the files under the appliance's storage (uploads and thumbnails).
func storedFiles(t testing.TB, s *testkit.Server) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(filepath.Join(s.App.DataDir(), "storage"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// allocated is how many bytes the process (test and appliance alike) has allocated so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

// decodeBudget is the most a refused thumbnail request may allocate: far below the
// 100 MB that merely holding the bomb's grey pixels takes (PocketBase's thumbnailer
// needs 500 MB for it).
const decodeBudget = 40 << 20

func TestAttackImageBombRefusedAtUpload(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	bomb := bombPNG(t, 10000, 10000)
	wantTooLarge := func(t *testing.T, r testkit.Reply) {
		t.Helper()
		m := r.Map()
		data, _ := m["data"].(map[string]any)
		if r.Status != 400 || data["code"] != "common.image_too_large" {
			t.Fatalf("bomb accepted or refused for another reason: %s", r)
		}
	}

	t.Run("as a message attachment", func(t *testing.T) {
		before := storedFiles(t, s)
		ln := testkit.Client{Base: s.URL, Token: s.Token(t, "lneumann")}
		form := newMxForm(t, map[string]string{"channel": s.Demo.Channels["POL intern"].Id, "author": s.Demo.Users["lneumann"].Id, "body": "Lagebild"}, "lagebild.png", bomb)
		wantTooLarge(t, ln.Do(t, "POST", "/api/collections/messages/records", form))
		if n := storedFiles(t, s); n != before {
			t.Errorf("%d files in storage after the refusal, %d before", n, before)
		}
	})

	t.Run("as a guest's avatar", func(t *testing.T) {
		guest := s.Demo.Users["gast.gutachter"]
		c := testkit.Client{Base: s.URL, Token: s.Token(t, "gast.gutachter")}
		before := storedFiles(t, s)
		form := testkit.NewForm(t, nil, "avatar", "ich.png", bomb)
		wantTooLarge(t, c.Do(t, "PATCH", "/api/collections/users/records/"+guest.Id, form))
		u, err := s.App.FindRecordById("users", guest.Id)
		if err != nil {
			t.Fatal(err)
		}
		if a := u.GetString("avatar"); a != "" || storedFiles(t, s) != before {
			t.Errorf("avatar %q stored, %d files (before %d)", a, storedFiles(t, s), before)
		}
	})

	t.Run("a photo still uploads and gets its thumbnail", func(t *testing.T) {
		ln := testkit.Client{Base: s.URL, Token: s.Token(t, "lneumann")}
		form := newMxForm(t, map[string]string{"channel": s.Demo.Channels["POL intern"].Id, "author": s.Demo.Users["lneumann"].Id, "body": "Deich"}, "deich.jpg", photoJPEG(t, 2000, 1500))
		m := ln.Do(t, "POST", "/api/collections/messages/records", form).JSON(t)
		atts, _ := m["attachments"].([]any)
		if len(atts) != 1 {
			t.Fatalf("photo not stored: %v", m)
		}
		tok, _ := ln.Do(t, "POST", "/api/files/token", nil).JSON(t)["token"].(string)
		r := ln.Do(t, "GET", "/api/files/messages/"+m["id"].(string)+"/"+atts[0].(string)+"?thumb=100x100&token="+tok, nil)
		cfg, _, err := image.DecodeConfig(bytes.NewReader(r.Body))
		if r.Status != 200 || err != nil || cfg.Width != 100 || cfg.Height != 100 {
			t.Errorf("thumbnail: %d %v %dx%d", r.Status, err, cfg.Width, cfg.Height)
		}
	})
}

func TestAttackImageBombInStorageNeverDecoded(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	bomb := bombPNG(t, 10000, 10000)
	// put the bomb where an in-bound image was stored (as a file stored before the check,
	// or put there by other means would be)
	plant := func(t *testing.T, collectionID, recordID, name string) {
		t.Helper()
		p := filepath.Join(s.App.DataDir(), "storage", collectionID, recordID, name)
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, bomb, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// the original is served instead, and nothing near the bomb's size is allocated
	wantOriginal := func(t *testing.T, c testkit.Client, path string) {
		t.Helper()
		runtime.GC()
		a := allocated()
		r := c.Do(t, "GET", path, nil)
		used := allocated() - a
		if r.Status != 200 || !bytes.Equal(r.Body, bomb) {
			t.Errorf("%s: %d, %d bytes (want the original, %d bytes)", path, r.Status, len(r.Body), len(bomb))
		}
		t.Logf("%s: %d KB allocated while it was answered", path, used>>10)
		if used > decodeBudget {
			t.Errorf("%s: %d MB allocated for a thumbnail request of a bomb (at most %d MB)", path, used>>20, decodeBudget>>20)
		}
	}

	t.Run("message attachment", func(t *testing.T) {
		ln := testkit.Client{Base: s.URL, Token: s.Token(t, "lneumann")}
		form := newMxForm(t, map[string]string{"channel": s.Demo.Channels["POL intern"].Id, "author": s.Demo.Users["lneumann"].Id, "body": "Lagebild"}, "lagebild.png", smallPNG(t))
		m := ln.Do(t, "POST", "/api/collections/messages/records", form).JSON(t)
		atts, _ := m["attachments"].([]any)
		if len(atts) != 1 {
			t.Fatalf("attachment not stored: %v", m)
		}
		coll, _ := s.App.FindCollectionByNameOrId("messages")
		plant(t, coll.Id, m["id"].(string), atts[0].(string))
		tok, _ := ln.Do(t, "POST", "/api/files/token", nil).JSON(t)["token"].(string)
		wantOriginal(t, ln, "/api/files/messages/"+m["id"].(string)+"/"+atts[0].(string)+"?thumb=100x100&token="+tok)
	})

	t.Run("avatar, asked for by nobody signed in", func(t *testing.T) {
		guest := s.Demo.Users["gast.gutachter"]
		c := testkit.Client{Base: s.URL, Token: s.Token(t, "gast.gutachter")}
		u := c.Do(t, "PATCH", "/api/collections/users/records/"+guest.Id, testkit.NewForm(t, nil, "avatar", "ich.png", smallPNG(t))).JSON(t)
		name, _ := u["avatar"].(string)
		if name == "" {
			t.Fatalf("avatar not stored: %v", u)
		}
		plant(t, guest.Collection().Id, guest.Id, name)
		wantOriginal(t, testkit.Client{Base: s.URL}, "/api/files/users/"+guest.Id+"/"+name+"?thumb=100x100")
	})

	if hooks.MaxImagePixels >= 10000*10000 {
		t.Fatalf("the bound (%d) lets the bomb through", hooks.MaxImagePixels)
	}
}

// Thumbnails being made share one budget of pixels: while it is spent, a request for a
// new thumbnail waits in line (it neither decodes nor fails), and gets its thumbnail
// once the budget is free.
func TestAttackImageThumbnailsWaitForTheBudget(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	ln := testkit.Client{Base: s.URL, Token: s.Token(t, "lneumann")}
	form := newMxForm(t, map[string]string{"channel": s.Demo.Channels["POL intern"].Id, "author": s.Demo.Users["lneumann"].Id, "body": "Deich"}, "deich.jpg", photoJPEG(t, 2000, 1500))
	m := ln.Do(t, "POST", "/api/collections/messages/records", form).JSON(t)
	atts, _ := m["attachments"].([]any)
	if len(atts) != 1 {
		t.Fatalf("photo not stored: %v", m)
	}
	tok, _ := ln.Do(t, "POST", "/api/files/token", nil).JSON(t)["token"].(string)

	if err := hooks.ThumbBudget.Acquire(context.Background(), hooks.MaxImagePixels); err != nil {
		t.Fatal(err)
	}
	held := true
	defer func() {
		if held {
			hooks.ThumbBudget.Release(hooks.MaxImagePixels)
		}
	}()
	done := make(chan testkit.Reply, 1)
	go func() {
		r, err := ln.Try("GET", "/api/files/messages/"+m["id"].(string)+"/"+atts[0].(string)+"?thumb=100x100&token="+tok, nil)
		if err != nil {
			r.Status = -1
		}
		done <- r
	}()
	// TryAcquire(0) fails exactly while somebody waits for the budget.
	testkit.Eventually(t, 20*time.Second, "the thumbnail request queues for the budget", func() bool {
		select {
		case r := <-done:
			t.Fatalf("thumbnail answered while the budget was spent: %d, %d bytes", r.Status, len(r.Body))
		default:
		}
		return !hooks.ThumbBudget.TryAcquire(0)
	})
	hooks.ThumbBudget.Release(hooks.MaxImagePixels)
	held = false
	r := <-done
	cfg, _, err := image.DecodeConfig(bytes.NewReader(r.Body))
	if r.Status != 200 || err != nil || cfg.Width != 100 || cfg.Height != 100 {
		t.Errorf("thumbnail after the wait: %d %v %dx%d", r.Status, err, cfg.Width, cfg.Height)
	}
}
