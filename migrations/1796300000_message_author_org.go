package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// messages.author_org: the organisation a message was written for, stored with it when it
// is sent. Without it the badge was worked out when shown, so a police liaison who later
// joined the crisis staff too saw all his earlier police messages under the staff's badge.
// Messages sent before this field existed stay empty and are shown as before.
func init() {
	m.Register(upMessageAuthorOrg, downMessageAuthorOrg, "1796300000_message_author_org.go")
}

func upMessageAuthorOrg(app core.App) error {
	msgs, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	orgs, err := app.FindCollectionByNameOrId("organisations")
	if err != nil {
		return err
	}
	if msgs.Fields.GetByName("author_org") != nil {
		return nil
	}
	msgs.Fields.Add(&core.RelationField{Name: "author_org", CollectionId: orgs.Id, MaxSelect: 1})
	return app.Save(msgs)
}

func downMessageAuthorOrg(app core.App) error {
	msgs, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	msgs.Fields.RemoveByName("author_org")
	return app.Save(msgs)
}
