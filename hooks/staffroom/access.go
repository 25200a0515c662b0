package staffroom

import (
	"encoding/json"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// Every question "may this person read or write here" goes through hooks.ChannelMember,
// the one Go spelling of a live channel membership (see hooks/access.go).

func notMember(e *core.RequestEvent) error {
	return apperr.Forbidden("messaging.not_member_channel")
}

func noMessage(e *core.RequestEvent) error {
	// The same answer for a message that does not exist and one of a channel the person
	// cannot read: the answer tells nothing of other channels.
	return apperr.NotFound("staffroom.message_not_readable")
}

// readableMessage returns the message with this id when userId holds a live row of its
// channel, and the row; nil, nil otherwise. A deleted message is not readable.
func readableMessage(app core.App, userId, id string) (*core.Record, *core.Record) {
	if id == "" || userId == "" {
		return nil, nil
	}
	m, err := app.FindRecordById("messages", id)
	if err != nil || m.GetBool("deleted") {
		return nil, nil
	}
	cm := tenancy.ChannelMember(app, m.GetString("channel"), userId)
	if cm == nil {
		return nil, nil
	}
	return m, cm
}

// writable: the live row lets its holder write (not read-only) in a channel that is not
// archived; the same as the messages create rule (writerIn) says for the stock REST.
func writable(app core.App, cm *core.Record) bool {
	if cm == nil || cm.GetString("role") == "readonly" {
		return false
	}
	ch, err := app.FindRecordById("channels", cm.GetString("channel"))
	return err == nil && !ch.GetBool("archived")
}

// readableChannels lists the channels userId holds a live row of.
func readableChannels(app core.App, userId string) []string {
	var ids []string
	_ = app.DB().NewQuery("SELECT channel FROM channel_members WHERE user = {:u}").Bind(dbx.Params{"u": userId}).Column(&ids)
	out := ids[:0]
	for _, c := range ids {
		if tenancy.ChannelMember(app, c, userId) != nil {
			out = append(out, c)
		}
	}
	return out
}

// person is how the staff room's answers name someone.
type person struct {
	Id       string   `json:"id"`
	Name     string   `json:"name"`
	Username string   `json:"username"`
	Function string   `json:"function,omitempty"`
	Codes    []string `json:"codes,omitempty"` // staff functions held (staffCodes)
	Guest    bool     `json:"guest,omitempty"` // came as a guest (tenancy.InvitedAsGuest)
}

func personOf(app core.App, userId string) *person {
	u, err := app.FindRecordById("users", userId)
	if err != nil {
		return nil
	}
	return &person{Id: u.Id, Name: u.GetString("name"), Username: u.GetString("username"), Guest: tenancy.InvitedAsGuest(app, u.Id)}
}

// functionIn is the staff function (e.g. "S2") the user holds in org, "" for none.
func functionIn(app core.App, userId, orgId string) string {
	if m := tenancy.Membership(app, userId, orgId); m != nil {
		return m.GetString("function")
	}
	return ""
}

// staffCodes lists the staff functions the user holds now, by code ("S2", "Sichter",
// "VB-POL"), from the message forms' collection staff_functions (hooks/forms): a holder
// counts while they are live staff of the function's organisation (the liaison
// organisation of a Verbindungsstelle, else the host). Nil without that collection.
func staffCodes(app core.App, userId string) []string {
	host := tenancy.HostOrganisation(app)
	if host == nil || userId == "" {
		return nil
	}
	rows, err := app.FindRecordsByFilter("staff_functions", "organisation = {:h} && holders ~ {:u}", "sort", 0, 0,
		dbx.Params{"h": host.Id, "u": `"` + userId + `"`})
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range rows {
		var holders []string
		if json.Unmarshal([]byte(r.GetString("holders")), &holders) != nil || !slices.Contains(holders, userId) {
			continue
		}
		org := r.GetString("liaison_org")
		if org == "" {
			org = r.GetString("organisation")
		}
		if tenancy.IsStaff(app, userId, org) {
			out = append(out, r.GetString("code"))
		}
	}
	return out
}
