// Package mh encodes and decodes T.4 Modified Huffman (Group 3, one-dimensional)
// fax pages, the only coding every Class 2.0 modem and fax machine accepts.
//
// The decoder is written for what comes off a telephone line rather than for
// clean files: it skips fill bits, survives line noise and missing EOLs by
// resynchronising at the next EOL, and counts the lines it had to repair
// instead of giving up on the page.
package mh

import (
	"errors"
	"image"
	"image/color"
)

// Width is the pixel width of a standard A4 fax line at 204 dpi.
const Width = 1728

// Order is the bit order of T.4 data inside bytes.
type Order int

const (
	// LSBFirst puts the first T.4 bit into bit 0 of each byte; this is what a
	// Class 2.0 modem exchanges with AT+FBO=0.
	LSBFirst Order = iota
	// MSBFirst puts the first T.4 bit into bit 7 of each byte, as in TIFF
	// files and efix's raw fax output.
	MSBFirst
)

// Options tune encoding and decoding. The zero value means LSB first and
// 1728 pixels per line.
type Options struct {
	Order Order
	// Width is the line width in pixels; 0 means 1728.
	Width int
	// MinLineBits pads each encoded line with fill bits (zeros before the
	// EOL) up to this many bits, as a sender does to honour the receiver's
	// minimum scan line time.
	MinLineBits int
	// AlignEOL pads with fill bits so every EOL ends on a byte boundary,
	// as efax and many modems do.
	AlignEOL bool
	// MaxLines bounds decoding so a stream of garbage cannot exhaust memory;
	// 0 means 8192 (more than 3 A4 pages at fine resolution).
	MaxLines int
}

func (o *Options) width() int {
	if o == nil || o.Width <= 0 {
		return Width
	}
	return o.Width
}

func (o *Options) order() Order {
	if o == nil {
		return LSBFirst
	}
	return o.Order
}

// rtcEOLs is how many EOLs in a row without a line between them end a page.
// T.4 sends six (RTC); requiring fewer tolerates a truncated RTC, requiring
// more than two keeps a line wiped out by noise from ending the page early.
const rtcEOLs = 4

type codeWord struct {
	bits uint32
	n    uint8
}

type colourTable struct {
	term   [64]codeWord
	makeup [41]codeWord // index run/64, 1..40 (64..2560)
	// decode[n] maps an n-bit code value to its run length, -1 if none.
	decode [14][]int16
}

var white, black = buildTable(whiteCodes), buildTable(blackCodes)

func buildTable(codes []code) *colourTable {
	t := &colourTable{}
	for n := range t.decode {
		t.decode[n] = make([]int16, 1<<n)
		for i := range t.decode[n] {
			t.decode[n][i] = -1
		}
	}
	for _, c := range codes {
		var v uint32
		for _, b := range c.bits {
			v = v<<1 | uint32(b-'0')
		}
		cw := codeWord{bits: v, n: uint8(len(c.bits))}
		if c.run < 64 {
			t.term[c.run] = cw
		} else {
			t.makeup[c.run/64] = cw
		}
		t.decode[len(c.bits)][v] = int16(c.run)
	}
	return t
}

var eol = codeWord{bits: 1, n: 12}

type bitWriter struct {
	buf   []byte
	cur   byte
	nbits uint // bits in cur
	total int  // bits written since the last reset
	order Order
}

func (w *bitWriter) put(c codeWord) {
	for i := int(c.n) - 1; i >= 0; i-- {
		bit := byte(c.bits>>uint(i)) & 1
		if w.order == LSBFirst {
			w.cur |= bit << w.nbits
		} else {
			w.cur |= bit << (7 - w.nbits)
		}
		w.nbits++
		w.total++
		if w.nbits == 8 {
			w.buf = append(w.buf, w.cur)
			w.cur, w.nbits = 0, 0
		}
	}
}

func (w *bitWriter) zeros(n int) {
	for ; n > 0; n-- {
		w.put(codeWord{0, 1})
	}
}

func (w *bitWriter) flush() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, w.cur)
		w.cur, w.nbits = 0, 0
	}
	return w.buf
}

func (w *bitWriter) eol(o *Options) {
	if o != nil && o.MinLineBits > 0 && w.total < o.MinLineBits {
		w.zeros(o.MinLineBits - w.total)
	}
	if o != nil && o.AlignEOL {
		// The EOL's 12 bits must end on a byte boundary.
		w.zeros(int((8 - (w.nbits+12)%8) % 8))
	}
	w.put(eol)
	w.total = 0
}

func (w *bitWriter) run(t *colourTable, n int) {
	for n >= 2560 {
		w.put(t.makeup[40])
		n -= 2560
	}
	if n >= 64 {
		w.put(t.makeup[n/64])
		n %= 64
	}
	w.put(t.term[n])
}

