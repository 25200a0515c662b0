package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A person's settings (muted channel ids, theme, text size, sounds) are a hidden field:
// the records API neither returns nor filters or sorts by it for anyone but superusers,
// not even for the person; hooks/staffroom serves one's own settings
// (GET/POST /api/crisisroom/profile/settings). Before, anyone who saw a name read them,
// and filter=settings~'<channel id>' told who muted which channel.
func init() {
	m.Register(upUsersSettingsHidden, downUsersSettingsHidden, "1796600000_users_settings_hidden.go")
}

func usersSettingsSetHidden(app core.App, hidden bool) error {
	c, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	f := c.Fields.GetByName("settings")
	if f == nil {
		return nil
	}
	f.SetHidden(hidden)
	return app.Save(c)
}

func upUsersSettingsHidden(app core.App) error   { return usersSettingsSetHidden(app, true) }
func downUsersSettingsHidden(app core.App) error { return usersSettingsSetHidden(app, false) }
