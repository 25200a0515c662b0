package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The Blitz follow-up (hooks/staffroom) asks every few seconds for recent Blitz messages;
// a partial index of the Blitz messages by time answers that without reading the others.
func init() {
	m.Register(func(app core.App) error {
		msgs, err := app.FindCollectionByNameOrId("messages")
		if err != nil {
			return err
		}
		msgs.AddIndex("idx_messages_flash_created", false, "created", "priority = 'flash'")
		return app.Save(msgs)
	}, func(app core.App) error {
		msgs, err := app.FindCollectionByNameOrId("messages")
		if err != nil {
			return err
		}
		msgs.RemoveIndex("idx_messages_flash_created")
		return app.Save(msgs)
	}, "1796350200_blitz_followup_index.go")
}
