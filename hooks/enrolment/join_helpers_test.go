package enrolment_test

import (
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"net/http"
	"strings"
	"testing"
	"time"

	"crisisroom/hooks"
	_ "crisisroom/migrations"
	"crisisroom/testkit"
)

// enrolServer is the whole appliance (testkit's) with the enrolment settings a test
// chooses (HTTPS on or off); Cfg.MQTTAddr is the broker address devices are told.
type enrolServer struct {
	*testkit.Server
}

func (s *enrolServer) stop() { s.Stop() }

func startEnrol(t *testing.T, dataDir string, cfg hooks.Config, demo bool) *enrolServer {
	t.Helper()
	return &enrolServer{testkit.StartServer(t, testkit.Options{DataDir: dataDir, Hooks: cfg, Demo: demo})}
}

func (s *enrolServer) token(t *testing.T, username string) string {
	t.Helper()
	u, err := s.App.FindFirstRecordByData("users", "username", username)
	if err != nil {
		t.Fatalf("no user %s: %v", username, err)
	}
	tok, err := u.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type jsonReply struct {
	Status int
	Body   map[string]any
	Raw    string
	Header http.Header
}

func (r jsonReply) str(k string) string { s, _ := r.Body[k].(string); return s }

// call sends one request through testkit's client (client nil: its shared one) to a
// whole URL and decodes a JSON object answer.
func call(t *testing.T, client *http.Client, method, url, token string, body any) jsonReply {
	t.Helper()
	start := time.Now()
	r := testkit.Client{Token: token, HTTP: client}.Do(t, method, url, body)
	if d := time.Since(start); d > time.Second {
		t.Logf("slow: %s %s took %v", method, url, d)
	}
	out := jsonReply{Status: r.Status, Raw: string(r.Body), Header: r.Header}
	_ = json.Unmarshal(r.Body, &out.Body)
	return out
}

// decodeQR reads a QR code with a real decoder (ZXing's port), not with the library
// that drew it.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	text, err := testkit.DecodeQR(img)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func decodeQRDataURL(t *testing.T, dataURL string) string {
	t.Helper()
	text, err := testkit.DecodeQRDataURL(dataURL)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// terminalQRImage turns the half-block characters of ToSmallString(false) back into
// pixels: a drawn half is light, an empty one dark, as on a dark terminal.
func terminalQRImage(s string) (image.Image, error) {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 0 {
		return nil, errors.New("empty")
	}
	const scale, quiet = 4, 8
	w := len([]rune(lines[0]))
	// A QR code with its quiet zone is square: the bottom half of the last line is
	// padding when the side is odd, not a dark row (which misleads the detector).
	h := min(2*len(lines), w)
	img := image.NewGray(image.Rect(0, 0, (w+2*quiet)*scale, (h+2*quiet)*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	set := func(x, y int, light bool) {
		c := color.Gray{Y: 0}
		if light {
			c.Y = 255
		}
		for dy := 0; dy < scale; dy++ {
			for dx := 0; dx < scale; dx++ {
				img.SetGray((x+quiet)*scale+dx, (y+quiet)*scale+dy, c)
			}
		}
	}
	for row, line := range lines {
		for x, r := range []rune(line) {
			var top, bottom bool
			switch r {
			case '█':
				top, bottom = true, true
			case '▀':
				top = true
			case '▄':
				bottom = true
			case ' ':
			default:
				return nil, errors.New("unexpected character " + string(r))
			}
			set(x, 2*row, top)
			if 2*row+1 < h {
				set(x, 2*row+1, bottom)
			}
		}
	}
	return img, nil
}
