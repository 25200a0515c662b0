package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Sirens and boards: the deadline for a second operator's confirmation of an outdoor
// siren, and the host's choice whether a Blitz message sets off the room alarm.
func init() {
	m.Register(upSirensBoards, downSirensBoards, "1764200000_sirens_boards.go")
}

func upSirensBoards(app core.App) error {
	sirens, err := app.FindCollectionByNameOrId("siren_activations")
	if err != nil {
		return err
	}
	sirens.Fields.Add(&core.DateField{Name: "confirm_by"})
	if err := app.Save(sirens); err != nil {
		return err
	}
	orgs, err := app.FindCollectionByNameOrId("organisations")
	if err != nil {
		return err
	}
	orgs.Fields.Add(
		&core.BoolField{Name: "blitz_room_alarm"},
		&core.TextField{Name: "room_alarm_zone", Max: 60, Pattern: `^[a-z0-9_-]*$`},
		&core.NumberField{Name: "room_alarm_seconds", OnlyInt: true, Min: sbFloat(0), Max: sbFloat(600)},
	)
	return app.Save(orgs)
}

func downSirensBoards(app core.App) error {
	if c, err := app.FindCollectionByNameOrId("siren_activations"); err == nil {
		c.Fields.RemoveByName("confirm_by")
		if err := app.Save(c); err != nil {
			return err
		}
	}
	if c, err := app.FindCollectionByNameOrId("organisations"); err == nil {
		c.Fields.RemoveByName("blitz_room_alarm")
		c.Fields.RemoveByName("room_alarm_zone")
		c.Fields.RemoveByName("room_alarm_seconds")
		return app.Save(c)
	}
	return nil
}

func sbFloat(f float64) *float64 { return &f }
