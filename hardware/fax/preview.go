package fax

import (
	"bytes"
	"fmt"
	"image"
	"image/png"

	xdraw "golang.org/x/image/draw"
)

// PreviewPNG scales a page to width pixels (0 means 864, half the fax
// width) as a grey PNG. The height is corrected for the fax's non-square
// pixels (204 dpi across, 196 or 98 down) so the preview has the page's
// proportions on paper.
func PreviewPNG(p Page, width int) ([]byte, error) {
	if p.Image == nil {
		return nil, fmt.Errorf("page has no image")
	}
	if width <= 0 {
		width = PageWidth / 2
	}
	b := p.Image.Bounds()
	height := int(float64(b.Dy()) * DPIX / p.DPIY() * float64(width) / float64(b.Dx()))
	dst := image.NewGray(image.Rect(0, 0, width, max(1, height)))
	// Catmull-Rom averages thin strokes into grey instead of dropping them.
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), p.Image, b, xdraw.Src, nil)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, dst); err != nil {
		return nil, fmt.Errorf("failed to encode preview: %w", err)
	}
	return buf.Bytes(), nil
}

// Previews renders a PNG preview of every page.
func Previews(pages []Page, width int) ([][]byte, error) {
	out := make([][]byte, len(pages))
	for i, p := range pages {
		png, err := PreviewPNG(p, width)
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", i+1, err)
		}
		out[i] = png
	}
	return out, nil
}
