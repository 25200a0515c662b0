package callout

import (
	"sort"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks/tenancy"
)

// HeldFunction is a function that live, non-guest members hold, with how many hold it:
// what the call-out form offers to pick (a function typed by hand is refused when
// nobody holds it).
type HeldFunction struct {
	Function string `json:"function"`
	People   int    `json:"people"`
}

// HeldFunctions lists the functions of live, non-guest memberships, by name.
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
		out = append(out, HeldFunction{Function: name[k], People: len(users)})
	}
	sort.Slice(out, func(a, b int) bool { return strings.ToLower(out[a].Function) < strings.ToLower(out[b].Function) })
	return out
}

// GET /api/crisisroom/callouts/functions: the functions to pick, host admins and operators only.
func handleFunctions(re *core.RequestEvent) error {
	if !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return re.ForbiddenError("Nur Leitung und Bedienpersonen des Krisenstabs alarmieren den Stab. / Only the crisis staff's admins and operators call the staff out.", nil)
	}
	return re.JSON(200, map[string]any{"functions": HeldFunctions(re.App)})
}

// POST /api/crisisroom/callouts/preview (the body of a call-out): how many people the
// selection reaches, before anything is sent: {"total": n} or the refusal of a start.
func handlePreview(re *core.RequestEvent) error {
	if !tenancy.IsHostOperator(re.App, re.Auth.Id) {
		return re.ForbiddenError("Nur Leitung und Bedienpersonen des Krisenstabs alarmieren den Stab. / Only the crisis staff's admins and operators call the staff out.", nil)
	}
	var req StartRequest
	if err := re.BindBody(&req); err != nil {
		return re.BadRequestError("Ungültige Anfrage. / Invalid request.", err)
	}
	people, _, err := resolve(re.App, tenancy.HostOrganisation(re.App), req)
	if err != nil {
		return re.BadRequestError(err.Error(), nil)
	}
	return re.JSON(200, map[string]any{"total": len(people)})
}
