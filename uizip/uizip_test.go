package uizip_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/ui"

	pbpublic "crisisroom/pb_public"
	"crisisroom/uizip"
)

// TestAdminIsPocketBases: admin.zip holds exactly PocketBase's admin UI of the version in
// go.mod, byte for byte; after a PocketBase upgrade it fails until `go generate ./uizip`.
func TestAdminIsPocketBases(t *testing.T) {
	if ui.DistDirFS == nil {
		t.Skip("built with -tags no_ui: PocketBase's own copy is not there to compare with")
	}
	want := files(t, ui.DistDirFS)
	if len(want) < 50 {
		t.Fatalf("PocketBase's admin UI has %d files; expected its whole dist", len(want))
	}
	same(t, want, files(t, uizip.Admin()), "admin.zip (run go generate ./uizip)")
}

// TestPublicIsTheFolder: the web UI the binary serves is pb_public's files but Go source;
// in the -tags no_ui build that is public.zip, which install.sh makes before building.
// Write and FS give the folder back unchanged.
func TestPublicIsTheFolder(t *testing.T) {
	want := files(t, os.DirFS("../pb_public"))
	if _, ok := want["index.html"]; !ok {
		t.Fatal("../pb_public has no index.html")
	}
	same(t, want, files(t, pbpublic.FS()), "the served web UI")

	var b bytes.Buffer
	if err := uizip.Write(&b, os.DirFS("../pb_public")); err != nil {
		t.Fatal(err)
	}
	same(t, want, files(t, uizip.FS(b.Bytes())), "Write's zip")
	var again bytes.Buffer
	if err := uizip.Write(&again, os.DirFS("../pb_public")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Error("Write gave other bytes for the same files; the build would not be reproducible")
	}
}

func same(t *testing.T, want, got map[string][]byte, what string) {
	t.Helper()
	for name, data := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: %s is missing", what, name)
		} else if !bytes.Equal(g, data) {
			t.Errorf("%s: %s differs", what, name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: %s is there but should not be", what, name)
		}
	}
}

func files(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		// Go source is hidden by pb_public's FS (listed, but not opened) and never zipped.
		if err != nil || d.IsDir() || strings.HasSuffix(name, ".go") {
			return err
		}
		out[name], err = fs.ReadFile(fsys, name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestServesLikeAnEmbeddedFS: what PocketBase's file serving needs: Stat without reading,
// a file that seeks, no modification time (no Last-Modified), directories, and
// fs.ErrNotExist for a name that is not there.
func TestServesLikeAnEmbeddedFS(t *testing.T) {
	fsys := uizip.Admin()
	info, err := fs.Stat(fsys, "index.html")
	if err != nil || info.IsDir() || info.Size() == 0 || !info.ModTime().IsZero() {
		t.Fatalf("Stat(index.html) = %v, %v; want a file with a size and no time", info, err)
	}
	if d, err := fs.Stat(fsys, "assets"); err != nil || !d.IsDir() {
		t.Fatalf("Stat(assets) = %v, %v; want a directory", d, err)
	}
	if _, err := fsys.Open("no/such.js"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open(no/such.js) error = %v; want fs.ErrNotExist", err)
	}
	entries, err := fs.ReadDir(fsys, "assets")
	if err != nil || !slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return !e.IsDir() }) {
		t.Fatalf("ReadDir(assets) = %d entries, %v", len(entries), err)
	}
	whole, err := fs.ReadFile(fsys, "index.html")
	if err != nil {
		t.Fatal(err)
	}

	f, err := fsys.Open("index.html")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		t.Fatal("an opened file does not seek; PocketBase's FileFS refuses it")
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/_/", nil)
	req.Header.Set("Range", "bytes=0-14")
	http.ServeContent(rec, req, info.Name(), info.ModTime(), rs)
	if rec.Code != http.StatusPartialContent || rec.Body.String() != string(whole[:15]) {
		t.Fatalf("ranged GET: %d %q; want 206 %q", rec.Code, rec.Body.String(), whole[:15])
	}
	if lm := rec.Header().Get("Last-Modified"); lm != "" {
		t.Fatalf("Last-Modified %q; embedded files send none", lm)
	}

	if _, err := uizip.FS([]byte("not a zip")).Open("index.html"); err == nil {
		t.Fatal("a damaged zip opened a file")
	}
}

// TestGzipped: every deflated file comes out as a gzip stream that inflates (CRC and length
// checked by compress/gzip) to the original, of the length announced; stored files, names
// that are not files and other file systems are refused.
func TestGzipped(t *testing.T) {
	want := files(t, os.DirFS("../pb_public"))
	var b bytes.Buffer
	if err := uizip.Write(&b, os.DirFS("../pb_public")); err != nil {
		t.Fatal(err)
	}
	fsys := uizip.FS(b.Bytes())
	var deflated, stored int
	for name, data := range want {
		body, size, ok := uizip.Gzipped(fsys, name)
		if !ok {
			stored++
			continue
		}
		deflated++
		raw, err := io.ReadAll(body)
		if err != nil || int64(len(raw)) != size {
			t.Fatalf("%s: %d bytes (%v), announced %d", name, len(raw), err, size)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: gunzip gave %d bytes (%v), want the %d of the file", name, len(got), err, len(data))
		}
	}
	if deflated < 20 {
		t.Fatalf("only %d of %d files deflated", deflated, len(want))
	}
	t.Logf("%d files deflated, %d stored", deflated, stored)
	for _, name := range []string{"js", "no/such.js", "."} {
		if _, _, ok := uizip.Gzipped(fsys, name); ok {
			t.Errorf("Gzipped(%q) gave a stream", name)
		}
	}
	if _, _, ok := uizip.Gzipped(os.DirFS("../pb_public"), "index.html"); ok {
		t.Error("Gzipped of a folder on disk gave a stream")
	}
}
