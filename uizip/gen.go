//go:build ignore

// gen writes a zip of uizip: "go run gen.go admin" admin.zip from PocketBase's admin UI
// (ui.DistDirFS of the version in go.mod; run it after changing that version, the test
// fails until then), "go run gen.go public" public.zip from ../pb_public (install.sh runs
// it before every build; the file is not kept in git).
package main

import (
	"bytes"
	"io/fs"
	"log"
	"os"

	"github.com/pocketbase/pocketbase/ui"

	"crisisroom/uizip"
)

func main() {
	var fsys fs.FS
	var out string
	switch {
	case len(os.Args) == 2 && os.Args[1] == "admin":
		if ui.DistDirFS == nil {
			log.Fatal("gen: PocketBase's admin UI is not in this build; run it without -tags no_ui")
		}
		fsys, out = ui.DistDirFS, "admin.zip"
	case len(os.Args) == 2 && os.Args[1] == "public":
		fsys, out = os.DirFS("../pb_public"), "public.zip"
	default:
		log.Fatalf("usage: go run gen.go admin|public")
	}
	var b bytes.Buffer
	if err := uizip.Write(&b, fsys); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
