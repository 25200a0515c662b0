package trust

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenKeepsTheCAAcrossRestarts(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "ca.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("ca.key mode %v, want 0600", st.Mode().Perm())
	}
	if !a.CACert().IsCA || a.CACert().NotAfter.Before(time.Now().Add(9*365*24*time.Hour)) {
		t.Fatalf("CA: IsCA=%v until %v", a.CACert().IsCA, a.CACert().NotAfter)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() != b.Fingerprint() {
		t.Fatalf("fingerprint changed on reopen: %s → %s", a.Fingerprint(), b.Fingerprint())
	}
	if len(a.Fingerprint()) != 32*3-1 || !strings.HasPrefix(strings.ToLower(strings.ReplaceAll(a.Fingerprint(), ":", "")), a.ShortFingerprint()) {
		t.Fatalf("fingerprint %q / short %q", a.Fingerprint(), a.ShortFingerprint())
	}

	os.Remove(filepath.Join(dir, "ca.key"))
	if _, err := Open(dir); err == nil {
		t.Fatal("a CA without its key was replaced silently")
	}
}

func TestRefreshReissuesOnlyWhenNeeded(t *testing.T) {
	a, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lan := net.ParseIP("192.168.178.23")
	if changed, err := a.Refresh([]string{"box", "crisisroom.local"}, []net.IP{lan}); err != nil || !changed {
		t.Fatalf("first refresh: %v %v", changed, err)
	}
	first := a.Leaf()
	if changed, _ := a.Refresh([]string{"crisisroom.local", "box"}, []net.IP{lan}); changed {
		t.Fatal("same names and addresses in another order gave a new certificate")
	}
	if changed, _ := a.Refresh([]string{"crisisroom.local", "box"}, []net.IP{lan, net.ParseIP("10.0.0.5")}); !changed {
		t.Fatal("a new LAN address did not give a new certificate")
	}
	if a.Leaf().SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Fatal("certificate not replaced")
	}
	a.now = func() time.Time { return time.Now().Add(leafValidity - renewBefore + time.Hour) }
	if changed, _ := a.Refresh([]string{"crisisroom.local", "box"}, []net.IP{lan, net.ParseIP("10.0.0.5")}); !changed {
		t.Fatal("a certificate near its end was not renewed")
	}

	for _, host := range []string{"box", "crisisroom.local", "localhost", "127.0.0.1", "::1", "10.0.0.5"} {
		if _, err := a.Leaf().Verify(x509.VerifyOptions{DNSName: host, Roots: a.CertPool(), CurrentTime: a.now()}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if _, err := a.Leaf().Verify(x509.VerifyOptions{DNSName: "example.org", Roots: a.CertPool()}); err == nil {
		t.Error("certificate valid for a name it should not cover")
	}
}

func TestOpenCustomUsesTheCitysCertificate(t *testing.T) {
	// A certificate "of the city": here one issued by another appliance CA.
	city, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	city.Refresh([]string{"krisenstab.stadt.example"}, nil)
	dir := t.TempDir()
	leaf := city.leaf
	certPEM := pemCert(leaf.Certificate[0])
	keyPEM := pemKey(t, leaf)
	os.WriteFile(filepath.Join(dir, "c.pem"), certPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "k.pem"), keyPEM, 0o600)
	a, err := OpenCustom(filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Fingerprint() != Fingerprint(leaf.Certificate[0]) {
		t.Fatal("custom fingerprint is not the certificate's")
	}
	if changed, _ := a.Refresh([]string{"x"}, nil); changed {
		t.Fatal("the city's certificate was replaced")
	}
	c, err := a.TLSConfig().GetCertificate(&tls.ClientHelloInfo{})
	if err != nil || c.Leaf.Subject.CommonName != "krisenstab.stadt.example" {
		t.Fatalf("served %v, %v", c, err)
	}
}
