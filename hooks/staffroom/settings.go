package staffroom

import (
	"crisisroom/apperr"
	"encoding/json"
	"net/http"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
)

// settingKeys are the display settings a person keeps in users.settings (their own
// record; the users update rule lets nobody else change it):
//   - sound: bool, a tone with notifications;
//   - notify: bool, browser notifications wanted;
//   - text_size: "normal", "large" or "xlarge";
//   - theme: "light", "dark" or "auto";
//   - muted: list of channel ids whose messages give neither notification nor tone.
var settingKeys = map[string]bool{"sound": true, "notify": true, "text_size": true, "theme": true, "muted": true}

func (s *staffroom) bindSettings(app core.App) {
	app.OnRecordValidate("users").BindFunc(func(e *core.RecordEvent) error {
		raw := e.Record.GetString("settings")
		if raw == "" || raw == "null" {
			return e.Next()
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			// The field error's code is the catalogue's when its text has no arguments: the
			// web UI shows a field error by its code's text (js/api.js).
			return validation.Errors{"settings": validation.NewError("staffroom.settings_not_an_object",
				apperr.Message("staffroom.settings_not_an_object"))}
		}
		for k := range m {
			if !settingKeys[k] {
				return validation.Errors{"settings": validation.NewError("validation_settings_key",
					apperr.Message("staffroom.unknown_setting", k))}
			}
		}
		return e.Next()
	})
}

// GET /api/crisisroom/profile/settings → {"settings": …} of the signed-in person: the
// field is hidden from the records API (migration 1796600000), so this is the only way
// to read it, and only one's own.
func (s *staffroom) handleOwnSettings(e *core.RequestEvent) error {
	u, err := e.App.FindRecordById("users", e.Auth.Id)
	if err != nil {
		return apperr.New(http.StatusNotFound, "common.not_found", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"settings": u.Get("settings")})
}

// POST /api/crisisroom/profile/settings {"settings": {...}} → the settings as stored. One's
// own record only (the signed-in person; there is no id to name anyone else). The stock
// users update keeps its list of fields a person may change; this route adds the one.
func (s *staffroom) handleSettings(e *core.RequestEvent) error {
	var body struct {
		Settings json.RawMessage `json:"settings"`
	}
	if err := e.BindBody(&body); err != nil || len(body.Settings) == 0 {
		return apperr.New(http.StatusBadRequest, "staffroom.settings_missing", err)
	}
	var m map[string]any
	if err := json.Unmarshal(body.Settings, &m); err != nil {
		return apperr.New(http.StatusBadRequest, "staffroom.settings_not_an_object", err)
	}
	// Muted: only channels the person reads now (an id of any other channel would be a
	// word the person cannot know, kept for nothing).
	if raw, ok := m["muted"]; ok {
		list, ok := raw.([]any)
		if !ok {
			return apperr.BadRequest("staffroom.muted_not_a_list")
		}
		mine := map[string]bool{}
		for _, c := range readableChannels(e.App, e.Auth.Id) {
			mine[c] = true
		}
		kept := []string{}
		for _, v := range list {
			if id, ok := v.(string); ok && mine[id] {
				kept = append(kept, id)
			}
		}
		m["muted"] = kept
	}
	u, err := e.App.FindRecordById("users", e.Auth.Id)
	if err != nil {
		return apperr.New(http.StatusNotFound, "common.not_found", err)
	}
	u.Set("settings", m)
	if err := e.App.Save(u); err != nil {
		return apperr.New(http.StatusBadRequest, "staffroom.settings_not_saved", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"settings": u.Get("settings")})
}
