package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// A retried send is recognised by its client_key per sender. Device messages have no
// author, so the first index made two devices' keys collide (and a device's retry with
// a person's); each kind of sender now has its own.
func init() {
	m.Register(upDeviceClientKey, downDeviceClientKey, "1764000150_device_client_key.go")
}

func upDeviceClientKey(app core.App) error {
	c, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	c.RemoveIndex("idx_messages_author_client_key")
	c.AddIndex("idx_messages_author_client_key", true, "author, client_key", "client_key != '' AND author != ''")
	c.AddIndex("idx_messages_device_client_key", true, "device, client_key", "client_key != '' AND device != ''")
	return app.Save(c)
}

func downDeviceClientKey(app core.App) error {
	c, err := app.FindCollectionByNameOrId("messages")
	if err != nil {
		return err
	}
	c.RemoveIndex("idx_messages_device_client_key")
	c.RemoveIndex("idx_messages_author_client_key")
	c.AddIndex("idx_messages_author_client_key", true, "author, client_key", "client_key != ''")
	return app.Save(c)
}
