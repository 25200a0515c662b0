// Package gofonts holds the three Go fonts the appliance draws with, gzipped: Go Regular and
// Go Bold for the PDFs (journal, forms, letters), Go Mono for fax pages. The same fonts from
// golang.org/x/image/font/gofont are plain byte slices, 474 KB of the binary; gzipped they
// are 216 KB. A font is inflated on its first use and kept (what PDF and fax code held
// before). The files are golang.org/x/image's, under the licence in LICENSE; `go generate`
// writes them again from the x/image version in go.mod, and the test compares.
package gofonts

//go:generate go run gen.go

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"sync"
)

var (
	//go:embed Go-Regular.ttf.gz
	regularGz []byte
	//go:embed Go-Bold.ttf.gz
	boldGz []byte
	//go:embed Go-Mono.ttf.gz
	monoGz []byte
)

// Regular is the TrueType data of Go Regular (148,672 bytes). Callers must not change it.
var Regular = sync.OnceValue(func() []byte { return inflate(regularGz) })

// Bold is the TrueType data of Go Bold (151,748 bytes). Callers must not change it.
var Bold = sync.OnceValue(func() []byte { return inflate(boldGz) })

// Mono is the TrueType data of Go Mono (173,248 bytes). Callers must not change it.
var Mono = sync.OnceValue(func() []byte { return inflate(monoGz) })

// inflate panics on a damaged file: it is part of the binary, and the test reads all three.
func inflate(gz []byte) []byte {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		panic("gofonts: " + err.Error())
	}
	b, err := io.ReadAll(r)
	if err != nil {
		panic("gofonts: " + err.Error())
	}
	return b
}
