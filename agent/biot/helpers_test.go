package biot

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The tests talk real HTTPS to httptest servers whose handlers play UMS from
// scripts: BioT's UMS cannot run here, and the scripts answer what BioT's
// UMS OpenAPI spec 2.4.2 (biot-med/biot-openapi, 2.4.2/ums/spec.json) says
// it answers.

const (
	testVersion  = "1.2.3-test"
	testPassword = "Tr0ub4dor&3-hunter2"
	testSMSCode  = "428913"
	testSecret   = "svc-Secret-9f8e7d6c5b4a"
	testPhone    = "+15550100123"
	testReqID    = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	userID       = "0d2b1f6e-4a52-4c3f-9d71-3f8d6c1b2a10"
	orgID        = "7e1c9a44-2b0f-4e61-8d3a-5c6f7b8e9d01"
	traceID      = "a07a7e532f3541d8"
)

// BioT sends expirations in UTC with milliseconds.
var (
	accessExp     = time.Date(2025, 11, 24, 9, 23, 14, 945_000_000, time.UTC)
	refreshExp    = time.Date(2025, 11, 25, 9, 8, 14, 945_000_000, time.UTC)
	accessExpText = "2025-11-24T09:23:14.945Z"
	refreshExpTxt = "2025-11-25T09:08:14.945Z"
)

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// signJWT signs claims with RS512 and the bare {"alg":"RS512"} header BioT's
// tokens were seen with.
func signJWT(claims jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS512, claims)
	delete(tok.Header, "typ")
	s, err := tok.SignedString(testKey())
	if err != nil {
		panic(err) // a fresh RSA key always signs
	}
	return s
}

// tokens are the secrets of the tests: none may appear in an error.
type tokens struct{ access, refresh, interim string }

var testTokens = sync.OnceValue(func() tokens {
	claims := func(kind, jti string, exp time.Time) jwt.MapClaims {
		return jwt.MapClaims{"sub": userID, "exp": exp.Unix(), "jti": jti, "tenantId": orgID,
			"refreshTokenId": "r-" + jti, "scopes": []string{"UMS_USERS_SELF_GET_USER"}, "tokenType": kind}
	}
	return tokens{
		access:  signJWT(claims("USER", "a1", accessExp)),
		refresh: signJWT(claims("REFRESH", "r1", refreshExp)),
		interim: signJWT(claims("USER", "m1", accessExp)),
	}
})

func secrets() []string {
	tk := testTokens()
	return []string{testPassword, testSMSCode, testSecret, tk.access, tk.refresh, tk.interim}
}

// assertNoSecret fails when a password, SMS code or token shows in err,
// in its message or in any field.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, text := range []string{err.Error(), fmtAll(err)} {
		for _, s := range secrets() {
			if strings.Contains(text, s) {
				t.Errorf("error shows a secret (%.8s...): %s", s, text)
			}
		}
	}
}

// fmtAll prints every error of err's chain with all its fields.
func fmtAll(err error) string {
	var b strings.Builder
	for e := err; e != nil; e = errors.Unwrap(e) {
		fmt.Fprintf(&b, "%#v\n", e)
	}
	return b.String()
}

// loginJSON is a LoginResponse body as BioT sends it.
func loginJSON() string {
	tk := testTokens()
	return `{"userId":"` + userID + `","ownerOrganizationId":"` + orgID + `",` +
		`"accessJwt":{"token":"` + tk.access + `","expiration":"` + accessExpText + `"},` +
		`"refreshJwt":{"token":"` + tk.refresh + `","expiration":"` + refreshExpTxt + `"},` +
		`"mfaRequired":false,"mfaExpiration":null,"passwordResetRequired":false,"phone":null}`
}

// biotError is an error body as BioT sends it.
func biotError(code, message string, details string) string {
	if details == "" {
		details = "{}"
	}
	return `{"code":"` + code + `","message":"` + message + `","serviceName":"ums","traceId":"` + traceID +
		`","environment":"develop","details":` + details + `}`
}

// seen is a request as the server got it.
type seen struct {
	method, path string
	header       http.Header
	body         []byte
}

// server is an HTTPS server with a Client that trusts its certificate only.
type server struct {
	*httptest.Server
	client *Client
	seen   chan seen // every request, as it arrived
}

// newServer serves h over HTTPS and records each request.
func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{seen: make(chan seen, 16)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case s.seen <- seen{r.Method, r.URL.Path, r.Header.Clone(), b}:
		default:
		}
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		h(w, r)
	}))
	// Refused handshakes are what some tests want; keep them out of the output.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	s.client = trustingClient(t, s.Server, s.URL)
	return s
}

// trustingClient builds a Client for base that trusts srv's certificate.
func trustingClient(t *testing.T, srv *httptest.Server, base string) *Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := New(base, NewHTTPClient(pool), testVersion)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// next returns the next request the server got, or fails after a deadline.
func (s *server) next(t *testing.T) seen {
	t.Helper()
	select {
	case r := <-s.seen:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("the server got no request")
		return seen{}
	}
}

// none fails when the server got a request. Calls are synchronous, so a
// request sent would already be recorded.
func (s *server) none(t *testing.T) {
	t.Helper()
	select {
	case r := <-s.seen:
		t.Errorf("the server got %s %s; want nothing sent", r.method, r.path)
	default:
	}
}

// reply replies with status, content type and body.
func reply(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// trustPool trusts the certificates of the given servers.
func trustPool(srvs ...*httptest.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, s := range srvs {
		pool.AddCert(s.Certificate())
	}
	return pool
}

// selfSignedPool trusts one fresh self-signed certificate: one that signed
// none of the test servers' certificates (httptest servers all share one).
func selfSignedPool(t *testing.T) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "not the test server"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
