package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// The fax gateway: the driver's own id of a received fax (a redelivered inbox message
// must not make a second record), the text of an outgoing fax written without a message,
// whether a send request has reached the device, the English reason beside the German
// one, and the fax device's line state for the UI.
func init() {
	m.Register(upFaxGateway, downFaxGateway, "1795716205_fax_gateway.go")
}

func upFaxGateway(app core.App) error {
	faxes, err := app.FindCollectionByNameOrId("faxes")
	if err != nil {
		return err
	}
	faxes.Fields.Add(
		&core.TextField{Name: "fax_id", Max: 64},
		&core.TextField{Name: "text", Max: 20000},
		&core.BoolField{Name: "dispatched"},
		&core.TextField{Name: "error_en", Max: 500},
		&core.DateField{Name: "next_attempt"},
	)
	faxes.AddIndex("idx_faxes_device_fax_id", true, "device, fax_id", "fax_id != ''")
	if err := app.Save(faxes); err != nil {
		return err
	}
	devices, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	devices.Fields.Add(&core.TextField{Name: "state", Max: 20})
	return app.Save(devices)
}

func downFaxGateway(app core.App) error {
	if c, err := app.FindCollectionByNameOrId("faxes"); err == nil {
		c.RemoveIndex("idx_faxes_device_fax_id")
		for _, f := range []string{"fax_id", "text", "dispatched", "error_en", "next_attempt"} {
			c.Fields.RemoveByName(f)
		}
		if err := app.Save(c); err != nil {
			return err
		}
	}
	if c, err := app.FindCollectionByNameOrId("devices"); err == nil {
		c.Fields.RemoveByName("state")
		return app.Save(c)
	}
	return nil
}
