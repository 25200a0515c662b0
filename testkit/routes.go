package testkit

import (
	"reflect"
	"sort"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Routes lists every route registered on r as "METHOD /full/path" (group prefixes
// joined), sorted. PocketBase keeps a group's children unexported and offers only
// HasRoute, so the walk reads them by reflection; it is for tests that must notice a
// route nobody listed (the attacker suite), not for production code.
func Routes(r *router.Router[*core.RequestEvent]) []string {
	var out []string
	walkGroup(reflect.ValueOf(r.RouterGroup).Elem(), "", &out)
	sort.Strings(out)
	return out
}

func walkGroup(g reflect.Value, parent string, out *[]string) {
	prefix := parent + g.FieldByName("Prefix").String()
	children := g.FieldByName("children")
	for i := 0; i < children.Len(); i++ {
		c := children.Index(i).Elem() // *Route or *RouterGroup
		if c.Kind() != reflect.Pointer || c.IsNil() {
			continue
		}
		v := c.Elem()
		if v.FieldByName("children").IsValid() {
			walkGroup(v, prefix, out)
			continue
		}
		*out = append(*out, v.FieldByName("Method").String()+" "+prefix+v.FieldByName("Path").String())
	}
}
