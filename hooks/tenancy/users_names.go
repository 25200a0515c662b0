package tenancy

import (
	"strings"
	"unicode"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/text/unicode/norm"

	"crisisroom/apperr"
)

// Names are how people recognise each other in a crisis room: whoever can show "Anna
// Becker" (or a look-alike of it) can give orders in her name. So:
//   - a person changes only its display name, locale, avatar and password about itself;
//   - a user name is changed only by an admin of one of the person's organisations
//     (or a superuser), never by the person;
//   - no one gets a name or user name that reads like another user's, wherever the
//     account is created or changed (API, enrolment, setup, Go code): names are compared
//     by NameKey.

// selfEditable are the users fields a person may change about itself.
var selfEditable = map[string]bool{
	"name": true, "locale": true, "avatar": true, "password": true, "emailVisibility": true,
}

// adminEditable are the fields an admin of the person's organisation may change.
var adminEditable = map[string]bool{"name": true, "username": true, "locale": true}

// confusables maps characters that read like another (after NFKD and lower-casing) to
// one representative: Cyrillic and Greek look-alikes of Latin letters, l/I/1/|, 0/O
// and the other digits that read as letters (3 for e, 4 for a, …). Conservative on purpose: a false "too similar" costs a second choice of name.
var confusables = map[rune]rune{
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'х': 'x', 'у': 'y', 'і': 'l', 'ј': 'j',
	'ѕ': 's', 'ԁ': 'd', 'ӏ': 'l', 'к': 'k', 'м': 'm', 'н': 'h', 'т': 't', 'в': 'b', 'г': 'r',
	'ο': 'o', 'α': 'a', 'ε': 'e', 'ι': 'l', 'κ': 'k', 'ν': 'v', 'ρ': 'p', 'τ': 't', 'υ': 'u',
	'χ': 'x', 'β': 'b', 'η': 'n', 'μ': 'u', 'ω': 'w',
	'i': 'l', '1': 'l', '|': 'l', '!': 'l', '0': 'o', '5': 's', '$': 's', '@': 'a',
	// digits read as letters ("Beck3r", "Sch4fer")
	'2': 'z', '3': 'e', '4': 'a', '6': 'g', '7': 't', '8': 'b', '9': 'g',
	'ß': 's', 'ı': 'l', 'ł': 'l', 'ø': 'o', 'đ': 'd', 'ð': 'd', 'æ': 'a', 'œ': 'o',
	// small capitals (IPA and phonetic extensions) read as their letters
	'ᴀ': 'a', 'ʙ': 'b', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ꜰ': 'f', 'ɢ': 'g', 'ʜ': 'h', 'ɪ': 'l',
	'ᴊ': 'j', 'ᴋ': 'k', 'ʟ': 'l', 'ᴍ': 'm', 'ɴ': 'n', 'ᴏ': 'o', 'ᴘ': 'p', 'ʀ': 'r', 'ꜱ': 's',
	'ᴛ': 't', 'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ʏ': 'y', 'ᴢ': 'z',
	// more Cyrillic and Greek letters whose confusable skeleton (Unicode UTS #39) is a
	// Latin letter: "Brauп" with a Cyrillic pe is "Braun" to a reader
	'п': 'n', 'ь': 'b', 'һ': 'h', 'ү': 'y', 'ԛ': 'q', 'ԝ': 'w', 'ѡ': 'w', 'ɡ': 'g',
	'γ': 'y', 'σ': 'o', 'ϲ': 'c', 'ϳ': 'j',
}

// upperConfusables are capitals that read as a Latin capital whose small letter does not
// read as the Latin small one (Greek Η is H, its η reads as n): mapped before lower-casing.
var upperConfusables = map[rune]rune{
	'Η': 'h', 'Ζ': 'z', 'Μ': 'm', 'Ν': 'n', 'Υ': 'y', 'Ϲ': 'c', 'Ԛ': 'q', 'Ԝ': 'w',
}

// NameKey reduces a name or user name to what a reader sees: Unicode NFKD (compatibility
// decomposition, UAX #15) with combining marks dropped (diacritics), lower case,
// confusable letters mapped (see confusables), "rn" read as "m" and "vv" as "w", the
// German transcriptions ae, oe, ue read as a, o, u, and
// everything that is not a letter or digit (spaces, dots, dashes, invisible
// characters, default-ignorable code points) removed. Two names with the same key are too similar to tell apart.
func NameKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		// Marks, and characters that render as nothing although some are letters (the
		// Hangul fillers U+115F, U+1160, U+3164, U+FFA0 are Lo), are not seen.
		if unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) {
			continue
		}
		if m, ok := upperConfusables[r]; ok {
			r = m
		}
		r = unicode.ToLower(r)
		if m, ok := confusables[r]; ok {
			r = m
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	k := strings.ReplaceAll(b.String(), "rn", "m")
	k = strings.ReplaceAll(k, "vv", "w")
	// German spells ä, ö, ü as ae, oe, ue where umlauts are missing: "Polizeipraesidium"
	// is the police's name too (the umlauts themselves were folded to a, o, u above).
	return strings.NewReplacer("ae", "a", "oe", "o", "ue", "u").Replace(k)
}

var errNameTaken = apperr.BadRequest("tenancy.name_taken_too_similar")

var errNameMixesScripts = apperr.BadRequest("tenancy.name_mixes_scripts")

