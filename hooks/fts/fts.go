// Package fts turns what a person typed into a query of the message search index
// (SQLite FTS5, the table messages_fts of migration 1796350100: columns body, ch, message
// UNINDEXED; tokenizer unicode61 remove_diacritics 2). It imports nothing of crisisroom, so
// the search across channels (hooks/staffroom) and the search inside one channel
// (hooks/messaging) build their queries in one place.
package fts

import (
	"strings"
	"unicode"
)

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
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(terms) == MaxTerms {
			break
		}
		terms = append(terms, `"`+w+`"*`)
	}
	return strings.Join(terms, " ")
}

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
