//go:build no_ui

package main

import (
	"github.com/pocketbase/pocketbase/ui"

	"crisisroom/uizip"
)

// Built with -tags no_ui (as install.sh builds), PocketBase leaves its admin UI out of the
// binary; the same files come back from uizip's deflated copy, 1.8 MB smaller, so /_/ is
// served as before. apis.Serve reads ui.DistDirFS when the server starts, after this.
func init() { ui.DistDirFS = uizip.Admin() }
