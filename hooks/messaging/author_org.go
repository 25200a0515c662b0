package messaging

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
)

// setAuthorOrg stores with a new message the organisation its author writes for
// (messages.author_org), so that joining another organisation of the channel later does
// not change the badge of what was written before. The browser sends the organisation in
// view; it is kept when the author is a live member of it and it takes part in the
// channel, else the server uses the organisation the author speaks for there now
// (directory.userOrg). Device and system messages carry none.
func (ms *messaging) setAuthorOrg(app core.App, m *core.Record) {
	author := m.GetString("author")
	if author == "" {
		m.Set("author_org", "")
		return
	}
	ch := ms.dir.channel(app, m.GetString("channel"))
	if want := m.GetString("author_org"); want != "" && ch != nil && orgTakesPart(ch, want) && tenancy.Membership(app, author, want) != nil {
		return
	}
	if o := ms.dir.userOrg(app, ch, author); o != nil {
		m.Set("author_org", o.Id)
	} else {
		m.Set("author_org", "")
	}
}

// writesFor: author may write for org in channel: org takes part in it and the author
// holds a live membership of org (not expired, org active).
func (ms *messaging) writesFor(app core.App, channel, author, org string) bool {
	ch := ms.dir.channel(app, channel)
	return ch != nil && orgTakesPart(ch, org) && tenancy.Membership(app, author, org) != nil
}

// orgTakesPart: org owns an organisation channel or participates in a shared one; direct
// and group conversations cross organisations, the author's membership decides.
func orgTakesPart(ch *channelInfo, org string) bool {
	switch ch.Kind {
	case "org":
		return ch.Organisation == org
	case "shared":
		return slices.Contains(ch.Organisations, org)
	}
	return true
}

// messageOrg is the organisation a message is shown with: the one stored when it was
// sent, or for older messages the one its author speaks for in the channel now.
func (d *directory) messageOrg(app core.App, ch *channelInfo, m *core.Record) *OrgLabel {
	if id := m.GetString("author_org"); id != "" {
		if o := d.org(app, id); o != nil {
			return o
		}
	}
	return d.userOrg(app, ch, m.GetString("author"))
}
