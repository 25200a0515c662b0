package enrolment_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crisisroom/hooks"
	"crisisroom/hooks/enrolment"
	"crisisroom/trust"
)

// caFromHTTP fetches /ca.crt over plain HTTP, as a phone does before it trusts anything.
func caFromHTTP(t *testing.T, s *enrolServer) *x509.Certificate {
	t.Helper()
	resp, err := http.Get(s.URL + "/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-x509-ca-cert" {
		t.Fatalf("content type %q", ct)
	}
	der := make([]byte, 0, 1024)
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		der = append(der, buf[:n]...)
		if err != nil {
			break
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ca.crt: %v", err)
	}
	return cert
}

func onlyTrusting(ca *x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// A client that trusts only the appliance's CA (fetched over plain HTTP, checked against
// the published fingerprint) verifies the appliance under every name a phone may use;
// the same CA survives a restart; realtime works over HTTPS; pages on HTTP move there.
func TestHTTPSWithTheApplianceCA(t *testing.T) {
	s := startEnrol(t, "", hooks.Config{HTTPSAddr: "0.0.0.0:0"}, true)
	tr := call(t, nil, "GET", s.URL+"/api/crisisroom/trust", "", nil)
	port := tr.str("https_port")
	if tr.Status != 200 || port == "" || port == "0" {
		t.Fatalf("trust: %s", tr.Raw)
	}
	if !strings.HasSuffix(tr.str("trust_url"), "/trust.html") || decodeQRDataURL(t, tr.str("trust_qr")) != tr.str("trust_url") {
		t.Fatalf("trust page link %q", tr.str("trust_url"))
	}
	ca := caFromHTTP(t, s)
	if trust.Fingerprint(ca.Raw) != tr.str("fingerprint") {
		t.Fatalf("downloaded CA %s, published %s", trust.Fingerprint(ca.Raw), tr.str("fingerprint"))
	}
	client := onlyTrusting(ca)
	hosts := []string{"localhost", "127.0.0.1"}
	if lan := hooks.LANAddresses(); len(lan) > 0 {
		hosts = append(hosts, lan[0].String())
	} else {
		t.Log("this machine has no LAN address: only loopback names are checked")
	}
	for _, h := range hosts {
		r := call(t, client, "GET", "https://"+net.JoinHostPort(h, port)+"/api/health", "", nil)
		if r.Status != 200 {
			t.Errorf("%s: %d", h, r.Status)
		}
	}
	// Not trusted by the system's roots: it is the appliance's own CA, nothing public.
	if _, err := (&http.Client{Timeout: 5 * time.Second}).Get("https://127.0.0.1:" + port + "/api/health"); err == nil {
		t.Error("the server certificate verified against the system roots")
	}

	// An invitation made over HTTPS links to HTTPS, with the fingerprint's first digits.
	inv := call(t, client, "POST", "https://localhost:"+port+"/api/crisisroom/invitations", s.token(t, "jwagner"), map[string]any{"kind": "organisation"})
	if inv.Status != 200 {
		t.Fatalf("invite over HTTPS: %d %s", inv.Status, inv.Raw)
	}
	_, fp, _ := enrolment.ParseJoinLink(inv.str("url"))
	if !strings.HasPrefix(inv.str("url"), "https://") || !strings.Contains(inv.str("url"), ":"+port+"/join#") ||
		fp != strings.ToLower(strings.ReplaceAll(tr.str("fingerprint"), ":", ""))[:16] {
		t.Fatalf("link %q (fingerprint %s)", inv.str("url"), tr.str("fingerprint"))
	}
	if got := decodeQRDataURL(t, inv.str("qr")); got != inv.str("url") {
		t.Fatalf("QR %q", got)
	}

	// Realtime (SSE) over HTTPS.
	resp, err := client.Get("https://127.0.0.1:" + port + "/api/realtime")
	if err != nil {
		t.Fatal(err)
	}
	var event string
	for rd := bufio.NewReader(resp.Body); ; {
		line, err := rd.ReadString('\n')
		event += line
		if err != nil || line == "\n" {
			break
		}
	}
	resp.Body.Close()
	if !strings.Contains(event, "event:PB_CONNECT") || !strings.Contains(event, "clientId") {
		t.Fatalf("realtime over HTTPS: %q", event)
	}

	// Plain HTTP from the network (a phone asking for crisisroom.local): pages move to
	// HTTPS; the CA, its instructions and the API stay. On the appliance itself
	// (localhost) nothing moves: the browser treats it as secure already.
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{"/": 302, "/join.html": 302, "/join": 302, "/trust.html": 200, "/ca.crt": 200, "/api/health": 200, "/api/crisisroom/trust": 200} {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Host = "crisisroom.local"
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("http %s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == 302 && path != "/join" && resp.Header.Get("Location") != "https://crisisroom.local:"+port+path {
			t.Errorf("http %s redirects to %q", path, resp.Header.Get("Location"))
		}
		local, err := plain.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		local.Body.Close()
		if local.StatusCode == 302 && path != "/join" {
			t.Errorf("http %s on localhost redirects to %q", path, local.Header.Get("Location"))
		}
	}

	// Restart: a new appliance on the same data keeps the CA; the old trust still holds.
	dir := t.TempDir()
	copyDir(t, filepath.Join(s.App.DataDir(), "tls"), filepath.Join(dir, "tls"))
	s.stop()
	s2 := startEnrol(t, dir, hooks.Config{HTTPSAddr: "127.0.0.1:0"}, false)
	tr2 := call(t, nil, "GET", s2.URL+"/api/crisisroom/trust", "", nil)
	if tr2.str("fingerprint") != tr.str("fingerprint") {
		t.Fatalf("fingerprint after restart %s, before %s", tr2.str("fingerprint"), tr.str("fingerprint"))
	}
	if r := call(t, client, "GET", "https://localhost:"+tr2.str("https_port")+"/api/health", "", nil); r.Status != 200 {
		t.Fatalf("after restart: %d", r.Status)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// --tls-cert/--tls-key: the city's own certificate is served, and the fingerprint in
// links and on the trust page is that certificate's.
func TestHTTPSWithTheCitysCertificate(t *testing.T) {
	city, err := trust.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := city.Refresh([]string{"krisenstab.stadt.example"}, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	leaf := writeLeaf(t, city, certFile, keyFile)

	s := startEnrol(t, "", hooks.Config{HTTPSAddr: "127.0.0.1:0", TLSCert: certFile, TLSKey: keyFile}, false)
	tr := call(t, nil, "GET", s.URL+"/api/crisisroom/trust", "", nil)
	if tr.str("fingerprint") != trust.Fingerprint(leaf.Raw) || tr.Body["custom"] != true {
		t.Fatalf("trust: %s", tr.Raw)
	}
	conn, err := tls.Dial("tcp", "127.0.0.1:"+tr.str("https_port"), &tls.Config{RootCAs: city.CertPool(), ServerName: "krisenstab.stadt.example"})
	if err != nil {
		t.Fatalf("the city's certificate does not verify: %v", err)
	}
	defer conn.Close()
	if got := conn.ConnectionState().PeerCertificates[0]; !got.Equal(leaf) {
		t.Fatalf("served %s", got.Subject)
	}
}

func writeLeaf(t *testing.T, a *trust.Authority, certFile, keyFile string) *x509.Certificate {
	t.Helper()
	c, err := a.TLSConfig().GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	var chain []byte
	for _, der := range c.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return c.Leaf
}
