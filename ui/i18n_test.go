package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	usedKey    = regexp.MustCompile(`\bt\('([A-Za-z0-9_]+)'`)
	deBlock    = regexp.MustCompile(`(?m)^\s*de: \{`)
	enBlock    = regexp.MustCompile(`(?m)^\s*en: \{`)
	definedKey = regexp.MustCompile(`(?m)(?:^\s*|[{,]\s*)([A-Za-z][A-Za-z0-9_]*):\s*['"` + "`" + `]`)
)

// Every word the app shows goes through the i18n table: each key a script asks for must
// exist in German and in English, or someone sees a bare key under stress.
func TestEveryStringInBothLanguages(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(PublicDir(), "js", "*.js"))
	views, _ := filepath.Glob(filepath.Join(PublicDir(), "js", "views", "*.js"))
	parts, _ := filepath.Glob(filepath.Join(PublicDir(), "js", "messaging", "*.js"))
	views = append(views, parts...)
	features, _ := filepath.Glob(filepath.Join(PublicDir(), "js", "features", "*.js"))
	views = append(views, features...)
	files = append(files, views...)
	de, en := map[string]bool{}, map[string]bool{}
	used := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, m := range usedKey.FindAllStringSubmatch(src, -1) {
			// t('role_' + role) builds keys from a prefix (listed below); t('key') is the
			// example in i18n.js's own comment.
			if !strings.HasSuffix(m[1], "_") && m[1] != "key" {
				used[m[1]] = filepath.Base(f)
			}
		}
		// A string table: "de: {" … "en: {" … (i18n.js and addStrings calls in views).
		for {
			di := deBlock.FindStringIndex(src)
			ei := enBlock.FindStringIndex(src)
			if di == nil || ei == nil || ei[0] < di[0] {
				break
			}
			i, j := di[0], ei[0]
			end := strings.Index(src[j:], "\n  },")
			if end < 0 {
				end = len(src) - j
			}
			for _, m := range definedKey.FindAllStringSubmatch(src[i:j], -1) {
				de[m[1]] = true
			}
			for _, m := range definedKey.FindAllStringSubmatch(src[j:j+end], -1) {
				en[m[1]] = true
			}
			src = src[j+end:]
		}
	}
	if len(used) < 50 || len(de) < 50 {
		t.Fatalf("found only %d used and %d defined keys: the scan is broken", len(used), len(de))
	}
	for _, k := range []string{"role_admin", "role_operator", "role_member", "role_guest", "source_fax", "source_mqtt", "source_system", "source_email", "connecting", "offline"} {
		used[k] = "(built from a prefix)"
	}
	for k, f := range used {
		if !de[k] {
			t.Errorf("%s uses %q, which has no German text", f, k)
		}
		if !en[k] {
			t.Errorf("%s uses %q, which has no English text", f, k)
		}
	}
}
