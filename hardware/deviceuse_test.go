package hardware_test

import (
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/testkit"
)

// A device is used only by its own organisation (DESIGN §11), whatever a channel's
// participants say: a plain police member who creates a group channel listing the fire
// brigade must not fax through the fire brigade's line, and the host's operators do not
// sound, show on or take over another organisation's devices.
func TestDeviceUsedOnlyByItsOrganisation(t *testing.T) {
	r := startRoom(t, testkit.Options{})
	s := r.Server
	pol, fw := s.Demo.Orgs["POL"], s.Demo.Orgs["FW"]
	fwFax, _ := addFaxDevice(t, s, "fw-fax", fw.Id, s.Demo.Channels["FW intern"].Id, map[string]any{})
	fwSiren := r.device("fw-sirene", "siren", "tasmota", "fw_sirene", "fw-hof", "FW", false)
	fwBoard := r.device("fw-tafel-wache", "board", "kiosk", "", "", "FW", false)
	hostBoard, err := s.App.FindFirstRecordByData("devices", "username", "lagetafel-stab")
	if err != nil {
		t.Fatal(err)
	}

	// A police member's group channel that lists the fire brigade, with a FW member in it.
	chColl, _ := s.App.FindCollectionByNameOrId("channels")
	group := core.NewRecord(chColl)
	group.Set("organisation", pol.Id)
	group.Set("kind", "group")
	group.Set("name", "Gruppe POL/FW")
	group.Set("organisations", []string{pol.Id, fw.Id})
	if err := s.App.Save(group); err != nil {
		t.Fatal(err)
	}
	cmColl, _ := s.App.FindCollectionByNameOrId("channel_members")
	for user, role := range map[string]string{"lneumann": "owner", "kvogel": "member"} {
		cm := core.NewRecord(cmColl)
		cm.Set("channel", group.Id)
		cm.Set("user", s.Demo.Users[user].Id)
		cm.Set("role", role)
		if err := s.App.Save(cm); err != nil {
			t.Fatal(err)
		}
	}
	msg := postMessage(t, s, group.Id, "lneumann", "Bitte an die Leitstelle faxen")
	faxesOf := func(user string) int {
		return countRecords(t, s.App, "faxes", "device = {:d} && requested_by = {:u}", dbx.Params{"d": fwFax.Id, "u": s.Demo.Users[user].Id})
	}

	t.Run("fax through another organisation's line", func(t *testing.T) {
		cases := []struct {
			name, method, path string
			body               map[string]any
			want               int
		}{
			{"message route, device named", "POST", "/api/crisisroom/messages/" + msg.Id + "/fax", map[string]any{"number": "0221 4711", "device": "fw-fax"}, 403},
			{"message route, device by id", "POST", "/api/crisisroom/messages/" + msg.Id + "/fax", map[string]any{"number": "0221 4711", "device": fwFax.Id}, 403},
			{"message route, default device", "POST", "/api/crisisroom/messages/" + msg.Id + "/fax", map[string]any{"number": "0221 4711"}, 400},
			{"faxes collection", "POST", "/api/collections/faxes/records", map[string]any{"direction": "out", "channel": group.Id, "device": fwFax.Id,
				"number": "0221 4711", "text": "x", "requested_by": s.Demo.Users["lneumann"].Id}, 403},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if code, body := r.api(c.method, c.path, "lneumann", c.body); code != c.want {
					t.Fatalf("%d %v, want %d", code, body, c.want)
				}
			})
		}
		if n := faxesOf("lneumann"); n != 0 {
			t.Fatalf("%d faxes of the police member through the fire brigade's line", n)
		}
		code, list := faxAPIList(t, s, "/api/crisisroom/fax/devices?channel="+group.Id, "lneumann")
		if code != 200 {
			t.Fatalf("device list: %d", code)
		}
		for _, d := range list {
			if d["id"] == fwFax.Id {
				t.Fatal("the police member is offered the fire brigade's fax line")
			}
		}
		// The fire brigade's own member may.
		if code, body := r.api("POST", "/api/crisisroom/messages/"+msg.Id+"/fax", "kvogel", map[string]any{"number": "0221 4711", "device": "fw-fax"}); code != 201 {
			t.Fatalf("FW member through FW's line: %d %v", code, body)
		}
	})

	t.Run("host operators and other organisations' devices", func(t *testing.T) {
		cases := []struct {
			name, method, path string
			body               map[string]any
		}{
			{"sound another organisation's siren", "POST", "/api/collections/siren_activations/records",
				map[string]any{"device": fwSiren.Id, "signal": "warning", "duration": 30, "requested_by": s.Demo.Users["jwagner"].Id}},
			{"show on another organisation's board", "POST", "/api/collections/board_items/records",
				map[string]any{"title": "Lage", "severity": "info", "boards": []string{fwBoard.Id}}},
			{"test call on another organisation's fax", "POST", "/api/crisisroom/fax/fw-fax/test-ring", nil},
			{"new credentials for another organisation's device", "POST", "/api/crisisroom/devices/" + fwSiren.Id + "/password", nil},
			{"history of another organisation's device", "GET", "/api/crisisroom/devices/" + fwSiren.Id + "/history", nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if code, body := r.api(c.method, c.path, "jwagner", c.body); code != 403 {
					t.Fatalf("%d %v, want 403", code, body)
				}
			})
		}
		if n := countRecords(t, s.App, "siren_activations", "device = {:d}", dbx.Params{"d": fwSiren.Id}); n != 0 {
			t.Fatalf("%d activations of the fire brigade's siren", n)
		}
		// The host's own board stays the operators'.
		if code, body := r.api("POST", "/api/collections/board_items/records", "jwagner", map[string]any{"title": "Lage", "severity": "info", "boards": []string{hostBoard.Id}}); code != 200 {
			t.Fatalf("operator on the host's board: %d %v", code, body)
		}
	})

	t.Run("a suspended organisation's line is used by nobody", func(t *testing.T) {
		org, _ := s.App.FindRecordById("organisations", fw.Id)
		org.Set("status", "suspended")
		if err := s.App.Save(org); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			org.Set("status", "active")
			_ = s.App.Save(org)
		})
		before := faxesOf("kvogel")
		if code, body := r.api("POST", "/api/crisisroom/messages/"+msg.Id+"/fax", "kvogel", map[string]any{"number": "0221 4711", "device": "fw-fax"}); code < 400 {
			t.Fatalf("fax through a suspended organisation's line: %d %v", code, body)
		}
		if faxesOf("kvogel") != before {
			t.Fatal("a fax was queued through a suspended organisation's line")
		}
		if !hardware.MayUseDevice(s.App, s.Demo.Users["jwagner"].Id, hostBoard) {
			t.Fatal("the host's operator lost the host's board")
		}
	})
}

func faxAPIList(t *testing.T, s *testkit.Server, path, user string) (int, []map[string]any) {
	t.Helper()
	rep := s.As(t, user).Do(t, "GET", path, nil)
	var list []map[string]any
	if rep.Status == 200 {
		rep.Decode(t, &list)
	}
	return rep.Status, list
}
