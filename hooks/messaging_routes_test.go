package hooks_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks/demo"
	"crisisroom/hooks/messaging"
	"crisisroom/hooks/tenancy"
	"crisisroom/testkit"
)

// Sending, editing, deleting and acknowledging messages through the stock REST and the
// messaging routes, each also tried as the wrong person.
func TestMessagingSend(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	ksIntern := s.Demo.Channels["KS intern"].Id
	jwagnerId := s.Demo.Users["jwagner"].Id
	jwagner := mxAs(s, t, "jwagner")
	sbraun := mxAs(s, t, "sbraun")
	lneumann := mxAs(s, t, "lneumann")
	post := func(c mxClient, author string, data map[string]any) map[string]any {
		t.Helper()
		data["author"] = author
		return c.obj(t, 200, "POST", "/api/collections/messages/records", data)
	}
	count := func(filter string, params dbx.Params) int {
		n, err := s.App.CountRecords("messages", dbx.NewExp(filter, params))
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}

	t.Run("a retried send returns the first message", func(t *testing.T) {
		first := post(jwagner, jwagnerId, map[string]any{"channel": flood, "body": "Sandsäcke Deutz leer", "client_key": "retry-1"})
		again := post(jwagner, jwagnerId, map[string]any{"channel": flood, "body": "Sandsäcke Deutz leer", "client_key": "retry-1"})
		if mxStr(first, "id") == "" || mxStr(first, "id") != mxStr(again, "id") {
			t.Fatalf("retry gave %s, first was %s", mxStr(again, "id"), mxStr(first, "id"))
		}
		if n := count("client_key = 'retry-1'", nil); n != 1 {
			t.Fatalf("%d records for one client_key", n)
		}
	})

	t.Run("ten parallel sends with one client_key make one message", func(t *testing.T) {
		var wg sync.WaitGroup
		got := make([]string, 10)
		statuses := make([]int, 10)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, v, _ := jwagner.call(t, "POST", "/api/collections/messages/records", map[string]any{
					"channel": flood, "author": jwagnerId, "body": "Parallel gesendet", "client_key": "parallel-1"})
				statuses[i] = status
				if m, ok := v.(map[string]any); ok {
					got[i] = mxStr(m, "id")
				}
			}()
		}
		wg.Wait()
		for i := range got {
			if statuses[i] != 200 || got[i] == "" || got[i] != got[0] {
				t.Fatalf("parallel sends answered %v with ids %v", statuses, got)
			}
		}
		if n := count("client_key = 'parallel-1'", nil); n != 1 {
			t.Fatalf("%d records for one client_key", n)
		}
	})

	t.Run("a non-member cannot send or read", func(t *testing.T) {
		if status, _, raw := lneumann.call(t, "POST", "/api/collections/messages/records", map[string]any{
			"channel": ksIntern, "author": s.Demo.Users["lneumann"].Id, "body": "eingeschleust"}); status == 200 {
			t.Fatalf("POL member posted into KS intern: %s", raw)
		}
		if status, _, _ := lneumann.call(t, "GET", "/api/crisisroom/channels/"+ksIntern+"/messages", nil); status != http.StatusForbidden {
			t.Fatalf("messages route for a non-member: %d", status)
		}
		if status, _, _ := lneumann.call(t, "GET", "/api/crisisroom/channels/"+ksIntern+"/files", nil); status != http.StatusForbidden {
			t.Fatalf("files route for a non-member: %d", status)
		}
		ks, err := s.App.FindFirstRecordByFilter("messages", "channel = {:c}", dbx.Params{"c": ksIntern})
		if err != nil {
			t.Fatal(err)
		}
		if status, _, _ := lneumann.call(t, "GET", "/api/crisisroom/messages/"+ks.Id+"/receipts", nil); status != http.StatusNotFound {
			t.Fatalf("receipts route for a non-member: %d", status)
		}
		if status, _, _ := lneumann.call(t, "GET", "/api/collections/messages/records/"+ks.Id, nil); status != http.StatusNotFound {
			t.Fatalf("stock view for a non-member: %d", status)
		}
		list := lneumann.obj(t, 200, "GET", "/api/collections/messages/records?perPage=500", nil)
		for _, m := range mxItems(list) {
			if mxStr(m, "channel") == ksIntern {
				t.Fatalf("stock list leaked %s", mxStr(m, "id"))
			}
		}
		if status, _, _ := (mxClient{base: s.URL}).call(t, "GET", "/api/crisisroom/channels/"+flood+"/messages", nil); status != http.StatusUnauthorized {
			t.Fatalf("messages route without sign-in: %d", status)
		}
	})

	t.Run("attachments: programs and oversized files are refused, others listed", func(t *testing.T) {
		f := newMxForm(t, map[string]string{"channel": flood, "author": jwagnerId, "body": "Anhang"}, "tool.exe", []byte("MZ\x90\x00"))
		status, _, raw := jwagner.call(t, "POST", "/api/collections/messages/records", f)
		if status != 400 || !strings.Contains(string(raw), "Programm") || !strings.Contains(string(raw), "program") {
			t.Fatalf(".exe: %d %s", status, raw)
		}
		// a program in disguise is recognised by its content
		pe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 64)...)
		copy(pe[0x3c:], []byte{0x40, 0, 0, 0})
		pe = append(pe, []byte("PE\x00\x00")...)
		f = newMxForm(t, map[string]string{"channel": flood, "author": jwagnerId, "body": "Anhang"}, "lage.pdf", pe)
		if status, _, raw := jwagner.call(t, "POST", "/api/collections/messages/records", f); status != 400 {
			t.Fatalf("disguised program: %d %s", status, raw)
		}
		big := bytes.Repeat([]byte("a"), messaging.MaxAttachmentSize+1)
		f = newMxForm(t, map[string]string{"channel": flood, "author": jwagnerId, "body": "Anhang"}, "karte.txt", big)
		if status, _, raw := jwagner.call(t, "POST", "/api/collections/messages/records", f); status != 400 || !strings.Contains(string(raw), "25 MB") {
			t.Fatalf("oversized file: %d %.300s", status, raw)
		}
		f = newMxForm(t, map[string]string{"channel": flood, "author": jwagnerId, "body": "Lagekarte anbei\r\nStand 10:00", "client_key": "file-1"}, "lagekarte.txt", []byte("Pegel 9,10 m"))
		m := jwagner.obj(t, 200, "POST", "/api/collections/messages/records", f)
		if mxStr(m, "body") != "Lagekarte anbei\nStand 10:00" {
			t.Fatalf("line breaks of a form field stored as %q", mxStr(m, "body"))
		}
		files := mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/files", nil))
		found := false
		for _, it := range files {
			if mxStr(it, "message") == mxStr(m, "id") {
				found = true
				if !strings.HasPrefix(mxStr(it, "url_path"), "/api/files/messages/"+mxStr(m, "id")+"/lagekarte") || mxNum(it, "size") != 12 || mxStr(it, "author", "username") != "jwagner" {
					t.Fatalf("file item %v", it)
				}
				// protected: a member downloads with a file token, a non-member cannot
				tok := mxStr(sbraun.obj(t, 200, "POST", "/api/files/token", nil), "token")
				if status, _, _ := sbraun.call(t, "GET", mxStr(it, "url_path")+"?token="+tok, nil); status != 200 {
					t.Fatalf("member download: %d", status)
				}
			}
		}
		if !found {
			t.Fatalf("file not listed: %v", files)
		}
		// a file in KS intern: members of other organisations cannot fetch it, and once its
		// message is deleted nobody but the room's IT can
		abecker := mxAs(s, t, "abecker")
		f = newMxForm(t, map[string]string{"channel": ksIntern, "author": s.Demo.Users["abecker"].Id, "body": "Dienstplan"}, "dienstplan.txt", []byte("Schicht A"))
		ksMsg := abecker.obj(t, 200, "POST", "/api/collections/messages/records", f)
		ksFile := "/api/files/messages/" + mxStr(ksMsg, "id") + "/" + strings.Trim(mxStr(ksMsg, "attachments"), `["]`)
		polTok := mxStr(lneumann.obj(t, 200, "POST", "/api/files/token", nil), "token")
		if status, _, _ := lneumann.call(t, "GET", ksFile+"?token="+polTok, nil); status == 200 {
			t.Fatal("a police member downloaded a file of KS intern")
		}
		ksTok := mxStr(abecker.obj(t, 200, "POST", "/api/files/token", nil), "token")
		if status, _, _ := abecker.call(t, "GET", ksFile+"?token="+ksTok, nil); status != 200 {
			t.Fatalf("member download in KS intern: %d", status)
		}
		abecker.obj(t, 200, "PATCH", "/api/collections/messages/records/"+mxStr(ksMsg, "id"), map[string]any{"deleted": true})
		if status, _, _ := abecker.call(t, "GET", ksFile+"?token="+ksTok, nil); status == 200 {
			t.Fatal("the file of a deleted message is still served")
		}
		if list := mxItems(abecker.obj(t, 200, "GET", "/api/crisisroom/channels/"+ksIntern+"/files", nil)); len(list) != 0 {
			t.Fatalf("files of a deleted message listed: %v", list)
		}
		if n := count("body = 'Anhang'", nil); n != 0 {
			t.Fatalf("refused uploads left %d messages", n)
		}
	})

	t.Run("a reply carries a preview of the message it answers", func(t *testing.T) {
		orig := post(jwagner, jwagnerId, map[string]any{"channel": flood, "body": "Wer hat noch Pumpen frei?"})
		post(sbraun, s.Demo.Users["sbraun"].Id, map[string]any{"channel": flood, "body": "Zwei Pumpen ab 14 Uhr.", "reply_to": mxStr(orig, "id")})
		items := mxItems(jwagner.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?limit=1", nil))
		if len(items) != 1 || mxStr(items[0], "expand", "reply_to", "body") != "Wer hat noch Pumpen frei?" || mxStr(items[0], "expand", "reply_to", "author", "username") != "jwagner" {
			t.Fatalf("reply preview: %v", items)
		}
	})

	t.Run("edit by the author is marked and audited, by anyone else refused", func(t *testing.T) {
		m := post(jwagner, jwagnerId, map[string]any{"channel": flood, "body": "Pegel 9,20 m"})
		id := mxStr(m, "id")
		if status, _, _ := sbraun.call(t, "PATCH", "/api/collections/messages/records/"+id, map[string]any{"body": "gefälscht"}); status == 200 {
			t.Fatal("someone else edited the message")
		}
		edited := jwagner.obj(t, 200, "PATCH", "/api/collections/messages/records/"+id, map[string]any{"body": "Pegel 9,25 m"})
		if mxStr(edited, "body") != "Pegel 9,25 m" || mxStr(edited, "edited") == "" {
			t.Fatalf("edit: %v", edited)
		}
		a, err := s.App.FindFirstRecordByFilter("audit", "action = 'messages.edit' && target = {:id}", dbx.Params{"id": id})
		// The audit row proves the change by digests, never by the words (its readers may
		// not read the conversation).
		if err != nil || !strings.Contains(a.GetString("data"), mxDigest(s.App, "Pegel 9,20 m")) || strings.Contains(a.GetString("data"), "9,20") {
			t.Fatalf("edit not audited with the original's digest: %v", err)
		}
	})

	t.Run("soft delete hides the body, keeps the row and audits the original", func(t *testing.T) {
		m := post(jwagner, jwagnerId, map[string]any{"channel": flood, "body": "Falsche Lagemeldung Deich 5"})
		id := mxStr(m, "id")
		if status, _, _ := sbraun.call(t, "PATCH", "/api/collections/messages/records/"+id, map[string]any{"deleted": true}); status == 200 {
			t.Fatal("someone else deleted the message")
		}
		jwagner.obj(t, 200, "PATCH", "/api/collections/messages/records/"+id, map[string]any{"deleted": true})
		view := sbraun.obj(t, 200, "GET", "/api/collections/messages/records/"+id, nil)
		if mxStr(view, "deleted") != "true" || mxStr(view, "body") != "" {
			t.Fatalf("deleted message as seen: %v", view)
		}
		for _, it := range mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?limit=200", nil)) {
			if mxStr(it, "id") == id && mxStr(it, "body") != "" {
				t.Fatalf("history shows the deleted body: %v", it)
			}
		}
		a, err := s.App.FindFirstRecordByFilter("audit", "action = 'messages.delete' && target = {:id}", dbx.Params{"id": id})
		if err != nil || !strings.Contains(a.GetString("data"), mxDigest(s.App, "Falsche Lagemeldung Deich 5")) || strings.Contains(a.GetString("data"), "Deich 5") || a.GetString("actor") != jwagnerId {
			t.Fatalf("delete not audited with the original's digest: %v", err)
		}
		if status, _, _ := jwagner.call(t, "PATCH", "/api/collections/messages/records/"+id, map[string]any{"deleted": false, "body": "wieder da"}); status != 400 {
			t.Fatalf("undelete answered %d", status)
		}
		if n := count("body LIKE '%Deich 5%'", nil); n != 0 {
			t.Fatal("the deleted words are still searchable in the messages table")
		}
	})

	t.Run("flash creates receipts; ack counts, is audited and arrives live", func(t *testing.T) {
		// the seed's flash message got its receipts although it was saved from Go
		seeded, err := s.App.FindFirstRecordByFilter("messages", "priority = 'flash' && channel = {:c}", dbx.Params{"c": flood})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := s.App.CountRecords("receipts", dbx.HashExp{"message": seeded.Id}); n < 10 {
			t.Fatalf("seeded flash has %d receipts", n)
		}

		c := openSSE(t, s.URL)
		c.subscribe(t, s.Token(t, "jwagner"), "channels/"+flood)
		m := post(jwagner, jwagnerId, map[string]any{"channel": flood, "body": "BLITZ: Deich 3 bricht", "priority": "flash"})
		id := mxStr(m, "id")
		members, _ := s.App.CountRecords("channel_members", dbx.HashExp{"channel": flood})
		r := sbraun.obj(t, 200, "GET", "/api/crisisroom/messages/"+id+"/receipts", nil)
		if mxNum(r, "total") != int(members)-1 || mxNum(r, "acked") != 0 || len(mxItems(r)) != mxNum(r, "total") {
			t.Fatalf("receipts before ack (members %d): %v", members, r)
		}
		ack := sbraun.obj(t, 200, "POST", "/api/crisisroom/messages/"+id+"/ack", nil)
		if mxStr(ack, "acked_at") == "" || mxNum(ack, "receipts", "acked") != 1 {
			t.Fatalf("ack: %v", ack)
		}
		ev, _ := c.until(t, func(ev sseEvent) bool {
			return mxStr(ev.Data, "collection") == "receipts" && mxStr(ev.Data, "record", "message") == id
		})
		if mxStr(ev.Data, "action") != "update" || mxStr(ev.Data, "record", "user", "username") != "sbraun" || !strings.Contains(ev.Raw, `"acked":1`) {
			t.Fatalf("receipts event: %s", ev.Raw)
		}
		r = jwagner.obj(t, 200, "GET", "/api/crisisroom/messages/"+id+"/receipts", nil)
		if mxNum(r, "acked") != 1 || mxNum(r, "read") != 1 {
			t.Fatalf("receipts after ack: %v", r)
		}
		for _, it := range mxItems(r) {
			if mxStr(it, "user", "username") == "sbraun" && (mxStr(it, "acked_at") == "" || mxStr(it, "org", "short") != "FW") {
				t.Fatalf("sbraun's receipt: %v", it)
			}
		}
		if _, err := s.App.FindFirstRecordByFilter("audit", "action = 'messages.ack' && target = {:id}", dbx.Params{"id": id}); err != nil {
			t.Fatal("ack not audited")
		}
		if status, _, _ := jwagner.call(t, "POST", "/api/crisisroom/messages/"+id+"/ack", nil); status != 400 {
			t.Fatalf("author acknowledging own message: %d", status)
		}
		if status, _, _ := lneumann.call(t, "POST", "/api/crisisroom/messages/"+seeded.Id+"/ack", nil); status != 200 {
			t.Fatalf("member acknowledging the seeded flash: %d", status)
		}
		ks, _ := s.App.FindFirstRecordByFilter("messages", "channel = {:c}", dbx.Params{"c": ksIntern})
		if status, _, _ := lneumann.call(t, "POST", "/api/crisisroom/messages/"+ks.Id+"/ack", nil); status != 404 {
			t.Fatalf("non-member ack: %d", status)
		}
		// the history tells each reader whether they acknowledged
		for _, it := range mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?limit=200", nil)) {
			switch mxStr(it, "id") {
			case id:
				if mxStr(it, "my_receipt", "acked_at") == "" {
					t.Fatalf("my_receipt after ack: %v", it)
				}
			case seeded.Id:
				if it["my_receipt"] == nil || mxStr(it, "my_receipt", "acked_at") != "" {
					t.Fatalf("my_receipt of an open flash: %v", it)
				}
			}
		}
		// flash_unacked in the channel list follows
		for _, ch := range mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels?org="+s.Demo.Orgs["FW"].Id, nil)) {
			if mxStr(ch, "id") == flood && mxNum(ch, "flash_unacked") != 1 { // the seeded one is still open
				t.Fatalf("flash_unacked %v", ch)
			}
		}
	})
}

