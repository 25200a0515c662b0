package fax

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// needTool finds a command-line tool the cross-checks need: missing in CI
// is a failure (test.sh installs it), missing on a laptop is a skip.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing in CI: apt-get install -y %s", name, pkg)
		}
		t.Skipf("%s not installed (apt-get install -y %s)", name, pkg)
	}
	return p
}

func blackPixels(img *image.Gray, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.GrayAt(x, y).Y < 0x80 {
				n++
			}
		}
	}
	return n
}

func TestRenderTextPagesAndUmlauts(t *testing.T) {
	long := strings.Repeat("Lagemeldung an alle Stäbe: Straßensperrung Rheinufer, Überflutung möglich. ", 400)
	pages, err := RenderText("Betreff: Hochwasser\n\n"+long, RenderOptions{SenderID: "Krisenstab Stadt", Time: time.Date(2026, 3, 1, 14, 5, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 2 {
		t.Fatalf("%d pages for a long text, want several", len(pages))
	}
	for i, p := range pages {
		if b := p.Image.Bounds(); b.Dx() != PageWidth || b.Dy() != PageHeightFine || !p.Fine {
			t.Fatalf("page %d: %v fine=%v", i+1, b, p.Fine)
		}
		if blackPixels(p.Image, image.Rect(0, 0, PageWidth, 80)) == 0 {
			t.Errorf("page %d has no header line", i+1)
		}
		// Word wrap keeps text inside the right margin.
		if n := blackPixels(p.Image, image.Rect(PageWidth-marginX+4, 100, PageWidth, PageHeightFine)); n > 0 {
			t.Errorf("page %d: %d pixels in the right margin", i+1, n)
		}
		for _, v := range p.Image.Pix {
			if v != 0 && v != 0xFF {
				t.Fatalf("page %d has grey pixels; MH is black and white", i+1)
			}
		}
	}
	// Umlauts must be glyphs of their own, not a fallback box or the base letter.
	a, _ := RenderText("A", RenderOptions{})
	ae, _ := RenderText("Ä", RenderOptions{})
	body := image.Rect(0, bodyTop, PageWidth, bodyTop+100)
	if blackPixels(ae[0].Image, body) <= blackPixels(a[0].Image, body) {
		t.Error("Ä is drawn with no more ink than A: umlaut dots missing")
	}
}

func TestRenderImageDithers(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 400, 300))
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			src.SetGray(x, y, color.Gray{uint8(x * 255 / 400)})
		}
	}
	p := RenderImage(src)
	left := blackPixels(p.Image, image.Rect(marginX, bodyTop, marginX+200, bodyTop+300))
	right := blackPixels(p.Image, image.Rect(PageWidth-marginX-200, bodyTop, PageWidth-marginX, bodyTop+300))
	if left <= right*3 || right == 0 && left == 0 {
		t.Errorf("gradient not dithered: dark side %d black pixels, light side %d", left, right)
	}
}

