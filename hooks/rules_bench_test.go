package hooks_test

import (
	"fmt"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/testkit"
)

// BenchmarkRulesAtScale times list requests through the tenancy rules on a room much
// larger than the demo: 600 more people in five organisations, 30 shared channels of 100
// members, 6,000 messages. Every rule joins only the signed-in user's own rows, so these
// stay in milliseconds; the first rules' @collection cross joins took minutes on the demo.
//
//	go test ./hooks/ -run '^$' -bench RulesAtScale -benchtime 20x
func BenchmarkRulesAtScale(b *testing.B) {
	f := newFixture(b, testkit.Options{NoMQTT: true})
	app := f.app
	orgs := []string{f.ks.Id, f.pol.Id, f.fw.Id, f.s.Demo.Orgs["KLM"].Id, f.s.Demo.Orgs["SW"].Id}
	err := app.RunInTransaction(func(tx core.App) error {
		var people []string
		for i := 0; i < 600; i++ {
			u := f.newPersonIn(b, tx)
			people = append(people, u.Id)
			if err := saveIn(tx, "memberships", map[string]any{"user": u.Id, "organisation": orgs[i%len(orgs)], "role": "member"}); err != nil {
				return err
			}
		}
		for c := 0; c < 30; c++ {
			ch := map[string]any{"organisation": f.ks.Id, "kind": "shared", "name": fmt.Sprintf("Lage %d", c), "organisations": orgs}
			coll, _ := tx.FindCachedCollectionByNameOrId("channels")
			r := core.NewRecord(coll)
			r.Load(ch)
			if err := tx.Save(r); err != nil {
				return err
			}
			for i := 0; i < 100; i++ {
				if err := saveIn(tx, "channel_members", map[string]any{"channel": r.Id, "user": people[(c*37+i)%len(people)], "role": "member"}); err != nil {
					return err
				}
			}
			for i := 0; i < 150; i++ {
				if err := saveIn(tx, "messages", map[string]any{"channel": r.Id, "author": people[(c*37+i)%len(people)], "body": "Lage", "source": "web"}); err != nil {
					return err
				}
			}
		}
		for i := 0; i < 1500; i++ {
			if err := saveIn(tx, "messages", map[string]any{"channel": f.polCh.Id, "author": f.authId(b, "memberA"), "body": "intern", "source": "web"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, who, path string }{
		{"users", "memberA", "/api/collections/users/records?perPage=200"},
		{"channels", "hostOp", "/api/collections/channels/records?perPage=200"},
		{"channel_members", "adminA", "/api/collections/channel_members/records?perPage=200"},
		{"messages_of_a_channel", "memberA", "/api/collections/messages/records?perPage=50&sort=-created&filter=" + urlq("channel='"+f.polCh.Id+"'")},
		{"memberships", "hostOp", "/api/collections/memberships/records?perPage=200"},
		{"board_items", "memberB", "/api/collections/board_items/records?perPage=200"},
	} {
		b.Run(c.name, func(b *testing.B) {
			a := f.as(c.who)
			for i := 0; i < b.N; i++ {
				if r := a.do(b, "GET", c.path, nil); r.status != 200 {
					b.Fatal(r)
				}
			}
		})
	}
}

func (f *fixture) newPersonIn(tb testing.TB, app core.App) *core.Record {
	tb.Helper()
	c, err := app.FindCachedCollectionByNameOrId("users")
	if err != nil {
		tb.Fatal(err)
	}
	u := core.NewRecord(c)
	u.Set("name", unique("Person "))
	u.Set("username", unique("scale"))
	setPassword(tb, u, personPassword)
	if err := app.Save(u); err != nil {
		tb.Fatal(err)
	}
	return u
}

func saveIn(app core.App, coll string, data map[string]any) error {
	c, err := app.FindCachedCollectionByNameOrId(coll)
	if err != nil {
		return err
	}
	r := core.NewRecord(c)
	r.Load(data)
	return app.Save(r)
}
