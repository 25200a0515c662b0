package fax

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"crisisroom/gofonts"
)

// RenderOptions shape text pages.
type RenderOptions struct {
	// SenderID goes into every page's header line (the station ID, e.g.
	// "+49 221 1234567" or "Krisenstab Stadt").
	SenderID string
	// Time goes into the header; zero means now.
	Time time.Time
	// FontSize in points; 0 means 12, readable after a fax machine prints it.
	FontSize float64
}

const (
	marginX      = 96  // about 12 mm
	headerTop    = 24  // header baseline area
	bodyTop      = 150 // below the header
	bottomMargin = 120
)

var (
	fontOnce sync.Once
	fontErr  error
	fontTTF  *opentype.Font
)

// face returns Go Mono at size points. The font is set at 196 dpi, the
// vertical resolution; horizontally the fax has 204 dpi, so glyphs come out
// 4% narrower than nominal, which nobody notices on paper.
func face(size float64) (font.Face, error) {
	fontOnce.Do(func() { fontTTF, fontErr = opentype.Parse(gofonts.Mono()) })
	if fontErr != nil {
		return nil, fmt.Errorf("failed to parse font: %w", fontErr)
	}
	return opentype.NewFace(fontTTF, &opentype.FaceOptions{Size: size, DPI: 196, Hinting: font.HintingFull})
}

func blankPage() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, PageWidth, PageHeightFine))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	return img
}

// RenderText lays text (UTF-8, German umlauts and ß included) out on fine
// A4 pages: word wrapped, form feed starts a new page, each page with the
// header line "<sender>  <date time>  Seite n/m".
func RenderText(text string, o RenderOptions) ([]Page, error) {
	if o.FontSize == 0 {
		o.FontSize = 12
	}
	f, err := face(o.FontSize)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lineHeight := f.Metrics().Height.Ceil()
	ascent := f.Metrics().Ascent.Ceil()
	linesPerPage := (PageHeightFine - bodyTop - bottomMargin) / lineHeight
	maxWidth := fixed.I(PageWidth - 2*marginX)

	var pages [][]string
	var cur []string
	flush := func() {
		pages = append(pages, cur)
		cur = nil
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\t", "    ")
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	for pi, block := range strings.Split(text, "\f") {
		if pi > 0 {
			flush()
		}
		for _, para := range strings.Split(block, "\n") {
			for _, l := range wrap(f, para, maxWidth) {
				if len(cur) == linesPerPage {
					flush()
				}
				cur = append(cur, l)
			}
		}
	}
	flush()

	out := make([]Page, len(pages))
	for i, lines := range pages {
		img := blankPage()
		d := &font.Drawer{Dst: img, Src: image.Black, Face: f}
		for j, l := range lines {
			d.Dot = fixed.P(marginX, bodyTop+ascent+j*lineHeight)
			d.DrawString(l)
		}
		threshold(img)
		out[i] = Page{Image: img, Fine: true}
	}
	if err := StampHeaders(out, o.SenderID, o.Time); err != nil {
		return nil, err
	}
	return out, nil
}

// wrap breaks one paragraph into lines no wider than max, at spaces where
// possible and inside over-long words otherwise.
func wrap(f font.Face, para string, max fixed.Int26_6) []string {
	if strings.TrimSpace(para) == "" {
		return []string{""}
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(para) {
		cand := w
		if line != "" {
			cand = line + " " + w
		}
		if font.MeasureString(f, cand) <= max {
			line = cand
			continue
		}
		if line != "" {
			lines = append(lines, line)
			line = ""
		}
		for font.MeasureString(f, w) > max {
			n := 1
			for n < len(w) {
				_, size := utf8.DecodeRuneInString(w[n:])
				if font.MeasureString(f, w[:n+size]) > max {
					break
				}
				n += size
			}
			lines = append(lines, w[:n])
			w = w[n:]
		}
		line = w
	}
	return append(lines, line)
}

// threshold makes anti-aliased glyph edges pure black or white: MH has only
// the two.
func threshold(img *image.Gray) {
	for i, v := range img.Pix {
		if v < 0x80 {
			img.Pix[i] = 0
		} else {
			img.Pix[i] = 0xFF
		}
	}
}

// StampHeaders writes the transmitting station's header line over the top
// of every page: sender, date and time, "Seite n/m" (page n of m).
func StampHeaders(pages []Page, sender string, t time.Time) error {
	if t.IsZero() {
		t = time.Now()
	}
	f, err := face(9)
	if err != nil {
		return err
	}
	defer f.Close()
	for i, p := range pages {
		top := image.Rect(0, 0, PageWidth, headerTop+f.Metrics().Height.Ceil()+8)
		draw.Draw(p.Image, top, image.White, image.Point{}, draw.Src)
		y := headerTop + f.Metrics().Ascent.Ceil()
		d := &font.Drawer{Dst: p.Image, Src: image.Black, Face: f}
		d.Dot = fixed.P(marginX, y)
		d.DrawString(sender)
		stamp := t.Format("02.01.2006 15:04")
		d.Dot = fixed.P((PageWidth-font.MeasureString(f, stamp).Ceil())/2, y)
		d.DrawString(stamp)
		num := fmt.Sprintf("Seite %d/%d", i+1, len(pages))
		d.Dot = fixed.P(PageWidth-marginX-font.MeasureString(f, num).Ceil(), y)
		d.DrawString(num)
		threshold(p.Image.SubImage(top).(*image.Gray))
	}
	return nil
}

// RenderImage fits img onto one fine page (keeping its proportions on
// paper, which at 204x196 dpi means squeezing it vertically by 196/204) and
// dithers it to black and white.
func RenderImage(img image.Image) Page {
	b := img.Bounds()
	page := blankPage()
	if b.Empty() {
		return Page{Image: page, Fine: true}
	}
	availW, availH := PageWidth-2*marginX, PageHeightFine-bodyTop-bottomMargin
	// Pixel aspect: one fax pixel is 1/204 in wide and 1/196 in high.
	scaleX := float64(availW) / float64(b.Dx())
	scaleY := scaleX * 196 / DPIX
	if float64(b.Dy())*scaleY > float64(availH) {
		scaleY = float64(availH) / float64(b.Dy())
		scaleX = scaleY * DPIX / 196
	}
	w, h := max(1, int(float64(b.Dx())*scaleX)), max(1, int(float64(b.Dy())*scaleY))
	grey := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(grey, grey.Bounds(), image.White, image.Point{}, draw.Src)
	xdraw.CatmullRom.Scale(grey, grey.Bounds(), img, b, xdraw.Over, nil)
	bw := image.NewPaletted(grey.Bounds(), color.Palette{color.Gray{0}, color.Gray{0xFF}})
	draw.FloydSteinberg.Draw(bw, bw.Bounds(), grey, image.Point{})
	x0 := (PageWidth - w) / 2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if bw.Pix[y*bw.Stride+x] == 0 {
				page.Pix[(bodyTop+y)*page.Stride+x0+x] = 0
			}
		}
	}
	return Page{Image: page, Fine: true}
}
