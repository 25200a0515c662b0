package journal

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/gofonts"
)

// Layout of THW form Fb Fü 2 (A4 portrait): lfd. Nr. · Datum/Uhrzeit · Darstellung der
// Ereignisse · Bemerkungen, in mm.
const (
	pdfMargin   = 12.0
	pdfLineH    = 4.2
	pdfTop      = 40.0  // first table row below the header block
	pdfBottom   = 270.0 // last usable y before the footer
	pdfSignH    = 24.0  // the signature block on the last page
	colNr       = 14.0
	colTime     = 30.0
	colText     = 98.0
	colRemarks  = 44.0
	pdfFontSize = 9.0
)

var sourceLabel = map[string]string{
	"message": "Nachricht", "fax": "Fax", "siren": "Sirene", "situation": "Lage", "membership": "ETB-Führung",
	"organisation": "Organisation", "incident": "Einsatz", "form": "Vordruck", "manual": "manuell",
}

// localTime shows a stored time ("2006-01-02 15:04:05.000Z") in the ETB's zone (Zone).
func localTime(s string) string {
	t, err := types.ParseDateTime(s)
	if err != nil || t.IsZero() {
		return ""
	}
	return t.Time().In(Zone()).Format("02.01.2006 15:04:05")
}

type pdfRow struct {
	nr, when, text, remarks []string
	struck                  bool
}

// RenderPDF lays the journal out as THW form Fb Fü 2 with the Go fonts embedded (so text
// with umlauts can be extracted), "Seite n von N", operation and organisation on every
// page, the chain head in every footer, corrections beside their struck-through
// originals, signature lines for the ETB keeper and the head of staff, and, once the
// operation is closed, the empty rest of the last sheet struck through diagonally.
func RenderPDF(x *Export) ([]byte, error) {
	// Two passes: the first counts the pages for "Seite n von N".
	_, pages, err := renderPDF(x, 0)
	if err != nil {
		return nil, err
	}
	b, _, err := renderPDF(x, pages)
	return b, err
}

