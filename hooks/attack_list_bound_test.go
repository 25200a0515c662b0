package hooks_test

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"crisisroom/testkit"
)

// Record lists are run a few at a time (8, 2 per address). Clients that send a list's
// head with a body announced and then never the body held those turns while PocketBase
// waited for the body, so 8 such requests from 4 addresses, without a sign-in, stopped
// every record list of the room. The body is read before a turn is taken now: a signed-in
// list from another address is answered while they hang.
func TestAttackStalledListBodiesHoldNoTurn(t *testing.T) {
	s := testkit.StartServer(t, testkit.Options{Demo: true, NoMQTT: true})
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	for a := 2; a <= 6; a++ { // five addresses, three stalled lists each
		for i := 0; i < 3; i++ {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(a))}}
			c, err := d.Dial("tcp", u.Host)
			if err != nil {
				t.Skipf("no second loopback address here: %v", err)
			}
			t.Cleanup(func() { c.Close() })
			fmt.Fprintf(c, "GET /api/collections/messages/records?perPage=50 HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", u.Host)
		}
	}
	time.Sleep(300 * time.Millisecond) // their heads are in
	req, _ := http.NewRequest("GET", s.URL+"/api/collections/channels/records?perPage=1", nil)
	req.Header.Set("Authorization", s.Token(t, "jwagner"))
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("a list beside 15 stalled ones: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a list beside 15 stalled ones: HTTP %d", resp.StatusCode)
	}
}