// mixesScripts reports whether a word of s (after NFKD, which makes fullwidth and styled
// letters plain) has letters of Latin and of another script, or of Cyrillic and Greek:
// no real name is written so, but a look-alike is ("Brauп" with a Cyrillic pe for
// "Braun"). A wholly Cyrillic or Greek name, and Japanese mixing its own scripts, pass;
// NameKey's skeleton still compares them with everyone's names.
func mixesScripts(s string) bool {
	for _, w := range strings.FieldsFunc(norm.NFKD.String(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsMark(r)
	}) {
		var latin, cyrillic, greek, other bool
		for _, r := range w {
			switch {
			case !unicode.IsLetter(r):
			case unicode.Is(unicode.Latin, r):
				latin = true
			case unicode.Is(unicode.Cyrillic, r):
				cyrillic = true
			case unicode.Is(unicode.Greek, r):
				greek = true
			case !unicode.Is(unicode.Common, r) && !unicode.Is(unicode.Inherited, r):
				other = true
			}
		}
		if (latin && (cyrillic || greek || other)) || (cyrillic && greek) {
			return true
		}
	}
	return false
}

var errUsernameTaken = apperr.BadRequest("tenancy.user_name_taken_too")

func RegisterUserNames(app core.App) {
	// Model level: every path that creates or renames a person (the API, enrolment,
	// setup, the demo seed) passes here.
	check := func(e *core.RecordEvent) error {
		if err := checkNamesFree(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	}
	app.OnRecordCreate("users").BindFunc(check)
	app.OnRecordUpdate("users").BindFunc(check)
	app.OnRecordUpdateRequest("users").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.HasSuperuserAuth() {
			return e.Next()
		}
		if err := checkUserFieldsAllowed(e); err != nil {
			return err
		}
		return e.Next()
	})
}

// checkUserFieldsAllowed refuses (403) a change of a field the signed-in person may not
// make: its own username and anything beyond selfEditable; for someone else, anything
// beyond adminEditable, and everything unless it is an admin of one of their
// organisations.
func checkUserFieldsAllowed(e *core.RecordRequestEvent) error {
	orig := e.Record.Original()
	allowed := selfEditable
	if e.Auth == nil || e.Auth.Collection().Name != "users" {
		return apperr.Forbidden("tenancy.only_signed_people_change")
	}
	if e.Auth.Id != e.Record.Id {
		if AdminOrgOver(e.App, e.Auth.Id, e.Record.Id) == "" {
			return apperr.Forbidden("tenancy.only_admin_organisation_changes")
		}
		allowed = adminEditable
	}
	for _, f := range e.Collection.Fields {
		name := f.GetName()
		if allowed[name] || name == "tokenKey" || name == "passwordConfirm" || f.Type() == core.FieldTypeAutodate {
			continue
		}
		if f.Type() == core.FieldTypePassword {
			continue // allowed[password] decided above; the self list has it
		}
		if orig.GetString(name) != e.Record.GetString(name) {
			if name == "username" {
				return apperr.Forbidden("tenancy.only_admin_changes_user_name")
			}
			return apperr.Forbidden("tenancy.field_not_changeable", name)
		}
	}
	if e.Auth.Id != e.Record.Id && e.Record.GetString("password") != "" && orig.GetString("password") != e.Record.GetString("password") {
		return apperr.Forbidden("tenancy.only_person_changes_password")
	}
	return nil
}

// nameWords are the keys (NameKey) of a name's words: "Dr. Anna Becker (KS)" gives dr,
// anna, becker, ks. Words are separated by what is neither a letter, a digit, a mark
// nor a character confusables reads as a letter ("|", "$", "@").
func nameWords(s string) map[string]bool {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(norm.NFKD.String(s), func(r rune) bool {
		if _, ok := confusables[unicode.ToLower(r)]; ok {
			return false
		}
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) &&
			!unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
	}) {
		if k := NameKey(w); k != "" {
			words[k] = true
		}
	}
	return words
}

// wordsWithin tells whether a name of two or more words has all its words among b's:
// "Becker, Anna", "Dr. Anna Becker" and "Jonas Wagner S2" read as Anna Becker and
// Jonas Wagner.
func wordsWithin(a, b map[string]bool) bool {
	if len(a) < 2 {
		return false
	}
	for w := range a {
		if !b[w] {
			return false
		}
	}
	return true
}

// checkNamesFree refuses a new or changed name or user name that mixes scripts in a word
// (mixesScripts), or whose NameKey equals that of
// another user's name or user name (a user name may not read like someone's name either),
// and a name whose words contain another's name of two or more words, or the reverse
// (the words compared by NameKey, in any order).
func checkNamesFree(app core.App, r *core.Record) error {
	name, username := r.GetString("name"), r.GetString("username")
	nameChanged, userChanged := true, true
	if !r.IsNew() {
		orig := r.Original()
		nameChanged = NameKey(orig.GetString("name")) != NameKey(name)
		userChanged = NameKey(orig.GetString("username")) != NameKey(username)
	}
	if !nameChanged && !userChanged {
		return nil
	}
	if (nameChanged && mixesScripts(name)) || (userChanged && mixesScripts(username)) {
		return errNameMixesScripts
	}
	nk, uk := NameKey(name), NameKey(username)
	nw := nameWords(name)
	var rows []struct {
		Id       string `db:"id"`
		Name     string `db:"name"`
		Username string `db:"username"`
	}
	if err := app.DB().NewQuery("SELECT id, name, username FROM users").All(&rows); err != nil {
		return err
	}
	for _, o := range rows {
		if o.Id == r.Id {
			continue
		}
		on, ou := NameKey(o.Name), NameKey(o.Username)
		if nameChanged && nk != "" && (nk == on || nk == ou) {
			return errNameTaken
		}
		if nameChanged && len(nw) > 0 {
			if ow := nameWords(o.Name); wordsWithin(nw, ow) || wordsWithin(ow, nw) {
				return errNameTaken
			}
		}
		if userChanged && uk != "" && (uk == ou || uk == on) {
			return errUsernameTaken
		}
	}
	return nil
}
