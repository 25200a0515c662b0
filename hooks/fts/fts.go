// Package fts turns what a person typed into a query of the message search index
// (SQLite FTS5, the table messages_fts of migration 1796350100: columns body, ch, message
// UNINDEXED; tokenizer unicode61 remove_diacritics 2). It imports nothing of crisisroom, so
// the search across channels (hooks/staffroom) and the search inside one channel
// (hooks/messaging) build their queries in one place.
package fts

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
)

// MaxExpansion is the most whole words one typed word is replaced by in Expand; a
// beginning of more words stays a prefix term for FTS5.
const MaxExpansion = 64

// MaxTerms is the most words of the input a query keeps: enough to find a message; a
// longer query only costs time.
const MaxTerms = 16

// Query turns what a person typed into an FTS5 query: each word (letters and digits)
// becomes a quoted prefix term ("deich" finds "Deichbruch", not "Flussdeich"), all of them
// must match. Quotes, operators (AND, OR, NOT, NEAR), column filters and parentheses are
// read as plain text, so no input is a syntax error and none reaches another column.
// Case and diacritics do not count (the tokenizer folds them: "uberflutung" finds
// "Überflutung"). Returns "" when the input holds no word.
func Query(s string) string {
	var terms []string
	for _, w := range words(s) {
		terms = append(terms, `"`+w+`"*`)
	}
	return strings.Join(terms, " ")
}

// words are the first MaxTerms runs of letters and digits of s.
func words(s string) []string {
	ws := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return ws[:min(len(ws), MaxTerms)]
}

// Expand is Query with each word's beginning replaced by the whole words of the index
// that begin so, looked up in the index's vocabulary (messages_fts_terms, migration
// 1796700000): "Deich Pegel" → ("deich" OR "deichabschnitt" OR "deichbruch") AND
// ("pegel" OR "pegelstand"). It finds what Query finds (words of one character aside,
// below), faster: FTS5 walks a
// whole word's list from the newest and stops after the page, where a prefix term first
// merges the lists of every word that begins so (70 ms for a word in every message of
// 250,000). The word itself is not looked up (the vocabulary counts a word's messages as
// it lists it, 15 ms for that word): it is in the query whether the index holds it or not.
// A word of one character is a whole word ("9,40 m": "9", "40", "m"), not a beginning:
// as one it would match most of every message, and FTS5 would merge the lists of
// thousands of words to say so. A word stays a prefix term when it begins more than
// MaxExpansion longer words or holds a letter whose folded form (the tokenizer's case and
// diacritics folding) fold does not know. Returns "" when s holds no word. db is the
// database of messages_fts; an error is the look-up's.
func Expand(db dbx.Builder, s string) (string, error) {
	var terms []string
	for _, w := range words(s) {
		f, ok := fold(w)
		switch {
		case utf8.RuneCountInString(w) == 1:
			terms = append(terms, `"`+w+`"`)
			continue
		case !ok:
			terms = append(terms, `"`+w+`"*`)
			continue
		}
		var longer []string
		// The vocabulary is ordered by term (bytes): f followed by anything lies between
		// f+"\x01" (no term holds a control character) and f+U+10FFFF.
		err := db.NewQuery(`SELECT term FROM messages_fts_terms WHERE term >= {:lo} AND term <= {:hi} LIMIT ` + strconv.Itoa(MaxExpansion+1)).
			Bind(dbx.Params{"lo": f + "\x01", "hi": f + "\U0010FFFF"}).Column(&longer)
		if err != nil {
			return "", err
		}
		whole := []string{`"` + f + `"`}
		for _, t := range longer {
			if strings.HasPrefix(t, f) {
				whole = append(whole, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
			}
		}
		if len(longer) > MaxExpansion || len(whole) != len(longer)+1 {
			terms = append(terms, `"`+f+`"*`)
		} else {
			terms = append(terms, "("+strings.Join(whole, " OR ")+")")
		}
	}
	return strings.Join(terms, " AND "), nil // FTS5 reads no implicit AND beside a parenthesis
}

// fold is w as the tokenizer (unicode61 remove_diacritics 2) stores it: ASCII letters in
// lower case, the letters of folds without their diacritics; ok is false for any other
// letter or digit beyond ASCII (TestFoldAsTheTokenizer holds folds to SQLite's own).
func fold(w string) (f string, ok bool) {
	var b strings.Builder
	for _, r := range w {
		switch {
		case 'A' <= r && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r < 0x80:
			b.WriteRune(r)
		case folds[r] != 0:
			b.WriteByte(folds[r])
		default:
			return "", false
		}
	}
	return b.String(), true
}

// folds: Latin letters with diacritics, upper and lower case, and their base letter.
var folds = func() map[rune]byte {
	m := map[rune]byte{}
	for base, letters := range map[byte]string{
		'a': "ÀÁÂÃÄÅàáâãäåĀāĂăĄą", 'c': "ÇçĆćĈĉĊċČč", 'd': "Ďď", 'e': "ÈÉÊËèéêëĒēĔĕĖėĘęĚě",
		'g': "ĜĝĞğĠġĢģ", 'h': "Ĥĥ", 'i': "ÌÍÎÏìíîïĨĩĪīĬĭĮį", 'j': "Ĵĵ", 'k': "Ķķ", 'l': "ĹĺĻļĽľ",
		'n': "ÑñŃńŅņŇň", 'o': "ÒÓÔÕÖòóôõöŌōŎŏŐő", 'r': "ŔŕŖŗŘř", 's': "ŚśŜŝŞşŠš", 't': "ŢţŤť",
		'u': "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲų", 'w': "Ŵŵ", 'y': "ÝýÿŶŷŸ", 'z': "ŹźŻżŽž",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// Match is the MATCH expression "these words in body, in one of these channels":
// q is a Query (not empty), channels are record ids (at least one). The index then
// intersects its own lists and never reads a row of another channel. A record id is
// lowercase ASCII letters and digits, one whole token of the ch column; anything else
// (which no record id is) becomes an empty phrase that matches nothing, since the
// tokenizer would fold or drop its other characters and might leave another channel's id.
func Match(q string, channels ...string) string {
	in := make([]string, len(channels))
	for i, c := range channels {
		if c == "" || strings.IndexFunc(c, func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') }) >= 0 {
			c = ""
		}
		in[i] = `"` + c + `"`
	}
	return "body : (" + q + ") AND ch : (" + strings.Join(in, " OR ") + ")"
}
