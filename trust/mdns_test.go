package trust

import (
	"net"
	"testing"

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
