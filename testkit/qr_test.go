package testkit

import (
	"bytes"
	"image/png"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// Links whose clean rendering ZXing's finder-pattern search misses; DecodeQR must still
// read each back exactly.
func TestDecodeQRReadsWhatTheDetectorMisses(t *testing.T) {
	for _, link := range []string{
		"http://127.0.0.1:34144/join#44BBUu0ze5szlIA75WgkCA&fp=e3804152ed337b9b",
		"http://127.0.0.1:36290/join#Z2sprxy1c9DoBHbzoOkQ0A&fp=676b29af1cb573d0",
		"http://127.0.0.1:44060/join#9xtIHWPt-JWtduuJsdnPyw&fp=f71b481d63edf895",
	} {
		raw, err := qrcode.Encode(link, qrcode.Medium, 512)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeQR(img)
		if err != nil || got != link {
			t.Errorf("%s: read %q, %v", link, got, err)
		}
	}
}
