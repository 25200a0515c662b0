package enrolment_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"crisisroom/hooks"
)

// The inviter hears of the join: a member joining the police leaves a system message in
// "POL intern" naming the person and the inviter; a new organisation's arrival is told in
// the host's own channel with the next step. Nobody else's channel gets it.
func TestJoinIsAnnouncedToTheInviters(t *testing.T) {
	s := startEnrol(t, "", hooks.Config{MQTTPrefix: "crisisroom/"}, true)
	count := func(channel, part string) int {
		ms, _ := s.App.FindRecordsByFilter("messages", "channel = {:c} && source = 'system'", "", 0, 0, dbx.Params{"c": channel})
		n := 0
		for _, m := range ms {
			if strings.Contains(m.GetString("body"), part) {
				n++
			}
		}
		return n
	}
	chanOf := func(name string) string {
		c, err := s.App.FindFirstRecordByData("channels", "name", name)
		if err != nil {
			t.Fatalf("channel %s: %v", name, err)
		}
		return c.Id
	}
	r := invite(t, s, "tkeller", map[string]any{"kind": "member", "organisation": s.Demo.Orgs["POL"].Id})
	if j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", joinBody(tokenOf(t, r.str("url")), "neu.polizist")); j.Status != 200 {
		t.Fatalf("join: %d %s", j.Status, j.Raw)
	}
	if n := count(chanOf("POL intern"), "Erika Muster neu.polizist ist beigetreten (Einladung von Thomas Keller)"); n != 1 {
		t.Errorf("POL intern has %d announcements of the new member", n)
	}
	if n := count(chanOf("FW intern"), "neu.polizist"); n != 0 {
		t.Errorf("another organisation's channel was told: %d", n)
	}
	r = invite(t, s, "jwagner", map[string]any{"kind": "organisation", "label": "THW"})
	body := joinBody(tokenOf(t, r.str("url")), "thw.chefin")
	body["organisation"], body["short"], body["kind"] = "THW Ortsverband Nord", "THWN", "ngo"
	if j := call(t, nil, "POST", s.URL+"/api/crisisroom/join", "", body); j.Status != 200 {
		t.Fatalf("join organisation: %d %s", j.Status, j.Raw)
	}
	if n := count(chanOf("KS intern"), "Neu im Krisenstab: THW Ortsverband Nord"); n != 1 {
		t.Errorf("KS intern has %d announcements of the new organisation", n)
	}
}
