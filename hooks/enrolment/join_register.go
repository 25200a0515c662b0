package enrolment

import (
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"crisisroom/hooks"
	"crisisroom/hooks/tenancy"
	"crisisroom/trust"
)

// enrolment is the state behind invitations, joining and the appliance's HTTPS.
type enrolment struct {
	cfg     *hooks.Config
	limiter *tenancy.FailLimiter

	mu        sync.Mutex
	auth      *trust.Authority
	httpsAddr net.Addr // bound HTTPS address, nil while HTTPS is off
}

func Register(app core.App, cfg *hooks.Config) {
	en := &enrolment{cfg: cfg, limiter: tenancy.NewFailLimiter(tenancy.JoinFailuresPerMinute, tenancy.JoinWindow)}
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		if _, err := en.authority(e.App); err != nil {
			return err
		}
		en.routes(e)
		return en.serveHTTPS(e)
	})
}

func (en *enrolment) routes(e *core.ServeEvent) {
	e.Router.POST("/api/crisisroom/invitations", en.handleCreateInvitation).Bind(apis.BodyLimit(64 << 10))
	e.Router.GET("/api/crisisroom/join/info", en.handleJoinInfo)
	e.Router.POST("/api/crisisroom/join", en.handleJoin).Bind(apis.BodyLimit(64 << 10))
	e.Router.GET("/api/crisisroom/trust", en.handleTrust)
	e.Router.GET("/ca.crt", en.handleCACert)
	// The link in the QR code is /join: short to type, and the fragment survives the hop.
	e.Router.GET("/join", func(re *core.RequestEvent) error { return re.Redirect(302, "/join.html") })
	e.Router.BindFunc(en.redirectToHTTPS)
}

// authority opens the appliance's CA (or the city's certificate) once.
func (en *enrolment) authority(app core.App) (*trust.Authority, error) {
	en.mu.Lock()
	defer en.mu.Unlock()
	if en.auth != nil {
		return en.auth, nil
	}
	var (
		a   *trust.Authority
		err error
	)
	if en.cfg.TLSCert != "" || en.cfg.TLSKey != "" {
		a, err = trust.OpenCustom(en.cfg.TLSCert, en.cfg.TLSKey)
	} else {
		a, err = trust.Open(filepath.Join(app.DataDir(), "tls"))
	}
	if err != nil {
		return nil, err
	}
	en.auth = a
	return a, nil
}

// requestHost is the host and port of request r's Host header when that host is one of
// the appliance's own (trust.OwnHost, the public URL's host among them), else those of
// the local address the request came in on: a link is never built from a stranger's
// name. Both "" without a request (the terminal's invite).
func (en *enrolment) requestHost(r *http.Request) (host, port string) {
	if r == nil {
		return "", ""
	}
	public := ""
	if u, err := url.Parse(en.cfg.PublicURL); err == nil && en.cfg.PublicURL != "" {
		public = u.Hostname()
	}
	return trust.RequestHost(r, public)
}

// canonicalHost is the appliance's own name for links when the request's is unknown or
// unusable on another device (loopback): the address listen is bound to, or for a
// wildcard listen address the first LAN address ("localhost" on a box without one).
func canonicalHost(listen string) string {
	if h, _ := hooks.SplitHost(hooks.LinkHost(listen)); h != "" {
		return h
	}
	return "localhost"
}

func (en *enrolment) httpsPort() string {
	en.mu.Lock()
	defer en.mu.Unlock()
	if en.httpsAddr == nil {
		// Not serving (the terminal's `invite`): the configured port is where it will be.
		if hooks.HttpsEnabled(en.cfg.HTTPSAddr) {
			if _, p, err := net.SplitHostPort(en.cfg.HTTPSAddr); err == nil && p != "0" {
				return p
			}
		}
		return ""
	}
	_, p, _ := net.SplitHostPort(en.httpsAddr.String())
	return p
}
