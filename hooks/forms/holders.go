package forms

import "github.com/pocketbase/pocketbase/core"

// StaffFunctions returns the host staff's functions in their order (the briefing round,
// then the liaison posts), each with the people who hold it now, exactly as
// GET /api/crisisroom/functions shows them: named among its holders and a live, non-guest
// member of the function's organisation (liveHolder), so a holder whose membership ended
// or whose organisation is suspended holds nothing. Empty when there is no host yet.
// Other parts (the staff call-out) use it so that "holds S2" means one thing.
func StaffFunctions(app core.App) []Function {
	rows := allFunctions(app)
	out := make([]Function, 0, len(rows))
	for _, r := range rows {
		out = append(out, viewFunction(app, r))
	}
	return out
}
