package attack_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestEveryCollectionIsAttacked(t *testing.T) {
	w := newWorld(t)
	table := collectionAttacks()
	for _, name := range appCollections(t, w.s.App) {
		if _, ok := table[name]; !ok {
			t.Errorf("collection %q has no entry in collectionAttacks: say what of it no wrong person may reach", name)
		}
	}
	for name := range table {
		if _, err := w.s.App.FindCollectionByNameOrId(name); err != nil {
			t.Errorf("collectionAttacks names %q, which the appliance no longer has", name)
		}
	}
}

// Every collection rule, tried over the stock REST API by every wrong person: the list
// holds none of the victim's records or words, the victim's record cannot be viewed,
// changed or deleted, and nothing can be created in the victim's name or place.
func TestCollectionRulesRefuseTheWrongPerson(t *testing.T) {
	w := newWorld(t)
	before := w.snapshot(t)
	secrets := w.secrets()
	for _, name := range appCollections(t, w.s.App) {
		ca, ok := collectionAttacks()[name]
		if !ok {
			continue // TestEveryCollectionIsAttacked names it
		}
		base := "/api/collections/" + name + "/records"
		target := ""
		if ca.target != nil {
			if target = ca.target(w); target == "" {
				t.Fatalf("%s: the victim's record is missing from the scene", name)
			}
		}
		for _, a := range w.actors {
			visible := ca.visible != nil && ca.visible(a)
			t.Run(name+"/"+a.name, func(t *testing.T) {
				// list, with and without a filter aimed at the victim
				for _, q := range []string{"?perPage=500", "?perPage=500&filter=" + urlq(fmt.Sprintf("id=%q", target))} {
					rep := a.client.Do(t, "GET", base+q, nil)
					if x := leaks(rep.Body, secrets); x != "" && !(visible && x == target) {
						t.Errorf("list %s%s: holds %q: %s", name, q, x, rep)
					}
				}
				if target != "" {
					rep := a.client.Do(t, "GET", base+"/"+target, nil)
					if !visible && rep.Status != 404 && rep.Status != 403 && rep.Status != 401 {
						t.Errorf("view %s/%s: want 404, got %s", name, target, rep)
					}
				}
				for i, body := range ca.creates(w, a) {
					rep := a.client.Do(t, "POST", base, body)
					if rep.Status/100 == 2 {
						t.Errorf("create %s #%d: want a refusal, got %s", name, i, rep)
					}
					if x := leaks(rep.Body, secrets); x != "" {
						t.Errorf("create %s #%d: the refusal holds %q: %s", name, i, x, rep)
					}
				}
				ids := []string{}
				if target != "" {
					ids = append(ids, target)
				}
				if ca.extra != nil {
					ids = append(ids, ca.extra(w)...)
				}
				for _, id := range ids {
					if id == "" {
						t.Fatalf("%s: a record of the scene is missing", name)
					}
					body := ca.update
					if body == nil {
						body = map[string]any{}
					}
					if rep := a.client.Do(t, "PATCH", base+"/"+id, body); rep.Status/100 == 2 {
						t.Errorf("update %s/%s: want a refusal, got %s", name, id, rep)
					}
					if rep := a.client.Do(t, "DELETE", base+"/"+id, nil); rep.Status/100 == 2 {
						t.Errorf("delete %s/%s: want a refusal, got %s", name, id, rep)
					}
				}
			})
		}
	}
	w.requireUnchanged(t, before)
}

func urlq(s string) string {
	r := strings.NewReplacer(" ", "%20", `"`, "%22", "=", "%3D", "&", "%26")
	return r.Replace(s)
}
