package hooks

import (
	"net"
	"net/url"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"crisisroom/trust"
)

// AppCSP is the Content-Security-Policy (CSP Level 3) of the app's own pages: scripts,
// styles, connections and forms only from the appliance itself; images also as data:
// (QR codes) and blob: (previews of files about to be sent); never framed, no <base>,
// no plugins. Nothing inline: the pages load their scripts and styles from files, and
// the UI sets single style properties through the CSSOM (el.style), which CSP allows.
const AppCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// AdminCSP is the policy of PocketBase's admin UI at /_/ (the room's IT): its scripts
// from the appliance only, and the inline styles its components set. PocketBase's own
// policy there also allows scripts from any loopback port and map tiles and place names
// from openstreetmap.org, which an appliance without internet neither needs nor should
// name.
const AdminCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// HSTS is sent on HTTPS responses only (RFC 6797 §7.2: a host must not send it over
// plain HTTP); one year, without includeSubDomains (crisisroom.local has no subdomains
// of ours, and a city domain's other hosts are not ours to pin). Not for loopback
// names: on the appliance itself plain HTTP stays usable (it is a secure context
// already), and a pinned localhost would break every other local service's HTTP port.
// Note: a browser upgrades http://name:PORT to https://name:PORT with the same port
// (RFC 6797 §8.3), so once pinned it reaches the appliance by name only over HTTPS.
const HSTS = "max-age=31536000"

// RegisterSecurityHeaders tells browsers what to refuse: AppCSP on every response but
// the PocketBase admin UI at /_/ (AdminCSP: it needs inline styles) and stored files
// (PocketBase's sandbox policy), no MIME sniffing, no referrer to other sites, HSTS on
// HTTPS, and CORS only for the appliance's own origins instead of PocketBase's "*".
func RegisterSecurityHeaders(app core.App, cfg *Config) {
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{
		Id: "crisisroomSecurityHeaders",
		Func: func(se *core.ServeEvent) error {
			// PocketBase's CORS with "*" gives way to the same middleware deciding per
			// request (the port a request came in on counts as the appliance's own: tests
			// and "--https :0" listen on ports chosen at start).
			allow := apis.CORS(apis.CORSConfig{AllowOriginFunc: func(string) (bool, error) { return true, nil }})
			deny := apis.CORS(apis.CORSConfig{AllowOriginFunc: func(string) (bool, error) { return false, nil }})
			se.Router.Unbind(apis.DefaultCorsMiddlewareId)
			se.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       apis.DefaultCorsMiddlewareId,
				Priority: apis.DefaultCorsMiddlewarePriority,
				Func: func(e *core.RequestEvent) error {
					if ownOrigin(cfg, e.Request.Header.Get("Origin"), e.Request.Host) {
						return allow.Func(e)
					}
					return deny.Func(e)
				},
			})
			se.Router.Bind(&hook.Handler[*core.RequestEvent]{
				Id:       "crisisroomSecurityHeaders",
				Priority: apis.DefaultSecurityHeadersMiddlewarePriority + 1,
				Func: func(e *core.RequestEvent) error {
					h := e.Response.Header()
					h.Set("X-Content-Type-Options", "nosniff")
					h.Set("Referrer-Policy", "no-referrer")
					// Stored files keep PocketBase's own, stricter policy (sandbox, no
					// scripts at all): an uploaded file is never a page of the app.
					switch p := e.Request.URL.Path; {
					case p == "/_" || strings.HasPrefix(p, "/_/"):
						h.Set("Content-Security-Policy", AdminCSP) // PocketBase keeps one already set
						h.Set("X-Frame-Options", "DENY")
					case !strings.HasPrefix(p, "/api/files/"):
						h.Set("Content-Security-Policy", AppCSP)
						h.Set("X-Frame-Options", "DENY")
					}
					if host, _ := SplitHost(e.Request.Host); e.Request.TLS != nil && !IsLoopbackHost(host) {
						h.Set("Strict-Transport-Security", HSTS)
					}
					return e.Next()
				},
			})
			return se.Next()
		},
	})
}

// ownOrigin reports whether a browser origin ("scheme://host[:port]", RFC 6454) is the
// appliance's own: the --public-url origin, or http/https on one of the appliance's
// ports under one of its names (crisisroom.local, the host name, localhost, loopback and
// LAN addresses) — the names its certificate carries. requestHost is the Host the
// request came in on; its port is one of the appliance's.
func ownOrigin(cfg *Config, origin, requestHost string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
		return false
	}
	if cfg == nil {
		return false
	}
	if cfg.PublicURL != "" {
		if p, err := url.Parse(cfg.PublicURL); err == nil && strings.EqualFold(p.Scheme, u.Scheme) && strings.EqualFold(p.Host, u.Host) {
			return true
		}
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	_, reqPort, _ := net.SplitHostPort(requestHost)
	if port != reqPort && !ownPort(cfg, port) {
		return false
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return true
		}
		for _, lan := range LANAddresses() {
			if lan.Equal(ip) {
				return true
			}
		}
		return false
	}
	for _, n := range trust.HostNames() {
		if host == n {
			return true
		}
	}
	return false
}

// ownPort: the port of the HTTP or HTTPS listener.
func ownPort(cfg *Config, port string) bool {
	for _, addr := range []string{cfg.HTTPAddr, cfg.HTTPSAddr} {
		if _, p, err := net.SplitHostPort(addr); err == nil && p == port && p != "0" {
			return true
		}
	}
	return false
}
