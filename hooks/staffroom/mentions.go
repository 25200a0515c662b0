package staffroom

import (
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// MentionTokens returns the names a body mentions: every "@" followed by letters, digits,
// ".", "_" or "-" (a username such as "t.keller" or a function such as "S2"), lower-cased,
// each once, at most 20. An "@" inside a word (an e-mail address) mentions nobody.
func MentionTokens(body string) []string {
	var out []string
	seen := map[string]bool{}
	rs := []rune(body)
	for i := 0; i < len(rs) && len(out) < 20; i++ {
		if rs[i] != '@' || (i > 0 && (unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1]))) {
			continue
		}
		j := i + 1
		for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == '_' || rs[j] == '-') {
			j++
		}
		tok := strings.ToLower(strings.TrimRight(string(rs[i+1:j]), ".-_")) // "@S2." ends a sentence
		if tok != "" && !seen[tok] {
			seen[tok] = true
			out = append(out, tok)
		}
		i = j - 1
	}
	return out
}

// mentionable is one live member of a channel as completion offers them.
type mentionable struct {
	person
	Org string `json:"org"` // the organisation that gave the row
}

// channelPeople lists the live members of a channel with the function they hold in the
// organisation that gave their row (memberships.function; the staff-function collection
// of the message forms takes its place once it exists).
func channelPeople(app core.App, channelId string) []mentionable {
	rows, err := app.FindRecordsByFilter("channel_members", "channel = {:c}", "", 0, 0, dbx.Params{"c": channelId})
	if err != nil {
		return nil
	}
	var out []mentionable
	for _, r := range rows {
		u := r.GetString("user")
		if tenancy.ChannelMember(app, channelId, u) == nil {
			continue
		}
		p := personOf(app, u)
		if p == nil {
			continue
		}
		org := r.GetString("organisation")
		p.Function = functionIn(app, u, org)
		p.Codes = staffCodes(app, u)
		out = append(out, mentionable{person: *p, Org: org})
	}
	return out
}

// mentioned: the channel's live members a body names by username or function (not the
// author). A function names everyone who holds it in the channel: the staff functions
// of the message forms by code ("@S2", "@VB-POL"), and the membership's free-text
// function (functionNamed).
func mentioned(app core.App, channelId, author, body string) []string {
	toks := MentionTokens(body)
	if len(toks) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, t := range toks {
		want[t] = true
	}
	var out []string
	for _, p := range channelPeople(app, channelId) {
		if p.Id == author {
			continue
		}
		if want[strings.ToLower(p.Username)] || functionNamed(want, p.Function) || slices.ContainsFunc(p.Codes, func(c string) bool { return want[strings.ToLower(c)] }) {
			out = append(out, p.Id)
		}
	}
	return out
}

// functionNamed: one of the tokens names the function: the whole of it, its first word
// ("@S2" for "S2 Lage") or the whole without spaces ("@LeiterinStab").
func functionNamed(want map[string]bool, function string) bool {
	f := strings.ToLower(strings.TrimSpace(function))
	if f == "" {
		return false
	}
	first, _, _ := strings.Cut(f, " ")
	return want[f] || want[first] || want[strings.ReplaceAll(f, " ", "")]
}

func (s *staffroom) bindMentions(app core.App) {
	// After the message is stored: a mention is a notice to each person named who is a
	// live member of the channel now; nobody outside the channel is told anything.
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		m := e.Record
		if m.GetBool("deleted") || !strings.Contains(m.GetString("body"), "@") {
			return e.Next()
		}
		users := mentioned(e.App, m.GetString("channel"), m.GetString("author"), m.GetString("body"))
		if len(users) > 0 {
			data := map[string]any{"body": excerpt(m.GetString("body"), 200), "author": personOf(e.App, m.GetString("author"))}
			// Saved through the app itself: the messages hooks may hand this chain an app
			// whose realtime broker is empty while nobody follows the stock messages
			// topic (hooks/realtime_stock.go), and the notice must reach its person live.
			for _, u := range users {
				if err := saveNotice(app, u, "mention", m, data); err != nil {
					e.App.Logger().Warn("mention notice not saved", "message", m.Id, "error", err)
				}
			}
		}
		return e.Next()
	})
}

func saveNotice(app core.App, user, kind string, m *core.Record, data map[string]any) error {
	coll, err := app.FindCachedCollectionByNameOrId("notices")
	if err != nil {
		return err
	}
	n := core.NewRecord(coll)
	n.Set("user", user)
	n.Set("kind", kind)
	n.Set("channel", m.GetString("channel"))
	n.Set("message", m.Id)
	n.Set("data", data)
	return app.Save(n)
}

func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// GET /api/crisisroom/mentions → {channelId: n}: per channel, the messages that mention
// the person and are newer than what they have read (channel_members.last_read). These
// are part of the channel's unread count too; the UI shows them as "@n" beside it.
func (s *staffroom) handleMentionCounts(e *core.RequestEvent) error {
	var rows []struct {
		Channel string `db:"channel"`
		N       int    `db:"n"`
	}
	err := e.App.DB().NewQuery(`SELECT n.channel AS channel, COUNT(DISTINCT n.message) AS n
		FROM notices n JOIN channel_members cm ON cm.channel = n.channel AND cm.user = n.user
		JOIN messages m ON m.id = n.message
		WHERE n.user = {:u} AND n.kind = 'mention' AND m.deleted = FALSE AND m.created > cm.last_read
		GROUP BY n.channel`).Bind(dbx.Params{"u": e.Auth.Id}).All(&rows)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		if tenancy.ChannelMember(e.App, r.Channel, e.Auth.Id) != nil {
			out[r.Channel] = r.N
		}
	}
	return e.JSON(http.StatusOK, out)
}

// GET /api/crisisroom/channels/{id}/mentionable → [{id, name, username, function, org}]:
// whom "@" completes to in this channel, for its live members only.
func (s *staffroom) handleMentionable(e *core.RequestEvent) error {
	ch := e.Request.PathValue("id")
	if tenancy.ChannelMember(e.App, ch, e.Auth.Id) == nil {
		return notMember(e)
	}
	out := channelPeople(e.App, ch)
	if out == nil {
		out = []mentionable{}
	}
	return e.JSON(http.StatusOK, out)
}
