package journal

import (
	"os"
	"sync"
	"time"

	// The appliance may run without a zone database (minimal images): zoneinfo falls back
	// to a gzipped copy of Go's (time/tzdata's, a quarter of its size).
	"crisisroom/zoneinfo"
)

// Zone is the time zone an Einsatztagebuch is printed in: CRISISROOM_TIMEZONE (an IANA
// name), else Europe/Berlin. A German ETB is read in local time (MEZ/MESZ), whatever zone
// the box itself was installed with (often UTC); an unknown name falls back to the default.
var Zone = sync.OnceValue(func() *time.Location {
	name := os.Getenv("CRISISROOM_TIMEZONE")
	if name == "" {
		name = "Europe/Berlin"
	}
	if loc, err := zoneinfo.Load(name); err == nil {
		return loc
	}
	loc, _ := zoneinfo.Load("Europe/Berlin")
	return loc
})

// zoneLabel names the zone on a printout: "Europe/Berlin (CET)".
func zoneLabel(at time.Time) string {
	abbr, _ := at.In(Zone()).Zone()
	return Zone().String() + " (" + abbr + ")"
}
