package citystaff

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/gofonts"
)

// letter is a DIN 5008 business letter on A4: sender line, recipient window, date,
// subject, text; the Go fonts are embedded so the text (with umlauts) can be extracted.
type letter struct {
	sender     string   // one line above the window
	recipient  []string // the address, line by line
	place      string   // "Köln"
	date       time.Time
	subject    string
	paragraphs []string
	footer     string
}

func (l *letter) render() ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetMargins(25, 20, 20)
	f.SetAutoPageBreak(true, 25)
	f.AddUTF8FontFromBytes("go", "", gofonts.Regular())
	f.AddUTF8FontFromBytes("go", "B", gofonts.Bold())
	if l.footer != "" {
		f.SetFooterFunc(func() {
			f.SetY(-18)
			f.SetFont("go", "", 7.5)
			f.MultiCell(0, 3.5, l.footer, "", "L", false)
		})
	}
	f.AddPage()
	// DIN 5008 form B: the window starts 45 mm from the top, 20 mm from the left.
	f.SetXY(25, 45)
	f.SetFont("go", "", 7)
	f.CellFormat(85, 4, l.sender, "B", 1, "L", false, 0, "")
	f.SetFont("go", "", 10.5)
	f.SetX(25)
	f.MultiCell(85, 5, strings.Join(l.recipient, "\n"), "", "L", false)
	f.SetXY(125, 50)
	f.CellFormat(60, 5, fmt.Sprintf("%s, %s", l.place, l.date.Format("02.01.2006")), "", 1, "R", false, 0, "")
	f.SetXY(25, 98)
	f.SetFont("go", "B", 11)
	f.MultiCell(0, 5.5, l.subject, "", "L", false)
	f.Ln(4)
	f.SetFont("go", "", 10.5)
	for _, p := range l.paragraphs {
		if strings.HasPrefix(p, "## ") {
			f.SetFont("go", "B", 10.5)
			f.MultiCell(0, 5, strings.TrimPrefix(p, "## "), "", "L", false)
			f.SetFont("go", "", 10.5)
			continue
		}
		f.MultiCell(0, 5, p, "", "L", false)
		f.Ln(2.5)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("failed to render letter: %w", err)
	}
	return buf.Bytes(), nil
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, ",", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// NoticeLetter is the written notice to a person entered in the register (Art. 13/14
// GDPR): what is stored, why, for how long, and the person's rights, with the
// addresses of the ZKS and the data-protection officer from the module's settings.
func NoticeLetter(settings, entry *core.Record, now time.Time) ([]byte, error) {
	city := orDefault(settings.GetString("city"), "Stadt")
	zks := orDefault(settings.GetString("zks_address"), city+", Zentrum für Kriminalprävention und Sicherheit")
	dpo := orDefault(settings.GetString("dpo_address"), city+", Datenschutzbeauftragte(r)")
	level := entry.GetInt("level")
	cat := CategoryLabel[entry.GetString("category")]
	if cat == "" {
		cat = "Angriff"
	}
	when := entry.GetDateTime("occurred_at").Time().Local().Format("02.01.2006")
	review := entry.GetDateTime("review_at").Time().Local().Format("02.01.2006")
	dob := entry.GetString("person_dob")
	if t, err := time.Parse("2006-01-02", dob); err == nil {
		dob = t.Format("02.01.2006")
	}
	l := &letter{
		sender:    strings.ReplaceAll(zks, "\n", " · "),
		recipient: append([]string{entry.GetString("person_name")}, lines(entry.GetString("person_address"))...),
		place:     city,
		date:      now,
		subject:   "Mitteilung über die Speicherung Ihrer Daten im Zentralen Melde- und Auskunftssystem bei Gefährdungen von Mitarbeitenden (ZeMAG)",
		paragraphs: []string{
			"Sehr geehrte Damen und Herren,",
			fmt.Sprintf("wir teilen Ihnen mit, dass die %s Daten zu Ihrer Person im Zentralen Melde- und Auskunftssystem bei Gefährdungen von Mitarbeitenden (ZeMAG) gespeichert hat.", city),
			"## Was gespeichert ist",
			fmt.Sprintf("Ihr Name (%s), Ihr Geburtsdatum (%s) und Ihre Anschrift; der Vorfall vom %s (%s), eingestuft als Stufe %d des Aachener Modells; ein Hinweis für die Beschäftigten, wie der Kontakt mit Ihnen zu gestalten ist. Die Stufen: 2 – Handgreiflichkeiten, körperliche Gewalt, Bedrohung, Nötigung, Sachbeschädigung, sexuelle Belästigung; 3 – Einsatz von Waffen oder Werkzeugen, Bomben- oder Amokdrohung, Geiselnahme, Raub.", entry.GetString("person_name"), dob, when, cat, level),
			"## Warum",
			"Die Stadt schützt ihre Beschäftigten vor Angriffen. Beschäftigte, die mit Ihnen dienstlich zu tun haben, erfahren im Einzelfall und nur auf Anfrage mit Anlass, dass zu Ihrer Person ein Eintrag besteht, dessen Stufe und den Hinweis für den Kontakt, nichts darüber hinaus. Jede Abfrage wird protokolliert; das Protokoll prüft die oder der Datenschutzbeauftragte. Zum Vorfall wurde Strafanzeige erstattet; Daten anderer Behörden werden nicht gespeichert.",
			"## Wie lange",
			fmt.Sprintf("Der Eintrag wird spätestens am %s überprüft. Ist er dann nicht mehr erforderlich, wird er gelöscht; eine Verlängerung wird begründet und dokumentiert.", review),
			"## Ihre Rechte",
			"Sie haben das Recht auf Auskunft über die zu Ihnen gespeicherten Daten (Art. 15 DSGVO), auf Berichtigung (Art. 16), auf Löschung (Art. 17), auf Einschränkung der Verarbeitung (Art. 18) und auf Widerspruch (Art. 21). Sie können sich bei der Aufsichtsbehörde für den Datenschutz beschweren (Art. 77 DSGVO).",
			"Verantwortlich: " + strings.ReplaceAll(zks, "\n", ", ") + ". Datenschutzbeauftragte(r): " + strings.ReplaceAll(dpo, "\n", ", ") + ".",
			"Mit freundlichen Grüßen",
			"Im Auftrag\nZentrum für Kriminalprävention und Sicherheit (ZKS)",
		},
		footer: fmt.Sprintf("ZeMAG · Eintrag %s · Mitteilung nach Art. 13/14 DSGVO", entry.Id),
	}
	return l.render()
}
