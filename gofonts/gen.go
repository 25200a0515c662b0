//go:build ignore

// gen writes the gzipped fonts from golang.org/x/image's Go fonts (the version in go.mod),
// at the best level, without a name or time in the gzip header (same fonts, same bytes).
package main

import (
	"bytes"
	"compress/gzip"
	"log"
	"os"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

func main() {
	for name, ttf := range map[string][]byte{
		"Go-Regular.ttf.gz": goregular.TTF,
		"Go-Bold.ttf.gz":    gobold.TTF,
		"Go-Mono.ttf.gz":    gomono.TTF,
	} {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		if _, err := w.Write(ttf); err != nil {
			log.Fatal(err)
		}
		if err := w.Close(); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
