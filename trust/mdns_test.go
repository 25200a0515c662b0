package trust

import (
	"net"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func query(t *testing.T, name string, typ dnsmessage.Type) []byte {
	t.Helper()
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{})
	b.StartQuestions()
	b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET})
	msg, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func parse(t *testing.T, msg []byte) (answers, extra []dnsmessage.Resource) {
	t.Helper()
	var m dnsmessage.Message
	if err := m.Unpack(msg); err != nil {
		t.Fatal(err)
	}
	if !m.Header.Response {
		t.Fatal("not a response")
	}
	return m.Answers, m.Additionals
}

func testConfig() MDNSConfig {
	return MDNSConfig{Host: "crisisroom", Instance: "Krisenstab Stadt", HTTPSPort: 8443,
		Addrs: func() []net.IP { return []net.IP{net.ParseIP("192.168.178.23"), net.ParseIP("10.0.0.5")} }}
}

func answerTo(t *testing.T, c MDNSConfig, name string, typ dnsmessage.Type) []byte {
	t.Helper()
	var p dnsmessage.Parser
	if _, err := p.Start(query(t, name, typ)); err != nil {
		t.Fatal(err)
	}
	qs, _ := p.AllQuestions()
	msg, err := c.response(qs)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestMDNSAnswers(t *testing.T) {
	c := testConfig()
	ans, _ := parse(t, answerTo(t, c, "CrisisRoom.local.", dnsmessage.TypeA))
	if len(ans) != 2 || ans[0].Body.(*dnsmessage.AResource).A != [4]byte{192, 168, 178, 23} || ans[0].Header.Class&(1<<15) == 0 {
		t.Fatalf("A answers: %v", ans)
	}
	ans, extra := parse(t, answerTo(t, c, "_https._tcp.local.", dnsmessage.TypePTR))
	if len(ans) != 1 || ans[0].Body.(*dnsmessage.PTRResource).PTR.String() != "Krisenstab Stadt._https._tcp.local." {
		t.Fatalf("PTR answers: %v", ans)
	}
	var port uint16
	for _, r := range extra {
		if s, ok := r.Body.(*dnsmessage.SRVResource); ok {
			port = s.Port
			if s.Target.String() != "crisisroom.local." {
				t.Errorf("SRV target %s", s.Target)
			}
		}
	}
	if port != 8443 || len(extra) != 4 {
		t.Fatalf("additional records: %v", extra)
	}
	for _, name := range []string{"other.local.", "_http._tcp.local.", "crisisroom.example."} {
		if msg := answerTo(t, c, name, dnsmessage.TypeA); msg != nil {
			t.Errorf("answered a question about %s", name)
		}
	}
	ann, err := c.response(nil)
	if err != nil {
		t.Fatal(err)
	}
	if ans, _ := parse(t, ann); len(ans) != 5 {
		t.Fatalf("announcement has %d records, want 2 A + PTR + SRV + TXT", len(ans))
	}
}

// On a network that carries multicast, a question sent to the group is answered on the
// group (never to the asker's unicast address).
func TestMDNSOnTheWire(t *testing.T) {
	free, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := free.LocalAddr().(*net.UDPAddr).Port
	free.Close()
	c := testConfig()
	c.Port = port
	m, err := StartMDNS(c)
	if err != nil {
		t.Skipf("no multicast here: %v", err)
	}
	defer m.Close()
	// A second member of the group, as another phone on the network would be.
	raw, rx, err := listenGroup(port)
	if err != nil {
		t.Skipf("cannot join the group twice: %v", err)
	}
	defer raw.Close()
	got := make(chan []byte, 16)
	go func() {
		buf := make([]byte, 9000)
		for {
			n, _, _, err := rx.ReadFrom(buf)
			if err != nil {
				return
			}
			got <- append([]byte(nil), buf[:n]...)
		}
	}()
	asker, err := net.ListenPacket("udp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer asker.Close()
	// Only TXT: an answer with just that record cannot be one of the announcements.
	if _, err := asker.WriteTo(query(t, "Krisenstab Stadt._https._tcp.local.", dnsmessage.TypeTXT), &net.UDPAddr{IP: mdnsGroup, Port: port}); err != nil {
		t.Skipf("cannot send multicast: %v", err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case msg := <-got:
			var p dnsmessage.Parser
			if h, err := p.Start(msg); err != nil || !h.Response {
				continue
			}
			if ans, _ := parse(t, msg); len(ans) == 1 && ans[0].Header.Type == dnsmessage.TypeTXT {
				return
			}
		case <-deadline:
			t.Fatal("no answer on the multicast group within 5 s")
		}
	}
}
