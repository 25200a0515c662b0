package mh

import (
	"bytes"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/ccitt"
)

// testImage draws something with runs of every length class: short runs,
// make-up runs, full white and full black lines, and a run ending at the edge.
func testImage(h int, seed uint64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, Width, h))
	rng := rand.New(rand.NewPCG(seed, 1))
	for y := range h {
		switch y % 7 {
		case 0: // white line
			for x := range Width {
				img.Pix[y*Width+x] = 0xFF
			}
		case 1: // black line
		case 2: // random short runs
			v := byte(0xFF)
			for x := range Width {
				if rng.IntN(5) == 0 {
					v ^= 0xFF
				}
				img.Pix[y*Width+x] = v
			}
		default: // long runs of varying length, black at the right edge
			split := rng.IntN(Width)
			for x := range Width {
				if x < split || x > Width-3 && y%2 == 0 {
					img.Pix[y*Width+x] = 0xFF
				}
			}
		}
	}
	return img
}

func samePixels(t *testing.T, want, got *image.Gray) {
	t.Helper()
	if want.Bounds() != got.Bounds() {
		t.Fatalf("bounds: want %v, got %v", want.Bounds(), got.Bounds())
	}
	for y := 0; y < want.Bounds().Dy(); y++ {
		w := want.Pix[y*want.Stride : y*want.Stride+Width]
		g := got.Pix[y*got.Stride : y*got.Stride+Width]
		if !bytes.Equal(w, g) {
			for x := range w {
				if w[x] != g[x] {
					t.Fatalf("line %d differs first at x=%d: want %#x, got %#x", y, x, w[x], g[x])
				}
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, o := range []*Options{
		nil,
		{Order: MSBFirst},
		{MinLineBits: 400},
		{AlignEOL: true, Order: MSBFirst},
	} {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			want := testImage(120, 7)
			p, err := Decode(Encode(want, o), o)
			if err != nil {
				t.Fatal(err)
			}
			if p.BadLines != 0 {
				t.Errorf("clean data decoded with %d bad lines", p.BadLines)
			}
			samePixels(t, want, p.Image)
		})
	}
}

// The encoder must speak standard MH, not just a dialect our own decoder
// understands: x/image/ccitt is an independent implementation.
func TestEncodeReadByXImageCCITT(t *testing.T) {
	for _, order := range []Order{LSBFirst, MSBFirst} {
		want := testImage(90, 3)
		data := Encode(want, &Options{Order: order})
		got := image.NewGray(want.Bounds())
		co := ccitt.LSB
		if order == MSBFirst {
			co = ccitt.MSB
		}
		if err := ccitt.DecodeIntoGray(got, bytes.NewReader(data), co, ccitt.Group3, nil); err != nil {
			t.Fatalf("order %d: ccitt: %v", order, err)
		}
		samePixels(t, want, got)
	}
}

// efix (Debian package efax) is the reference sender here: it writes what
// efax transmits, with its own EOL and fill habits.
func TestDecodeEfixOutput(t *testing.T) {
	efix, err := exec.LookPath("efix")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("efix is missing in CI: apt-get install -y efax")
		}
		t.Skip("efix not installed (apt-get install -y efax); skipping cross-check")
	}
	want := testImage(200, 11)
	dir := t.TempDir()
	pbm := filepath.Join(dir, "page.pbm")
	if err := os.WriteFile(pbm, toPBM(want), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(efix, "-v", "e", "-i", "pbm", "-o", "fax", pbm).Output()
	if err != nil {
		t.Fatalf("efix: %v", err)
	}
	p, err := Decode(out, &Options{Order: MSBFirst})
	if err != nil {
		t.Fatal(err)
	}
	if p.BadLines != 0 {
		t.Errorf("efix page decoded with %d bad lines", p.BadLines)
	}
	samePixels(t, want, p.Image)
}

func toPBM(img *image.Gray) []byte {
	b := img.Bounds()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "P4\n%d %d\n", b.Dx(), b.Dy())
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x += 8 {
			var v byte
			for k := range 8 {
				v <<= 1
				if x+k < b.Dx() && img.Pix[y*img.Stride+x+k] < 0x80 {
					v |= 1 // PBM: 1 is black
				}
			}
			buf.WriteByte(v)
		}
	}
	return buf.Bytes()
}

func TestDecodeSurvivesNoise(t *testing.T) {
	want := testImage(300, 5)
	data := Encode(want, nil)
	rng := rand.New(rand.NewPCG(9, 9))
	// Corrupt a few bytes in the middle third of the page.
	for range 6 {
		i := len(data)/3 + rng.IntN(len(data)/3)
		data[i] ^= byte(1 + rng.IntN(255))
	}
	p, err := Decode(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.BadLines == 0 {
		t.Error("noise went unnoticed: want some bad lines")
	}
	if h := p.Image.Bounds().Dy(); h < 290 || h > 310 {
		t.Errorf("page height %d after noise, want about 300: resync lost lines", h)
	}
	// The lines before the noise must be intact.
	for y := range 50 {
		if !bytes.Equal(want.Pix[y*Width:(y+1)*Width], p.Image.Pix[y*Width:(y+1)*Width]) {
			t.Fatalf("line %d before the noise changed", y)
		}
	}
}

func TestDecodeMissingEOLAndFill(t *testing.T) {
	want := testImage(40, 2)
	// Encode each line separately and glue them with a missing EOL for
	// line 10 and a long run of fill bits before line 20.
	var w bitWriter
	row := make([]bool, Width)
	for y := range 40 {
		for x := range row {
			row[x] = want.Pix[y*Width+x] < 0x80
		}
		if y == 20 {
			w.zeros(300)
		}
		if y != 10 {
			w.eol(nil)
		}
		encodeLine(&w, row)
	}
	for range 6 {
		w.eol(nil)
	}
	p, err := Decode(w.flush(), nil)
	if err != nil {
		t.Fatal(err)
	}
	samePixels(t, want, p.Image)
}

func TestDecodeGarbage(t *testing.T) {
	if _, err := Decode(bytes.Repeat([]byte{0xFF}, 100), nil); err != ErrNoLines {
		t.Errorf("all ones: want ErrNoLines, got %v", err)
	}
	if _, err := Decode(nil, nil); err != ErrNoLines {
		t.Errorf("empty: want ErrNoLines, got %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(testImage(8, 1), nil), false)
	f.Add(Encode(testImage(8, 2), &Options{Order: MSBFirst, AlignEOL: true}), true)
	f.Add([]byte{0x00, 0x10, 0xFF, 0x00, 0x80}, false)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, msb bool) {
		o := &Options{MaxLines: 512}
		if msb {
			o.Order = MSBFirst
		}
		p, err := Decode(data, o)
		if err != nil {
			return
		}
		b := p.Image.Bounds()
		if b.Dx() != Width || b.Dy() < 1 || b.Dy() > 512 || len(p.Image.Pix) != b.Dx()*b.Dy() {
			t.Fatalf("bad page shape %v with %d bytes", b, len(p.Image.Pix))
		}
		// Whatever we decoded must survive a round trip exactly.
		q, err := Decode(Encode(p.Image, o), o)
		if err != nil || q.BadLines != 0 {
			t.Fatalf("re-encoded page: err %v, bad lines %d", err, q.BadLines)
		}
		if !bytes.Equal(p.Image.Pix, q.Image.Pix) {
			t.Fatal("round trip changed pixels")
		}
	})
}
