package hardware_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware/board"
	"crisisroom/testkit"
)

func (r *roomRig) deviceToken(username string) string {
	r.t.Helper()
	d, err := r.App.FindFirstRecordByData("devices", "username", username)
	if err != nil {
		r.t.Fatal(err)
	}
	tok, err := d.NewAuthToken()
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

func (r *roomRig) boardView(token string) (int, map[string]any) {
	r.t.Helper()
	rep := testkit.Client{Base: r.URL, Token: token}.Do(r.t, "GET", "/api/crisisroom/board", nil)
	out := map[string]any{}
	_ = json.Unmarshal(rep.Body, &out)
	return rep.Status, out
}

// The board route answers board devices only, with their own organisation's picture and
// the channels they follow; MQTT boards get the same items on their set topic.
func testBoardViewAndPublishing(t *testing.T, r *roomRig) {
	tafel := r.device("tafel-stab", "board", "kiosk", "", "", "KS", false)
	tafel.Set("config", map[string]any{"channels": []string{r.Demo.Channels["Hochwasser Rhein"].Id, r.Demo.Channels["POL intern"].Id}})
	if err := r.App.Save(tafel); err != nil {
		t.Fatal(err)
	}
	r.device("uhr-stab", "board", "awtrix", "awtrix_stab", "", "KS", false)
	r.device("sirene-pol2", "siren", "native", "", "pol2", "POL", false)
	r.device("sirene-ks2", "siren", "native", "", "ks2", "KS", false)

	// Not a board: people, sirens and nobody get nothing.
	for _, tok := range []string{"", r.Token(t, "jwagner"), r.Token(t, "tkeller"), r.deviceToken("sirene-ks2")} {
		if code, _ := r.boardView(tok); code != 403 && code != 401 {
			t.Errorf("board view for a non-board: %d", code)
		}
	}

	c := r.client("uhr-stab", "uhr")
	notes := make(chan paho.Message, 20)
	if code := subscribeResult(t, c, "awtrix_stab/notify", notes); code >= 0x80 {
		t.Fatalf("AWTRIX may not read its notify topic: %#x", code)
	}
	sets := make(chan paho.Message, 20)
	if code := subscribeResult(t, c, board.SetTopic("crisisroom/", "uhr-stab"), sets); code >= 0x80 {
		t.Fatalf("board may not read its set topic: %#x", code)
	}
	if code := subscribeResult(t, c, board.SetTopic("crisisroom/", "tafel-stab"), nil); code < 0x80 {
		t.Error("a board reads another board's topic")
	}

	items, _ := r.App.FindCollectionByNameOrId("board_items")
	it := core.NewRecord(items)
	it.Set("title", "Deich Abschnitt 3 sickert")
	it.Set("severity", "critical")
	it.Set("organisation", r.Demo.Orgs["KS"].Id)
	if err := r.App.Save(it); err != nil {
		t.Fatal(err)
	}
	polItem := core.NewRecord(items)
	polItem.Set("title", "Nur Polizei")
	polItem.Set("organisation", r.Demo.Orgs["POL"].Id)
	if err := r.App.Save(polItem); err != nil {
		t.Fatal(err)
	}

	deadline := time.After(5 * time.Second)
	for done := false; !done; {
		select {
		case m := <-notes:
			var n map[string]any
			json.Unmarshal(m.Payload(), &n)
			done = n["text"] == "Deich Abschnitt 3 sickert" && n["color"] == "#FF0000"
		case <-deadline:
			t.Fatal("AWTRIX got no notification")
		}
	}
	deadline = time.After(5 * time.Second)
	for done := false; !done; {
		select {
		case m := <-sets:
			var s board.Set
			json.Unmarshal(m.Payload(), &s)
			done = len(s.Items) > 0 && s.Items[0].Title == "Deich Abschnitt 3 sickert"
		case <-deadline:
			t.Fatal("no board set with the item")
		}
	}

	code, v := r.boardView(r.deviceToken("tafel-stab"))
	if code != 200 {
		t.Fatalf("board view %d %v", code, v)
	}
	js := toJSON(v)
	if !strings.Contains(js, "Deich Abschnitt 3 sickert") || strings.Contains(js, "Nur Polizei") {
		t.Errorf("items: %s", js)
	}
	if !strings.Contains(js, "Deichabschnitt 3 sickert") {
		t.Errorf("the Blitz of the followed shared channel is missing")
	}
	// The host's board follows "POL intern" in its config, but KS takes no part in it.
	if strings.Contains(js, "Kräfteplanung") {
		t.Errorf("a board shows another organisation's internal channel")
	}
	if !strings.Contains(js, "sirene-ks2") && !strings.Contains(js, "Test sirene-ks2") || strings.Contains(js, "sirene-pol2") {
		t.Errorf("sirens/devices of the wrong organisation: %s", js)
	}
}

// Board items are written by S2 of the crisis staff: host operators and host members
// whose function names S2; read by live staff and boards, not by guests.
func testBoardItemsWrittenByS2(t *testing.T, r *roomRig) {
	r.device("tafel-s2", "board", "kiosk", "", "", "KS", false)
	item := map[string]any{"title": "Lage 12:00", "severity": "warning", "created_by": r.Demo.Users["tkeller"].Id}
	for _, who := range []string{"phoffmann", "tkeller", "lneumann", "gast.gutachter"} {
		if code, out := r.api("POST", "/api/collections/board_items/records", who, item); code < 400 {
			t.Errorf("%s wrote a board item: %d %v", who, code, out)
		}
	}
	code, out := r.api("POST", "/api/collections/board_items/records", "jwagner", item)
	if code != 200 || out["created_by"] != r.Demo.Users["jwagner"].Id || out["organisation"] != r.Demo.Orgs["KS"].Id {
		t.Fatalf("operator: %d %v", code, out)
	}
	// A host member becomes S2: now they may.
	m, err := r.App.FindFirstRecordByFilter("memberships", "user = {:u}", map[string]any{"u": r.Demo.Users["phoffmann"].Id})
	if err != nil {
		t.Fatal(err)
	}
	m.Set("function", "S2 Lagekarte")
	if err := r.App.Save(m); err != nil {
		t.Fatal(err)
	}
	if code, out := r.api("POST", "/api/collections/board_items/records", "phoffmann", item); code != 200 {
		t.Fatalf("host member with S2: %d %v", code, out)
	}
	if code, out := r.api("GET", "/api/collections/board_items/records", "gast.gutachter", nil); code != 200 || out["totalItems"].(float64) != 0 {
		t.Errorf("a guest lists board items: %d %v", code, out)
	}
	if code, out := r.api("GET", "/api/collections/board_items/records", "lneumann", nil); code != 200 || out["totalItems"].(float64) < 2 {
		t.Errorf("staff cannot read board items: %d %v", code, out)
	}
	resp := testkit.Client{Base: r.URL, Token: r.deviceToken("tafel-s2")}.Do(t, "POST", "/api/collections/board_items/records", []byte(`{"title":"von der Tafel"}`))
	if resp.Status < 400 {
		t.Errorf("a board wrote a board item: %d", resp.Status)
	}
}
