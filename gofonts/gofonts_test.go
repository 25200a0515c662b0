package gofonts

import (
	"bytes"
	"testing"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
)

// TestSameAsXImage: each gzipped font inflates to golang.org/x/image's bytes exactly (after
// an x/image upgrade that changed a font this fails until `go generate ./gofonts`), parses
// as a font, and a second call gives the same slice, not another copy.
func TestSameAsXImage(t *testing.T) {
	for name, c := range map[string]struct {
		got  func() []byte
		want []byte
	}{
		"Go Regular": {Regular, goregular.TTF},
		"Go Bold":    {Bold, gobold.TTF},
		"Go Mono":    {Mono, gomono.TTF},
	} {
		got := c.got()
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: %d bytes differ from x/image's %d (run go generate ./gofonts)", name, len(got), len(c.want))
		}
		if _, err := opentype.Parse(got); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if again := c.got(); &again[0] != &got[0] {
			t.Errorf("%s: inflated again on the second call", name)
		}
	}
}
