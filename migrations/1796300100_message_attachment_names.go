package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// messages.attachment_names: {stored file name: name as uploaded}. PocketBase stores an
// attachment under a lower-cased, suffixed name ("lageplan_nord_a1b2c3d4e5.pdf"); people
// look for "Lageplan Nord.pdf" as they sent it.
func init() {
	m.Register(upMessageAttachmentNames, downMessageAttachmentNames, "1796300100_message_attachment_names.go")
}

func upMessageAttachmentNames(app core.App) error {
	msgs, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	if msgs.Fields.GetByName("attachment_names") != nil {
		return nil
	}
	msgs.Fields.Add(&core.JSONField{Name: "attachment_names", MaxSize: 64 * 1024})
	return app.Save(msgs)
}

func downMessageAttachmentNames(app core.App) error {
	msgs, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	msgs.Fields.RemoveByName("attachment_names")
	return app.Save(msgs)
}
