package messaging

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// maxOpenFlashes bounds one answer of GET /api/crisisroom/flashes: the newest ones; the
// total says how many more wait (the banner shows the count, the channel the rest).
const maxOpenFlashes = 200

// GET /api/crisisroom/flashes → {items: [message as in a channel's history, with
// my_receipt], total}: every Blitz (priority "flash") addressed to the caller (a receipt
// of the caller's, fixed when it was sent) that the caller has not acknowledged, is not
// deleted and lies in a channel the caller is still a live member of; oldest→newest, at
// most the newest 200; total counts them all. The Blitz banner after a reload comes from
// here, not from a channel's first page, so a Blitz stays however many messages follow it.
// Errors: 401 without a signed-in person (the group's RequireAuth).
func (ms *messaging) handleFlashes(e *core.RequestEvent) error {
	var ids []struct {
		Id      string `db:"id"`
		Channel string `db:"channel"`
	}
	// The live membership is asked twice: here in SQL, so a channel one has left adds
	// nothing to the count, and below per channel as every route of a channel asks it.
	err := e.App.DB().NewQuery(`SELECT m.id AS id, m.channel AS channel
		FROM receipts r
		JOIN messages m ON m.id = r.message
		JOIN channel_members cm ON cm.channel = m.channel AND cm.user = {:u}
		WHERE r.user = {:u} AND r.acked_at = '' AND m.priority = 'flash' AND m.deleted = FALSE AND m.author != {:u}
			AND ` + tenancy.LiveChannelMemberSQL("cm") + `
		ORDER BY m.created DESC, m.rowid DESC`).Bind(dbx.Params{"u": e.Auth.Id}).All(&ids)
	if err != nil {
		return apperr.Internal(err)
	}
	member := map[string]bool{}
	var keep []any
	for _, r := range ids {
		ok, seen := member[r.Channel]
		if !seen {
			ok = tenancy.ChannelMember(e.App, r.Channel, e.Auth.Id) != nil
			member[r.Channel] = ok
		}
		if ok {
			keep = append(keep, r.Id)
		}
	}
	total := len(keep)
	if len(keep) > maxOpenFlashes {
		keep = keep[:maxOpenFlashes]
	}
	items := []map[string]any{}
	if len(keep) > 0 {
		var msgs []*core.Record
		if err := e.App.RecordQuery("messages").AndWhere(dbx.In("id", keep...)).
			OrderBy("created ASC", "rowid ASC").All(&msgs); err != nil {
			return apperr.Internal(err)
		}
		sums := receiptSummaries(e.App, "", msgs)
		mine := myReceipts(e.App, e.Auth.Id, msgs)
		for _, m := range msgs {
			s := sums[m.Id]
			v := messageView(e.App, ms.dir, m, &s)
			if r, ok := mine[m.Id]; ok {
				v["my_receipt"] = r
			}
			items = append(items, v)
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items, "total": total})
}
