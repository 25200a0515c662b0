package attack_test

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The staff room's records of the victim, made on first use: a pin of a POL message and
// a notice (a mention) of lneumann, whose data holds the POL canary.

// w0 is an empty relation for updates that try to move a record out of its channel.
func w0() string { return "" }

func victimPin(w *world, msg string) string {
	if id := firstId(w, "pins", "message = {:m}", dbx.Params{"m": msg}); id != "" {
		return id
	}
	m, err := w.s.App.FindRecordById("messages", msg)
	if err != nil {
		return ""
	}
	coll, err := w.s.App.FindCollectionByNameOrId("pins")
	if err != nil {
		return ""
	}
	p := core.NewRecord(coll)
	p.Load(map[string]any{"channel": m.GetString("channel"), "message": msg, "pinned_by": w.userId("tkeller")})
	if w.s.App.Save(p) != nil {
		return ""
	}
	return p.Id
}

func victimNotice(w *world, channel, msg, user string) string {
	if id := firstId(w, "notices", "message = {:m} && user = {:u}", dbx.Params{"m": msg, "u": w.userId(user)}); id != "" {
		return id
	}
	coll, err := w.s.App.FindCollectionByNameOrId("notices")
	if err != nil {
		return ""
	}
	n := core.NewRecord(coll)
	n.Load(map[string]any{"user": w.userId(user), "kind": "mention", "channel": channel, "message": msg,
		"data": map[string]any{"body": "@" + user + " " + canaryOrg}})
	if w.s.App.Save(n) != nil {
		return ""
	}
	return n.Id
}
