package hooks_test

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// TestChannelSearch: the search inside a channel (GET …/channels/{id}/messages?q=) over a
// few thousand messages, answered by the full-text index. Every page is oldest→newest,
// the pages newest first, and together exactly the messages the words begin in (what a
// regular expression over every body says), with no deleted message and none of another
// channel; the wrong people are refused before the index is asked.
func TestChannelSearch(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	ksIntern := s.Demo.Channels["KS intern"].Id
	jwagner := s.Demo.Users["jwagner"].Id

	// 3,000 messages in the flood channel a day ago, one a second ("Pegel" in each; one
	// in 100 with "Deichbruch", one of them deleted; one in 100 with "Flussdeich", which
	// does not begin with "deich"; one in 500 with "Überflutung"), and 100 with
	// "Deichbruch" in KS intern, newer than all of them.
	insert := func(channel string, n int, body string, deleted string) {
		t.Helper()
		_, err := s.App.DB().NewQuery(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {:last})
			INSERT INTO messages (id, channel, author, body, priority, source, deleted, created, updated)
			SELECT printf('srch%s%07d', substr({:c}, 1, 4), n.i), {:c}, {:a}, ` + body + `, 'normal', 'web', ` + deleted + `,
				strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-1 day', '+' || n.i || ' seconds'),
				strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-1 day', '+' || n.i || ' seconds')
			FROM n`).Bind(dbx.Params{"last": n - 1, "c": channel, "a": jwagner}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	insert(flood, 3000, `'Lage ' || n.i || ': Pegel steigt'
		|| CASE WHEN n.i % 100 = 7 THEN ' Deichbruch bei km ' || (n.i / 100) ELSE '' END
		|| CASE WHEN n.i % 100 = 57 THEN ' Flussdeich hält' ELSE '' END
		|| CASE WHEN n.i % 500 = 11 THEN ' Überflutung Altstadt' ELSE '' END`, `n.i = 2907`)
	insert(ksIntern, 100, `'Deichbruch intern ' || n.i`, `FALSE`)
	// 40 messages stored after all of them but dated among them (an import, a clock set
	// back): the index's order is not their time order. One in four with "Deichbruch".
	_, err := s.App.DB().NewQuery(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39)
		INSERT INTO messages (id, channel, author, body, priority, source, created, updated)
		SELECT printf('late%011d', n.i), {:c}, {:a}, 'Nachtrag ' || n.i || ': Pegel' || CASE WHEN n.i % 4 = 0 THEN ' Deichbruch nachgetragen' ELSE '' END,
			'normal', 'web', strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-1 day', '+' || (n.i * 75 + 3) || ' seconds'),
			strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-1 day', '+' || (n.i * 75 + 3) || ' seconds')
		FROM n`).Bind(dbx.Params{"c": flood, "a": jwagner}).Execute()
	if err != nil {
		t.Fatal(err)
	}

	// expected: the ids of the flood channel's live messages whose body matches re, newest first.
	expected := func(re string) []string {
		t.Helper()
		var rows []struct{ Id, Body string }
		if err := s.App.DB().NewQuery(`SELECT id, body FROM messages WHERE channel = {:c} AND deleted = FALSE ORDER BY created DESC, rowid DESC`).
			Bind(dbx.Params{"c": flood}).All(&rows); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range rows {
			if regexp.MustCompile(re).MatchString(r.Body) {
				ids = append(ids, r.Id)
			}
		}
		return ids
	}
	sbraun := mxAs(s, t, "sbraun")
	// walk pages through q with limit, by the oldest id of each page, and returns every
	// id newest first, checking each page's order and shape.
	walk := func(c mxClient, q string, limit int) []string {
		t.Helper()
		var all []string
		before := ""
		for range 1000 {
			path := "/api/crisisroom/channels/" + flood + "/messages?limit=" + strconv.Itoa(limit) + "&q=" + url.QueryEscape(q)
			if before != "" {
				path += "&before=" + before
			}
			page := c.obj(t, 200, "GET", path, nil)
			items := mxItems(page)
			if len(items) > limit || page["has_more"] == true && len(items) != limit {
				t.Fatalf("%q: %d items, has_more %v", q, len(items), page["has_more"])
			}
			for i, it := range items {
				if mxStr(it, "channel") != flood || it["deleted"] == true {
					t.Fatalf("%q: an item of channel %s, deleted %v: %v", q, mxStr(it, "channel"), it["deleted"], it)
				}
				if i > 0 && mxStr(items[i-1], "created") > mxStr(it, "created") {
					t.Fatalf("%q: a page not oldest first: %s after %s", q, mxStr(it, "created"), mxStr(items[i-1], "created"))
				}
			}
			for i := len(items) - 1; i >= 0; i-- {
				all = append(all, mxStr(items[i], "id"))
			}
			if page["has_more"] != true {
				return all
			}
			before = mxStr(items[0], "id")
		}
		t.Fatalf("%q: no end of pages", q)
		return nil
	}
	same := func(q string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%q: %d hits, want %d\n got %v\nwant %v", q, len(got), len(want), got, want)
		}
	}

	deichbruch := expected(`Deichbruch`)
	if len(deichbruch) != 39 {
		t.Fatalf("the set-up has %d Deichbruch messages in the flood channel, want 39 (30, one deleted, and 10 stored late)", len(deichbruch))
	}
	same("Deichbruch", walk(sbraun, "Deichbruch", 7), deichbruch)
	same("deichbruch, one page", walk(sbraun, "deichbruch", 200), deichbruch)
	// A word is found by its beginning: "deich" also finds the demo's "Deichabschnitt", not "Flussdeich".
	deich := expected(`(?i)(^|[^\pL\pN])deich`)
	if len(deich) != 40 {
		t.Fatalf("%d messages with a word beginning with deich, want 40", len(deich))
	}
	same("deich", walk(sbraun, "deich", 9), deich)
	same("bruch", walk(sbraun, "bruch", 50), nil)
	same("Flussdeich", walk(sbraun, "Flussdeich", 50), expected(`Flussdeich`))
	// Every word must occur, in any order.
	same("km 12 deichbruch", walk(sbraun, "km 12 deichbruch", 50), expected(`Deichbruch bei km 12\b`))
	// A word of one character is a whole word, not a beginning ("7" is not "70").
	seven := expected(`(^|[^\pL\pN])7([^\pL\pN]|$)`)
	lage7 := slices.DeleteFunc(expected(`(?i)(^|[^\pL\pN])lage`), func(id string) bool { return !slices.Contains(seven, id) })
	if len(lage7) != 2 {
		t.Fatalf("%d messages with lage… and 7, want 2 (Lage 7: and Lage 707: … km 7)", len(lage7))
	}
	same("Lage 7", walk(sbraun, "Lage 7", 50), lage7)
	// Case and diacritics do not count; a spelled-out umlaut does.
	ueber := expected(`Überflutung`)
	if len(ueber) != 6 {
		t.Fatalf("%d Überflutung messages, want 6", len(ueber))
	}
	for _, q := range []string{"Überflutung", "uberflutung", "ÜBERFLUTUNG", "überfl"} {
		same(q, walk(sbraun, q, 4), ueber)
	}
	same("ueberflutung", walk(sbraun, "ueberflutung", 50), nil)
	// A word in every message: the first page is the newest 50 (the demo's own "Pegel
	// Rhein" message first), the rest follows page by page.
	pegel := expected(`(?i)(^|[^\pL\pN])pegel`)
	first := sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?q=Pegel", nil)
	if items := mxItems(first); len(items) != 50 || first["has_more"] != true || mxStr(items[49], "id") != pegel[0] || mxStr(items[0], "id") != pegel[49] {
		t.Fatalf("first page of Pegel: %d items, has_more %v", len(items), first["has_more"])
	}
	same("Pegel", walk(sbraun, "Pegel", 200), pegel)
	// No word, no hits; operators and column names are words like any other (the input
	// is never FTS5 syntax), so none of these finds a thing.
	for _, q := range []string{"%", `"`, "*", "-", `deich" OR ch:"` + ksIntern, "ch:" + ksIntern, "NOT bruch"} {
		same(q, walk(sbraun, q, 50), nil)
	}
	// before=<time> with q: the hits older than that time.
	var at string
	if err := s.App.DB().NewQuery(`SELECT created FROM messages WHERE id = {:id}`).Bind(dbx.Params{"id": deichbruch[10]}).Row(&at); err != nil {
		t.Fatal(err)
	}
	older := mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?limit=100&q=Deichbruch&before="+url.QueryEscape(at), nil))
	var olderIds []string
	for i := len(older) - 1; i >= 0; i-- {
		olderIds = append(olderIds, mxStr(older[i], "id"))
	}
	same("Deichbruch before "+at, olderIds, deichbruch[11:])

	// A message posted through the API is found at once; once deleted, never again.
	jw := mxAs(s, t, "jwagner")
	posted := jw.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": jwagner, "body": "Deichbruch Nordufer gemeldet"})
	id := mxStr(posted, "id")
	if got := walk(sbraun, "Nordufer", 50); !slices.Equal(got, []string{id}) {
		t.Fatalf("a new message is not found: %v", got)
	}
	jw.obj(t, 200, "PATCH", "/api/collections/messages/records/"+id, map[string]any{"deleted": true})
	same("Nordufer after its deletion", walk(sbraun, "Nordufer", 50), nil)
	same("Deichbruch after a deletion", walk(sbraun, "Deichbruch", 50), deichbruch)
	// An edit is searched as it reads now.
	edited := jw.obj(t, 200, "POST", "/api/collections/messages/records", map[string]any{"channel": flood, "author": jwagner, "body": "Sandsackausgabe Halle 3"})
	jw.obj(t, 200, "PATCH", "/api/collections/messages/records/"+mxStr(edited, "id"), map[string]any{"body": "Sandsackausgabe Halle 4"})
	same("Halle 3 after the edit", walk(sbraun, "Sandsackausgabe 3", 50), nil)
	same("Halle 4 after the edit", walk(sbraun, "Sandsackausgabe 4", 50), []string{mxStr(edited, "id")})

	// The wrong people: a member of other channels only, a removed member, a guest whose
	// invitation ended. Each is refused as before, whatever the words.
	search := "/api/crisisroom/channels/" + flood + "/messages?q=Deichbruch"
	for _, who := range []string{"tkeller", "lneumann"} {
		if status, _, body := mxAs(s, t, who).call(t, "GET", "/api/crisisroom/channels/"+ksIntern+"/messages?q=Deichbruch", nil); status != 403 {
			t.Errorf("%s searches KS intern: %d %s", who, status, body)
		}
	}
	guest := mxAs(s, t, "gast.gutachter")
	if got := walk(guest, "Deichbruch", 50); !slices.Equal(got, deichbruch) {
		t.Fatalf("the guest finds %d, want %d", len(got), len(deichbruch))
	}
	m := tenancy.Membership(s.App, s.Demo.Users["gast.gutachter"].Id, s.Demo.Orgs["KS"].Id)
	if m == nil {
		t.Fatal("no guest membership")
	}
	m.Set("expires", time.Now().Add(-time.Second).UTC())
	if err := s.App.Save(m); err != nil {
		t.Fatal(err)
	}
	if status, _, body := guest.call(t, "GET", search, nil); status != 403 {
		t.Errorf("the guest searches after its invitation ended: %d %s", status, body)
	}
	row, err := s.App.FindFirstRecordByFilter("channel_members", "channel = {:c} && user = {:u}", dbx.Params{"c": flood, "u": s.Demo.Users["sbraun"].Id})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Delete(row); err != nil {
		t.Fatal(err)
	}
	if status, _, body := sbraun.call(t, "GET", search, nil); status != 403 {
		t.Errorf("a removed member searches: %d %s", status, body)
	}
}
