package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"time"
)

// With -tls the realtime streams go over HTTPS, as a browser's do on the appliance's HTTPS
// address: net/http negotiates HTTP/2 by ALPN, and each stream gets a TLS connection of
// its own (a client per connection), as each person's browser has one. The certificate is
// not checked: the appliance's names its LAN addresses, not the loopback address the
// benchmark uses, and the bare server's is made up at its start (selfSigned).

// streamClients returns what gives each realtime connection its HTTP client: one shared
// plain HTTP/1.1 client, or with withTLS a new HTTP/2 client per connection.
func streamClients(withTLS bool) func() *http.Client {
	if !withTLS {
		hc := &http.Client{Transport: newTransport(0)}
		return func() *http.Client { return hc }
	}
	return func() *http.Client {
		return &http.Client{Transport: &http.Transport{
			TLSClientConfig:    &tls.Config{InsecureSkipVerify: true}, // loopback benchmark, see above
			ForceAttemptHTTP2:  true,
			DisableCompression: true,
			IdleConnTimeout:    90 * time.Second,
		}}
	}
}

// healthClient polls /api/health over HTTP and HTTPS alike.
var healthClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // loopback benchmark, see above
}}

// selfSigned makes the bare server's certificate for 127.0.0.1 (ECDSA P-256, as the
// appliance's), valid for a day.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "bench bare server"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
