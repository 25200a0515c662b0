package trust

import (
	"net"
	"net/http"
	"slices"
	"strings"
)

// OwnHost reports whether host (a name or an address without port, as in a request's
// Host header; IPv6 with or without brackets; any case) is one of the appliance's own:
// a name of HostNames (the names its server certificate carries), an address of one of
// the machine's interfaces (loopback included), "localhost", or one of extra (the
// configured public name). Links, QR codes and redirects are built only from such a
// host: a Host header is the client's word, and a link with a stranger's name in it
// would send the room's phones, with their invitation codes, to the stranger.
func OwnHost(host string, extra ...string) bool {
	h := strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if h == "" {
		return false
	}
	for _, e := range extra {
		if e != "" && strings.EqualFold(strings.TrimSuffix(strings.Trim(e, "[]"), "."), h) {
			return true
		}
	}
	ip := net.ParseIP(h)
	if ip == nil {
		return slices.Contains(HostNames(), h)
	}
	if ip.IsLoopback() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// RequestHost is the host and port (port "" if none) a link or redirect built for request
// r names: those of its Host header when that host is the appliance's own (OwnHost, with
// extra), else those of the local address the request came in on, which the client
// cannot choose (both "" when the server did not record it).
func RequestHost(r *http.Request, extra ...string) (host, port string) {
	host, port = splitHost(r.Host)
	if OwnHost(host, extra...) {
		return host, port
	}
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return splitHost(a.String())
	}
	return "", ""
}

func splitHost(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return strings.Trim(h, "[]"), p
	}
	return strings.Trim(hostport, "[]"), ""
}
