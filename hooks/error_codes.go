package hooks

import (
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
)

// PocketBase's own refusals (a broken filter, an unknown record, a failed record save, a
// missing sign-in) answer with an English sentence and no code, so the web UI could show
// them in neither of its languages. pocketBaseTexts names the catalogue code of each such
// sentence; RegisterErrorCodes puts the code and the catalogue's text on them on their way
// out, keeping their status and their field errors in data.
var pocketBaseTexts = map[string]string{
	"Something went wrong while processing your request.": "common.invalid_request",
	"The requested resource wasn't found.":                "common.not_found",
	"Failed to create record.":                            "common.record_not_saved",
	"Failed to update record.":                            "common.record_not_saved",
	"Failed to delete record. Make sure that the record is not part of a required relation reference.": "common.record_not_deleted",
	"Batch requests are not allowed.":                              "common.batch_not_allowed",
	"The request requires valid record authorization token.":       "common.sign_in_required",
	"The request requires valid authorization token.":              "common.sign_in_required",
	"The authorized record is not allowed to perform this action.": "common.not_allowed",
	"You are not allowed to perform this request.":                 "common.not_allowed",
	"Only superusers can perform this action.":                     "common.not_allowed",
	"Failed to authenticate.":                                      "common.sign_in_failed",
	"Request entity too large":                                     "common.request_too_large",
	"Request entity too large.":                                    "common.request_too_large",
	"Too Many Requests.":                                           "common.too_many_requests",
	// The ways of signing in the appliance does not offer (users sign in with name and
	// password; OTP, OAuth2 and e-mail flows are switched off).
	"The collection is not configured to allow OTP authentication.":      "common.sign_in_method_unavailable",
	"The collection is not configured to allow OAuth2 authentication.":   "common.sign_in_method_unavailable",
	"The collection is not configured to allow password authentication.": "common.sign_in_method_unavailable",
	"Missing or invalid provider config.":                                "common.sign_in_method_unavailable",
	"Invalid or expired OTP.":                                            "common.token_invalid",
	"Invalid or expired token.":                                          "common.token_invalid",
	"Invalid or expired password reset token.":                           "common.token_invalid",
	"Invalid or expired verification token.":                             "common.token_invalid",
	"Too many attempts, please try again later with a new OTP.":          "common.too_many_requests",
	"Missing or invalid client id.":                                      "common.realtime_client_unknown",
	"Missing or invalid authentication.":                                 "common.sign_in_required",
	"The request requires valid auth record.":                            "common.sign_in_required",
	"The request requires superuser or record authorization token.":      "common.sign_in_required",
	"Insufficient permissions to access the resource.":                   "common.not_allowed",
	"The request can be accessed only by guests.":                        "common.not_allowed",
	"An error occurred while validating the submitted data.":             "common.record_not_saved",
	"An error occurred while loading the submitted data.":                "common.request_could_not_read",
	"Failed to read the submitted data.":                                 "common.request_could_not_read",
	"Failed to load the submitted data due to invalid formatting.":       "common.request_not_json",
	"Invalid batch request data.":                                        "common.invalid_request",
	"Invalid filter format.":                                             "common.invalid_request",
}

// byStatus names the catalogue code of a PocketBase refusal whose sentence is not in
// pocketBaseTexts (one added in a later PocketBase, a rare one of an admin route): the
// code of its status, so no English sentence without a code reaches the person.
var byStatus = map[int]string{
	http.StatusBadRequest:            "common.invalid_request",
	http.StatusUnauthorized:          "common.sign_in_required",
	http.StatusForbidden:             "common.not_allowed",
	http.StatusNotFound:              "common.not_found",
	http.StatusMethodNotAllowed:      "common.not_allowed",
	http.StatusRequestEntityTooLarge: "common.request_too_large",
	http.StatusTooManyRequests:       "common.too_many_requests",
}

// RegisterErrorCodes binds the outermost middleware that gives PocketBase's own English
// refusals a catalogue code and text: the code pocketBaseTexts names, else the code of
// the status (byStatus), common.internal_error on a 5xx. Errors that already carry a
// code, and the appliance's own texts in both languages, pass unchanged.
func RegisterErrorCodes(app core.App) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "crisisroomErrorCodes",
		Func: func(se *core.ServeEvent) error {
			se.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       "crisisroomErrorCodes",
				Priority: apis.DefaultActivityLoggerMiddlewarePriority - 1, // outside the log: it logs the cause
				Func: func(e *core.RequestEvent) error {
					err := e.Next()
					if err == nil {
						return nil
					}
					return withCode(err)
				},
			})
			return se.Next()
		},
	})
}

// withCode is err as an API error with a catalogue code where PocketBase left none.
func withCode(err error) error {
	ae := router.ToApiError(err)
	if _, ok := ae.Data["code"]; ok {
		return ae
	}
	code, ok := pocketBaseTexts[ae.Message]
	switch {
	case !ok && strings.Contains(ae.Message, " / "):
		return ae // the appliance's own words in both languages (a full disk's 507, …) stay
	case ae.Status >= http.StatusInternalServerError:
		code = "common.internal_error" // PocketBase's sentence on a failure of its own
	case !ok:
		// A sentence of PocketBase's not named above: the code of its status.
		if code, ok = byStatus[ae.Status]; !ok {
			code = "common.invalid_request"
		}
	}
	if ae.Data == nil {
		ae.Data = map[string]any{}
	}
	ae.Data["code"] = code
	ae.Message = apperr.Message(code)
	return ae
}
