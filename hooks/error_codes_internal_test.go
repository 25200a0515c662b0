package hooks

import (
	"errors"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
)

// Every English sentence of PocketBase leaves with a code: a known one by its sentence,
// another by its status; the appliance's own words in both languages, and errors that
// carry a code, pass unchanged.
func TestWithCodeLeavesNoEnglishSentence(t *testing.T) {
	for _, c := range []struct {
		err  error
		code string
		msg  string // "" = the code's catalogue text
	}{
		{router.NewForbiddenError("The collection is not configured to allow OTP authentication.", nil), "common.sign_in_method_unavailable", ""},
		{router.NewForbiddenError("The collection is not configured to allow OAuth2 authentication.", nil), "common.sign_in_method_unavailable", ""},
		{router.NewNotFoundError("Missing or invalid client id.", nil), "common.realtime_client_unknown", ""},
		{router.NewBadRequestError("Invalid or expired OTP", nil), "common.token_invalid", ""},
		{router.NewBadRequestError("A sentence of a later PocketBase.", nil), "common.invalid_request", ""},
		{router.NewApiError(http.StatusUnauthorized, "Some new sign-in refusal.", nil), "common.sign_in_required", ""},
		{router.NewForbiddenError("Some new refusal.", nil), "common.not_allowed", ""},
		{router.NewNotFoundError("Missing collection context.", nil), "common.not_found", ""},
		{router.NewApiError(http.StatusConflict, "Some conflict.", nil), "common.invalid_request", ""},
		{router.NewInternalServerError("Failed to create backup.", nil), "common.internal_error", ""},
		{errors.New("a bare error"), "common.invalid_request", ""},
		{apperr.Forbidden("tenancy.organisation_suspended"), "tenancy.organisation_suspended", ""},
		{router.NewApiError(http.StatusInsufficientStorage, "Der Speicher ist voll. / The disk is full.", nil), "", "Der Speicher ist voll. / The disk is full."},
	} {
		ae := router.ToApiError(withCode(c.err))
		code, _ := ae.Data["code"].(string)
		want := c.msg
		if want == "" {
			want = apperr.Message(c.code)
		}
		if code != c.code || ae.Message != want {
			t.Errorf("%v: code %q message %q, want %q %q", c.err, code, ae.Message, c.code, want)
		}
	}
}
