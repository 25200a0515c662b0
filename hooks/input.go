package hooks

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
)

// PocketBase quietly ignores fields it does not know and casts wrong types ("yes" becomes
// false, "abc" becomes 0). For a crisis log that means a sender believes something was
// saved that was not, so record writes through the API are checked first: every field
// must exist and carry a value of its type. Superusers (the admin UI) are left alone.
func RegisterInputChecks(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		// A middleware, because by the time the record hooks run PocketBase has already
		// cast the body to the collection's types and the evidence is gone.
		se.Router.BindFunc(func(e *core.RequestEvent) error {
			if e.Request.Method != http.MethodPost && e.Request.Method != http.MethodPatch {
				return e.Next()
			}
			parts := strings.Split(strings.Trim(e.Request.URL.Path, "/"), "/")
			if len(parts) < 4 || parts[0] != "api" || parts[1] != "collections" || parts[3] != "records" || len(parts) > 5 || e.HasSuperuserAuth() {
				return e.Next()
			}
			c, err := e.App.FindCachedCollectionByNameOrId(parts[2])
			if err != nil {
				return e.Next() // PocketBase answers 404 itself
			}
			info, err := e.RequestInfo()
			if err != nil {
				return apperr.New(http.StatusBadRequest, "common.request_could_not_read", err)
			}
			if err := checkBody(c, info.Body); err != nil {
				return err
			}
			return e.Next()
		})
		return se.Next()
	})
}

// Keys clients send that are not fields: the record's own metadata, which PocketBase
// ignores, and the auth and file modifiers it understands.
var metaKeys = map[string]bool{"id": true, "collectionId": true, "collectionName": true, "expand": true, "@jsonPayload": true}

// checkBody refuses body (400, code common.not_saved) when a key is no field of c or a
// value cannot be of its field's type. The message names every problem in each language;
// data.problems lists them once more, each as "DE / EN", for scripts.
func checkBody(c *core.Collection, body map[string]any) error {
	type problem struct {
		key  string // the field named before the text, "" when the text names it
		text apperr.Text
	}
	var problems []problem
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if metaKeys[key] {
			continue
		}
		name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(key, "+"), "+"), "-")
		if c.IsAuth() && (key == "passwordConfirm" || key == "oldPassword") {
			name = "password"
		}
		f := c.Fields.GetByName(name)
		if f == nil {
			problems = append(problems, problem{text: apperr.T("common.field_unknown", key)})
			continue
		}
		if code := typeProblem(f, body[key]); code != "" {
			problems = append(problems, problem{key: key + ": ", text: apperr.T(code)})
		}
	}
	if len(problems) == 0 {
		return nil
	}
	var all apperr.Text
	both := make([]string, len(problems))
	for i, p := range problems {
		if i > 0 {
			all.DE += "; "
			all.EN += "; "
		}
		all.DE += p.key + p.text.DE
		all.EN += p.key + p.text.EN
		both[i] = p.key + p.text.DE + " / " + p.text.EN
	}
	e := apperr.BadRequest("common.not_saved", all)
	e.Data["problems"] = both
	return e
}

// typeProblem is the catalogue code of why v cannot be a value of f ("" when it can). Multipart forms
// carry every value as text, so numbers and booleans are also accepted as their text.
func typeProblem(f core.Field, v any) string {
	if v == nil {
		return ""
	}
	isText := func(v any) bool { _, ok := v.(string); return ok }
	textList := func(v any) bool {
		switch l := v.(type) {
		case string:
			return true
		case []string:
			return true
		case []any:
			for _, x := range l {
				if !isText(x) {
					return false
				}
			}
			return true
		}
		return false
	}
	switch f := f.(type) {
	case *core.NumberField:
		switch x := v.(type) {
		case float64, json.Number, int, int64:
			return ""
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil || strings.TrimSpace(x) == "" {
				return ""
			}
		}
		return "common.expected_number"
	case *core.BoolField:
		switch x := v.(type) {
		case bool:
			return ""
		case string:
			switch x {
			case "true", "false", "1", "0", "":
				return ""
			}
		}
		return "common.expected_bool"
	case *core.RelationField:
		if f.IsMultiple() {
			if textList(v) {
				return ""
			}
			return "common.expected_id_list"
		}
		if isText(v) {
			return ""
		}
		return "common.expected_one_id"
	case *core.SelectField:
		if f.IsMultiple() {
			if textList(v) {
				return ""
			}
			return "common.expected_value_list"
		}
		if isText(v) {
			return ""
		}
		return "common.expected_one_value"
	case *core.TextField, *core.EmailField, *core.URLField, *core.EditorField, *core.DateField, *core.PasswordField:
		if isText(v) {
			return ""
		}
		return "common.expected_text"
	}
	return ""
}
