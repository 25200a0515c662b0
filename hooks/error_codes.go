package hooks

import (
	"net/http"

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
}

// RegisterErrorCodes binds the outermost middleware that gives PocketBase's own English
// refusals (pocketBaseTexts) a catalogue code and text, common.internal_error for its
// default sentence on a 5xx. Errors that already carry a code, and the appliance's own
// texts, pass unchanged.
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
	if !ok {
		return ae // the appliance's own words (a full disk's 507, …) stay
	}
	if ae.Status >= http.StatusInternalServerError {
		code = "common.internal_error" // PocketBase's default sentence on a failure of its own
	}
	if ae.Data == nil {
		ae.Data = map[string]any{}
	}
	ae.Data["code"] = code
	ae.Message = apperr.Message(code)
	return ae
}
