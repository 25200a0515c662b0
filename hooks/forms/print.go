package forms

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"crisisroom/apperr"
	"crisisroom/gofonts"
	"crisisroom/hooks/journal"
)

// Copy is one sheet of the four-part form. Which colour goes where differs between THW
// and fire brigades; constant is that one stays in the communications post's register
// and one goes to S2 (white-gecko/meldezettel; e-stab/estab NACHRICHTENVORDRUCK.md).
type Copy struct {
	Colour  string
	For     string
	R, G, B int
}

// Copies are the four sheets, numbered 1–4.
var Copies = []Copy{
	{"weiß", "Nachweisung (Fernmeldebetrieb)", 255, 255, 255},
	{"rot", "Verfasser / Sichter", 230, 90, 90},
	{"gelb", "S2 (Lage und Dokumentation)", 245, 215, 60},
	{"grün", "Empfänger (federführend)", 110, 190, 110},
}

var mediumLabel = map[string]string{"funk": "Funk", "telefon": "Telefon", "fax": "Fax", "email": "E-Mail", "melder": "Melder",
	"messenger": "Messenger", "persoenlich": "persönlich"}
var kindLabel = map[string]string{"durchsage": "Durchsage", "spruch": "Spruch", "gespraechsnotiz": "Gesprächsnotiz"}

// printable keeps what the embedded Go fonts and fpdf can set: fpdf indexes its width
// table by rune and has 65536 places, so a rune beyond the Basic Multilingual Plane (an
// emoji someone typed) would crash it; such runes and control characters become
// U+FFFD and spaces. Tabs and line breaks stay.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return ' '
		case r > 0xffff:
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

func stamp(s string) string {
	t, err := types.ParseDateTime(s)
	if err != nil || t.IsZero() {
		return ""
	}
	return t.Time().In(journal.Zone()).Format("02.01.06 15:04")
}

func newPDF(orientation, size string) *fpdf.Fpdf {
	f := fpdf.New(orientation, "mm", size, "")
	f.SetCreationDate(time.Now().UTC()) // a PDF reader shows it as "created": when it was printed
	f.SetCatalogSort(true)
	f.AddUTF8FontFromBytes("go", "", gofonts.Regular())
	f.AddUTF8FontFromBytes("go", "B", gofonts.Bold())
	f.SetCreator("crisisroom", true)
	return f
}

