package citystaff

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Errors of a person's identification in a lookup or an entry.
var (
	ErrName = errors.New("a full name is needed: given name and family name, letters only, no wildcards")
	ErrDOB  = errors.New("a full date of birth is needed: TT.MM.JJJJ or YYYY-MM-DD, not in the future")
)

// NormaliseName gives the form under which a name is stored and matched: lower case,
// single spaces, umlauts and ß written out (Müller, MUELLER and müller are one name, as
// German registers do, DIN 5007-2), other accents dropped, hyphens and apostrophes kept
// as the name's own. It refuses what cannot be a full name: fewer than two parts of two
// letters, digits, or any wildcard or pattern character (* ? % _ and the like), because
// the lookup matches whole names only and must never be turned into a search.
func NormaliseName(s string) (string, error) {
	s = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "ae", "Ö", "oe", "Ü", "ue", "ß", "ss", "ẞ", "ss").Replace(norm.NFC.String(s))
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // the accent of é, ç: dropped
		case unicode.IsLetter(r):
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r), r == ',':
			b.WriteRune(' ')
		case r == '-', r == '\'', r == '’', r == '.':
			if r == '’' {
				r = '\''
			}
			b.WriteRune(r)
		default:
			return "", ErrName
		}
	}
	parts := strings.Fields(b.String())
	long := 0
	for _, p := range parts {
		if len([]rune(strings.Trim(p, "-'."))) >= 2 {
			long++
		}
	}
	if long < 2 || len(parts) > 8 {
		return "", ErrName
	}
	return strings.Join(parts, " "), nil
}

// NormaliseDOB reads a date of birth written as TT.MM.JJJJ (also T.M.JJJJ) or
// YYYY-MM-DD and gives it as YYYY-MM-DD. A date in the future or before 1900 is refused.
func NormaliseDOB(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	var t time.Time
	var err error
	if strings.Contains(s, ".") {
		t, err = time.Parse("2.1.2006", s)
	} else {
		t, err = time.Parse("2006-01-02", s)
	}
	if err != nil || t.After(now) || t.Year() < 1900 {
		return "", ErrDOB
	}
	return t.Format("2006-01-02"), nil
}

// PersonKey is the exact key under which an entry is found: the normalised name and the
// date of birth. Both must be given in full.
func PersonKey(name, dob string, now time.Time) (string, error) {
	n, err := NormaliseName(name)
	if err != nil {
		return "", err
	}
	d, err := NormaliseDOB(dob, now)
	if err != nil {
		return "", err
	}
	return n + "|" + d, nil
}
