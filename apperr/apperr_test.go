package apperr

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
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
	use := regexp.MustCompile(`apperr\.(?:BadRequest|Forbidden|NotFound|Unauthorized|TooManyRequests|Gone|Message|T)\("([^"]+)"|apperr\.New\([^,]+, "([^"]+)"`)
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

// No Go source outside third_party builds an API error from its own bilingual text or with
// no text: such an error has no code, so the web UI cannot show it in the user's language.
// The scan finds PocketBase's constructors (router.NewBadRequestError, apis.NewApiError, …)
// and the request event's shorthands (e.BadRequestError, …) whose message contains a
// string literal with " / " or is "" (PocketBase's English default then); they belong in
// the catalogue and are built with apperr (apperr.Internal for a 500). There is no list of
// exceptions: every such call anywhere outside tests fails.
func TestNoBilingualLiterals(t *testing.T) {
	message := map[string]int{ // constructor → index of its message argument
		"NewBadRequestError": 0, "NewForbiddenError": 0, "NewNotFoundError": 0, "NewUnauthorizedError": 0,
		"NewTooManyRequestsError": 0, "NewInternalServerError": 0, "NewApiError": 1,
		"BadRequestError": 0, "ForbiddenError": 0, "NotFoundError": 0, "UnauthorizedError": 0,
		"TooManyRequestsError": 0, "InternalServerError": 0, "Error": 1,
	}
	root := ".."
	var offenders []string
	fset := token.NewFileSet()
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if path != root && (d.Name() == "third_party" || d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			i, ok := message[sel.Sel.Name]
			// Error(status, message, data) is the event's; the two-argument Error of
			// other types is not an API error.
			if !ok || len(call.Args) <= i || sel.Sel.Name == "Error" && len(call.Args) != 3 {
				return true
			}
			offend := func(s string) {
				rel := filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator)))
				offenders = append(offenders, rel+":"+strconv.Itoa(fset.Position(call.Pos()).Line)+": "+sel.Sel.Name+"("+s+")")
			}
			// An empty message is PocketBase's English default text ("Something went
			// wrong while processing your request."), which a German reader cannot use.
			if lit, ok := call.Args[i].(*ast.BasicLit); ok && lit.Value == `""` {
				offend(`"": PocketBase's English default text`)
				return true
			}
			ast.Inspect(call.Args[i], func(m ast.Node) bool {
				if lit, ok := m.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && strings.Contains(s, " / ") {
						offend(s)
						return false
					}
				}
				return true
			})
			return true
		})
		return nil
	})
	if len(offenders) > 0 {
		t.Errorf("%d API errors with their own bilingual or no text; put each into apperr/catalogue.go and build it with apperr:\n%s",
			len(offenders), strings.Join(offenders, "\n"))
	}
}

// An argument of type Text goes into each half in its own language; others into both.
func TestMessageTextArgs(t *testing.T) {
	got := Message("common.not_saved", Text{DE: "body: Text erwartet", EN: "body: expected text"})
	if want := "Nicht gespeichert: body: Text erwartet. / Not saved: body: expected text."; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got, want := Message("enrolment.too_many_wrong_codes", 30), "Zu viele falsche Einladungscodes von diesem Gerät. Bitte 30 Sekunden warten. / Too many wrong invitation codes from this device. Please wait 30 seconds."; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
