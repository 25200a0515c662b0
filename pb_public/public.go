// Package pbpublic embeds the web UI (the files beside this one) and serves it at "/".
package pbpublic

import (
	"io/fs"
	"os"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
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
		e.Router.GET("/{path...}", apis.Static(fsys, true))
		return e.Next()
	})
}

// noGo hides Go source files: they are the embedding's plumbing, not the UI.
type noGo struct{ fs.FS }

func (n noGo) Open(name string) (fs.File, error) {
	if strings.HasSuffix(name, ".go") {
		return nil, fs.ErrNotExist
	}
	return n.FS.Open(name)
}
