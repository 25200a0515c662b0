package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Class 1 fax modems: the device driver "fax-class1" (the appliance runs T.30 itself,
// ITU T.31), and the fax class a modem was found to speak ("1" or "2.0", asked with
// AT+FCLASS=?) for the device view.
func init() {
	m.Register(upFaxClass1, downFaxClass1, "1796000400_fax_class1.go")
}

func upFaxClass1(app core.App) error {
	devices, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	if f, ok := devices.Fields.GetByName("driver").(*core.SelectField); ok && !slices.Contains(f.Values, "fax-class1") {
		f.Values = append(f.Values, "fax-class1")
	}
	devices.Fields.Add(&core.TextField{Name: "fax_class", Max: 8})
	return app.Save(devices)
}

func downFaxClass1(app core.App) error {
	devices, err := app.FindCollectionByNameOrId("devices")
	if err != nil {
		return err
	}
	if f, ok := devices.Fields.GetByName("driver").(*core.SelectField); ok {
		f.Values = slices.DeleteFunc(f.Values, func(v string) bool { return v == "fax-class1" })
	}
	devices.Fields.RemoveByName("fax_class")
	return app.Save(devices)
}