// RenderForm lays one form out on A5 portrait (148 × 210 mm) with the numbered fields
// of the Nachrichtenvordruck (1–17, after meldezettel's template and the THW version of
// 2022) and the copy (1–4) marked by its colour and purpose. Text that does not fit
// continues on further A5 sheets. Fonts are embedded, so the text can be extracted.
func RenderForm(v FormView, copyNo int, orgName string, fnNames map[string]string) ([]byte, error) {
	if copyNo < 1 || copyNo > len(Copies) {
		copyNo = 1
	}
	cp := Copies[copyNo-1]
	f := newPDF("P", "A5")
	f.SetTitle("Nachrichtenvordruck "+v.Label, true)
	f.SetMargins(8, 8, 8)
	f.SetAutoPageBreak(false, 0)
	f.AddPage()
	const W = 132.0 // 148 - 2×8
	x0 := 8.0
	// The copy's colour band and purpose.
	f.SetFillColor(cp.R, cp.G, cp.B)
	f.Rect(0, 0, 148, 6, "F")
	f.SetDrawColor(0, 0, 0)
	f.SetFont("go", "B", 12)
	f.SetXY(x0, 7)
	dir := "Ausgang"
	if v.Direction == "in" {
		dir = "Eingang"
	}
	f.CellFormat(W*0.6, 6, "Nachrichtenvordruck – "+dir, "", 0, "L", false, 0, "")
	f.SetFont("go", "", 7.5)
	f.CellFormat(W*0.4, 6, fmt.Sprintf("Blatt %d (%s): %s", copyNo, cp.Colour, cp.For), "", 1, "R", false, 0, "")
	f.SetFont("go", "", 7)
	f.SetX(x0)
	f.CellFormat(W, 4, printable(orgName), "", 1, "L", false, 0, "")

	box := func(x, y, w, h float64, n, label, value string) {
		f.Rect(x, y, w, h, "D")
		f.SetFont("go", "", 6)
		f.SetXY(x+0.8, y+0.6)
		f.CellFormat(w-1.6, 2.8, n+" "+label, "", 0, "L", false, 0, "")
		f.SetFont("go", "", 8.5)
		f.SetXY(x+0.8, y+3.6)
		f.MultiCell(w-1.6, 3.8, printable(value), "", "L", false)
	}
	noteText := func(k string) string {
		n, ok := v.Notes[k]
		if !ok {
			return ""
		}
		s := stamp(n.At) + "  " + n.Sign
		if n.Way != "" {
			s += "  " + wayLabel(n.Way)
		}
		return s
	}
	y := 19.0
	w4 := W / 4
	box(x0, y, w4, 11, "1", "Eingangsvermerk", noteText("intake"))
	box(x0+w4, y, w4, 11, "2", "Annahmevermerk", noteText("acceptance"))
	box(x0+2*w4, y, w4, 11, "3", "Beförderungsvermerk", noteText("transmission"))
	box(x0+3*w4, y, w4, 11, "4", "Nr. "+map[bool]string{true: "Eingang", false: "Ausgang"}[v.Direction == "in"], v.Label)
	y += 11
	box(x0, y, W/2, 10, "5", "Rufname / Gegenstelle", v.Counterpart)
	box(x0+W/2, y, W/4, 10, "6", "Übermittlung", mediumLabel[v.Medium])
	box(x0+3*W/4, y, W/8, 10, "7", "Art", kindLabel[v.Kind])
	box(x0+7*W/8, y, W/8, 10, "8", "Vorrang", prioLabel(v.Priority))
	y += 10
	box(x0, y, W, 9, "9", "Anschrift / Nummer", strings.TrimSpace(v.Counterpart+"  "+v.CounterpartNumber))
	y += 9
	box(x0, y, W, 8, "10", "Betreff", v.Subject)
	y += 8
	// 11 Text: as many lines as fit, the rest on continuation sheets.
	const textH = 70.0
	f.SetFont("go", "", 8.5)
	lines := f.SplitText(printable(v.Text), W-1.6)
	per := 17 // lines of 3.8 mm in the text box
	first := lines
	var rest []string
	if len(lines) > per {
		first, rest = lines[:per-1], lines[per-1:]
		first = append(first, "(Fortsetzung auf Folgeblatt)")
	}
	box(x0, y, W, textH, "11", "Text", strings.Join(first, "\n"))
	y += textH
	box(x0, y, W/2, 9, "12", "Absender", v.Sender)
	box(x0+W/2, y, W/2, 9, "13", "Abfassungszeit", stamp(v.WrittenAt))
	y += 9
	box(x0, y, W/2, 9, "14", "Zeichen / Funktion des Verfassers", strings.TrimSpace(signOf(v.AuthorName)+"  "+v.AuthorFunction))
	box(x0+W/2, y, W/2, 9, "15", "Quittung", noteText("receipt"))
	y += 9
	// 16 Verteilung: every function of the staff as a box; F federführend, K zur Kenntnis.
	var dist []string
	for _, r := range v.Recipients {
		mark := "K"
		if r.Role == "lead" {
			mark = "F"
		}
		s := "[" + mark + "] " + r.Code
		if r.DoneAt != "" {
			s += " erl. " + stamp(r.DoneAt)
		} else if r.ReadAt != "" {
			s += " gel. " + stamp(r.ReadAt)
		}
		dist = append(dist, s)
	}
	sv := noteText("triage")
	if sv != "" {
		sv = "Sichtung " + sv + "   "
	}
	box(x0, y, W, 16, "16", "Verteilung (F federführend, K zur Kenntnis)", sv+strings.Join(dist, " · "))
	y += 16
	rem := v.Remarks
	if v.ReturnReason != "" {
		rem = strings.TrimSpace(rem + "\nZurückgegeben: " + v.ReturnReason)
	}
	if v.Completion != "" {
		rem = strings.TrimSpace(rem + "\nErledigung: " + v.Completion)
	}
	box(x0, y, W, 210-8-y, "17", "Bemerkungen / Erledigung", rem)
	for len(rest) > 0 {
		f.AddPage()
		f.SetFillColor(cp.R, cp.G, cp.B)
		f.Rect(0, 0, 148, 6, "F")
		f.SetFont("go", "B", 10)
		f.SetXY(x0, 7)
		f.CellFormat(W, 6, printable("Fortsetzung "+v.Label+" – Feld 11 Text"), "", 1, "L", false, 0, "")
		n := 48 // lines of 3.8 mm on a continuation sheet
		chunk := rest
		if len(chunk) > n {
			chunk = rest[:n]
		}
		rest = rest[len(chunk):]
		box(x0, 15, W, 210-8-15, "11", "Text (Fortsetzung)", strings.Join(chunk, "\n"))
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func signOf(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		if strings.HasSuffix(w, ".") {
			continue
		}
		for _, r := range w {
			b.WriteRune(r)
			break
		}
	}
	return strings.ToUpper(b.String())
}

// handlePDF: GET /api/crisisroom/forms/{id}/pdf?copy=1..4: the form as an A5 PDF, for
// whoever may see the form.
func handlePDF(e *core.RequestEvent) error {
	a := accessOf(e.App, e.Auth)
	fr, err := loadFor(e.App, a, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	copyNo, _ := strconv.Atoi(e.Request.URL.Query().Get("copy"))
	host, _ := e.App.FindRecordById("organisations", fr.GetString("organisation"))
	name := ""
	if host != nil {
		name = host.GetString("name")
	}
	b, err := RenderForm(a.view(e.App, fr, false), copyNo, name, nil)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	e.Response.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="vordruck-%s-%d.pdf"`, fr.GetString("direction"), fr.GetInt("number")))
	return e.Blob(200, "application/pdf", b)
}

// RenderRegister lays out the Nachweisung (in/out register) of one direction as an A4
// list: number, time, medium, counterpart, subject, priority, state, distribution.
func RenderRegister(orgName, incident, direction string, list []FormView) ([]byte, error) {
	f := newPDF("L", "A4")
	title := "Nachweisung Eingang"
	if direction == "out" {
		title = "Nachweisung Ausgang"
	}
	f.SetTitle(title, true)
	f.SetMargins(10, 10, 10)
	f.SetAutoPageBreak(true, 12)
	cols := []struct {
		w float64
		s string
	}{{14, "Nr."}, {26, "Zeit"}, {20, "Mittel"}, {46, "Gegenstelle"}, {90, "Betreff"}, {16, "Vorrang"}, {22, "Stand"}, {43, "Verteilung"}}
	f.SetHeaderFunc(func() {
		f.SetFont("go", "B", 13)
		f.CellFormat(200, 7, title, "", 0, "L", false, 0, "")
		f.SetFont("go", "", 8)
		f.CellFormat(77, 7, fmt.Sprintf("Seite %d", f.PageNo()), "", 1, "R", false, 0, "")
		f.CellFormat(277, 5, printable(orgName+"   Einsatz: "+incident), "", 1, "L", false, 0, "")
		f.SetFont("go", "B", 8)
		for _, c := range cols {
			f.CellFormat(c.w, 6, c.s, "1", 0, "C", false, 0, "")
		}
		f.Ln(-1)
		f.SetFont("go", "", 8)
	})
	f.AddPage()
	for _, v := range list {
		t := v.Notes["intake"].At
		if direction == "out" {
			t = v.Notes["transmission"].At
		}
		var dist []string
		for _, r := range v.Recipients {
			dist = append(dist, r.Code+map[bool]string{true: " (F)", false: ""}[r.Role == "lead"])
		}
		cells := []string{v.Label, stamp(t), mediumLabel[v.Medium], v.Counterpart, v.Subject, prioLabel(v.Priority), stateLabel(v.State), strings.Join(dist, ", ")}
		if v.State == "hidden" {
			cells = []string{v.Label, "", "", "", "(noch nicht an Sie verteilt)", "", "", ""}
		}
		for i, c := range cols {
			s := printable(cells[i])
			for f.GetStringWidth(s) > c.w-2 && len([]rune(s)) > 1 {
				s = string([]rune(s)[:len([]rune(s))-2]) + "…"
			}
			f.CellFormat(c.w, 5.5, s, "1", 0, "L", false, 0, "")
		}
		f.Ln(-1)
	}
	if len(list) == 0 {
		f.CellFormat(277, 6, "keine Einträge", "", 1, "L", false, 0, "")
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func stateLabel(s string) string {
	return map[string]string{StateDraft: "Entwurf", StateTriage: "zur Sichtung", StateReturned: "zurückgegeben", StateToSend: "zu übermitteln",
		StateSent: "übermittelt", StateDistributed: "verteilt", StateClosed: "erledigt"}[s]
}

// handleRegister: GET /api/crisisroom/forms/register?direction=in|out: the Nachweisung as
// PDF, numbered forms only, for the communications post, the Sichter, the head of staff
// and S2.
func handleRegister(e *core.RequestEvent) error {
	a := accessOf(e.App, e.Auth)
	if !a.desk() && !(a.hostStaff && a.has(S2)) {
		return apperr.Forbidden("forms.register_not_yours")
	}
	dir := e.Request.URL.Query().Get("direction")
	if dir != "in" && dir != "out" {
		return apperr.BadRequest("forms.register_direction_invalid")
	}
	params := dbx.Params{"h": a.host, "d": dir}
	filter := "organisation = {:h} && direction = {:d} && number > 0"
	incName := "–"
	if inc := incidentId(e.App); inc != "" {
		filter += " && incident = {:i}"
		params["i"] = inc
		if r, err := e.App.FindRecordById("incidents", inc); err == nil {
			incName = r.GetString("name")
		}
	}
	rows, err := e.App.FindRecordsByFilter("forms", filter, "number", 0, 0, params)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	// The Nachweisung is kept by the communications post, the Sichter and the Leiter, who
	// see every form; anyone else (S2) gets every number, so the register stays visibly
	// gapless, but of a form not (yet) theirs to see only the number: no time, way,
	// counterpart, subject or priority.
	var list []FormView
	for _, r := range rows {
		if a.desk() || a.canSee(r) {
			list = append(list, a.view(e.App, r, false))
			continue
		}
		list = append(list, FormView{Label: Label(r), Number: r.GetInt("number"), Direction: r.GetString("direction"), State: "hidden"})
	}
	host, _ := e.App.FindRecordById("organisations", a.host)
	b, err := RenderRegister(host.GetString("name"), incName, dir, list)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	e.Response.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="nachweisung-%s.pdf"`, dir))
	return e.Blob(200, "application/pdf", b)
}
