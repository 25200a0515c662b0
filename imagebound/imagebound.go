// Package imagebound tells from an image's header alone whether decoding it stays within
// memory. A small file can declare a huge image (a decompression bomb): a 100 KB PNG of
// 10000 × 10000 black pixels decodes to 100–400 MB, and a thumbnail of it cost the
// appliance 0.8 GB. Every place that decodes an image someone sent checks it here first.
//
// It is a leaf (no PocketBase, nothing of crisisroom), so the device drivers can use it
// too. The PNG, JPEG, GIF and WebP header readers are registered by importing it.
package imagebound

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // the formats people send and PocketBase makes thumbnails of
	_ "image/jpeg"
	_ "image/png"
	"io"

	_ "golang.org/x/image/webp"
)

// MaxPixels is the most pixels (width × height) an image may declare. Decoding costs 1–8
// bytes per pixel, and a thumbnailer copies the cropped image once more (and once more to
// turn a photo by its EXIF orientation). 50 MP takes every phone's full-resolution mode
// (8160 × 6120 = 49.9 MP), every ordinary camera and an A3 plan scanned at 400 dpi
// (6614 × 4677 = 31 MP); anything bigger is of no use on a screen in the crisis room and
// can be sent scaled down or as a PDF.
const MaxPixels = 50_000_000

// TooLargeError is the answer of Check for an image over MaxPixels; Width and Height in
// pixels as its header declares them.
type TooLargeError struct{ Width, Height int }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("image of %d × %d pixels is over the bound of %d", e.Width, e.Height, MaxPixels)
}

// InBound tells whether an image of cfg's size may be decoded.
func InBound(cfg image.Config) bool {
	return cfg.Width >= 0 && cfg.Height >= 0 && int64(cfg.Width)*int64(cfg.Height) <= MaxPixels
}

// Check reads only the header of r and returns it: a *TooLargeError when it declares more
// than MaxPixels, the decoder's error (image.ErrFormat for no known format) when it cannot
// be read. It reads a few KB at most for PNG, GIF and WebP; for JPEG up to the frame
// header, skipping the segments before it.
func Check(r io.Reader) (image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return cfg, format, err
	}
	if !InBound(cfg) {
		return cfg, format, &TooLargeError{cfg.Width, cfg.Height}
	}
	return cfg, format, nil
}

// Decode is image.Decode after Check: an image over MaxPixels is never decoded (a
// *TooLargeError). The header bytes read for the check are replayed to the decoder.
func Decode(r io.Reader) (image.Image, string, error) {
	var head bytes.Buffer
	if _, _, err := Check(io.TeeReader(r, &head)); err != nil {
		return nil, "", err
	}
	return image.Decode(io.MultiReader(&head, r))
}
