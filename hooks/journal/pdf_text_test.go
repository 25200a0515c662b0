package journal

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// An emoji (a rune beyond U+FFFF) in an entry, in the operation's or the organisation's
// name used to panic inside fpdf; the sheet now shows U+FFFD there and the rest of the
// text stays extractable.
func TestPDFSurvivesRunesBeyondTheBMP(t *testing.T) {
	x := &Export{
		Incident:     IncidentInfo{ID: "i1", Name: "Hochwasser 🌊", Opened: "2026-11-30 12:00:00.000Z"},
		Organisation: OrgInfo{Name: "Feuerwehr 🚒"},
	}
	x.Entries = []Sealed{{Canonical: Canonical{Seq: 1, RecordedAt: "2026-11-30 12:01:00.000Z",
		OccurredAt: "2026-11-30 12:01:00.000Z", Kind: "message", AuthorName: "Karl Vogel 👷",
		Text: "Deich bricht 🚨 bei Kilometer 4\x00\tsofort räumen"}, Hash: strings.Repeat("a", 64)}}
	b, err := RenderPDF(x)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext missing (./test.sh installs poppler-utils)")
	}
	p := filepath.Join(t.TempDir(), "etb.pdf")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", p, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Deich bricht", "Kilometer 4", "sofort räumen", "Feuerwehr"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("PDF text lacks %q:\n%s", want, out)
		}
	}
}
