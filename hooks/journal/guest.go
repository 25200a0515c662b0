package journal

import (
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
)

// GuestInviters names, for a person who came as a guest (tenancy.InvitedAsGuest), the
// organisations whose guest they are by short name ("KS", "KS, POL"); those among orgs
// (a channel's organisations) only, when any of them is one. "" for everyone else, so a
// caller can mark a guest wherever it writes their name into a text that outlives the
// lists (a journal entry, a message form, a forwarded quote) and a reader never takes
// an external guest's words for the organisation's own staff.
func GuestInviters(app core.App, userId string, orgs ...string) string {
	if userId == "" || !tenancy.InvitedAsGuest(app, userId) {
		return ""
	}
	ms, err := app.FindRecordsByFilter("memberships", `user = {:u} && role = "guest"`, "created", 0, 0, dbx.Params{"u": userId})
	if err != nil || len(ms) == 0 {
		return "?"
	}
	ids := []string{}
	for _, m := range ms {
		if o := m.GetString("organisation"); !slices.Contains(ids, o) {
			ids = append(ids, o)
		}
	}
	if in := slices.DeleteFunc(slices.Clone(ids), func(o string) bool { return !slices.Contains(orgs, o) }); len(in) > 0 {
		ids = in
	}
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		o, err := app.FindRecordById("organisations", id)
		if err != nil {
			continue
		}
		n := o.GetString("short")
		if n == "" {
			n = o.GetString("name")
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return "?"
	}
	return strings.Join(names, ", ")
}

// GuestMarked is name followed by the guest mark "(Gast, eingeladen von KS)" when the
// person came as a guest (GuestInviters), else name unchanged.
func GuestMarked(app core.App, userId, name string, orgs ...string) string {
	if inv := GuestInviters(app, userId, orgs...); inv != "" {
		return name + " (Gast, eingeladen von " + inv + ")"
	}
	return name
}
