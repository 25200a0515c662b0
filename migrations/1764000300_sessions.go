package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// sessions: one row per browser or phone a person signed in from, so they (and their
// organisation's admins) can see where an account is in use and sign it out everywhere.
// Rows are written by the server only; a person reads their own.
func init() {
	m.Register(upSessions, downSessions, "1764000300_sessions.go")
}

func upSessions(app core.App) error {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	c := core.NewBaseCollection("sessions")
	c.Fields.Add(
		&core.RelationField{Name: "user", Required: true, MaxSelect: 1, CollectionId: users.Id, CascadeDelete: true},
		&core.TextField{Name: "user_agent", Max: 500},
		&core.TextField{Name: "ip", Max: 64},
		&core.DateField{Name: "last_seen"},
	)
	timestamps(c)
	c.AddIndex("idx_sessions_user", false, "user, user_agent, ip", "")
	c.ListRule = ptr(`user = @request.auth.id`)
	c.ViewRule = c.ListRule
	c.CreateRule = nil
	c.UpdateRule = nil
	c.DeleteRule = nil
	return app.Save(c)
}

func downSessions(app core.App) error {
	c, err := app.FindCollectionByNameOrId("sessions")
	if err != nil {
		return nil
	}
	return app.Delete(c)
}
