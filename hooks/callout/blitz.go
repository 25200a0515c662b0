package callout

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware/smsgateway"
	"crisisroom/hooks/journal"
	"crisisroom/hooks/tenancy"
)

// Blitz by SMS: a person who chose it (user_phones.blitz_sms) gets a Blitz message of
// their channels by SMS when, BlitzDelay after it was written, they have neither
// acknowledged it in the app nor a live connection. An answer "OK" from their number
// acknowledges every Blitz sent to them by SMS in the last day that they have not yet
// acknowledged. A number nobody has (or two share) acknowledges nothing.

func (p *part) bindBlitz(app core.App) {
	app.OnRecordAfterCreateSuccess("messages").BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString("priority") == "flash" && !e.Record.GetBool("deleted") {
			id := e.Record.Id
			time.AfterFunc(BlitzDelay, func() {
				if !p.begin() {
					return
				}
				defer p.wg.Done()
				p.blitzBySMS(id)
			})
		}
		return e.Next()
	})
}

// BlitzSMSText is what a Blitz SMS says.
func BlitzSMSText(channel, author, body string) string {
	return "BLITZ " + channel + " (" + author + "): " + clip(body, 300) + " -- Antwort OK = gelesen."
}

func (p *part) blitzBySMS(messageId string) {
	m, err := p.app.FindRecordById("messages", messageId)
	if err != nil || m.GetBool("deleted") {
		return
	}
	rs, err := p.app.FindRecordsByFilter("receipts", "message = {:m} && acked_at = ''", "", 0, 0, dbx.Params{"m": messageId})
	if err != nil {
		return
	}
	ch, _ := p.app.FindRecordById("channels", m.GetString("channel"))
	chName, author := "", "Gerät"
	if ch != nil {
		chName = ch.GetString("name")
	}
	if a, err := p.app.FindRecordById("users", m.GetString("author")); err == nil {
		author = a.GetString("name")
	}
	n := 0
	for _, r := range rs {
		uid := r.GetString("user")
		phone := PhoneOf(p.app, uid)
		if phone == nil || !phone.GetBool("blitz_sms") || phone.GetString("number") == "" || Connected(p.app, uid) {
			continue
		}
		// Still a live member of the channel: a person removed in the last minute gets nothing.
		if tenancy.ChannelMember(p.app, m.GetString("channel"), uid) == nil {
			continue
		}
		u, _ := p.app.FindRecordById("users", uid)
		if _, err := p.gw.Send(smsgateway.SendOptions{Number: phone.GetString("number"), Text: BlitzSMSText(chName, author, m.GetString("body")),
			Person: u, Purpose: "blitz", Ref: messageId}); err == nil {
			n++
		}
	}
	if n > 0 {
		if host := tenancy.HostOrganisation(p.app); host != nil {
			// The host's journal names only the host's own channels: another organisation's
			// internal channel stays unnamed there (its Blitz is not the host's to read).
			where, chanId := fmt.Sprintf("in %q", chName), m.GetString("channel")
			if ch == nil || !slices.Contains(tenancy.ChannelOrgs(ch), host.Id) {
				where, chanId = "in einem Kanal einer anderen Organisation", ""
			}
			journalWrite(p.app, journal.Entry{Organisation: host.Id, Kind: "auto", Source: journalSource, SourceID: messageId, Channel: chanId,
				Text: fmt.Sprintf("Blitz %s ohne Bestätigung nach %d s: per SMS an %s ohne Verbindung.", where, int(BlitzDelay/time.Second), Personen(n))})
		}
	}
}

// ackBlitz acknowledges the Blitz messages sent to in.Person by SMS in the last day
// (only those sent to in.From when the number was entered by someone else).
func (p *part) ackBlitz(in smsgateway.Inbound) bool {
	since := time.Now().Add(-AnswerWindow).UTC().Format("2006-01-02 15:04:05.000Z")
	filter := "purpose = 'blitz' && person = {:u} && direction = 'out' && created >= {:since}"
	if EnteredByOther(p.app, in.Person.Id) {
		// A number an admin entered acknowledges only what was sent to it (see inbound).
		filter += " && number = {:n}"
	}
	sent, err := p.app.FindRecordsByFilter("sms_messages", filter, "", 0, 0,
		dbx.Params{"u": in.Person.Id, "since": since, "n": in.From})
	if err != nil || len(sent) == 0 {
		return false
	}
	now := time.Now().UTC()
	acked := 0
	for _, s := range sent {
		r, err := p.app.FindFirstRecordByFilter("receipts", "message = {:m} && user = {:u} && acked_at = ''", dbx.Params{"m": s.GetString("ref"), "u": in.Person.Id})
		if err != nil {
			continue
		}
		r.Set("acked_at", now)
		if r.GetString("read_at") == "" {
			r.Set("read_at", now)
		}
		if err := p.app.Save(r); err == nil {
			acked++
		}
	}
	if acked > 0 {
		if host := tenancy.HostOrganisation(p.app); host != nil {
			journalWrite(p.app, journal.Entry{Organisation: host.Id, Kind: "auto", Source: journalSource, SourceID: in.Record.Id, Author: in.Person,
				Text: fmt.Sprintf("%s hat %s per SMS bestätigt.", in.Person.GetString("name"), blitzNachrichten(acked))})
		}
	}
	return acked > 0
}

// blitzNachrichten is a count of Blitz messages in German words: "1 Blitz-Nachricht",
// "3 Blitz-Nachrichten".
func blitzNachrichten(n int) string {
	if n == 1 {
		return "1 Blitz-Nachricht"
	}
	return strconv.Itoa(n) + " Blitz-Nachrichten"
}
