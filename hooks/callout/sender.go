package callout

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/forms"
	"crisisroom/hooks/tenancy"
)

// Who called out, for the banner of the people called: a woken person first asks "who
// wants me, and is it real?". The callouts record keeps only created_by (a user id);
// its readers (the host's admins and operators, and each recipient the call-outs they
// were called by, the collection's rule) get a computed "sender" beside it: the name,
// the organisation and the functions of the sender, nothing else of that person (no
// e-mail, no number, no other recipients). It is computed when the record is handed out
// (list, view, expand, realtime), so it is never stored and never filterable.

// Sender is the "sender" of a callouts record as the API hands it out: Name is the
// sender's name; Organisation the short name of the host ("KS"); Function the staff
// function the sender holds for the host by its label ("S2 – Lage"), several by their
// codes ("S2, ETB": the banner is one line on a laptop), else the job title of the host
// membership ("Lagedienstführer"), else empty; Role the host membership's role
// ("admin", "operator") for when Function is empty.
type Sender struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Function     string `json:"function"`
	Role         string `json:"role"`
}

// SenderOf is the sender of call-out co (see Sender); ok is false when the call-out
// names nobody or that person no longer exists.
func SenderOf(app core.App, co *core.Record) (s Sender, ok bool) {
	uid := co.GetString("created_by")
	if uid == "" {
		return s, false
	}
	u, err := app.FindRecordById("users", uid)
	if err != nil {
		return s, false
	}
	s.Name = u.GetString("name")
	org := co.GetString("organisation")
	if o, err := app.FindRecordById("organisations", org); err == nil {
		s.Organisation = o.GetString("short")
	}
	var labels, codes []string
	for _, f := range forms.StaffFunctions(app) {
		if f.LiaisonOrg != "" && f.LiaisonOrg != org {
			continue
		}
		for _, h := range f.Holders {
			if h.Id == uid {
				labels = append(labels, staffLabel(f))
				codes = append(codes, f.Code)
				break
			}
		}
	}
	switch len(labels) {
	case 0:
	case 1:
		s.Function = labels[0]
	default:
		s.Function = strings.Join(codes, ", ")
	}
	if m := tenancy.Membership(app, uid, org); m != nil {
		if s.Function == "" {
			s.Function = strings.TrimSpace(m.GetString("function"))
		}
		s.Role = m.GetString("role")
	}
	return s, true
}

// calloutEnrich adds "sender" to a callouts record handed to a signed-in person (the
// record's rule has already let them read it).
func calloutEnrich(e *core.RecordEnrichEvent) error {
	if e.RequestInfo == nil || e.RequestInfo.Auth == nil {
		return e.Next()
	}
	if s, ok := SenderOf(e.App, e.Record); ok {
		e.Record.WithCustomData(true)
		e.Record.Set("sender", s)
	}
	return e.Next()
}
