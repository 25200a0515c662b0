// Package fax drives fax modems over a serial line — Class 2.0 (ITU T.32, the
// modem runs T.30) and Class 1 (ITU T.31, this package runs T.30: class1*.go,
// t30.go) — turns text and pictures into fax pages and received pages into
// PDF and PNG, and connects the driver to MQTT topics through the small Bus
// interface, so the same driver runs in the appliance or in `crisisroom bridge`.
package fax

import "image"

// Page geometry of an A4 fax at 204 dpi across.
const (
	PageWidth        = 1728
	PageHeightFine   = 2287 // 196 lines per inch
	PageHeightNormal = 1143 // 98 lines per inch
	DPIX             = 204.0
)

// Page is one fax page: one byte per pixel, 0x00 black, 0xFF white.
type Page struct {
	Image *image.Gray
	// Fine means 196 lines per inch; otherwise 98 ("normal").
	Fine bool
	// BadLines counts lines that arrived damaged and were repaired.
	BadLines int
}

// DPIY is the vertical resolution of p.
func (p Page) DPIY() float64 {
	if p.Fine {
		return 196
	}
	return 98
}
