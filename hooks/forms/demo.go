package forms

import (
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/demo"
)

// demoFunctions are the functions the demo's people hold (hooks/demo.go's people).
var demoFunctions = map[string][]string{
	"abecker":    {Leiter, Sichter}, // a second Sichter: nobody triages the own form
	"jwagner":    {S2, ETB},
	"mschulz":    {S3, Sichter},
	"phoffmann":  {Fernmelder, LdF, "S5"},
	"tkeller":    {"VB-POL"},
	"sbraun":     {"VB-FW"},
	"sroth":      {"VB-KLM"},
	"mschneider": {"VB-SW"},
}

// SeedDemo gives the demo's people their staff functions (a DemoExtra; idempotent).
func SeedDemo(app core.App, d *demo.Data) error {
	if err := EnsureFunctions(app); err != nil {
		return err
	}
	for username, codes := range demoFunctions {
		u := d.Users[username]
		if u == nil {
			continue
		}
		for _, code := range codes {
			fn := functionByCode(app, code)
			if fn == nil || liveHolder(app, fn, u.Id) {
				continue
			}
			if err := SetHolder(app, fn, u.Id, true, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
