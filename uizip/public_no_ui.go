//go:build no_ui

package uizip

import (
	_ "embed"
	"io/fs"
)

// public.zip is pb_public as install.sh found it right before the build
// (go generate -run public ./uizip); a build with -tags no_ui without it fails here.
//
//go:embed public.zip
var publicZip []byte

// Public returns crisisroom's web UI (pb_public without its Go source).
func Public() fs.FS { return FS(publicZip) }