func renderPDF(x *Export, total int) ([]byte, int, error) {
	f := fpdf.New("P", "mm", "A4", "")
	// The document's date is the export's (both passes, and a repeated render of one
	// export, give the same bytes); a PDF reader shows it as "created".
	created := time.Unix(0, 0).UTC()
	if t, err := types.ParseDateTime(x.ExportedAt); err == nil && !t.IsZero() {
		created = t.Time()
	}
	f.SetCreationDate(created)
	f.SetCatalogSort(true)
	f.AddUTF8FontFromBytes("go", "", gofonts.Regular())
	f.AddUTF8FontFromBytes("go", "B", gofonts.Bold())
	f.SetTitle(pdfText("Einsatztagebuch "+x.Incident.Name+" – "+x.Organisation.Name), true)
	f.SetCreator("crisisroom", true)
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(false, 0)
	headHash, headSeq := Genesis, 0
	if n := len(x.Entries); n > 0 {
		headHash, headSeq = x.Entries[n-1].Hash, x.Entries[n-1].Seq
	}
	zone := zoneLabel(time.Now())
	header := func() {
		f.SetFont("go", "B", 14)
		f.SetXY(pdfMargin, pdfMargin)
		f.CellFormat(120, 7, "Einsatztagebuch (ETB)", "", 0, "L", false, 0, "")
		f.SetFont("go", "", 9)
		pageText := fmt.Sprintf("Seite %d von %d", f.PageNo(), total)
		f.CellFormat(186-120, 7, pageText, "", 1, "R", false, 0, "")
		f.SetFont("go", "", 10)
		f.CellFormat(186, 5.5, "Einsatz: "+pdfText(x.Incident.Name)+"   (eröffnet "+localTime(x.Incident.Opened)+
			map[bool]string{true: ", geschlossen " + localTime(x.Incident.Closed), false: ""}[x.Incident.Closed != ""]+")", "", 1, "L", false, 0, "")
		f.CellFormat(186, 5.5, "Organisation: "+pdfText(x.Organisation.Name)+"   Zeiten: "+zone, "", 1, "L", false, 0, "")
		f.SetFont("go", "B", 9)
		f.SetY(pdfTop - 7)
		f.SetX(pdfMargin)
		for _, c := range []struct {
			w float64
			s string
		}{{colNr, "lfd. Nr."}, {colTime, "Datum/Uhrzeit"}, {colText, "Darstellung der Ereignisse"}, {colRemarks, "Bemerkungen"}} {
			f.CellFormat(c.w, 7, c.s, "1", 0, "C", false, 0, "")
		}
		f.SetFont("go", "", pdfFontSize)
	}
	footer := func() {
		f.SetFont("go", "", 7)
		f.SetXY(pdfMargin, 287-pdfMargin)
		f.CellFormat(186, 4, fmt.Sprintf("Kettenkopf Nr. %d  SHA-256 %s", headSeq, headHash), "", 0, "L", false, 0, "")
		f.SetFont("go", "", pdfFontSize)
	}
	f.SetHeaderFunc(header)
	f.SetFooterFunc(footer)
	f.AddPage()

	corrected := map[string][]int{}
	for _, e := range x.Entries {
		if e.Corrects != "" {
			corrected[e.Corrects] = append(corrected[e.Corrects], e.Seq)
		}
	}
	bySeqId := map[string]int{}
	for _, e := range x.Entries {
		bySeqId[e.ID] = e.Seq
	}
	f.SetFont("go", "", pdfFontSize)
	y := pdfTop
	cols := []float64{colNr, colTime, colText, colRemarks}
	for _, e := range x.Entries {
		when := "erfasst " + localTime(e.RecordedAt)
		if e.OccurredAt != "" && e.OccurredAt != e.RecordedAt {
			when += "\nEreignis " + localTime(e.OccurredAt)
		}
		var rem []string
		if e.Mark != "" {
			rem = append(rem, "Suchzeichen "+e.Mark)
		}
		rem = append(rem, sourceLabel[e.Source]+map[bool]string{true: " (autom.)", false: ""}[e.Kind == "auto"])
		if e.AuthorName != "" {
			a := e.AuthorName
			if e.AuthorFunction != "" {
				a += ", " + e.AuthorFunction
			}
			if e.AuthorOrg != "" && e.AuthorOrg != x.Organisation.Name {
				a += " (" + e.AuthorOrg + ")"
			}
			rem = append(rem, a)
		}
		if e.Corrects != "" {
			rem = append(rem, fmt.Sprintf("berichtigt Nr. %d", bySeqId[e.Corrects]))
		}
		if by := corrected[e.ID]; len(by) > 0 {
			rem = append(rem, fmt.Sprintf("berichtigt durch Nr. %s", joinInts(by)))
		}
		for _, a := range e.Attachments {
			rem = append(rem, "Anlage "+a.Name+" SHA-256 "+shortHash(a.SHA256))
		}
		if e.ClockBack {
			rem = append(rem, "Achtung: Uhrzeit vor dem vorigen Eintrag")
		}
		r := pdfRow{
			nr:      []string{fmt.Sprint(e.Seq)},
			when:    splitAll(f, when, colTime-2),
			text:    splitAll(f, e.Text, colText-2),
			remarks: splitAll(f, strings.Join(rem, "\n"), colRemarks-2),
			struck:  len(corrected[e.ID]) > 0,
		}
		cells := [][]string{r.nr, r.when, r.text, r.remarks}
		// Print the row in chunks of whole lines; a row longer than the rest of the
		// page continues on the next one.
		start := 0
		for {
			n := 0
			for _, c := range cells {
				n = max(n, len(c)-start)
			}
			if n <= 0 {
				break
			}
			room := int((pdfBottom - y - 2) / pdfLineH)
			if room < 1 || (room < n && room < 3) {
				f.AddPage()
				y = pdfTop
				continue
			}
			k := min(n, room)
			h := float64(k)*pdfLineH + 2
			x0 := pdfMargin
			for ci, c := range cells {
				f.Rect(x0, y, cols[ci], h, "D")
				for li := 0; li < k && start+li < len(c); li++ {
					f.SetXY(x0+1, y+1+float64(li)*pdfLineH)
					f.CellFormat(cols[ci]-2, pdfLineH, c[start+li], "", 0, "L", false, 0, "")
					if ci == 2 && r.struck {
						w := f.GetStringWidth(c[start+li])
						ly := y + 1 + float64(li)*pdfLineH + pdfLineH/2
						f.Line(x0+1, ly, x0+1+w, ly)
					}
				}
				x0 += cols[ci]
			}
			y += h
			start += k
		}
	}
	// Signature lines; at closing the empty rest of the sheet is struck through.
	if y > pdfBottom-pdfSignH {
		f.AddPage()
		y = pdfTop
	}
	signY := pdfBottom - pdfSignH + 8
	if x.Incident.Closed != "" && signY-4 > y+2 {
		f.Line(pdfMargin, signY-4, pdfMargin+186, y+2)
		f.Rect(pdfMargin, y, 186, signY-4-y, "D")
	}
	f.SetFont("go", "", 8)
	for i, label := range []string{"ETB-Führung (Datum, Unterschrift)", "Leitung des Stabes (Datum, Unterschrift)"} {
		x0 := pdfMargin + float64(i)*96
		f.Line(x0, signY+8, x0+88, signY+8)
		f.SetXY(x0, signY+9)
		f.CellFormat(88, 4, label, "", 0, "L", false, 0, "")
	}
	if x.Incident.Closed != "" {
		f.SetXY(pdfMargin, signY+15)
		f.CellFormat(186, 4, "Abgeschlossen "+localTime(x.Incident.Closed)+"; aufzubewahren bis "+localTime(x.Incident.RetainUntil)+".", "", 0, "L", false, 0, "")
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), f.PageNo(), nil
}

// splitAll wraps every paragraph of s to width w (mm) in the current font.
func splitAll(f *fpdf.Fpdf, s string, w float64) []string {
	var out []string
	for _, p := range strings.Split(s, "\n") {
		if p == "" {
			out = append(out, "")
			continue
		}
		out = append(out, f.SplitText(pdfText(p), w)...)
	}
	return out
}

// pdfText keeps s to what the embedded Go fonts and fpdf can set: fpdf's UTF-8 width
// table covers the Basic Multilingual Plane only and panics on a rune beyond U+FFFF
// (an emoji in a Blitz message), so such runes, control characters and invalid UTF-8
// print as U+FFFD. The journal's stored text is unchanged; only the sheet shows it so.
func pdfText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r > 0xffff:
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}