// The channel list, unread counts, history with search and paging, and reading.
func TestMessagingChannels(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	sbraun := mxAs(s, t, "sbraun")
	fw := s.Demo.Orgs["FW"].Id

	list := mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels?org="+fw, nil))
	names := map[string]map[string]any{}
	for _, it := range list {
		names[mxStr(it, "name")] = it
	}
	for _, want := range []string{"FW intern", "Hochwasser Rhein", "Stromausfall Süd", "direct:jwagner:sbraun"} {
		if names[want] == nil {
			t.Fatalf("FW view lacks %q: %v", want, names)
		}
	}
	if names["POL intern"] != nil || names["KS intern"] != nil {
		t.Fatal("FW view shows another tenant's channel")
	}
	if dm := names["direct:jwagner:sbraun"]; mxStr(dm, "peer", "username") != "jwagner" || mxStr(dm, "peer", "org", "short") != "KS" {
		t.Fatalf("direct peer: %v", dm)
	}
	fl := names["Hochwasser Rhein"]
	if mxNum(fl, "unread") != 4 || mxNum(fl, "members_total") < 10 || mxStr(fl, "last_message_at") == "" || len(fl["organisations"].([]any)) != 6 { // KS, POL, FW, KLM, SW and the city administration (hooks/citystaff)
		t.Fatalf("flood item: %v", fl) // 5 seeded messages, one of them sbraun's own
	}
	if status, _, _ := sbraun.call(t, "GET", "/api/crisisroom/channels?org="+s.Demo.Orgs["POL"].Id, nil); status != http.StatusForbidden {
		t.Fatalf("another tenant's view: %d", status)
	}
	unread := sbraun.obj(t, 200, "GET", "/api/crisisroom/unread", nil)
	if mxNum(unread, fw) != 6 || len(unread) != 1 { // 4 in Hochwasser Rhein, 2 in Stromausfall Süd
		t.Fatalf("unread: %v", unread)
	}

	// history: oldest first, paging by message id, search
	all := mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages", nil))
	if len(all) != 5 || mxStr(all[0], "expand", "author", "username") != "jwagner" || mxStr(all[4], "priority") != "flash" {
		t.Fatalf("history: %v", all)
	}
	if mxStr(all[2], "org", "short") != "POL" || mxNum(all[4], "receipts", "total") < 10 {
		t.Fatalf("history item shape: %v / %v", all[2], all[4])
	}
	page := sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?limit=2&before="+mxStr(all[4], "id"), nil)
	if got := mxItems(page); len(got) != 2 || mxStr(got[0], "id") != mxStr(all[2], "id") || mxStr(got[1], "id") != mxStr(all[3], "id") || mxStr(page, "has_more") != "true" {
		t.Fatalf("page before the last: %v", page)
	}
	found := mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?q=PEGEL", nil))
	if len(found) != 1 || !strings.Contains(mxStr(found[0], "body"), "Pegel Rhein") {
		t.Fatalf("search PEGEL: %v", found)
	}
	found = mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?q="+url.QueryEscape("ÄRZTLICHE"), nil))
	if len(found) != 0 {
		t.Fatalf("search matched too much: %v", found)
	}
	found = mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?q="+url.QueryEscape("%"), nil))
	if len(found) != 0 {
		t.Fatalf("%% is a wildcard: %v", found)
	}
	found = mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels/"+flood+"/messages?q="+url.QueryEscape("FÜR MORGEN"), nil))
	if len(found) != 1 {
		t.Fatalf("case-insensitive search beyond ASCII: %v", found)
	}

	// reading up to the last message clears unread and counts as read for others
	c := openSSE(t, s.URL)
	c.subscribe(t, s.Token(t, "jwagner"), "channels/"+flood)
	sbraun.obj(t, 200, "POST", "/api/crisisroom/channels/"+flood+"/read", map[string]any{"until": mxStr(all[4], "id")})
	ev, _ := c.until(t, func(ev sseEvent) bool { return mxStr(ev.Data, "collection") == "receipts" })
	if mxStr(ev.Data, "record", "user", "username") != "sbraun" || mxStr(ev.Data, "record", "until") != mxStr(all[4], "id") {
		t.Fatalf("read event: %s", ev.Raw)
	}
	if unread := sbraun.obj(t, 200, "GET", "/api/crisisroom/unread", nil); mxNum(unread, fw) != 2 {
		t.Fatalf("unread after reading (two left in Stromausfall Süd): %v", unread)
	}
	for _, it := range mxItems(sbraun.obj(t, 200, "GET", "/api/crisisroom/channels?org="+fw, nil)) {
		if mxStr(it, "id") == flood && mxNum(it, "unread") != 0 {
			t.Fatalf("flood unread after reading: %v", it)
		}
	}
	r := mxAs(s, t, "jwagner").obj(t, 200, "GET", "/api/crisisroom/messages/"+mxStr(all[0], "id")+"/receipts", nil)
	if mxNum(r, "read") != 1 {
		t.Fatalf("plain message read count: %v", r)
	}
	flash := mxAs(s, t, "mschulz").obj(t, 200, "GET", "/api/crisisroom/messages/"+mxStr(all[4], "id")+"/receipts", nil)
	if mxNum(flash, "read") != 1 || mxNum(flash, "acked") != 0 {
		t.Fatalf("flash receipts after reading: %v", flash)
	}
	if status, _, _ := sbraun.call(t, "POST", "/api/crisisroom/channels/"+s.Demo.Channels["POL intern"].Id+"/read", map[string]any{"until": mxStr(all[4], "id")}); status != http.StatusForbidden {
		t.Fatalf("read in a foreign channel: %d", status)
	}
}

