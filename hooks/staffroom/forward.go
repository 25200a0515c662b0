package staffroom

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// POST /api/crisisroom/messages/{id}/forward {"channel": id, "note": text?} → the new
// message {id, channel}. The person must read the message (a live row of its channel)
// and write in the target channel (a live, writable row of a channel that is not
// archived). The copy names who wrote the original and when, but not the channel it came
// from: that name may be private to the people of the source channel. A guest's words are
// quoted with the guest mark "(Gast, eingeladen von KS)". Attachments are not
// copied (a file goes where its channel's members can open it; forward a message with a
// file by attaching it again). To forward to a person, the UI opens the direct
// conversation first (POST /api/crisisroom/direct) and forwards into it.
func (s *staffroom) handleForward(e *core.RequestEvent) error {
	var body struct {
		Channel string `json:"channel"`
		Note    string `json:"note"`
	}
	if err := e.BindBody(&body); err != nil {
		return apperr.New(http.StatusBadRequest, "staffroom.request_incomplete", err)
	}
	m, _ := readableMessage(e.App, e.Auth.Id, e.Request.PathValue("id"))
	if m == nil {
		return noMessage(e)
	}
	target := tenancy.ChannelMember(e.App, body.Channel, e.Auth.Id)
	if target == nil || !writable(e.App, target) {
		return apperr.Forbidden("staffroom.forward_target_not_writable")
	}
	if len([]rune(body.Note)) > 2000 {
		return apperr.BadRequest("staffroom.note_too_long")
	}
	from := "?"
	if p := personOf(e.App, m.GetString("author")); p != nil {
		from = p.Name
		// The quote outlives the lists that mark a guest: it says so itself, or the
		// readers of the target channel take an external guest's words for staff's.
		if p.Guest {
			from += " (Gast, eingeladen von " + guestInviters(e.App, p.Id, m.GetString("channel")) + ")"
		}
	}
	when := m.GetDateTime("created").Time().In(time.Local).Format("02.01.2006 15:04")
	var b strings.Builder
	if n := strings.TrimSpace(body.Note); n != "" {
		b.WriteString(n + "\n\n")
	}
	b.WriteString("↪ " + from + ", " + when + ":\n")
	b.WriteString(m.GetString("body"))
	text := b.String()
	if r := []rune(text); len(r) > 10000 {
		text = string(r[:10000]) + "…"
	}
	coll, err := e.App.FindCachedCollectionByNameOrId("messages")
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	out := core.NewRecord(coll)
	out.Set("channel", body.Channel)
	out.Set("author", e.Auth.Id)
	out.Set("body", text)
	out.Set("priority", "normal")
	out.Set("source", "web")
	if err := e.App.Save(out); err != nil {
		return apperr.New(http.StatusBadRequest, "staffroom.forward_failed", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"id": out.Id, "channel": out.GetString("channel")})
}

// guestInviters names by short name the organisations whose guest userId is: those of
// the channel the message was written in when any, else all ("KS", "KS, POL"; "?" when
// none is left). For a person tenancy.InvitedAsGuest tells.
func guestInviters(app core.App, userId, channelId string) string {
	var orgs []string
	if ch, err := app.FindRecordById("channels", channelId); err == nil {
		orgs = tenancy.ChannelOrgs(ch)
	}
	ms, err := app.FindRecordsByFilter("memberships", `user = {:u} && role = "guest"`, "created", 0, 0, dbx.Params{"u": userId})
	if err != nil {
		return "?"
	}
	var all, in []string
	for _, m := range ms {
		o, err := app.FindRecordById("organisations", m.GetString("organisation"))
		if err != nil {
			continue
		}
		n := o.GetString("short")
		if n == "" {
			n = o.GetString("name")
		}
		if slices.Contains(all, n) {
			continue
		}
		all = append(all, n)
		if slices.Contains(orgs, o.Id) {
			in = append(in, n)
		}
	}
	if len(in) > 0 {
		all = in
	}
	if len(all) == 0 {
		return "?"
	}
	return strings.Join(all, ", ")
}
