package enrolment

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// announceJoin tells the inviting organisation that its invitation was used: a system
// message in its own channel ("… intern"), where the inviter and their colleagues read it
// (and the audit has it anyway). A new organisation's arrival also says what to do next:
// add it to the shared crisis channels, where its people find the situation. Best effort:
// a failure is logged, the join stands. German: the staff room's working language.
func announceJoin(app core.App, inv, user *core.Record, kind string) {
	orgId := inv.GetString("organisation")
	who := user.GetString("name")
	if who == "" {
		who = user.GetString("username")
	}
	inviter := ""
	if u, err := app.FindRecordById("users", inv.GetString("created_by")); err == nil {
		inviter = " (Einladung von " + u.GetString("name") + ")"
	}
	var body string
	switch kind {
	case "organisation":
		name := "eine neue Organisation"
		if m, err := app.FindFirstRecordByFilter("memberships", "user = {:u} && role = 'admin'", dbx.Params{"u": user.Id}); err == nil {
			if o, err := app.FindRecordById("organisations", m.GetString("organisation")); err == nil {
				name = o.GetString("name")
			}
		}
		body = fmt.Sprintf("Neu im Krisenstab: %s, erste Admin-Person %s%s. Bitte unter „Verwaltung → Gemeinsame Lagekanäle“ zu den Kanälen hinzufügen, in denen sie mitarbeiten soll.", name, who, inviter)
	case "member":
		body = fmt.Sprintf("%s ist beigetreten%s.", who, inviter)
	case "guest":
		body = fmt.Sprintf("%s ist als Gast beigetreten%s.", who, inviter)
	default:
		return
	}
	ch, err := app.FindFirstRecordByFilter("channels", "organisation = {:o} && kind = 'org' && archived = false", dbx.Params{"o": orgId})
	if err != nil {
		return
	}
	coll, err := app.FindCachedCollectionByNameOrId("messages")
	if err != nil {
		return
	}
	m := core.NewRecord(coll)
	m.Set("channel", ch.Id)
	m.Set("source", "system")
	m.Set("priority", "normal")
	m.Set("body", body)
	if err := app.Save(m); err != nil {
		app.Logger().Warn("join not announced", "invitation", inv.Id, "error", err)
	}
}
