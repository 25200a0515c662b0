package callout

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"crisisroom/apperr"
	"crisisroom/hooks/forms"
	"crisisroom/hooks/tenancy"
)

// A call-out names functions in two ways. First and foremost the staff's functions
// (staff_functions, hooks/forms: "S2", "VB-POL", "LdF"), by code, reaching their current
// holders as hooks/forms defines them (forms.StaffFunctions). Second, for the call-out
// groups saved before the staff functions existed and for the job titles a staff still
// keeps in memberships ("Verbindungsbeamter"), the free-text memberships.function: a name
// that is no staff function's code reaches, as before, the live members with that job
// title. A staff function's code always wins over a job title spelt the same.

// Function kinds in the picker and the preview.
const (
	kindStaff   = "staff"   // a staff function (staff_functions), named by its code
	kindTitle   = "title"   // a job title of memberships (memberships.function)
	kindUnknown = "unknown" // a name in a saved group that is neither: it reaches nobody
)

// HeldFunction is a function the call-out form offers to pick, with how many hold it.
// Function is what a call-out names (the code of a staff function, or a job title);
// Kind is "staff" or "title"; Code, Name and Label ("S2 – Lage") are those of a staff
// function. SameAs, of a job title only, is the code of the staff function it repeats:
// the title's first word is that code ("S2 Lage" beside "S2") and both reach the same
// people; the picker leaves such a title out (two boxes for one thing confuse).
type HeldFunction struct {
	Function string `json:"function"`
	Kind     string `json:"kind"`
	Code     string `json:"code,omitempty"`
	Name     string `json:"name,omitempty"`
	Label    string `json:"label"`
	People   int    `json:"people"`
	SameAs   string `json:"same_as,omitempty"`
	users    map[string]bool
}

// staffLabel is how a staff function is shown: its code and its name without the code,
// German as the staff names it: "S2 – Lage", "VB-POL – Verbindungsstelle
// Polizeipräsidium", "Sichter"; a name that begins with its code as a word of the
// phrase is shown alone ("Leiter des Stabes").
func staffLabel(f forms.Function) string {
	name := strings.TrimSpace(f.Name)
	if rest, ok := strings.CutPrefix(name, f.Code+" "); ok {
		rest = strings.TrimSpace(rest)
		if r, _ := utf8.DecodeRuneInString(rest); unicode.IsLower(r) {
			return name
		}
		name = rest
	}
	if name == "" || strings.EqualFold(name, f.Code) {
		return f.Code
	}
	return f.Code + " – " + name
}

// PickableFunctions lists what the call-out form offers: every staff function in the
// staff's order (vacant ones too, with People 0), then the job titles of live, non-guest
// memberships (by name) that are no staff function's code.
func PickableFunctions(app core.App) []HeldFunction {
	staff := forms.StaffFunctions(app)
	out := make([]HeldFunction, 0, len(staff))
	codes := map[string]bool{}
	holders := map[string]map[string]bool{} // lower-case code → its holders
	for _, f := range staff {
		k := strings.ToLower(f.Code)
		codes[k] = true
		holders[k] = map[string]bool{}
		for _, h := range f.Holders {
			holders[k][h.Id] = true
		}
		out = append(out, HeldFunction{Function: f.Code, Kind: kindStaff, Code: f.Code, Name: f.Name, Label: staffLabel(f), People: len(f.Holders)})
	}
	for _, t := range HeldFunctions(app) {
		if codes[strings.ToLower(t.Function)] {
			continue
		}
		if first, _, _ := strings.Cut(strings.TrimSpace(t.Function), " "); first != "" {
			if hs, ok := holders[strings.ToLower(first)]; ok && sameSet(hs, t.users) {
				for _, f := range staff {
					if strings.EqualFold(f.Code, first) {
						t.SameAs = f.Code
					}
				}
			}
		}
		out = append(out, t)
	}
	return out
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// HeldFunctions lists the job titles (memberships.function) of live, non-guest
// memberships, by name, each with the number of people who have it (Kind "title").
func HeldFunctions(app core.App) []HeldFunction {
	ms, err := app.FindAllRecords("memberships", dbx.NewExp("role != 'guest' AND function != ''"))
	if err != nil {
		return nil
	}
	count := map[string]map[string]bool{}
	name := map[string]string{}
	for _, m := range ms {
		f := strings.TrimSpace(m.GetString("function"))
		if f == "" || !tenancy.LiveMembership(app, m) {
			continue
		}
		k := strings.ToLower(f)
		if count[k] == nil {
			count[k], name[k] = map[string]bool{}, f
		}
		count[k][m.GetString("user")] = true
	}
	out := make([]HeldFunction, 0, len(count))
	for k, users := range count {
		out = append(out, HeldFunction{Function: name[k], Kind: kindTitle, Label: name[k], People: len(users), users: users})
	}
	sort.Slice(out, func(a, b int) bool { return strings.ToLower(out[a].Function) < strings.ToLower(out[b].Function) })
	return out
}

// GET /api/crisisroom/callouts/functions: the functions to pick (PickableFunctions) as
// {"functions": [HeldFunction…]}, host admins and operators only (else 403).
func handleFunctions(re *core.RequestEvent) error {
	if !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return apperr.Forbidden("callout.operators_only_call_out")
	}
	return re.JSON(200, map[string]any{"functions": PickableFunctions(re.App)})
}

