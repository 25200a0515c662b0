package enrolment

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"crisisroom/hooks"
)

// inviteRequest is a request that reached the appliance at local (the address the
// inviter used, "" unknown) with Host host ("" for the terminal's invite: no request).
func inviteRequest(host, local string) *http.Request {
	if host == "" {
		return nil
	}
	r, _ := http.NewRequest("POST", "http://"+host+"/api/crisisroom/invitations", nil)
	if a, err := net.ResolveTCPAddr("tcp", local); err == nil && local != "" {
		r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, a))
	}
	return r
}

// Where the link in a QR code points: a phone must be able to reach it.
func TestLinkBase(t *testing.T) {
	lan := "localhost"
	if ips := hooks.LANAddresses(); len(ips) > 0 {
		lan = ips[0].String()
	}
	bound := func(addr string) net.Addr { a, _ := net.ResolveTCPAddr("tcp", addr); return a }
	cases := []struct {
		name    string
		cfg     hooks.Config
		bound   net.Addr
		reqHost string
		want    string
	}{
		{"city URL wins", hooks.Config{PublicURL: "https://krisenstab.stadt.example/", HTTPSAddr: "0.0.0.0:8443"}, nil, "10.0.0.2:8090", "https://krisenstab.stadt.example"},
		{"inviter's host, HTTPS port", hooks.Config{HTTPAddr: "0.0.0.0:8090", HTTPSAddr: "0.0.0.0:8443"}, bound("0.0.0.0:8443"), "10.1.2.3:8090", "https://10.1.2.3:8443"},
		{"name kept", hooks.Config{HTTPSAddr: "0.0.0.0:8443"}, bound("0.0.0.0:8443"), "crisisroom.local:8443", "https://crisisroom.local:8443"},
		{"loopback on a box listening everywhere: the LAN address", hooks.Config{HTTPSAddr: "0.0.0.0:8443"}, bound("0.0.0.0:8443"), "localhost:8090", "https://" + lan + ":8443"},
		{"loopback-only box stays on loopback", hooks.Config{HTTPSAddr: "127.0.0.1:8443"}, bound("127.0.0.1:8443"), "127.0.0.1:8090", "https://127.0.0.1:8443"},
		{"terminal, not serving: configured port", hooks.Config{HTTPSAddr: "0.0.0.0:8443"}, nil, "", "https://" + lan + ":8443"},
		{"terminal, bound to one address", hooks.Config{HTTPSAddr: "192.168.5.5:8443"}, nil, "", "https://192.168.5.5:8443"},
		{"HTTPS off: plain HTTP as the inviter used it", hooks.Config{HTTPAddr: "127.0.0.1:8090", HTTPSAddr: "off"}, nil, "127.0.0.1:8090", "http://127.0.0.1:8090"},
		{"HTTPS off, terminal", hooks.Config{HTTPAddr: "0.0.0.0:8090"}, nil, "", "http://" + lan + ":8090"},
		{"IPv6 inviter", hooks.Config{HTTPSAddr: "[::]:8443"}, bound("[::]:8443"), "[fd00::5]:8090", "https://[fd00::5]:8443"},
	}
	for _, c := range cases {
		en := &enrolment{cfg: &c.cfg, httpsAddr: c.bound}
		// The inviter reached the appliance at the address in its Host header.
		local := c.reqHost
		if h, _ := hooks.SplitHost(c.reqHost); net.ParseIP(h) == nil {
			local = ""
		}
		if got := en.linkBase(inviteRequest(c.reqHost, local)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// A Host header that names none of the appliance's names and addresses is the
	// client's word, not a place: the link names the address the request came in on.
	for _, c := range []struct {
		name        string
		cfg         hooks.Config
		bound       net.Addr
		host, local string
		want        string
	}{
		{"foreign name, LAN connection", hooks.Config{HTTPAddr: "0.0.0.0:8090", HTTPSAddr: "0.0.0.0:8443"}, bound("0.0.0.0:8443"), "evil.example:8090", "10.1.2.3:8090", "https://10.1.2.3:8443"},
		{"foreign name, loopback connection", hooks.Config{HTTPSAddr: "0.0.0.0:8443"}, bound("0.0.0.0:8443"), "evil.example", "127.0.0.1:8090", "https://" + lan + ":8443"},
		{"foreign name, unknown connection", hooks.Config{HTTPSAddr: "0.0.0.0:8443"}, bound("0.0.0.0:8443"), "evil.example:8090", "", "https://" + lan + ":8443"},
		{"foreign address, HTTPS off", hooks.Config{HTTPAddr: "127.0.0.1:8090", HTTPSAddr: "off"}, nil, "192.0.2.66:9999", "127.0.0.1:8090", "http://127.0.0.1:8090"},
		{"public name kept without a public URL's port", hooks.Config{PublicURL: "https://stab.example.org"}, nil, "evil.example", "", "https://stab.example.org"},
	} {
		en := &enrolment{cfg: &c.cfg, httpsAddr: c.bound}
		if got := en.linkBase(inviteRequest(c.host, c.local)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	if !strings.HasPrefix(FormatJoinLink("https://h:1/", "tok", ""), "https://h:1/join#tok") {
		t.Error("trailing slash doubled")
	}
}
