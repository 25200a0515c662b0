package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Room devices as they ship:
//   - devices.relay: the relay (Tasmota POWER<n>, 1-based) or channel (Shelly relay/<n-1>,
//     switch:<n-1>) a siren is wired to; 0 reads as 1, the first relay;
//   - devices.ha_remote: Home Assistant may sound this siren (its commands become
//     activations under the same rules); off, Home Assistant only sees its state;
//   - devices.kind "homeassistant": the credential a Home Assistant server connects with;
//   - siren_activations.requested_via: the Home Assistant credential a remote command came
//     through (requested_by stays empty: no person signed it).
func init() {
	m.Register(upDeviceRelay, downDeviceRelay, "1796000600_device_relay.go")
}

func upDeviceRelay(app core.App) error {
	devices, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	if f, ok := devices.Fields.GetByName("kind").(*core.SelectField); ok && !slices.Contains(f.Values, "homeassistant") {
		f.Values = append(f.Values, "homeassistant")
	}
	devices.Fields.Add(
		&core.NumberField{Name: "relay", OnlyInt: true, Min: sbFloat(0), Max: sbFloat(32)},
		&core.BoolField{Name: "ha_remote"},
	)
	if err := app.Save(devices); err != nil {
		return err
	}
	acts, err := app.FindCollectionByNameOrId("siren_activations")
	if err != nil {
		return err
	}
	acts.Fields.Add(&core.TextField{Name: "requested_via", Max: 64})
	return app.Save(acts)
}

func downDeviceRelay(app core.App) error {
	devices, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	if f, ok := devices.Fields.GetByName("kind").(*core.SelectField); ok {
		f.Values = slices.DeleteFunc(f.Values, func(v string) bool { return v == "homeassistant" })
	}
	devices.Fields.RemoveByName("relay")
	devices.Fields.RemoveByName("ha_remote")
	if err := app.Save(devices); err != nil {
		return err
	}
	if acts, err := app.FindCollectionByNameOrId("siren_activations"); err == nil {
		acts.Fields.RemoveByName("requested_via")
		return app.Save(acts)
	}
	return nil
}
