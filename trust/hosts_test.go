package trust

import (
	"net"
	"os"
	"strings"
	"testing"
)

func TestOwnHost(t *testing.T) {
	own := []string{"localhost", "LOCALHOST", "crisisroom.local", "127.0.0.1", "::1", "[::1]", "stab.example.org"}
	if h, err := os.Hostname(); err == nil && h != "" {
		own = append(own, strings.ToLower(h))
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				own = append(own, n.IP.String())
			}
		}
	}
	for _, h := range own {
		if !OwnHost(h, "stab.example.org") {
			t.Errorf("%q: want own", h)
		}
	}
	for _, h := range []string{"", "evil.example", "crisisroom.local.evil.example", "192.0.2.7", "[2001:db8::1]", "localhost.evil.example"} {
		if OwnHost(h, "stab.example.org") {
			t.Errorf("%q: want foreign", h)
		}
	}
}
