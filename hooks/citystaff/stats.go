package citystaff

import (
	"fmt"
	"html"
	"net/http"
	"sort"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Stats are the counts of reports by Aachen level, category, department and month
// (YYYY-MM of the attack, local time). They hold no personal data.
type Stats struct {
	Total      int            `json:"total"`
	Entered    int            `json:"entered"`
	Level      [4]int         `json:"level"`
	Category   map[string]int `json:"category"`
	Department map[string]int `json:"department"`
	Month      map[string]int `json:"month"`
}

func (m *module) stats(e *core.RequestEvent) (*Stats, error) {
	a, err := accessTo(e, e.Request.URL.Query().Get("org"), ModuleZeMAG)
	if err != nil {
		return nil, err
	}
	if !a.has(RoleZKS) && !a.has(RoleDPO) {
		return nil, errRole
	}
	rows, err := e.App.FindRecordsByFilter("zemag_reports", "organisation = {:o}", "", 0, 0, dbx.Params{"o": a.org})
	if err != nil {
		return nil, err
	}
	s := &Stats{Category: map[string]int{}, Department: map[string]int{}, Month: map[string]int{}}
	for _, r := range rows {
		s.Total++
		if r.GetString("status") == StatusEntered {
			s.Entered++
		}
		if l := r.GetInt("level"); l >= 0 && l <= 3 {
			s.Level[l]++
		}
		c := r.GetString("category")
		if c == "" {
			c = "other"
		}
		s.Category[c]++
		d := r.GetString("department")
		if d == "" {
			d = "—"
		}
		s.Department[d]++
		s.Month[r.GetDateTime("occurred_at").Time().Local().Format("2006-01")]++
	}
	return s, nil
}

func (m *module) handleStats(e *core.RequestEvent) error {
	s, err := m.stats(e)
	if err != nil {
		return err
	}
	return e.JSON(200, s)
}

// handleStatsSVG draws the statistics as four bar charts in one SVG (drawn here: the
// appliance loads no chart library). Presentation attributes only, no <style>: the
// app's Content-Security-Policy allows no inline styles.
func (m *module) handleStatsSVG(e *core.RequestEvent) error {
	s, err := m.stats(e)
	if err != nil {
		return err
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, "image/svg+xml", []byte(StatsSVG(s)))
}

// CategoryLabel is the German name of a category.
var CategoryLabel = map[string]string{
	"insult": "Beleidigung", "verbal": "verbale Aggression", "objects": "Aggression gegen Sachen", "scuffle": "Handgreiflichkeit",
	"violence": "körperliche Gewalt", "threat": "Bedrohung", "coercion": "Nötigung", "damage": "Sachbeschädigung",
	"harassment": "sexuelle Belästigung", "weapon": "Waffe/Werkzeug", "bomb": "Bombendrohung", "rampage": "Amokdrohung",
	"hostage": "Geiselnahme", "robbery": "Raub", "other": "Sonstiges",
}

type bar struct {
	label string
	n     int
}

func sortedBars(m map[string]int, byKey bool, label func(string) string) []bar {
	var out []bar
	for k, v := range m {
		out = append(out, bar{label(k), v})
	}
	sort.Slice(out, func(i, j int) bool {
		if byKey || out[i].n == out[j].n {
			return out[i].label < out[j].label
		}
		return out[i].n > out[j].n
	})
	return out
}

// StatsSVG renders s as an SVG document (420 wide, so that it stays legible on a phone;
// height by content), German labels.
func StatsSVG(s *Stats) string {
	groups := []struct {
		title string
		bars  []bar
	}{
		{"Stufe (Aachener Modell)", []bar{{"0", s.Level[0]}, {"1", s.Level[1]}, {"2", s.Level[2]}, {"3", s.Level[3]}}},
		{"Kategorie", sortedBars(s.Category, false, func(k string) string {
			if l, ok := CategoryLabel[k]; ok {
				return l
			}
			return k
		})},
		{"Abteilung", sortedBars(s.Department, false, func(k string) string { return k })},
		{"Monat", sortedBars(s.Month, true, func(k string) string { return k })},
	}
	max := 1
	for _, g := range groups {
		for _, b := range g.bars {
			if b.n > max {
				max = b.n
			}
		}
	}
	const w, labelW, barH, gap = 420, 160, 18, 6
	var body strings.Builder
	y := 34
	fmt.Fprintf(&body, `<text x="10" y="22" font-size="15" font-weight="bold">Meldungen: %d, davon eingetragen: %d</text>`, s.Total, s.Entered)
	for _, g := range groups {
		y += 18
		fmt.Fprintf(&body, `<text x="10" y="%d" font-weight="bold">%s</text>`, y, html.EscapeString(g.title))
		y += 8
		if len(g.bars) == 0 {
			y += barH
		}
		for _, b := range g.bars {
			bw := (w - labelW - 40) * b.n / max
			fmt.Fprintf(&body, `<text x="10" y="%d">%s</text><rect x="%d" y="%d" width="%d" height="%d" fill="#1f4e8c"><title>%s: %d</title></rect><text x="%d" y="%d">%d</text>`,
				y+13, html.EscapeString(b.label), labelW, y, bw, barH, html.EscapeString(b.label), b.n, labelW+bw+6, y+13, b.n)
			y += barH + gap
		}
	}
	y += 10
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="ZeMAG-Statistik">`+
		`<rect width="100%%" height="100%%" fill="#fff"/><g font-family="sans-serif" font-size="13" fill="#222">%s</g></svg>`, w, y, w, y, body.String())
}
