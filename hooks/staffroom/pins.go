package staffroom

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/tenancy"
)

// MaxPins is how many messages one channel keeps pinned: a pin board longer than a
// screen is read by nobody.
const MaxPins = 20

// POST /api/crisisroom/messages/{id}/pin → the pin {id, channel, message, pinned_by}.
// Anyone who may write in the message's channel pins it; pinning twice answers the
// first pin. Members follow pins through the stock realtime topic "pins" (list rule:
// live members of the channel).
func (s *staffroom) handlePin(e *core.RequestEvent) error {
	m, cm := readableMessage(e.App, e.Auth.Id, e.Request.PathValue("id"))
	if m == nil {
		return noMessage(e)
	}
	if !writable(e.App, cm) {
		return apperr.Forbidden("staffroom.pin_not_allowed")
	}
	if p, err := e.App.FindFirstRecordByFilter("pins", "message = {:m}", dbx.Params{"m": m.Id}); err == nil {
		return e.JSON(http.StatusOK, pinView(e.App, p, m))
	}
	n, _ := e.App.CountRecords("pins", dbx.HashExp{"channel": m.GetString("channel")})
	if n >= MaxPins {
		return apperr.BadRequest("staffroom.too_many_pins")
	}
	coll, err := e.App.FindCachedCollectionByNameOrId("pins")
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	p := core.NewRecord(coll)
	p.Set("channel", m.GetString("channel"))
	p.Set("message", m.Id)
	p.Set("pinned_by", e.Auth.Id)
	if err := e.App.Save(p); err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	return e.JSON(http.StatusOK, pinView(e.App, p, m))
}

// DELETE /api/crisisroom/messages/{id}/pin → 204. Anyone who may write in the channel
// unpins (a staff's pin board is kept together, like the wall it replaces).
func (s *staffroom) handleUnpin(e *core.RequestEvent) error {
	m, cm := readableMessage(e.App, e.Auth.Id, e.Request.PathValue("id"))
	if m == nil {
		return noMessage(e)
	}
	if !writable(e.App, cm) {
		return apperr.Forbidden("staffroom.unpin_not_allowed")
	}
	p, err := e.App.FindFirstRecordByFilter("pins", "message = {:m}", dbx.Params{"m": m.Id})
	if err != nil {
		return e.NoContent(http.StatusNoContent)
	}
	if err := e.App.Delete(p); err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	return e.NoContent(http.StatusNoContent)
}

// GET /api/crisisroom/channels/{id}/pins → [{id, channel, message, pinned_by, created,
// body, author}], newest pin first, for live members of the channel.
func (s *staffroom) handlePins(e *core.RequestEvent) error {
	ch := e.Request.PathValue("id")
	if tenancy.ChannelMember(e.App, ch, e.Auth.Id) == nil {
		return notMember(e)
	}
	pins, err := e.App.FindRecordsByFilter("pins", "channel = {:c}", "-created", MaxPins*2, 0, dbx.Params{"c": ch})
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	out := []map[string]any{}
	for _, p := range pins {
		m, err := e.App.FindRecordById("messages", p.GetString("message"))
		if err != nil || m.GetBool("deleted") || m.GetString("channel") != ch {
			continue
		}
		out = append(out, pinView(e.App, p, m))
	}
	return e.JSON(http.StatusOK, out)
}

func pinView(app core.App, p, m *core.Record) map[string]any {
	return map[string]any{
		"id": p.Id, "channel": p.GetString("channel"), "message": m.Id, "created": p.GetString("created"),
		"pinned_by": personOf(app, p.GetString("pinned_by")), "body": m.GetString("body"),
		"author": personOf(app, m.GetString("author")), "message_created": m.GetString("created"),
	}
}
