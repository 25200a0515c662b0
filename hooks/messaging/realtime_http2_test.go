package messaging_test

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"crisisroom/hooks"
	"crisisroom/hooks/messaging"
	"crisisroom/testkit"
)

// Browsers reach the appliance over HTTPS with HTTP/2, whose streams stay with
// PocketBase's loop. A client that stops reading a stream uses up the stream's
// flow-control window (4 MB for Go's client, 6 MB for Chrome's); the loop's next write
// then waits. Each event's write is bounded by the write timeout (one second here): the
// stream is reset, its goroutine ends and the server forgets the connection, while a
// reader of the same channel goes on.
func TestRealtimeWriteTimeoutEndsStalledHTTP2Streams(t *testing.T) {
	t.Cleanup(messaging.SetSSEWriteTimeout(time.Second)) // after the appliance has stopped
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true, Hooks: hooks.Config{HTTPSAddr: "127.0.0.1:0"}})
	flood := s.Demo.Channels["Hochwasser Rhein"].Id
	topic := "channels/" + flood
	var trust struct {
		Port string `json:"https_port"`
	}
	s.As(t, "jwagner").Do(t, "GET", "/api/crisisroom/trust", nil).Decode(t, &trust)
	if trust.Port == "" {
		t.Fatal("no HTTPS port")
	}
	h2 := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // the appliance's own CA is not what is tested here
		ForceAttemptHTTP2: true,
	}}
	defer h2.CloseIdleConnections()
	resp, err := h2.Get("https://127.0.0.1:" + trust.Port + "/api/realtime")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("realtime over HTTPS answered with %s, want HTTP/2", resp.Proto)
	}
	// Read PB_CONNECT, subscribe, then read nothing more.
	r := bufio.NewReader(resp.Body)
	var id string
	for id == "" {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("PB_CONNECT: %v", err)
		}
		if data, ok := strings.CutPrefix(line, "data:"); ok {
			var c struct{ ClientId string }
			_ = json.Unmarshal([]byte(data), &c)
			id = c.ClientId
		}
	}
	raw, _ := json.Marshal(map[string]any{"clientId": id, "subscriptions": []string{topic}})
	req, _ := http.NewRequest("POST", s.URL+"/api/realtime", strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", s.Token(t, "phoffmann"))
	sub, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sub.Body.Close()
	if sub.StatusCode != http.StatusNoContent {
		t.Fatalf("subscribe: %d", sub.StatusCode)
	}

	reader := testkit.OpenSSE(t, s.URL)
	if status, body := reader.Subscribe(t, s.Token(t, "lneumann"), topic); status != http.StatusNoContent {
		t.Fatalf("reader subscribe: %d %s", status, body)
	}
	jwagner := s.As(t, "jwagner")
	post := func(body string) {
		t.Helper()
		if r := jwagner.Do(t, "POST", "/api/collections/messages/records", map[string]any{
			"channel": flood, "author": s.Demo.Users["jwagner"].Id, "body": body}); r.Status != http.StatusOK {
			t.Fatalf("post: %s", r)
		}
	}
	broker := s.App.SubscriptionsBroker()
	ended := func() bool { _, err := broker.ClientById(id); return err != nil }
	filler := strings.Repeat("Pegel Maxau 8,62 m steigend, Deich 3 wird beobachtet. ", 300) // 16 KB
	// 10 MB, beyond the stream's window, or less if the stream ends before.
	for i := 0; i < 600 && !ended(); i++ {
		post(fmt.Sprintf("Lage %d: %s", i, filler))
	}
	testkit.Eventually(t, 15*time.Second, "the HTTP/2 stream of a client that reads nothing did not end", ended)
	post("Lage zuletzt: Deich 3 hält.")
	testkit.Eventually(t, 10*time.Second, "the reader missed the last message", func() bool {
		for _, ev := range reader.All() {
			if rec, _ := ev.Data["record"].(map[string]any); rec != nil && rec["body"] == "Lage zuletzt: Deich 3 hält." {
				return true
			}
		}
		return false
	})
}
