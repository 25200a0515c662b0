package hooks

import (
	"net"
	"strings"
)

// Host names and listen addresses, as links, CSP origins and redirects need them.

func HttpsEnabled(addr string) bool { return addr != "" && addr != "off" }

func SplitHost(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return strings.Trim(h, "[]"), p
	}
	return strings.Trim(hostport, "[]"), ""
}

func IsLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func HostForURL(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// LinkHost turns a listen address into one a person can type: the first LAN address
// for a wildcard host, and the port unchanged.
func LinkHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
		if ips := LANAddresses(); len(ips) > 0 {
			host = ips[0].String()
		}
	}
	return net.JoinHostPort(host, port)
}

// LANAddresses lists the machine's non-loopback unicast IPv4 addresses.
func LANAddresses() []net.IP {
	var out []net.IP
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil && !ipn.IP.IsLinkLocalUnicast() {
			out = append(out, ipn.IP)
		}
	}
	return out
}
