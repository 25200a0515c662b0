package tenancy

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// A direct conversation between two people lives only while they share something else:
// a live membership of one organisation (as staff) or a live channel that is not a direct
// one (SharesSomething). When that ends (an organisation is taken out of the shared
// channel, a channel member row or a membership ends or is deleted), both rows of the
// conversation end (expires = now): every check of a live channel row (rules, Go, SQL,
// realtime) then refuses writing and reading it, and the people directory drops the
// person. POST /api/crisisroom/direct opens it again once they share something again.
func registerDirectLifetime(app core.App) {
	channelMembers := func(channel string) []string {
		var ids []string
		_ = app.DB().NewQuery(`SELECT DISTINCT user FROM channel_members WHERE channel = {:c}`).
			Bind(dbx.Params{"c": channel}).Column(&ids)
		return ids
	}
	app.OnRecordAfterUpdateSuccess("channels").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("kind") != "direct" {
			EndStrandedDirects(e.App, channelMembers(e.Record.Id)...)
		}
		return e.Next()
	})
	byRow := func(e *core.RecordEvent) error {
		if ch, err := e.App.FindRecordById("channels", e.Record.GetString("channel")); err != nil || ch.GetString("kind") != "direct" {
			EndStrandedDirects(e.App, e.Record.GetString("user"))
		}
		return e.Next()
	}
	app.OnRecordAfterUpdateSuccess("channel_members").BindFunc(byRow)
	app.OnRecordAfterDeleteSuccess("channel_members").BindFunc(byRow)
	byMembership := func(e *core.RecordEvent) error {
		EndStrandedDirects(e.App, e.Record.GetString("user"))
		return e.Next()
	}
	app.OnRecordAfterUpdateSuccess("memberships").BindFunc(byMembership)
	app.OnRecordAfterDeleteSuccess("memberships").BindFunc(byMembership)
}

// EndStrandedDirects ends the direct conversations of users with people they no longer
// share anything with (see registerDirectLifetime).
func EndStrandedDirects(app core.App, users ...string) {
	for _, u := range users {
		var rows []struct {
			Channel string `db:"channel"`
			Peer    string `db:"peer"`
		}
		_ = app.DB().NewQuery(`SELECT ca.channel AS channel, cb.user AS peer FROM channel_members ca
			JOIN channels c ON c.id = ca.channel AND c.kind = 'direct'
			JOIN channel_members cb ON cb.channel = ca.channel AND cb.user != ca.user
			WHERE ca.user = {:u} AND ` + NotExpiredSQL("ca")).Bind(dbx.Params{"u": u}).All(&rows)
		for _, r := range rows {
			if SharesSomething(app, u, r.Peer) {
				continue
			}
			cms, err := app.FindRecordsByFilter("channel_members", "channel = {:c}", "", 0, 0, dbx.Params{"c": r.Channel})
			if err != nil {
				continue
			}
			for _, cm := range cms {
				if NotExpired(cm) {
					cm.Set("expires", types.NowDateTime())
					if err := app.Save(cm); err != nil {
						app.Logger().Error("ending a direct conversation", "channel", r.Channel, "error", err)
					}
				}
			}
		}
	}
}

// ReopenDirect lets the rows of the direct conversation channel live again (its people
// share something again: the caller checked SharesSomething).
func ReopenDirect(app core.App, channel string) {
	cms, err := app.FindRecordsByFilter("channel_members", "channel = {:c}", "", 0, 0, dbx.Params{"c": channel})
	if err != nil {
		return
	}
	for _, cm := range cms {
		if Expired(cm) {
			cm.Set("expires", "")
			_ = app.Save(cm)
		}
	}
}