// Direct conversations, the people picker, sessions and signing out.
func TestMessagingPeopleAndSessions(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	abecker := mxAs(s, t, "abecker")
	lneumann := mxAs(s, t, "lneumann")

	// a stranger: own organisation, no shared channel
	org, err := tenancy.NewOrganisation(s.App, "THW Ortsverband", "THW", "ngo", "#1a237e")
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := tenancy.NewUser(s.App, "Hans Fremd", "hfremd", demo.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tenancy.NewMembership(s.App, stranger.Id, org.Id, "member", "", nil); err != nil {
		t.Fatal(err)
	}

	dm := abecker.obj(t, 200, "POST", "/api/crisisroom/direct", map[string]any{"user": s.Demo.Users["tkeller"].Id})
	if mxStr(dm, "id") != s.Demo.Channels["direct:abecker:tkeller"].Id || mxStr(dm, "peer", "username") != "tkeller" {
		t.Fatalf("existing direct conversation not found: %v", dm)
	}
	if status, _, raw := lneumann.call(t, "POST", "/api/crisisroom/direct", map[string]any{"user": stranger.Id}); status != http.StatusForbidden {
		t.Fatalf("direct with a stranger: %d %s", status, raw)
	}
	me := openSSE(t, s.URL)
	me.subscribe(t, s.Token(t, "kvogel"), "crisisroom/me")
	nd := lneumann.obj(t, 200, "POST", "/api/crisisroom/direct", map[string]any{"user": s.Demo.Users["kvogel"].Id})
	added, _ := me.until(t, func(ev sseEvent) bool { return mxStr(ev.Data, "action") == "channel_added" })
	if mxStr(added.Data, "record", "channel") != mxStr(nd, "id") || mxStr(added.Data, "record", "expand", "channel", "kind") != "direct" {
		t.Fatalf("channel_added: %s", added.Raw)
	}
	again := mxAs(s, t, "kvogel").obj(t, 200, "POST", "/api/crisisroom/direct", map[string]any{"user": s.Demo.Users["lneumann"].Id})
	if mxStr(nd, "kind") != "direct" || mxStr(nd, "id") != mxStr(again, "id") || mxStr(again, "peer", "username") != "lneumann" {
		t.Fatalf("new direct conversation: %v / %v", nd, again)
	}

	status, v, _ := lneumann.call(t, "GET", "/api/crisisroom/people?q=vog", nil)
	people, _ := v.([]any)
	if status != 200 || len(people) != 1 || mxStr(people[0].(map[string]any), "username") != "kvogel" || !strings.Contains(fmt.Sprint(people[0]), "FW") {
		t.Fatalf("people ?q=vog: %d %v", status, v)
	}
	_, v, _ = lneumann.call(t, "GET", "/api/crisisroom/people", nil)
	if strings.Contains(fmt.Sprint(v), "hfremd") {
		t.Fatal("people shows a stranger")
	}

	// sessions: a password sign-in is recorded
	login := (mxClient{base: s.URL}).obj(t, 200, "POST", "/api/collections/users/auth-with-password", map[string]any{"identity": "kvogel", "password": demo.Password})
	kvogel := mxClient{base: s.URL, token: mxStr(login, "token")}
	sess := mxItems(kvogel.obj(t, 200, "GET", "/api/crisisroom/sessions", nil))
	if len(sess) != 1 || mxStr(sess[0], "ip") == "" || mxStr(sess[0], "current") != "true" {
		t.Fatalf("sessions: %v", sess)
	}
	refreshed := kvogel.obj(t, 200, "POST", "/api/collections/users/auth-refresh", nil)
	if again := mxItems(kvogel.obj(t, 200, "GET", "/api/crisisroom/sessions", nil)); len(again) != 1 || mxStr(again[0], "last_seen") < mxStr(sess[0], "last_seen") || mxStr(refreshed, "token") == "" {
		t.Fatalf("sessions after a refresh: %v (before %v)", again, sess)
	}
	if list := mxItems(lneumann.obj(t, 200, "GET", "/api/collections/sessions/records", nil)); len(list) != 0 {
		t.Fatalf("someone else's sessions visible: %v", list)
	}

	c := openSSE(t, s.URL)
	if status, body := c.subscribe(t, kvogel.token, "crisisroom/me", "channels/"+s.Demo.Channels["FW intern"].Id); status != 204 {
		t.Fatalf("subscribe: %d %s", status, body)
	}
	if status, _, _ := mxAs(s, t, "tkeller").call(t, "POST", "/api/crisisroom/users/"+s.Demo.Users["kvogel"].Id+"/signout", nil); status != http.StatusForbidden {
		t.Fatalf("the police admin signed out a fire brigade member: %d", status)
	}
	if status, _, _ := lneumann.call(t, "POST", "/api/crisisroom/users/"+s.Demo.Users["kvogel"].Id+"/signout", nil); status != http.StatusForbidden {
		t.Fatalf("a plain member signed out someone: %d", status)
	}
	if status, _, _ := kvogel.call(t, "GET", "/api/crisisroom/me", nil); status != 200 {
		t.Fatalf("token before sign-out: %d", status)
	}
	mxAs(s, t, "sbraun").obj(t, 200, "POST", "/api/crisisroom/users/"+s.Demo.Users["kvogel"].Id+"/signout", nil)
	c.until(t, func(ev sseEvent) bool { return ev.Name == "crisisroom/me" && mxStr(ev.Data, "action") == "signout" })
	select {
	case <-c.Closed():
	case ev := <-c.Events():
		t.Fatalf("after signout: %s %s", ev.Name, ev.Raw)
	case <-time.After(10 * time.Second):
		t.Fatal("the realtime connection stayed open after sign-out")
	}
	if status, _, _ := kvogel.call(t, "GET", "/api/crisisroom/me", nil); status != http.StatusUnauthorized {
		t.Fatalf("old token after sign-out: %d", status)
	}
	if n, _ := s.App.CountRecords("sessions", dbx.HashExp{"user": s.Demo.Users["kvogel"].Id}); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
	if _, err := s.App.FindFirstRecordByFilter("audit", "action = 'users.signout' && target = {:t}", dbx.Params{"t": s.Demo.Users["kvogel"].Id}); err != nil {
		t.Fatal("sign-out not audited")
	}
}
