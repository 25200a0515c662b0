package hardware_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"crisisroom/hardware"
	"crisisroom/testkit"
)

// Every message of a channel goes to crisisroom/channel/<id>/out for boards and bridges,
// with its author's name; the name is cached, and a renamed person's next message carries
// the new name. A channel nobody listens to costs nothing.
func TestChannelOutCarriesTheAuthorsCurrentName(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	var mu sync.Mutex
	var got []hardware.ChannelOut
	if err := s.Broker.Subscribe("crisisroom/channel/"+flood+"/out", func(_ string, p []byte) {
		var m hardware.ChannelOut
		if json.Unmarshal(p, &m) == nil {
			mu.Lock()
			got = append(got, m)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	post := func(body string) {
		t.Helper()
		if r := s.As(t, "kvogel").Do(t, http.MethodPost, "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users["kvogel"].Id, "body": body}); r.Status != http.StatusOK {
			t.Fatalf("post: %s", r)
		}
	}
	authorOf := func(body string) string {
		var name string
		testkit.Eventually(t, 5*time.Second, "the message on the channel topic: "+body, func() bool {
			mu.Lock()
			defer mu.Unlock()
			for _, m := range got {
				if m.Body == body {
					name = m.Author
					return true
				}
			}
			return false
		})
		return name
	}
	post("Lage FW 1")
	if a := authorOf("Lage FW 1"); a != "Katrin Vogel" {
		t.Fatalf("author %q", a)
	}
	u := s.Demo.Users["kvogel"]
	u.Set("name", "Katrin Vogel-Brandt")
	if err := s.App.Save(u); err != nil {
		t.Fatal(err)
	}
	post("Lage FW 2")
	if a := authorOf("Lage FW 2"); a != "Katrin Vogel-Brandt" {
		t.Fatalf("author after the rename %q", a)
	}
}
