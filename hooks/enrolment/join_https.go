package enrolment

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"crisisroom/apperr"
	"crisisroom/connbound"
	"crisisroom/hooks"
	"crisisroom/hooks/tenancy"
	"crisisroom/trust"
)

// certCheckInterval: how often the appliance looks whether its LAN addresses changed (a
// new DHCP lease, a second network cable) and the certificate must cover new ones.
const certCheckInterval = 3 * time.Minute

// serveHTTPS runs a second listener with TLS beside PocketBase's plain HTTP one. It
// serves the very handler PocketBase built, so every route, the UI and realtime (SSE)
// behave the same on both; the handler exists once the rest of OnServe has run.
func (en *enrolment) serveHTTPS(e *core.ServeEvent) error {
	if err := e.Next(); err != nil {
		return err
	}
	if !hooks.HttpsEnabled(en.cfg.HTTPSAddr) {
		return nil
	}
	app := e.App
	a := en.auth
	refresh := func() {
		changed, err := a.Refresh(trust.HostNames(), hooks.LANAddresses())
		if err != nil {
			app.Logger().Error("server certificate renewal failed", "error", err)
		} else if changed {
			leaf := a.Leaf()
			app.Logger().Info("server certificate issued", "names", leaf.DNSNames, "ips", leaf.IPAddresses, "until", leaf.NotAfter)
		}
	}
	refresh()

	ln, err := net.Listen("tcp", en.cfg.HTTPSAddr)
	if err != nil {
		return errors.Join(errors.New("failed to listen for HTTPS on "+en.cfg.HTTPSAddr+" (use --https off to run without)"), err)
	}
	per, err := connbound.PerAddressFromEnv()
	if err != nil {
		ln.Close()
		return err
	}
	ln = connbound.Wrap(ln, per, app.Logger()) // as the HTTP listener: one address cannot use up the open files
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           e.Server.Handler,
		TLSConfig:         a.TLSConfig(),
		ReadHeaderTimeout: 10 * time.Second, // a browser sends the head at once
		// Go's default lets one connection hold 250 requests; the requests one address has
		// in the works are bounded as well (connbound).
		HTTP2:        &http.HTTP2Config{MaxConcurrentStreams: connbound.MaxConcurrentStreams},
		ReadTimeout:  5 * time.Minute,
		WriteTimeout: 5 * time.Minute,
		// SSE connections end with the app, not after the server's shutdown grace time.
		BaseContext: func(net.Listener) context.Context { return ctx },
		// Phones that do not trust the CA yet abort handshakes all day: not worth a log line.
		ErrorLog: log.New(discardWriter{}, "", 0),
	}
	en.mu.Lock()
	en.httpsAddr = ln.Addr()
	en.mu.Unlock()
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			app.Logger().Error("HTTPS server stopped", "error", err)
		}
	}()
	go func() {
		t := time.NewTicker(certCheckInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				refresh()
			}
		}
	}()
	var responder *trust.MDNS
	if en.cfg.MDNS {
		responder = en.startMDNS(app, ln.Addr())
	}
	app.OnTerminate().BindFunc(func(te *core.TerminateEvent) error {
		if responder != nil {
			responder.Close()
		}
		cancel()
		sctx, scancel := context.WithTimeout(context.Background(), time.Second)
		defer scancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		return te.Next()
	})
	app.Logger().Info("HTTPS listening", "addr", ln.Addr().String(), "fingerprint", a.Fingerprint())
	if !en.cfg.Quiet {
		// The operator reads the fingerprint off the terminal to compare it on phones.
		host := hooks.LinkHost(en.cfg.HTTPAddr)
		fmt.Fprintf(os.Stderr, "  Im Browser öffnen / open in a browser: http://%s/  (HTTPS: %s/)\n  Zertifikat einrichten / set up the certificate: http://%s/trust.html\n  CA SHA-256: %s\n\n",
			host, en.linkBase(nil), host, a.Fingerprint())
	}
	return nil
}

// startMDNS lets phones find the appliance as crisisroom.local and as an HTTPS service.
// It is a help, not a need (the QR code carries an address): failing is only logged.
func (en *enrolment) startMDNS(app core.App, addr net.Addr) *trust.MDNS {
	instance := "crisisroom"
	if host := tenancy.HostOrganisation(app); host != nil {
		instance = host.GetString("name")
	}
	m, err := trust.StartMDNS(trust.MDNSConfig{
		Host: "crisisroom", Instance: instance, HTTPSPort: addr.(*net.TCPAddr).Port,
		Addrs: hooks.LANAddresses, Logger: app.Logger().With("component", "mdns"),
	})
	if err != nil {
		app.Logger().Warn("mDNS not announced", "error", err)
		return nil
	}
	app.Logger().Info("mDNS: announcing crisisroom.local", "instance", instance)
	return m
}

