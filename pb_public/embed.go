//go:build !no_ui

package pbpublic

import (
	"embed"
	"io/fs"
)

//go:embed all:*
var embedded embed.FS

func shipped() fs.FS { return noGo{embedded} }
