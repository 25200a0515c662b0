package hardware

import "github.com/pocketbase/pocketbase/core"

// DemoStaff is what the demo seed created, by name, as the hardware parts need it to add
// their simulated devices (room.SeedDemo, faxgateway.SeedDemo). appliance.DemoExtras
// hands it over from hooks/demo, so no hardware package imports the demo.
type DemoStaff struct {
	Orgs     map[string]*core.Record // by short name: KS, POL, FW, KLM, SW
	Users    map[string]*core.Record // by username
	Channels map[string]*core.Record // by name
	Password string                  // the password of every demo account and simulated device
}
