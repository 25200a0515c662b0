package messaging

import (
	"encoding/json"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// ChannelItem is one line of the channel list.
type ChannelItem struct {
	Id            string     `json:"id"`
	Name          string     `json:"name"`
	Kind          string     `json:"kind"`
	Topic         string     `json:"topic"`
	Organisation  string     `json:"organisation"`
	Organisations []OrgLabel `json:"organisations"` // taking part, owner first
	Archived      bool       `json:"archived"`
	Unread        int        `json:"unread"`
	LastMessageAt string     `json:"last_message_at"`
	FlashUnacked  int        `json:"flash_unacked"`
	MembersTotal  int        `json:"members_total"`
	MyRole        string     `json:"my_role"`
	LastRead      string     `json:"last_read"`
	Peer          *PeerInfo  `json:"peer,omitempty"`
}

// PeerInfo is the other person of a direct conversation.
type PeerInfo struct {
	Person
	Org *OrgLabel `json:"org"`
}

type myChannelRow struct {
	Id            string `db:"id"`
	Name          string `db:"name"`
	Kind          string `db:"kind"`
	Topic         string `db:"topic"`
	Organisation  string `db:"organisation"`
	Organisations string `db:"organisations"`
	Archived      bool   `db:"archived"`
	Role          string `db:"role"`
	LastRead      string `db:"last_read"`
}

func (r myChannelRow) orgs() []string {
	var ids []string
	_ = json.Unmarshal([]byte(r.Organisations), &ids)
	out := []string{r.Organisation}
	for _, o := range ids {
		if o != r.Organisation {
			out = append(out, o)
		}
	}
	return out
}

// inView: which tenant view shows a channel. Org channels belong to their organisation,
// shared channels to every organisation taking part; direct and group conversations are
// personal and appear in every view (but count towards no tenant's unread badge).
func (r myChannelRow) inView(org string) bool {
	if org == "" {
		return true
	}
	switch r.Kind {
	case "org":
		return r.Organisation == org
	case "shared":
		for _, o := range r.orgs() {
			if o == org {
				return true
			}
		}
		return false
	}
	return true
}

// myChannels lists the channels the user is a live member of, with their membership.
func myChannels(app core.App, userId string) ([]myChannelRow, error) {
	var rows []myChannelRow
	err := app.DB().NewQuery(`SELECT c.id, c.name, c.kind, c.topic, c.organisation, c.organisations, c.archived, cm.role, cm.last_read
		FROM channel_members cm JOIN channels c ON c.id = cm.channel
		WHERE cm.user = {:u} AND ` + tenancy.LiveChannelMemberSQL("cm") + `
		ORDER BY c.archived, c.name`).Bind(dbx.Params{"u": userId}).All(&rows)
	return rows, err
}

type channelCount struct {
	Channel string `db:"channel"`
	N       int    `db:"n"`
}

// unreadCounts: messages of others after the user's last_read, per channel.
func unreadCounts(app core.App, userId string) map[string]int {
	var rows []channelCount
	err := app.DB().NewQuery(`SELECT cm.channel AS channel, COUNT(m.id) AS n
		FROM channel_members cm JOIN messages m ON m.channel = cm.channel AND m.created > cm.last_read AND m.author != {:u} AND m.deleted = FALSE
		WHERE cm.user = {:u} AND ` + tenancy.LiveChannelMemberSQL("cm") + `
		GROUP BY cm.channel`).Bind(dbx.Params{"u": userId}).All(&rows)
	if err != nil {
		app.Logger().Warn("unread counts failed", "error", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Channel] = r.N
	}
	return out
}

func (ms *messaging) channelItems(app core.App, userId string, rows []myChannelRow) []ChannelItem {
	items := make([]ChannelItem, 0, len(rows))
	if len(rows) == 0 {
		return items
	}
	ids := make([]any, len(rows))
	var directs []any
	for i, r := range rows {
		ids[i] = r.Id
		if r.Kind == "direct" {
			directs = append(directs, r.Id)
		}
	}
	unread := unreadCounts(app, userId)

	var last []struct {
		Channel string `db:"channel"`
		At      string `db:"at"`
	}
	_ = app.DB().Select("channel", "MAX(created) AS at").From("messages").Where(dbx.In("channel", ids...)).GroupBy("channel").All(&last)
	lastAt := map[string]string{}
	for _, l := range last {
		lastAt[l.Channel] = l.At
	}

	var flash []channelCount
	_ = app.DB().NewQuery(`SELECT m.channel AS channel, COUNT(*) AS n FROM receipts r JOIN messages m ON m.id = r.message
		WHERE r.user = {:u} AND r.acked_at = '' AND m.deleted = FALSE GROUP BY m.channel`).Bind(dbx.Params{"u": userId}).All(&flash)
	flashN := map[string]int{}
	for _, f := range flash {
		flashN[f.Channel] = f.N
	}

	var members []channelCount
	_ = app.DB().Select("channel", "COUNT(*) AS n").From("channel_members").Where(dbx.In("channel", ids...)).
		AndWhere(dbx.NewExp(tenancy.LiveChannelMemberSQL("channel_members"))).GroupBy("channel").All(&members)
	membersN := map[string]int{}
	for _, m := range members {
		membersN[m.Channel] = m.N
	}

	peers := map[string]string{}
	if len(directs) > 0 {
		var pr []struct {
			Channel string `db:"channel"`
			User    string `db:"user"`
		}
		_ = app.DB().Select("channel", "user").From("channel_members").Where(dbx.In("channel", directs...)).
			AndWhere(dbx.Not(dbx.HashExp{"user": userId})).All(&pr)
		for _, p := range pr {
			peers[p.Channel] = p.User
		}
	}

	for _, r := range rows {
		it := ChannelItem{Id: r.Id, Name: r.Name, Kind: r.Kind, Topic: r.Topic, Organisation: r.Organisation, Archived: r.Archived,
			Unread: unread[r.Id], LastMessageAt: lastAt[r.Id], FlashUnacked: flashN[r.Id], MembersTotal: membersN[r.Id],
			MyRole: r.Role, LastRead: r.LastRead, Organisations: []OrgLabel{}}
		for _, o := range r.orgs() {
			if l := ms.dir.org(app, o); l != nil {
				it.Organisations = append(it.Organisations, *l)
			}
		}
		if p := ms.dir.person(app, peers[r.Id]); p != nil {
			it.Peer = &PeerInfo{Person: *p, Org: ms.dir.userOrg(app, ms.dir.channel(app, r.Id), p.Id)}
		}
		items = append(items, it)
	}
	return items
}

// GET /api/crisisroom/channels?org=<id>
func (ms *messaging) handleChannels(e *core.RequestEvent) error {
	org := e.Request.URL.Query().Get("org")
	if org != "" && tenancy.Membership(e.App, e.Auth.Id, org) == nil {
		return apperr.Forbidden("messaging.do_not_belong_organisation")
	}
	rows, err := myChannels(e.App, e.Auth.Id)
	if err != nil {
		return apperr.Internal(err)
	}
	var view []myChannelRow
	for _, r := range rows {
		if r.inView(org) {
			view = append(view, r)
		}
	}
	items := ms.channelItems(e.App, e.Auth.Id, view)
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// GET /api/crisisroom/unread → {"<orgId>": n}: unread messages in each tenant's org and
// shared channels, for the tenant switcher.
func (ms *messaging) handleUnread(e *core.RequestEvent) error {
	rows, err := myChannels(e.App, e.Auth.Id)
	if err != nil {
		return apperr.Internal(err)
	}
	unread := unreadCounts(e.App, e.Auth.Id)
	out := map[string]int{}
	ms2, _ := e.App.FindRecordsByFilter("memberships", "user = {:u}", "", 0, 0, dbx.Params{"u": e.Auth.Id})
	for _, m := range ms2 {
		if !tenancy.LiveMembership(e.App, m) {
			continue
		}
		org := m.GetString("organisation")
		n := 0
		for _, r := range rows {
			if (r.Kind == "org" || r.Kind == "shared") && r.inView(org) {
				n += unread[r.Id]
			}
		}
		out[org] = n
	}
	return e.JSON(http.StatusOK, out)
}
