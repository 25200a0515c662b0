package ui

import (
	"image"
	"image/png"
	"net/url"
	"os"
	"testing"
)

func urlq(s string) string { return url.QueryEscape(s) }

// writePNG writes a noisy picture of at least size bytes (noise does not compress).
func writePNG(t *testing.T, path string, size int) {
	t.Helper()
	w := 1024
	img := image.NewNRGBA(image.Rect(0, 0, w, size/(4*w)+1))
	x := uint32(2463534242)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := (&png.Encoder{CompressionLevel: png.NoCompression}).Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
