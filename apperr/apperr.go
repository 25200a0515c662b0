// Package apperr is the one catalogue of the error texts people see: every refusal and
// every bad-input answer of the API has a stable code (package.what, such as
// "tenancy.suspended_org") with its German and English text. The API answers with
// PocketBase's error shape, the message as always "Deutscher Satz. / English sentence."
// and the code in data:
//
//	{"status": 403, "message": "Die Organisation ist gesperrt. / The organisation is suspended.",
//	 "data": {"code": "tenancy.suspended_org"}}
//
// The web UI shows the text of the code in the user's language (pb_public/js/errors.js,
// generated from Catalogue by TestErrorsJS; run it with UPDATE_ERRORS_JS=1 after changing
// the catalogue). Texts with %s or %d take arguments in the same order in both languages.
// See docs/architecture.md.
package apperr

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/tools/router"
)

// Text is a message in both languages of the appliance.
type Text struct{ DE, EN string }

// Message is the text of code as the API sends it: "DE / EN", with args formatted into
// both halves. An unknown code is a programming error and reads as the code itself.
func Message(code string, args ...any) string {
	t, ok := Catalogue[code]
	if !ok {
		return code
	}
	if len(args) == 0 {
		return t.DE + " / " + t.EN
	}
	return fmt.Sprintf(t.DE, args...) + " / " + fmt.Sprintf(t.EN, args...)
}

// New is the API error of code with HTTP status, cause kept for the logs (may be nil).
func New(status int, code string, cause error, args ...any) *router.ApiError {
	var raw any
	if cause != nil {
		raw = cause
	}
	e := router.NewApiError(status, Message(code, args...), raw)
	e.Data = map[string]any{"code": code}
	return e
}

// BadRequest is the 400 answer of code.
func BadRequest(code string, args ...any) *router.ApiError {
	return New(http.StatusBadRequest, code, nil, args...)
}

// Forbidden is the 403 answer of code.
func Forbidden(code string, args ...any) *router.ApiError {
	return New(http.StatusForbidden, code, nil, args...)
}

// NotFound is the 404 answer of code.
func NotFound(code string, args ...any) *router.ApiError {
	return New(http.StatusNotFound, code, nil, args...)
}

// Unauthorized is the 401 answer of code.
func Unauthorized(code string, args ...any) *router.ApiError {
	return New(http.StatusUnauthorized, code, nil, args...)
}

// Gone is the 410 answer of code.
func Gone(code string, args ...any) *router.ApiError {
	return New(http.StatusGone, code, nil, args...)
}