func TestPDFReadableByPoppler(t *testing.T) {
	pages, err := RenderText("Seite eins\fSeite zwei: Grüße aus dem Krisenstab", RenderOptions{SenderID: "Test"})
	if err != nil {
		t.Fatal(err)
	}
	normal := pages[1]
	normal.Fine = false
	normal.Image = normal.Image.SubImage(image.Rect(0, 0, PageWidth, PageHeightNormal)).(*image.Gray)
	pages = append(pages, normal)
	pdf, err := BuildPDF(pages, "Fax (Test)")
	if err != nil {
		t.Fatal(err)
	}
	// Our own reader gets the pixels back exactly.
	back, err := ReadPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 {
		t.Fatalf("ReadPDF: %d pages", len(back))
	}
	for i := range back {
		b := pages[i].Image.Bounds()
		for y := 0; y < b.Dy(); y++ {
			if !bytes.Equal(back[i].Image.Pix[y*PageWidth:(y+1)*PageWidth], pages[i].Image.Pix[(y+b.Min.Y)*pages[i].Image.Stride:][:PageWidth]) {
				t.Fatalf("page %d line %d changed in PDF", i+1, y)
			}
		}
		if back[i].Fine != pages[i].Fine {
			t.Errorf("page %d resolution lost", i+1)
		}
	}
	if _, err := ReadPDF([]byte("%PDF-1.4 something else")); err != ErrForeignPDF {
		t.Errorf("foreign PDF: %v", err)
	}

	pdfinfo := needTool(t, "pdfinfo", "poppler-utils")
	pdftoppm := needTool(t, "pdftoppm", "poppler-utils")
	dir := t.TempDir()
	file := filepath.Join(dir, "fax.pdf")
	os.WriteFile(file, pdf, 0o600)
	out, err := exec.Command(pdfinfo, file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^Pages:\s+3$`).Match(out) || !regexp.MustCompile(`Page size:\s+609\.88 x 840\.12 pts`).Match(out) {
		t.Errorf("pdfinfo:\n%s", out)
	}
	// Rendered back at fax resolution, the page matches what we put in.
	if out, err := exec.Command(pdftoppm, "-rx", "204", "-ry", "196", "-mono", "-f", "2", "-l", "2", file, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "p*.pbm"))
	if len(matches) != 1 {
		t.Fatalf("pdftoppm wrote %v", matches)
	}
	pbm, _ := os.ReadFile(matches[0])
	got := readPBM(t, pbm)
	want := pages[1].Image
	diff := 0
	for y := 0; y < min(got.Bounds().Dy(), want.Bounds().Dy()); y++ {
		for x := 0; x < PageWidth; x++ {
			if (got.Pix[y*got.Stride+x] < 0x80) != (want.Pix[y*want.Stride+x] < 0x80) {
				diff++
			}
		}
	}
	if ink := blackPixels(want, want.Bounds()); ink == 0 || diff > ink/50 {
		t.Errorf("poppler's rendering differs in %d pixels of %d black ones", diff, ink)
	}
}

func readPBM(t *testing.T, data []byte) *image.Gray {
	t.Helper()
	var w, h int
	fields := bytes.Fields(data[:min(len(data), 40)])
	if len(fields) < 3 || string(fields[0]) != "P4" {
		t.Fatalf("not a raw PBM: %q", data[:min(len(data), 20)])
	}
	if _, err := fmt.Sscan(string(fields[1])+" "+string(fields[2]), &w, &h); err != nil {
		t.Fatal(err)
	}
	hdr := len(fields[0]) + len(fields[1]) + len(fields[2]) + 3
	raw := data[hdr:]
	rowBytes := (w + 7) / 8
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if raw[y*rowBytes+x/8]&(0x80>>(x%8)) == 0 {
				img.Pix[y*w+x] = 0xFF
			}
		}
	}
	return img
}

func TestPreviewAspect(t *testing.T) {
	pages, _ := RenderText("x", RenderOptions{})
	data, err := PreviewPNG(pages[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	// The fax page is 215 mm wide (1728/204 in) and 296 mm long (2287/196 in).
	b := img.Bounds()
	if b.Dx() != 864 || b.Dy() < 1185 || b.Dy() > 1195 {
		t.Errorf("preview %v, want 864x1190, the paper's proportions", b)
	}
}

// A fax page sent over MQTT as a picture is decoded only within the pixel bound of
// uploads: a small PNG that declares 10000×10000 pixels is refused before its pixels
// are decoded (it would take ~0.8 GB).
func TestPageOverMQTTWithinThePixelBound(t *testing.T) {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, image.NewGray(image.Rect(0, 0, 10000, 10000))); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := (&busLink{}).pagesOf(SendRequest{Pages: []string{base64.StdEncoding.EncodeToString(buf.Bytes())}})
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a 100-megapixel page was accepted")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 50<<20 {
		t.Errorf("refusing it allocated %d MB", n>>20)
	}
}
