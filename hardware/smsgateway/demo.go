package smsgateway

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hardware"
	"crisisroom/hardware/sms/gsmsim"
)

// The demo's SMS device: the GSM modem simulator on a pseudo-terminal, driven by the
// same in-process driver a real modem gets, and mobile numbers for the demo people
// (+49 170 0000 001 …, known only to the simulator's pretend network: nothing leaves
// the machine).

// DemoUsername is the demo SMS device.
const DemoUsername = "sms1"

// DemoNumber is the demo person's mobile number by username.
func DemoNumber(i int) string { return fmt.Sprintf("+4917000000%02d", i) }

// demoBehaviour: how the pretend phone of demo number i answers a call-out: minutes
// until arrival, -1 declines, 0 never answers.
func demoBehaviour(i int) int {
	switch i % 4 {
	case 0:
		return 0
	case 1:
		return 10 + i
	case 2:
		return 25 + i
	}
	return -1
}

// SeedDemo adds the demo's SMS modem and the people's numbers to the staff d; idempotent.
func SeedDemo(app core.App, d hardware.DemoStaff) error {
	if _, err := app.FindFirstRecordByData("devices", "username", DemoUsername); err != nil {
		ks, ch := d.Orgs["KS"], d.Channels["Hochwasser Rhein"]
		if ks == nil {
			return fmt.Errorf("demo SMS: the demo has no KS")
		}
		coll, err := app.FindCollectionByNameOrId("devices")
		if err != nil {
			return err
		}
		pw := make([]byte, 18)
		rand.Read(pw)
		dev := core.NewRecord(coll)
		dev.Set("username", DemoUsername)
		dev.Set("name", "SMS-Modem Stabsraum")
		dev.Set("organisation", ks.Id)
		dev.Set("kind", Kind)
		dev.Set("driver", Driver)
		if ch != nil {
			dev.Set("channel", ch.Id)
		}
		dev.Set("config", map[string]any{"simulator": true, "pin": "1234", "min_interval_ms": 300, "demo_peers": true})
		dev.SetPassword(hex.EncodeToString(pw))
		if err := app.Save(dev); err != nil {
			return fmt.Errorf("demo SMS device: %w", err)
		}
	}
	phones, err := app.FindCollectionByNameOrId("user_phones")
	if err != nil {
		return err
	}
	for i, username := range demoUsernames {
		u := d.Users[username]
		if u == nil {
			continue
		}
		if _, err := app.FindFirstRecordByData("user_phones", "user", u.Id); err == nil {
			continue
		}
		r := core.NewRecord(phones)
		r.Set("user", u.Id)
		r.Set("number", DemoNumber(i+1))
		r.Set("blitz_sms", username == "tkeller" || username == "sbraun")
		if err := app.Save(r); err != nil {
			return fmt.Errorf("demo phone of %s: %w", username, err)
		}
	}
	return nil
}

// demoUsernames in the order of their demo numbers (+49 170 0000 001 …).
var demoUsernames = []string{"abecker", "jwagner", "mschulz", "phoffmann", "tkeller", "lneumann", "sbraun", "kvogel", "sroth", "lfischer", "mschneider", "jweber"}

// startDemoPeers lets the simulator's pretend phones answer: a call-out with "1 <min>"
// or "2" (or not at all, as demoBehaviour says), a Blitz with "OK", after a few seconds.
// A long SMS reaches the network in parts: the phone reads the whole text, joined from
// its parts, before it answers (the expected answers stand at the end, often in the last
// part but cut across two).
func (g *Gateway) startDemoPeers(s *gsmsim.Sim) {
	var mu sync.Mutex
	pending := map[string][]string{} // by number and reference: the parts so far
	s.OnSubmit(func(sub gsmsim.Submission) {
		text := sub.Text
		if sub.Parts > 1 {
			key := sub.To + "/" + strconv.Itoa(sub.Ref)
			mu.Lock()
			parts := pending[key]
			if len(parts) < sub.Parts {
				parts = append(parts, make([]string, sub.Parts-len(parts))...)
			}
			if sub.Part >= 1 && sub.Part <= sub.Parts {
				parts[sub.Part-1] = sub.Text
			}
			complete := true
			for _, p := range parts {
				if p == "" {
					complete = false
				}
			}
			if complete {
				delete(pending, key)
			} else {
				pending[key] = parts
			}
			mu.Unlock()
			if !complete {
				return // answer once, when the whole text is there
			}
			text = strings.Join(parts, "")
		}
		if answer := demoAnswer(sub.To, text); answer != "" {
			i := demoIndex(sub.To)
			go func() {
				time.Sleep(time.Duration(3+i%5) * time.Second)
				s.Receive(sub.To, answer)
			}()
		}
	})
}

// demoIndex: i of demo number +49 170 0000 0i, or 0.
func demoIndex(number string) int {
	if !strings.HasPrefix(number, "+4917000000") {
		return 0
	}
	i, _ := strconv.Atoi(strings.TrimPrefix(number, "+4917000000"))
	return i
}

// demoAnswer is what the pretend phone of number answers to text, or "" for nothing.
func demoAnswer(number, text string) string {
	i := demoIndex(number)
	if i == 0 {
		return ""
	}
	switch {
	case strings.Contains(text, "BLITZ"):
		return "OK"
	case strings.Contains(text, "1 <Minuten>") || strings.Contains(text, "1 <minutes>"):
		switch b := demoBehaviour(i); {
		case b > 0:
			return "1 " + strconv.Itoa(b)
		case b < 0:
			return "2"
		}
	}
	return ""
}