// PreviewPerson is one person a part of the selection reaches, and how the call-out
// would reach them now: "app" (a live connection: the banner), "sms" (a mobile number)
// or "none" (neither).
type PreviewPerson struct {
	User         string `json:"user"`
	Name         string `json:"name"`
	Organisation string `json:"organisation"`
	Via          string `json:"via"`
}

// PreviewPart is one named part of the selection: a staff function ("function"), a job
// title ("title"), an organisation ("organisation"), named people ("users"), or a name
// of a saved group that is no function ("unknown"), with the people it reaches, by name.
type PreviewPart struct {
	Kind   string          `json:"kind"`
	Key    string          `json:"key"`
	Label  string          `json:"label"`
	People []PreviewPerson `json:"people"`
}

// POST /api/crisisroom/callouts/preview (the body of a call-out): whom the selection
// reaches, before anything is sent: {"total": n, "app": n, "sms": n, "none": n,
// "self": bool, "parts": [PreviewPart…]} (self: the caller is among the total, so a
// total of 1 with self calls only the caller), or the refusal a start would give (400 with an apperr code
// such as callout.unknown_function); host admins and operators only (else 403).
func handlePreview(re *core.RequestEvent) error {
	if !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return apperr.Forbidden("callout.operators_only_call_out")
	}
	var req StartRequest
	if err := re.BindBody(&req); err != nil {
		return apperr.New(http.StatusBadRequest, "common.invalid_request", err)
	}
	sel, err := resolve(re.App, tenancy.HostOrganisation(re.App), req)
	if err != nil {
		return resolveError(re, err)
	}
	online := connectedUsers(re.App)
	via := map[string]string{}
	count := map[string]int{}
	for _, p := range sel.people {
		v := "none"
		if online[p.user.Id] {
			v = "app"
		} else if ph := PhoneOf(re.App, p.user.Id); ph != nil && ph.GetString("number") != "" {
			v = "sms"
		}
		via[p.user.Id] = v
		count[v]++
	}
	byUser := map[string]person{}
	for _, p := range sel.people {
		byUser[p.user.Id] = p
	}
	parts := make([]PreviewPart, 0, len(sel.parts))
	for _, sp := range sel.parts {
		pp := PreviewPart{Kind: sp.kind, Key: sp.key, Label: sp.label, People: []PreviewPerson{}}
		for uid := range sp.users {
			if p, ok := byUser[uid]; ok {
				pp.People = append(pp.People, PreviewPerson{User: uid, Name: p.user.GetString("name"), Organisation: p.orgShort, Via: via[uid]})
			}
		}
		sort.Slice(pp.People, func(a, b int) bool { return pp.People[a].Name < pp.People[b].Name })
		parts = append(parts, pp)
	}
	_, self := via[re.Auth.Id]
	return re.JSON(200, map[string]any{"total": len(sel.people), "app": count["app"], "sms": count["sms"], "none": count["none"], "self": self, "parts": parts})
}

// resolveError answers a refusal of resolve: its own API error (apperr), else a 500.
func resolveError(re *core.RequestEvent, err error) error {
	var ae *router.ApiError
	if errors.As(err, &ae) {
		return ae
	}
	return apperr.Internal(err)
}

// connectedUsers is Connected for everyone at once: the users with a live realtime
// connection now (one pass over the connections instead of one per person).
func connectedUsers(app core.App) map[string]bool {
	out := map[string]bool{}
	for _, c := range app.SubscriptionsBroker().Clients() {
		if c.IsDiscarded() {
			continue
		}
		if a, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record); a != nil && a.Collection().Name == "users" {
			out[a.Id] = true
		}
	}
	return out
}
