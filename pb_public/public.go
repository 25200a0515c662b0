// Package pbpublic embeds the web UI (the files beside this one) and serves it at "/".
package pbpublic

import (
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/uizip"
)

// FS is the web UI as shipped in the binary (without this package's Go source): the files
// embedded plainly, or in the build with -tags no_ui a deflated copy (see crisisroom/uizip).
func FS() fs.FS { return shipped() }

// Register serves the web UI at "/": the embedded copy, or the folder *dir on disk while
// developing (--public-dir). /api/ and /_/ are PocketBase's and still win. dir is read
// when the server starts, after the command line has been parsed.
func Register(app core.App, dir *string) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		fsys := FS()
		if dir != nil && *dir != "" {
			fsys = noGo{os.DirFS(*dir)}
		}
		static := apis.Static(fsys, true)
		// The web app's index.html is the fallback of every other page path, not of the
		// API's: an unknown API path (a typo in a script, a route of a later version) is
		// a 404 with a code, never a 200 with HTML a client would try to read as JSON.
		// Other methods reach PocketBase's catch-all 404, which gets its code on the way
		// out (hooks.RegisterErrorCodes).
		e.Router.GET("/api/{path...}", func(re *core.RequestEvent) error {
			return apperr.NotFound("common.unknown_api_path")
		})
		e.Router.GET("/{path...}", func(re *core.RequestEvent) error {
			if serveGzipped(re, fsys) {
				return nil
			}
			return static(re)
		})
		return e.Next()
	})
}

// serveGzipped answers a request for a file of the deflated copy (the -tags no_ui build)
// with its bytes as they are in the binary, Content-Encoding: gzip, when the browser takes
// gzip: less than half the bytes on the wire and nothing inflated per request. It reports
// false, and apis.Static answers as before, for everything else: a browser without gzip,
// a Range request, a path Static redirects or falls back to index.html for, a file with no
// Content-Type by its extension (Static sniffs those), a file stored undeflated, the
// plainly embedded files and --public-dir.
func serveGzipped(e *core.RequestEvent, fsys fs.FS) bool {
	r := e.Request
	p := r.URL.Path
	if r.Header.Get("Range") != "" || !acceptsGzip(r.Header.Get("Accept-Encoding")) ||
		strings.HasSuffix(p, "/") || strings.HasSuffix(p, "index.html") {
		return false
	}
	// The file name as apis.Static makes it from the path.
	name := filepath.ToSlash(filepath.Clean(strings.TrimPrefix(r.PathValue(apis.StaticWildcardParam), "/")))
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		return false
	}
	body, size, ok := uizip.Gzipped(fsys, name)
	if !ok {
		return false
	}
	// As apis.Static does: a file served is no entry in the request log (its key is
	// unexported there; the name is PocketBase's middlewares.go).
	e.Set("__skipSuccessActivityLogger", true)
	h := e.Response.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	e.Response.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.Copy(e.Response, body)
	}
	return true
}

// acceptsGzip reports whether an Accept-Encoding header (RFC 9110 12.5.3: "gzip, br",
// "gzip;q=0.5") names gzip; "gzip;q=0" refuses it, and a bare "*" gets the plain file.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if c := strings.ToLower(strings.TrimSpace(coding)); c != "gzip" && c != "x-gzip" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return !strings.HasPrefix(q, "q=0") || strings.Trim(strings.TrimPrefix(q, "q=0"), ".0") != ""
	}
	return false
}

// noGo hides Go source files: they are the embedding's plumbing, not the UI.
type noGo struct{ fs.FS }

func (n noGo) Open(name string) (fs.File, error) {
	if strings.HasSuffix(name, ".go") {
		return nil, fs.ErrNotExist
	}
	return n.FS.Open(name)
}