// Encode codes img as one page: an EOL before every line, then RTC. Pixels
// darker than mid-grey are black. Narrower images are padded with white,
// wider ones cropped.
func Encode(img image.Image, o *Options) []byte {
	width := o.width()
	w := &bitWriter{order: o.order()}
	b := img.Bounds()
	row := make([]bool, width) // true = black
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := range row {
			row[x] = false
			if b.Min.X+x < b.Max.X {
				row[x] = isBlack(img, b.Min.X+x, y)
			}
		}
		w.eol(o)
		encodeLine(w, row)
	}
	for range 6 {
		w.eol(o)
	}
	return w.flush()
}

func isBlack(img image.Image, x, y int) bool {
	if g, ok := img.(*image.Gray); ok {
		return g.Pix[g.PixOffset(x, y)] < 0x80
	}
	return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 0x80
}

func encodeLine(w *bitWriter, row []bool) {
	colour := false // every line starts with a (possibly empty) white run
	x := 0
	for x < len(row) || (x == 0 && len(row) == 0) {
		n := 0
		for x+n < len(row) && row[x+n] == colour {
			n++
		}
		if colour {
			w.run(black, n)
		} else {
			w.run(white, n)
		}
		x += n
		colour = !colour
		if len(row) == 0 {
			break
		}
	}
}

// Page is a decoded fax page.
type Page struct {
	// Image holds one byte per pixel: 0x00 black, 0xFF white.
	Image *image.Gray
	// BadLines counts lines that could not be decoded and were replaced by
	// a copy of the line above.
	BadLines int
}

// ErrNoLines means the data held no decodable line at all.
var ErrNoLines = errors.New("mh: no fax lines found")

type bitReader struct {
	data  []byte
	n     int // total bits
	order Order
}

func (r *bitReader) bit(i int) uint32 {
	b := r.data[i>>3]
	if r.order == LSBFirst {
		return uint32(b>>(uint(i)&7)) & 1
	}
	return uint32(b>>(7-uint(i)&7)) & 1
}

// zerosAt counts consecutive zero bits starting at i.
func (r *bitReader) zerosAt(i int) int {
	z := 0
	for i+z < r.n && r.bit(i+z) == 0 {
		z++
	}
	return z
}

// nextEOL returns the start of the first EOL (11 or more zeros, then a one)
// strictly after position i, or r.n if there is none.
func (r *bitReader) nextEOL(i int) int {
	z := 0
	for j := i + 1; j < r.n; j++ {
		if r.bit(j) == 0 {
			z++
			continue
		}
		if z >= 11 {
			return j - z
		}
		z = 0
	}
	return r.n
}

// code reads one code word of colour t at i, returning the run and the bits
// it used, or ok=false if no code word matches.
func (r *bitReader) code(t *colourTable, i int) (run, used int, ok bool) {
	var v uint32
	for n := 1; n <= 13 && i+n <= r.n; n++ {
		v = v<<1 | r.bit(i+n-1)
		if n < 2 {
			continue
		}
		if run := t.decode[n][v]; run >= 0 {
			return int(run), n, true
		}
	}
	return 0, 0, false
}

// line decodes one coded line at i into row. It returns the position after
// the line and the position where decoding failed, if it did.
func (r *bitReader) line(i int, row []byte) (next int, ok bool) {
	x := 0
	t := white
	for x < len(row) {
		total := 0
		for {
			run, used, ok := r.code(t, i)
			if !ok {
				return i, false
			}
			i += used
			total += run
			if x+total > len(row) {
				return i, false
			}
			if run < 64 {
				break
			}
		}
		v := byte(0xFF)
		if t == black {
			v = 0x00
		}
		for k := x; k < x+total; k++ {
			row[k] = v
		}
		x += total
		if t == white {
			t = black
		} else {
			t = white
		}
	}
	return i, true
}

// Decode reads one page of MH data. It never fails on damaged data: damaged
// lines are replaced and counted in BadLines. It returns ErrNoLines only if
// nothing at all could be decoded.
func Decode(data []byte, o *Options) (*Page, error) {
	width := o.width()
	maxLines := 8192
	if o != nil && o.MaxLines > 0 {
		maxLines = o.MaxLines
	}
	r := &bitReader{data: data, n: len(data) * 8, order: o.order()}
	var pix []byte
	lines, bad, good := 0, 0, 0
	row := make([]byte, width)
	eols := 0
	for i := 0; i < r.n && lines < maxLines; {
		if z := r.zerosAt(i); z >= 11 {
			if i+z >= r.n {
				break // trailing fill
			}
			i += z + 1
			eols++
			if eols >= rtcEOLs && lines > 0 {
				break
			}
			continue
		}
		next, ok := r.line(i, row)
		eols = 0
		lines++
		if ok {
			good++
			pix = append(pix, row...)
			i = next
			continue
		}
		bad++
		if lines > 1 {
			pix = append(pix, pix[len(pix)-width:]...)
		} else {
			for k := 0; k < width; k++ {
				pix = append(pix, 0xFF)
			}
		}
		resync := r.nextEOL(next)
		if resync <= i {
			resync = i + 1
		}
		i = resync
	}
	if good == 0 {
		return nil, ErrNoLines
	}
	img := &image.Gray{Pix: pix, Stride: width, Rect: image.Rect(0, 0, width, lines)}
	return &Page{Image: img, BadLines: bad}, nil
}
