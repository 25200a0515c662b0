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
// both halves; an argument of type Text puts its DE into the German half and its EN into
// the English one (a list of problems, each in both languages). An unknown code is a
// programming error and reads as the code itself.
func Message(code string, args ...any) string {
	t := T(code, args...)
	if t.DE == "" {
		return code
	}
	return t.DE + " / " + t.EN
}

// T is the text of code in both languages with args formatted in as Message does; the
// zero Text for an unknown code. It builds the parts of a longer message.
func T(code string, args ...any) Text {
	t, ok := Catalogue[code]
	if !ok || len(args) == 0 {
		return t
	}
	de := make([]any, len(args))
	en := make([]any, len(args))
	for i, a := range args {
		if x, ok := a.(Text); ok {
			de[i], en[i] = x.DE, x.EN
		} else {
			de[i], en[i] = a, a
		}
	}
	return Text{DE: fmt.Sprintf(t.DE, de...), EN: fmt.Sprintf(t.EN, en...)}
}

// New is the API error of code with HTTP status, cause kept for the logs (may be nil).
// The answer's data is {"code": code} beside the field errors PocketBase shows of a
// validation cause (as router.NewApiError would: a form's fields stay marked).
func New(status int, code string, cause error, args ...any) *router.ApiError {
	var raw any
	if cause != nil {
		raw = cause
	}
	e := router.NewApiError(status, Message(code, args...), raw)
	if e.Data == nil {
		e.Data = map[string]any{}
	}
	e.Data["code"] = code
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

// TooManyRequests is the 429 answer of code.
func TooManyRequests(code string, args ...any) *router.ApiError {
	return New(http.StatusTooManyRequests, code, nil, args...)
}

// Gone is the 410 answer of code.
func Gone(code string, args ...any) *router.ApiError {
	return New(http.StatusGone, code, nil, args...)
}

// Internal is the 500 answer (common.internal_error) of a failure the person cannot
// mend (a database error, a lost record); cause (may be nil) is kept for the logs only.
func Internal(cause error) *router.ApiError {
	return New(http.StatusInternalServerError, "common.internal_error", cause)
}