// redirectToHTTPS sends page requests on plain HTTP to HTTPS. What a phone needs before
// it trusts the CA stays on HTTP: the CA itself, the page explaining how to install it,
// the setup page, and the whole API (scripts and the setup flow use it, and a token in a
// JSON body is no worse off than the form it came from).
func (en *enrolment) redirectToHTTPS(e *core.RequestEvent) error {
	if e.Request.TLS != nil || (e.Request.Method != http.MethodGet && e.Request.Method != http.MethodHead) {
		return e.Next()
	}
	p := e.Request.URL.Path
	page := p == "/" || p == "/join" || strings.HasSuffix(p, ".html") || strings.HasPrefix(p, "/_/")
	if !page || p == "/trust.html" || p == "/setup.html" || p == "/invite-print.html" {
		return e.Next()
	}
	en.mu.Lock()
	bound := en.httpsAddr
	en.mu.Unlock()
	if bound == nil {
		return e.Next()
	}
	_, port, _ := net.SplitHostPort(bound.String())
	host, _ := hooks.SplitHost(e.Request.Host)
	// On the appliance itself plain HTTP is already a secure context for the browser
	// (service worker, outbox); sending it to HTTPS would only show a certificate warning.
	if host == "" || hooks.IsLoopbackHost(host) {
		return e.Next()
	}
	// A Host that is not the appliance's goes to the address the request came in on.
	if host, _ = en.requestHost(e.Request); host == "" || hooks.IsLoopbackHost(host) {
		host = canonicalHost(bound.String())
	}
	// 302, not 301: a browser must not remember it if HTTPS is switched off later.
	return e.Redirect(http.StatusFound, "https://"+net.JoinHostPort(host, port)+e.Request.URL.RequestURI())
}

func (en *enrolment) handleTrust(e *core.RequestEvent) error {
	a, err := en.authority(e.App)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	port := en.httpsPort()
	// The page that explains how to install the CA, on plain HTTP (reachable before the
	// phone trusts anything), with its QR code for the printed sheet.
	trustURL, trustQR := en.trustPage(e), ""
	if trustURL != "" {
		trustQR, _ = QRDataURL(trustURL)
	}
	return e.JSON(http.StatusOK, map[string]any{
		"trust_url":   trustURL,
		"trust_qr":    trustQR,
		"fingerprint": a.Fingerprint(),
		"short":       a.ShortFingerprint(),
		"https_port":  port,
		"custom":      a.Custom(),
		"subject":     a.CACert().Subject.CommonName,
		"not_after":   a.CACert().NotAfter.UTC().Format(time.RFC3339),
	})
}

// trustPage is the URL of the trust page on plain HTTP: the request's host if it is one of
// the appliance's own, else the address the request came in on (requestHost), a LAN
// address for loopback on a box listening everywhere; "" when plain HTTP's port is unknown.
func (en *enrolment) trustPage(e *core.RequestEvent) string {
	host, port := en.requestHost(e.Request)
	if e.Request.TLS != nil || port == "" {
		_, port, _ = net.SplitHostPort(en.cfg.HTTPAddr)
	}
	if a, ok := e.Request.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && e.Request.TLS == nil && (port == "" || port == "0") {
		_, port, _ = net.SplitHostPort(a.String()) // plain HTTP on a port chosen at start
	}
	if port == "" || port == "0" {
		return ""
	}
	lh, _, err := net.SplitHostPort(en.cfg.HTTPAddr)
	wildcard := err == nil && (lh == "" || lh == "0.0.0.0" || lh == "::")
	if host == "" || (wildcard && hooks.IsLoopbackHost(host)) {
		host = canonicalHost(en.cfg.HTTPAddr)
	}
	return "http://" + net.JoinHostPort(host, port) + "/trust.html"
}

func (en *enrolment) handleCACert(e *core.RequestEvent) error {
	a, err := en.authority(e.App)
	if err != nil {
		return apperr.New(http.StatusInternalServerError, "common.internal_error", err)
	}
	// DER: the one form every phone's certificate installer accepts.
	e.Response.Header().Set("Content-Type", "application/x-x509-ca-cert")
	e.Response.Header().Set("Content-Disposition", `attachment; filename="crisisroom-ca.crt"`)
	e.Response.Header().Set("Cache-Control", "no-cache")
	return e.Blob(http.StatusOK, "application/x-x509-ca-cert", a.CACert().Raw)
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
