package imagebound

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"runtime"
	"testing"
)

// greyPNG is a valid 8-bit grey PNG of w × h black pixels, written row by row.
func greyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	row := make([]byte, w+1)
	for range h {
		z.Write(row)
	}
	z.Close()
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(kind)
		out.Write(data)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(kind), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 8
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

func TestBombRefusedWithoutDecoding(t *testing.T) {
	bomb := greyPNG(t, 10000, 10000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := Decode(bytes.NewReader(bomb))
	runtime.ReadMemStats(&after)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Width != 10000 || tl.Height != 10000 {
		t.Fatalf("bomb: %v", err)
	}
	if used := after.TotalAlloc - before.TotalAlloc; used > 1<<20 {
		t.Errorf("%d KB allocated to refuse the bomb (its pixels alone are 100 MB)", used>>10)
	}
}

func TestInBoundDecodesWholly(t *testing.T) {
	var b bytes.Buffer
	src := image.NewGray(image.Rect(0, 0, 3000, 2000))
	src.Pix[len(src.Pix)-1] = 200 // the last pixel proves the header bytes were replayed
	if err := png.Encode(&b, src); err != nil {
		t.Fatal(err)
	}
	img, format, err := Decode(&b)
	if err != nil || format != "png" || img.Bounds() != src.Bounds() {
		t.Fatalf("%v %q", err, format)
	}
	if r, _, _, _ := img.At(2999, 1999).RGBA(); r>>8 != 200 {
		t.Errorf("last pixel %d", r>>8)
	}
	if _, _, err := Check(bytes.NewReader([]byte("%PDF-1.7"))); !errors.Is(err, image.ErrFormat) {
		t.Errorf("a PDF: %v", err)
	}
}
