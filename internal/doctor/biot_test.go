package doctor

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// health answers the health check as UMS does, with Date at skew from now.
func health(skew time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ums/system/healthCheck" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"version":"2.4.2"}`))
	}
}

func tlsServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewTLSServer(h)
	t.Cleanup(s.Close)
	return s
}

func pool(s *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

func TestTheBioTURLAndTheClock(t *testing.T) {
	type check struct {
		level Level
		says  []string
	}
	for _, tt := range []struct {
		name       string
		handler    http.Handler
		untrusted  bool
		url        func(s *httptest.Server) string
		urlCheck   check
		clockCheck check
	}{
		{
			name:       "healthy",
			handler:    health(0),
			urlCheck:   check{OK, []string{"(from the test's config) answers /ums/system/healthCheck (UMS 2.4.2) over TLS 1.3", "certificate is trusted, valid until"}},
			clockCheck: check{OK, []string{"the server's clock"}},
		},
		{
			name:       "a certificate this machine does not trust",
			handler:    health(0),
			untrusted:  true,
			urlCheck:   check{Fail, []string{"shows a certificate this machine does not trust", "SSL_CERT_FILE"}},
			clockCheck: check{Skip, []string{"BioT did not answer"}},
		},
		{
			name: "BioT down",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				w.Write([]byte(`{"code":"SERVICE_UNAVAILABLE","message":"down","traceId":"abc123"}`))
			}),
			urlCheck:   check{Fail, []string{"the health check answered HTTP 503 SERVICE_UNAVAILABLE", "trace id abc123"}},
			clockCheck: check{Skip, nil},
		},
		{
			name: "a firewall in between",
			handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`<html>Request blocked</html>`))
			}),
			urlCheck:   check{Fail, []string{"a firewall or proxy answered HTTP 403, not BioT"}},
			clockCheck: check{Skip, nil},
		},
		{
			name:       "a wrong URL that redirects",
			handler:    http.RedirectHandler("https://login.example.com/", http.StatusFound),
			urlCheck:   check{Fail, []string{"redirects to https://login.example.com/", "Rest API URL"}},
			clockCheck: check{Skip, nil},
		},
		{
			name:       "nothing listening",
			handler:    health(0),
			url:        func(*httptest.Server) string { return "https://" + closedPort(t) },
			urlCheck:   check{Fail, []string{"cannot be reached (connection refused)"}},
			clockCheck: check{Skip, nil},
		},
		{
			name:       "a clock 45 seconds slow",
			handler:    health(45 * time.Second),
			urlCheck:   check{OK, nil},
			clockCheck: check{Warn, []string{"45s behind the server's", "timedatectl set-ntp true"}},
		},
		{
			name:       "a clock 5 minutes fast",
			handler:    health(-5 * time.Minute),
			urlCheck:   check{OK, nil},
			clockCheck: check{Fail, []string{"5m0s ahead of the server's", "timedatectl set-ntp true"}},
		},
		{
			name:       "plain http to another machine",
			handler:    health(0),
			url:        func(*httptest.Server) string { return "http://api.example.com" },
			urlCheck:   check{Fail, []string{"is not usable", "use https"}},
			clockCheck: check{Skip, []string{"no usable BioT URL"}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newPerson(t)
			s := tlsServer(t, tt.handler)
			o := Options{ResolveURL: configured(s.URL), Roots: pool(s)}
			if tt.untrusted {
				o.Roots = x509.NewCertPool() // trusts nothing, as a machine that never met this CA
			}
			if tt.url != nil {
				o.ResolveURL = configured(tt.url(s))
			}
			r := p.run(t, o)
			want(t, r, CheckURL, tt.urlCheck.level, tt.urlCheck.says...)
			want(t, r, CheckClock, tt.clockCheck.level, tt.clockCheck.says...)
		})
	}
}

func TestNoURLConfigured(t *testing.T) {
	p := newPerson(t)
	r := p.run(t, Options{ConfigPath: "/home/ana/.config/biot-agent/config.toml"})
	want(t, r, CheckURL, Warn, "no BioT environment yet", "biot-agent login --url https://api.<env>.biot-med.com -e NAME", "/home/ana/.config/biot-agent/config.toml")
	want(t, r, CheckClock, Skip, "no BioT URL")

	r = p.run(t, Options{ResolveURL: func(context.Context) (string, string, error) {
		return "", "", errors.New("config /x/config.toml: unknown key urll")
	}})
	want(t, r, CheckURL, Fail, "cannot tell which BioT to use: config /x/config.toml: unknown key urll")
}

func TestACertificateThatEndsSoon(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(3 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewUnstartedServer(health(0))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	s.StartTLS()
	t.Cleanup(s.Close)
	roots := x509.NewCertPool()
	roots.AddCert(cert)

	p := newPerson(t)
	r := p.run(t, Options{ResolveURL: configured(s.URL), Roots: roots})
	want(t, r, CheckURL, Warn, "certificate is trusted, valid until", "which is in 7", "ends soon")
}

// closedPort answers an address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
