package main

import (
	"embed"
	"io/fs"
	"os"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

//go:embed all:pb_public
var embeddedPublic embed.FS

// servePublic serves the web UI at "/": the embedded copy, or a folder on disk while
// developing (--public-dir). /api/ and /_/ are PocketBase's and still win.
func servePublic(app core.App, dir *string) {
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		var fsys fs.FS
		if *dir != "" {
			fsys = os.DirFS(*dir)
		} else {
			sub, err := fs.Sub(embeddedPublic, "pb_public")
			if err != nil {
				return err
			}
			fsys = sub
		}
		e.Router.GET("/{path...}", apis.Static(fsys, true))
		return e.Next()
	})
}
