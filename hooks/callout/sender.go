package callout

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
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
// names nobody or that person no longer exists. A few queries (the user, the host, the
// membership, the functions naming the user): it runs for every call-out handed out.
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
	m := tenancy.Membership(app, uid, org)
	if m == nil {
		return s, true // no longer on the staff: the name, no function
	}
	s.Role = m.GetString("role")
	// The host's staff functions the sender holds now, in the staff's order: named among
	// the holders of a function of the host (a liaison post belongs to another
	// organisation) while a live, non-guest member of the host, as hooks/forms has it.
	var labels, codes []string
	if s.Role != "guest" {
		rows, _ := app.FindRecordsByFilter("staff_functions", "organisation = {:h} && liaison_org = '' && holders ~ {:u}", "sort", 0, 0,
			dbx.Params{"h": org, "u": `"` + uid + `"`})
		for _, r := range rows {
			var holders []string
			_ = json.Unmarshal([]byte(r.GetString("holders")), &holders)
			if slices.Contains(holders, uid) {
				f := forms.Function{Code: r.GetString("code"), Name: r.GetString("name")}
				labels = append(labels, staffLabel(f))
				codes = append(codes, f.Code)
			}
		}
	}
	switch len(labels) {
	case 0:
		s.Function = strings.TrimSpace(m.GetString("function"))
	case 1:
		s.Function = labels[0]
	default:
		s.Function = strings.Join(codes, ", ")
	}
	return s, true
}

// senderCache keeps SenderOf per sender and organisation for a few seconds: a list of
// call-outs (the operators' view reloads it on every change) is mostly one or two
// senders, and a name or function a few seconds old is no harm in "who called".
var senderCache = struct {
	sync.Mutex
	m map[string]senderEntry
}{m: map[string]senderEntry{}}

type senderEntry struct {
	s  Sender
	ok bool
	at time.Time
}

const senderTTL = 5 * time.Second

func cachedSenderOf(app core.App, co *core.Record) (Sender, bool) {
	k := co.GetString("created_by") + "|" + co.GetString("organisation")
	now := time.Now()
	senderCache.Lock()
	e, hit := senderCache.m[k]
	senderCache.Unlock()
	if hit && now.Sub(e.at) < senderTTL {
		return e.s, e.ok
	}
	s, ok := SenderOf(app, co)
	senderCache.Lock()
	if len(senderCache.m) > 1000 {
		clear(senderCache.m)
	}
	senderCache.m[k] = senderEntry{s, ok, now}
	senderCache.Unlock()
	return s, ok
}

// calloutEnrich adds "sender" to a callouts record handed to a signed-in person (the
// record's rule has already let them read it).
func calloutEnrich(e *core.RecordEnrichEvent) error {
	if e.RequestInfo == nil || e.RequestInfo.Auth == nil {
		return e.Next()
	}
	if s, ok := cachedSenderOf(e.App, e.Record); ok {
		e.Record.WithCustomData(true)
		e.Record.Set("sender", s)
		// WithCustomData exports every key PocketBase puts on the record, and an expanded
		// back-relation (?expand=callout_recipients_via_callout, also nested below
		// another record) leaves there the ids of all its rows, not only those of the
		// rows the reader may see. The expands run after this hook, so their keys are
		// hidden by name beforehand.
		e.Record.Hide(backRelationNames(e.App)...)
	}
	return e.Next()
}

// backRelations caches the names of the back-relations to callouts; a change of any
// collection forgets them (calloutBackRelationsReset).
var backRelations struct {
	sync.Mutex
	names []string
	ok    bool
}

// backRelationNames lists the expand keys of every back-relation to the callouts
// collection: "<collection>_via_<field>" and PocketBase's older "<collection>(<field>)"
// for each relation field of any collection that points to callouts.
func backRelationNames(app core.App) []string {
	backRelations.Lock()
	defer backRelations.Unlock()
	if backRelations.ok {
		return backRelations.names
	}
	callouts, err := app.FindCachedCollectionByNameOrId("callouts")
	if err != nil {
		return nil
	}
	all, err := app.FindAllCollections()
	if err != nil {
		return nil
	}
	var names []string
	for _, c := range all {
		for _, f := range c.Fields {
			if r, ok := f.(*core.RelationField); ok && r.CollectionId == callouts.Id {
				names = append(names, c.Name+"_via_"+r.Name, c.Name+"("+r.Name+")")
			}
		}
	}
	backRelations.names, backRelations.ok = names, true
	return names
}

// calloutBackRelationsReset forgets the cached back-relation names after a collection
// was created, changed or deleted.
func calloutBackRelationsReset(e *core.CollectionEvent) error {
	backRelations.Lock()
	backRelations.ok = false
	backRelations.Unlock()
	return e.Next()
}
