package apperr

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

const errorsJS = "../pb_public/js/errors.js"

// jsCatalogue is pb_public/js/errors.js as Catalogue makes it.
func jsCatalogue() string {
	codes := make([]string, 0, len(Catalogue))
	for c := range Catalogue {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var b strings.Builder
	b.WriteString(`// Code generated from apperr/catalogue.go by TestErrorsJS (UPDATE_ERRORS_JS=1); DO NOT EDIT.
// The texts of the server's error codes (data.code of an API error) in both languages.

const texts = {
`)
	for _, c := range codes {
		de, _ := json.Marshal(Catalogue[c].DE)
		en, _ := json.Marshal(Catalogue[c].EN)
		b.WriteString("  " + strings.TrimSpace(mustJSON(c)) + ": { de: " + string(de) + ", en: " + string(en) + " },\n")
	}
	b.WriteString(`};

// errorText is the text of code in lang ("de" or "en"; other languages read German), with
// args in place of %s, %d and %q in order; "" for an unknown code.
export function errorText(code, lang, ...args) {
  const t = texts[code];
  if (!t) return '';
  let i = 0;
  return (lang === 'en' ? t.en : t.de).replace(/%(\.\d+)?[sdqf]/g, m => (i < args.length ? String(args[i++]) : m));
}

// codes lists every known code.
export const codes = Object.keys(texts);
`)
	return b.String()
}

func mustJSON(s string) string { b, _ := json.Marshal(s); return string(b) }

// pb_public/js/errors.js is generated from the catalogue and kept in step with it.
func TestErrorsJS(t *testing.T) {
	want := jsCatalogue()
	if os.Getenv("UPDATE_ERRORS_JS") != "" {
		if err := os.WriteFile(errorsJS, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(errorsJS)
	if err != nil || string(got) != want {
		t.Fatalf("pb_public/js/errors.js is not the catalogue's (%v): run UPDATE_ERRORS_JS=1 go test ./apperr -run TestErrorsJS", err)
	}
}

// Every text has both languages, German first and different from English, and every
// code the Go sources use is in the catalogue.
func TestCatalogue(t *testing.T) {
	for c, tx := range Catalogue {
		if !regexp.MustCompile(`^[a-z]+\.[a-z0-9_]+$`).MatchString(c) {
			t.Errorf("code %q: want package.what in lower case", c)
		}
		if tx.DE == "" || tx.EN == "" || tx.DE == tx.EN {
			t.Errorf("%s: want a German and a different English text: %+v", c, tx)
		}
	}
	use := regexp.MustCompile(`apperr\.(?:BadRequest|Forbidden|NotFound|Unauthorized|Gone)\("([^"]+)"|apperr\.New\([^,]+, "([^"]+)"`)
	root := ".."
	n := 0
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, _ := os.ReadFile(path)
		for _, m := range use.FindAllStringSubmatch(string(src), -1) {
			code := m[1] + m[2]
			n++
			if _, ok := Catalogue[code]; !ok {
				t.Errorf("%s uses %q, which is not in the catalogue", path, code)
			}
		}
		return nil
	})
	if n < 50 {
		t.Errorf("found only %d uses of the catalogue", n)
	}
}

// An API error of the catalogue keeps today's message and carries its code in data.
func TestAPIErrorShape(t *testing.T) {
	e := Forbidden("tenancy.organisation_suspended")
	b, _ := json.Marshal(e)
	want := `{"data":{"code":"tenancy.organisation_suspended"},"message":"Die Organisation ist gesperrt. / The organisation is suspended.","status":403}`
	if string(b) != want {
		t.Fatalf("got %s\nwant %s", b, want)
	}
}
