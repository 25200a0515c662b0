// Package trust gives the appliance HTTPS without the internet: its own certificate
// authority, kept in the data directory, and a server certificate for every name and
// address the room's phones may use to reach it. A city that has its own certificate can
// use that instead. The package knows only crypto and files, never PocketBase.
package trust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

const (
	caValidity = 10 * 365 * 24 * time.Hour
	// Apple refuses server certificates valid for longer than 825 days even from a
	// private CA, and browsers warn beyond 398: stay below both and renew early.
	leafValidity = 397 * 24 * time.Hour
	renewBefore  = 30 * 24 * time.Hour
)

// Authority is the appliance's trust anchor and the certificate it serves.
type Authority struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey // nil with a certificate of the city's own
	custom bool

	mu    sync.RWMutex
	leaf  *tls.Certificate
	names []string
	ips   []net.IP
	now   func() time.Time
}

// Open loads the CA from dir (ca.crt, ca.key) or creates it there on first start.
func Open(dir string) (*Authority, error) {
	a := &Authority{now: time.Now}
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	certPEM, errC := os.ReadFile(certPath)
	keyPEM, errK := os.ReadFile(keyPath)
	switch {
	case errC == nil && errK == nil:
		if err := a.load(certPEM, keyPEM); err != nil {
			return nil, fmt.Errorf("failed to load the appliance CA from %s: %w", dir, err)
		}
		return a, nil
	case errors.Is(errC, os.ErrNotExist) && errors.Is(errK, os.ErrNotExist):
	default:
		// One file without the other: creating a new CA would silently break every phone
		// that trusts the old one, so stop and let a person look.
		return nil, fmt.Errorf("the appliance CA in %s is incomplete (ca.crt: %v, ca.key: %v)", dir, errC, errK)
	}
	certPEM, keyPEM, err := newCA()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("failed to create %s: %w", dir, err)
	}
	// The key first: a crash in between leaves "incomplete", never a CA without its key.
	if err := writeFileAtomic(keyPath, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(certPath, certPEM, 0o644); err != nil {
		return nil, err
	}
	if err := a.load(certPEM, keyPEM); err != nil {
		return nil, err
	}
	return a, nil
}

// OpenCustom uses the city's own certificate and key (PEM files) instead of the
// appliance's CA; the fingerprint is then that certificate's.
func OpenCustom(certFile, keyFile string) (*Authority, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("failed to load the TLS certificate %s: %w", certFile, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, err
	}
	pair.Leaf = leaf
	return &Authority{caCert: leaf, custom: true, leaf: &pair, now: time.Now}, nil
}

func (a *Authority) load(certPEM, keyPEM []byte) error {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return errors.New("not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !key.PublicKey.Equal(cert.PublicKey) {
		return errors.New("the key does not belong to the certificate")
	}
	a.caCert, a.caKey = cert, key
	return nil
}

func newCA() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "crisisroom CA " + host + " " + now.UTC().Format("2006-01-02"), Organization: []string{"crisisroom appliance"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to create the appliance CA: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// Custom reports whether the city's own certificate is in use.
func (a *Authority) Custom() bool { return a.custom }

// CACert is the certificate phones install (the appliance CA, or the city's certificate).
func (a *Authority) CACert() *x509.Certificate { return a.caCert }

// CACertPEM is CACert for download.
func (a *Authority) CACertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.caCert.Raw})
}

// CertPool trusts CACert only.
func (a *Authority) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.caCert)
	return p
}

// Fingerprint is the SHA-256 of CACert's DER, upper-case hex pairs joined by colons, as
// phones and browsers show it.
func (a *Authority) Fingerprint() string { return Fingerprint(a.caCert.Raw) }

// ShortFingerprint is the first 16 hex digits (lower case) that travel in join links.
func (a *Authority) ShortFingerprint() string {
	sum := sha256.Sum256(a.caCert.Raw)
	return hex.EncodeToString(sum[:8])
}

// Fingerprint formats the SHA-256 of der.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// Refresh makes sure the served certificate covers names and ips and is not close to its
// end, issuing a new one when not. It reports whether it issued one. With the city's own
// certificate it does nothing.
func (a *Authority) Refresh(names []string, ips []net.IP) (bool, error) {
	if a.custom {
		return false, nil
	}
	names, ips = normNames(names), normIPs(ips)
	a.mu.RLock()
	fresh := a.leaf != nil && slices.Equal(a.names, names) && slices.EqualFunc(a.ips, ips, net.IP.Equal) &&
		a.leaf.Leaf.NotAfter.Sub(a.now()) > renewBefore
	a.mu.RUnlock()
	if fresh {
		return false, nil
	}
	leaf, err := a.issue(names, ips)
	if err != nil {
		return false, err
	}
	a.mu.Lock()
	a.leaf, a.names, a.ips = leaf, names, ips
	a.mu.Unlock()
	return true, nil
}

func (a *Authority) issue(names []string, ips []net.IP) (*tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := a.now()
	cn := "crisisroom.local"
	if len(names) > 0 {
		cn = names[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"crisisroom appliance"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     names,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.caCert, &key.PublicKey, a.caKey)
	if err != nil {
		return nil, fmt.Errorf("failed to issue the server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der, a.caCert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// Leaf is the certificate currently served (nil before the first Refresh).
func (a *Authority) Leaf() *x509.Certificate {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.leaf == nil {
		return nil
	}
	return a.leaf.Leaf
}

// TLSConfig serves the current certificate; a renewal takes effect on the next handshake.
func (a *Authority) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			a.mu.RLock()
			defer a.mu.RUnlock()
			if a.leaf == nil {
				return nil, errors.New("no server certificate yet")
			}
			return a.leaf, nil
		},
	}
}

// HostNames are the DNS names the appliance answers to: its host name (plain and
// .local for mDNS), crisisroom.local and localhost.
func HostNames() []string {
	names := []string{"crisisroom.local", "localhost"}
	if h, err := os.Hostname(); err == nil && h != "" {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		names = append(names, h)
		if !strings.Contains(h, ".") {
			names = append(names, h+".local")
		}
	}
	return names
}

func normNames(in []string) []string {
	var out []string
	for _, n := range append(slices.Clone(in), "localhost") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n != "" && net.ParseIP(n) == nil && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	// crisisroom.local first: it becomes the common name.
	sort.SliceStable(out, func(i, j int) bool { return out[i] == "crisisroom.local" && out[j] != "crisisroom.local" })
	return out
}

func normIPs(in []net.IP) []net.IP {
	all := append([]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, in...)
	var out []net.IP
	for _, ip := range all {
		if ip == nil {
			continue
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		if !slices.ContainsFunc(out, ip.Equal) {
			out = append(out, ip)
		}
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // the system's randomness is gone: nothing is safe any more
	}
	return n
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return fmt.Errorf("failed to write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
