package fax

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"image"
	"io"
	"regexp"
	"strconv"
)

const pdfProducer = "crisisroom fax"

// BuildPDF writes pages as a PDF with one 1-bit Flate-compressed image per
// page, sized to the paper the fax was printed on. Flate rather than
// CCITTFaxDecode: repaired pages no longer match their received MH bytes,
// and every PDF reader handles Flate.
func BuildPDF(pages []Page, title string) ([]byte, error) {
	var buf bytes.Buffer
	var offsets []int
	obj := func(body string, stream []byte) int {
		offsets = append(offsets, buf.Len())
		n := len(offsets)
		fmt.Fprintf(&buf, "%d 0 obj\n%s", n, body)
		if stream != nil {
			buf.WriteString("\nstream\n")
			buf.Write(stream)
			buf.WriteString("\nendstream")
		}
		buf.WriteString("\nendobj\n")
		return n
	}
	buf.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	// Objects 1 and 2 are the catalog and page tree; their bodies need the
	// kids, so reserve the numbers and write them last with fixed offsets.
	const catalog, tree, info = 1, 2, 3
	offsets = make([]int, 3)
	var kids []int
	for i, p := range pages {
		if p.Image == nil {
			return nil, fmt.Errorf("page %d has no image", i+1)
		}
		b := p.Image.Bounds()
		packed, err := packBits(p.Image)
		if err != nil {
			return nil, err
		}
		fine := "false"
		if p.Fine {
			fine = "true"
		}
		img := obj(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode /CrisisroomFine %s /Length %d >>",
			b.Dx(), b.Dy(), fine, len(packed)), packed)
		w, h := float64(b.Dx())*72/DPIX, float64(b.Dy())*72/p.DPIY()
		content := fmt.Appendf(nil, "q %.2f 0 0 %.2f 0 0 cm /Im Do Q", w, h)
		c := obj(fmt.Sprintf("<< /Length %d >>", len(content)), content)
		kids = append(kids, obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im %d 0 R >> >> /Contents %d 0 R >>",
			tree, w, h, img, c), nil))
	}
	put := func(n int, body string) {
		offsets[n-1] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	put(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", tree))
	var k bytes.Buffer
	for _, n := range kids {
		fmt.Fprintf(&k, "%d 0 R ", n)
	}
	put(tree, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", k.String(), len(kids)))
	put(info, fmt.Sprintf("<< /Producer (%s) /Title (%s) >>", pdfProducer, pdfString(title)))
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, catalog, info, xref)
	return buf.Bytes(), nil
}

func pdfString(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7F:
			b.WriteRune(r)
		default:
			b.WriteByte('?') // PDFDocEncoding would need a table; titles are informational
		}
	}
	return b.String()
}

// packBits packs 1 bit per pixel, 1 = white as DeviceGray wants, and
// deflates the result.
func packBits(img *image.Gray) ([]byte, error) {
	b := img.Bounds()
	rowBytes := (b.Dx() + 7) / 8
	raw := make([]byte, rowBytes*b.Dy())
	for y := 0; y < b.Dy(); y++ {
		row := img.Pix[(y)*img.Stride:]
		for x := 0; x < b.Dx(); x++ {
			if row[x] >= 0x80 {
				raw[y*rowBytes+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return z.Bytes(), nil
}

// ErrForeignPDF means a PDF was not written by BuildPDF. Re-rasterising
// arbitrary PDFs needs a PDF renderer, which the appliance does not carry:
// callers should send text or page images instead.
var ErrForeignPDF = errors.New("fax: only PDFs produced by crisisroom can be faxed; send text or page images")

var pdfImage = regexp.MustCompile(`/Subtype /Image /Width (\d+) /Height (\d+) /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode /CrisisroomFine (true|false) /Length (\d+) >>\nstream\n`)

// ReadPDF recovers the pages of a PDF made by BuildPDF, so a received fax
// can be forwarded as it is.
func ReadPDF(data []byte) ([]Page, error) {
	if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.Contains(data, []byte("/Producer ("+pdfProducer+")")) {
		return nil, ErrForeignPDF
	}
	var pages []Page
	for _, m := range pdfImage.FindAllSubmatchIndex(data, -1) {
		w, _ := strconv.Atoi(string(data[m[2]:m[3]]))
		h, _ := strconv.Atoi(string(data[m[4]:m[5]]))
		n, _ := strconv.Atoi(string(data[m[8]:m[9]]))
		if w <= 0 || w > 4*PageWidth || h <= 0 || h > 4*PageHeightFine || m[1]+n > len(data) {
			return nil, fmt.Errorf("%w: bad image header", ErrForeignPDF)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data[m[1] : m[1]+n]))
		if err != nil {
			return nil, fmt.Errorf("failed to inflate page %d: %w", len(pages)+1, err)
		}
		rowBytes := (w + 7) / 8
		raw := make([]byte, rowBytes*h)
		if _, err := io.ReadFull(zr, raw); err != nil {
			return nil, fmt.Errorf("failed to inflate page %d: %w", len(pages)+1, err)
		}
		img := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if raw[y*rowBytes+x/8]&(0x80>>(x%8)) != 0 {
					img.Pix[y*w+x] = 0xFF
				}
			}
		}
		pages = append(pages, Page{Image: img, Fine: string(data[m[6]:m[7]]) == "true"})
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%w: no pages", ErrForeignPDF)
	}
	return pages, nil
}
