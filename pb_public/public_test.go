package pbpublic

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/uizip"
)

// get runs the route Register adds for "/{path...}" on fsys.
func get(t *testing.T, fsys fs.FS, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.SetPathValue(apis.StaticWildcardParam, strings.TrimPrefix(req.URL.Path, "/"))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e := &core.RequestEvent{}
	e.Request, e.Response = req, rec
	if !serveGzipped(e, fsys) {
		if err := apis.Static(fsys, true)(e); err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
	}
	return rec
}

// TestGzippedFromTheDeflatedCopy: from the deflated copy (the -tags no_ui build) a browser
// that takes gzip gets the file's bytes gzipped, with the same Content-Type; one that does
// not, a Range request, the index and its redirects and the fallback get what
// apis.Static gives; files on disk (--public-dir) are never gzipped.
func TestGzippedFromTheDeflatedCopy(t *testing.T) {
	var b bytes.Buffer
	if err := uizip.Write(&b, os.DirFS(".")); err != nil {
		t.Fatal(err)
	}
	zipped := uizip.FS(b.Bytes())
	want, err := os.ReadFile("js/app.js")
	if err != nil {
		t.Fatal(err)
	}
	gz := map[string]string{"Accept-Encoding": "gzip, deflate, br"}

	rec := get(t, zipped, "/js/app.js", gz)
	if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip GET: %d %v", rec.Code, rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("gunzip: %d bytes, %v; want the %d of js/app.js", len(got), err, len(want))
	}
	gzType := rec.Header().Get("Content-Type")

	for _, h := range []map[string]string{nil, {"Accept-Encoding": "gzip;q=0"}, {"Accept-Encoding": "gzip", "Range": "bytes=0-"}} {
		rec := get(t, zipped, "/js/app.js", h)
		if rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), want) {
			t.Fatalf("%v: %d %v, %d bytes; want the plain file", h, rec.Code, rec.Header(), rec.Body.Len())
		}
		if ct := rec.Header().Get("Content-Type"); ct != gzType {
			t.Fatalf("%v: Content-Type %q, gzipped %q", h, ct, gzType)
		}
	}

	index, _ := os.ReadFile("index.html")
	for target, code := range map[string]int{"/": 200, "/index.html": 301, "/js": 301, "/js/": 200, "/no/such/view": 200} {
		plain := get(t, zipped, target, nil)
		rec := get(t, zipped, target, gz)
		if rec.Code != code || plain.Code != code || rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), plain.Body.Bytes()) {
			t.Fatalf("%s: %d (plain %d) %v; want %d as apis.Static answers", target, rec.Code, plain.Code, rec.Header(), code)
		}
		if code == 200 && !bytes.Equal(rec.Body.Bytes(), index) {
			t.Fatalf("%s: not index.html", target)
		}
	}

	if rec := get(t, noGo{os.DirFS(".")}, "/js/app.js", gz); rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatalf("--public-dir: %v", rec.Header())
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "gzip, deflate, br": true, "br;q=1.0, gzip;q=0.8": true, "GZip": true,
		"x-gzip": true, "gzip;q=0": false, "gzip; q=0.000": false, "gzip;q=0.001": true, "br": false,
		"identity": false, "*": false, "deflate, gzip;q=0": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
