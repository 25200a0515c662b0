package tenancy

import (
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
)

// An organisation's name, short name and colour are its badge beside every name and
// message in the shared channels: a second "Polizeipräsidium" with the short "POL" in
// the police's blue would speak for the police. So no organisation takes a name or short
// name that reads like another's (NameKey, as for people), wherever it is created or
// changed; a new organisation gets a colour nobody has; and a colour changed through the
// API keeps clear of every other organisation's (colourTaken).

var (
	errOrgNameTaken  = apperr.BadRequest("tenancy.organisation_confusingly_similar_name")
	ErrOrgShortTaken = apperr.BadRequest("tenancy.another_organisation_confusingly_similar")
	errOrgColorTaken = apperr.BadRequest("tenancy.colour_too_close_another")
)

func RegisterOrganisationNames(app core.App) {
	app.OnRecordValidate("organisations").BindFunc(func(e *core.RecordEvent) error {
		if err := checkOrganisationBadge(e.App, e.Record); err != nil {
			return err
		}
		return e.Next()
	})
	app.OnRecordUpdateRequest("organisations").BindFunc(func(e *core.RecordRequestEvent) error {
		if IsSuperuser(e.Auth) || e.Auth == nil {
			return e.Next()
		}
		if !strings.EqualFold(e.Record.Original().GetString("color"), e.Record.GetString("color")) && colourTaken(e.App, e.Record) {
			return errOrgColorTaken
		}
		return e.Next()
	})
}

// checkOrganisationBadge refuses r when its name or short name reads like another
// organisation's (NameKey).
func checkOrganisationBadge(app core.App, r *core.Record) error {
	if o, err := OrgLike(app, r.GetString("name"), r.Id); err != nil {
		return err
	} else if o != nil {
		return errOrgNameTaken
	}
	if o, err := OrgLike(app, r.GetString("short"), r.Id); err != nil {
		return err
	} else if o != nil {
		return ErrOrgShortTaken
	}
	return nil
}

// orgLike returns the first organisation other than exceptId whose name or short name
// reads like text (the same NameKey), or nil; an empty text matches nothing.
func OrgLike(app core.App, text, exceptId string) (*core.Record, error) {
	k := NameKey(text)
	if k == "" {
		return nil, nil
	}
	orgs, err := app.FindAllRecords("organisations")
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if o.Id != exceptId && (k == NameKey(o.GetString("name")) || k == NameKey(o.GetString("short"))) {
			return o, nil
		}
	}
	return nil, nil
}

// colourTaken reports whether r's colour ("#rrggbb") is within sight of another
// organisation's: a Euclidean RGB distance under 48 (of 441) reads as the same badge.
func colourTaken(app core.App, r *core.Record) bool {
	mine, ok := parseColour(r.GetString("color"))
	if !ok {
		return false
	}
	others, _ := app.FindAllRecords("organisations")
	for _, o := range others {
		theirs, ok := parseColour(o.GetString("color"))
		if o.Id == r.Id || !ok {
			continue
		}
		d := 0
		for i := range mine {
			d += (mine[i] - theirs[i]) * (mine[i] - theirs[i])
		}
		if d < 48*48 {
			return true
		}
	}
	return false
}

func parseColour(s string) ([3]int, bool) {
	var c [3]int
	if len(s) != 7 || s[0] != '#' {
		return c, false
	}
	for i := range c {
		v, err := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return c, false
		}
		c[i] = int(v)
	}
	return c, true
}

// freeColour is the first of orgColours no organisation has nor comes close to ("" when
// none is left: the badge then goes without a colour until the host's admins give one).
func FreeColour(app core.App) string {
	coll, err := app.FindCachedCollectionByNameOrId("organisations")
	if err != nil {
		return ""
	}
	probe := core.NewRecord(coll)
	for _, c := range orgColours {
		probe.Set("color", c)
		if !colourTaken(app, probe) {
			return c
		}
	}
	return ""
}

// orgColours are the colours a new organisation is given, the first one free (freeColour).
var orgColours = []string{"#1565c0", "#d84315", "#2e7d32", "#6a1b9a", "#00838f", "#ef6c00", "#4e342e", "#37474f", "#ad1457", "#558b2f"}
