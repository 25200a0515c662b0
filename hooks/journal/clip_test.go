package journal

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// A text the appliance writes (a marked message, a sent fax's text) longer than MaxText
// is cut visibly: the entry says how many characters of how many it keeps, and it still
// fits the field. A text within the bound is kept as it is.
func TestClipSaysWhatItCut(t *testing.T) {
	for _, c := range []struct {
		unit  string
		count int
	}{{"a", 20000}, {"ä", 20000}, {"😀", 20000}, {"a", MaxText + 1}} {
		s := strings.Repeat(c.unit, c.count)
		got := clip(s)
		if len(got) > MaxText {
			t.Errorf("%d×%q: clipped to %d bytes, over %d", c.count, c.unit, len(got), MaxText)
		}
		if !utf8.ValidString(got) {
			t.Errorf("%d×%q: clipped inside a character", c.count, c.unit)
		}
		kept := strings.Count(got, c.unit)
		if want := " […] (gekürzt: " + strconv.Itoa(kept) + " von " + strconv.Itoa(c.count) + " Zeichen)"; !strings.HasSuffix(got, want) {
			t.Errorf("%d×%q: ends %q, want %q", c.count, c.unit, got[len(got)-60:], want)
		}
	}
	if s := strings.Repeat("ö", MaxText/2); clip(s) != s {
		t.Error("a text within the bound was changed")
	}
}
