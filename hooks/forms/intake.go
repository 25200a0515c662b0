package forms

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
)

// faxIntake makes a received fax of a host device an incoming form at intake: numbered,
// medium Fax, the remote station as counterpart, the fax attached (its id; the PDF stays
// on the fax record). Idempotent: a fax is taken in once. Faxes of other organisations'
// devices are theirs and never become the host's forms.
func faxIntake(app core.App, fx *core.Record) error {
	if fx.GetString("direction") != "in" || fx.GetString("status") != "received" {
		return nil
	}
	host := tenancy.HostOrganisation(app)
	dev, err := app.FindRecordById("devices", fx.GetString("device"))
	if host == nil || err != nil || dev.GetString("organisation") != host.Id {
		return nil
	}
	if _, err := app.FindFirstRecordByFilter("forms", "fax = {:f}", dbx.Params{"f": fx.Id}); err == nil {
		return nil
	}
	if err := EnsureFunctions(app); err != nil {
		return err
	}
	medium, kind := "fax", "spruch"
	text := strings.TrimSpace(fx.GetString("text"))
	if text == "" {
		text = fmt.Sprintf("Fax mit %d Seite(n), siehe Anlage.", fx.GetInt("pages"))
	}
	b := FormBody{Direction: "in", Medium: &medium, Kind: &kind, Counterpart: ptr(fx.GetString("remote_id")), Text: &text,
		Subject: ptr(fmt.Sprintf("Fax von %s", orDash(fx.GetString("remote_id"))))}
	_, err = create(app, &access{host: host.Id, fns: map[string]*core.Record{}, ids: map[string]bool{}}, b, fx.Id, "")
	return err
}

func ptr(s string) *string { return &s }

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unbekannt"
	}
	return s
}

// handleCapture: POST /api/crisisroom/forms/capture {message}: "als Vordruck erfassen":
// the communications post takes a message of a channel it is in as an incoming form
// (medium Messenger; sender: author and organisation, a guest as "(Gast, eingeladen von
// KS)"; the message named).
func handleCapture(e *core.RequestEvent) error {
	var b struct {
		Message string `json:"message"`
	}
	if err := e.BindBody(&b); err != nil {
		return apperr.New(http.StatusBadRequest, "common.request_not_json", err)
	}
	a := accessOf(e.App, e.Auth)
	m, err := e.App.FindRecordById("messages", b.Message)
	if err != nil || m.GetBool("deleted") || tenancy.ChannelMember(e.App, m.GetString("channel"), e.Auth.Id) == nil {
		return apperr.NotFound("common.message_not_found")
	}
	if !a.mayIntake() {
		return apperr.Forbidden("forms.only_fernmelder_takes_in")
	}
	if f, err := e.App.FindFirstRecordByFilter("forms", "message = {:m}", dbx.Params{"m": m.Id}); err == nil {
		return e.JSON(200, a.view(e.App, f, true))
	}
	sender := userName(e.App, m.GetString("author"))
	// A guest is no member of the organisation that invited them: the form (kept and
	// printed) names them as its guest, not as its personnel.
	var chOrgs []string
	if ch, err := e.App.FindRecordById("channels", m.GetString("channel")); err == nil {
		chOrgs = tenancy.ChannelOrgs(ch)
	}
	if inv := journal.GuestInviters(e.App, m.GetString("author"), chOrgs...); inv != "" {
		sender += " (Gast, eingeladen von " + inv + ")"
	} else if mem := firstOrgOf(e.App, m.GetString("author")); mem != "" {
		sender += " (" + mem + ")"
	}
	if r := []rune(sender); len(r) > fieldMax["sender"] {
		sender = string(r[:fieldMax["sender"]-1]) + "…"
	}
	prio := map[string]string{"flash": "blitz", "immediate": "sofort"}[m.GetString("priority")]
	if prio == "" {
		prio = "einfach"
	}
	medium, kind, text := "messenger", "spruch", m.GetString("body")
	if text == "" {
		text = "(Anlage)"
	}
	body := FormBody{Direction: "in", Medium: &medium, Kind: &kind, Priority: &prio, Sender: &sender, Counterpart: &sender,
		Subject: ptr(firstLine(text, 120)), Text: &text}
	f, err := create(e.App, a, body, "", m.Id)
	if err != nil {
		return err
	}
	return e.JSON(201, a.view(e.App, f, true))
}

func firstOrgOf(app core.App, userId string) string {
	ms, err := app.FindRecordsByFilter("memberships", "user = {:u}", "", 1, 0, dbx.Params{"u": userId})
	if err != nil || len(ms) == 0 {
		return ""
	}
	if o, err := app.FindRecordById("organisations", ms[0].GetString("organisation")); err == nil {
		return o.GetString("short")
	}
	return ""
}

// faxFailed puts an outgoing form whose fax finally failed (every retry spent) back to
// the communications post, with the modem's reason in the remarks: a form marked sent
// that never arrived would be lost. It keeps its outgoing number (the register shows
// the failed attempt); the next transmission uses the same number.
func faxFailed(app core.App, fx *core.Record) error {
	if fx.GetString("direction") != "out" || fx.GetString("status") != "failed" {
		return nil
	}
	return app.RunInTransaction(func(tx core.App) error {
		f, err := tx.FindFirstRecordByFilter("forms", "sent_ref = {:r} && sent_via = 'fax'", dbx.Params{"r": fx.Id})
		if err != nil || f.GetString("state") != StateSent {
			return nil
		}
		reason := strings.TrimSpace(fx.GetString("error"))
		if reason == "" {
			reason = "unbekannter Fehler"
		}
		rem := strings.TrimSpace(f.GetString("remarks") + "\nFax an " + fx.GetString("number") + " fehlgeschlagen: " + reason)
		if len([]rune(rem)) > 4000 {
			rem = string([]rune(rem)[len([]rune(rem))-4000:])
		}
		f.Set("remarks", rem)
		f.Set("state", StateToSend)
		f.Set("sent_ref", "")
		f.Set("recipients", []Recipient{})
		if err := tx.Save(f); err != nil {
			return err
		}
		return event(tx, f, "fax_failed", nil, "Faxgerät", map[string]any{"fax": fx.Id, "error": reason})
	})
}
