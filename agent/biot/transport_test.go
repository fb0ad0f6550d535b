package biot

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewChecksTheBaseURL(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // the BaseURL; "" = refused
		wantErr string // part of the refusal
	}{
		{"https host", "https://api.dev.example.biot-med.com", "https://api.dev.example.biot-med.com", ""},
		{"trailing slash trimmed", "https://api.dev.example.biot-med.com/", "https://api.dev.example.biot-med.com", ""},
		{"path prefix kept", "https://gw.example.com/biot/api//", "https://gw.example.com/biot/api", ""},
		{"port kept", "https://api.example.com:8443", "https://api.example.com:8443", ""},
		{"http to localhost", "http://localhost:8080", "http://localhost:8080", ""},
		{"http to 127.0.0.1", "http://127.0.0.1:8080/", "http://127.0.0.1:8080", ""},
		{"http to ::1", "http://[::1]:8080", "http://[::1]:8080", ""},
		{"http to a remote host", "http://api.dev.example.biot-med.com", "", "clear text"},
		{"http to a private address", "http://10.0.0.5", "", "clear text"},
		{"http to a name ending in localhost", "http://evil.localhost", "", "clear text"},
		{"another scheme", "ftp://api.example.com", "", "use https"},
		{"a query", "https://api.example.com/?env=dev", "", "query"},
		{"an empty query", "https://api.example.com/?", "", "query"},
		{"a fragment", "https://api.example.com/#x", "", "fragment"},
		{"user and password", "https://bob:s3cret@api.example.com", "", "username or password"},
		{"no scheme", "api.example.com", "", "scheme and a host"},
		{"no host", "https:///ums", "", "scheme and a host"},
		{"empty", "", "", "scheme and a host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.in, nil, "1")
			if tt.want == "" {
				if err == nil {
					t.Fatalf("New(%q) = %q, want a refusal", tt.in, c.BaseURL())
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("refusal %q does not say %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("refusal shows the password: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.in, err)
			}
			if c.BaseURL() != tt.want {
				t.Errorf("BaseURL() = %q, want %q", c.BaseURL(), tt.want)
			}
		})
	}
}

// A base URL with a path prefix puts /ums below it.
func TestPathPrefix(t *testing.T) {
	s := newServer(t, reply(200, "application/json", `{"version":"2.4.2"}`))
	c := trustingClient(t, s.Server, s.URL+"/gateway/biot/")
	if _, err := c.Health(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := s.next(t).path; got != "/gateway/biot/ums/system/healthCheck" {
		t.Errorf("path = %q, want the prefix before /ums", got)
	}
}

// Plain http works for a server on this machine.
func TestHTTPOnLoopback(t *testing.T) {
	srv := httptest.NewServer(reply(200, "application/json", `{"version":"2.4.2"}`))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, nil, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.Health(t.Context())
	if err != nil || h.Version != "2.4.2" {
		t.Fatalf("Health = %+v, %v", h, err)
	}
}

// A redirect is never followed: the credentials stay where they were sent,
// whether the client came from NewHTTPClient or from the caller.
func TestRedirectNotFollowed(t *testing.T) {
	target := newServer(t, reply(200, "application/json", loginJSON()))
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/ums/v2/users/login?from=redirect", http.StatusTemporaryRedirect)
	})
	follower := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: trustPool(s.Server, target.Server)}}}
	callers, err := New(s.URL, follower, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*Client{"NewHTTPClient": s.client, "caller's client that follows redirects": callers} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Login(t.Context(), "alice@example.com", testPassword)
			var re *RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RedirectError", err)
			}
			if re.Op != OpLogin || re.Status != 307 || re.Location != target.URL+"/ums/v2/users/login" {
				t.Errorf("got %+v, want op login, 307 and the target without its query", re)
			}
			if Classify(err) != ClassTransient {
				t.Errorf("Classify = %v, want transient", Classify(err))
			}
			assertNoSecret(t, err)
			s.next(t)
			target.none(t)
		})
	}
}

// A certificate not signed by a trusted root fails the call before anything
// is sent.
func TestUntrustedCertificate(t *testing.T) {
	s := newServer(t, reply(200, "application/json", loginJSON()))
	clients := map[string]*http.Client{
		"system roots":        NewHTTPClient(nil),
		"another certificate": NewHTTPClient(selfSignedPool(t)),
	}
	for name, hc := range clients {
		t.Run(name, func(t *testing.T) {
			c, err := New(s.URL, hc, testVersion)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Login(t.Context(), "alice@example.com", testPassword)
			var ue *UnreachableError
			if !errors.As(err, &ue) || ue.Reason != "certificate not trusted" {
				t.Fatalf("err = %v, want an *UnreachableError saying the certificate is not trusted", err)
			}
			if !strings.Contains(err.Error(), "BioT unreachable (certificate not trusted)") {
				t.Errorf("message %q does not name the cause", err)
			}
			assertNoSecret(t, err)
			s.none(t)
		})
	}
}

// NewHTTPClient(nil) reads the system roots, so SSL_CERT_FILE can add a
// company CA. The system pool is loaded once per process, hence the child.
func TestSSLCertFile(t *testing.T) {
	if url := os.Getenv("BIOT_TEST_SSL_CERT_FILE_URL"); url != "" {
		c, err := New(url, nil, testVersion)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Health(t.Context()); err != nil {
			t.Fatalf("with SSL_CERT_FILE set: %v", err)
		}
		return
	}
	s := newServer(t, reply(200, "application/json", `{"version":"2.4.2"}`))
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSSLCertFile$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+certFile, "SSL_CERT_DIR="+t.TempDir(),
		"BIOT_TEST_SSL_CERT_FILE_URL="+s.URL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	s.next(t)
}

// The client has a bound on every phase, verifies certificates and refuses
// redirects.
func TestNewHTTPClientSettings(t *testing.T) {
	hc := NewHTTPClient(nil)
	tr := hc.Transport.(*http.Transport)
	if hc.Timeout != 30*time.Second || tr.TLSHandshakeTimeout != 10*time.Second ||
		tr.ResponseHeaderTimeout != 20*time.Second || tr.IdleConnTimeout == 0 || tr.MaxIdleConnsPerHost == 0 {
		t.Errorf("timeouts: overall %v, TLS %v, headers %v, idle %v", hc.Timeout, tr.TLSHandshakeTimeout,
			tr.ResponseHeaderTimeout, tr.IdleConnTimeout)
	}
	if tr.TLSClientConfig.InsecureSkipVerify {
		t.Error("certificate verification is off")
	}
	if hc.CheckRedirect == nil {
		t.Error("redirects would be followed")
	}
}

func TestUserAgent(t *testing.T) {
	for in, want := range map[string]string{"": "biot-agent/dev", "2.0.1": "biot-agent/2.0.1", "1.0\r\nX: y": "biot-agent/1.0X:y"} {
		c, err := New("https://api.example.com", nil, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.userAgent != want {
			t.Errorf("version %q: User-Agent %q, want %q", in, c.userAgent, want)
		}
	}
}

// Forwarder trusts what the client trusts, is made once, keeps its
// connections, waits longer for headers than a session call, sets no bound
// on a whole call and passes a redirect back instead of following it.
func TestForwarder(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	fwd := s.client.Forwarder()
	if s.client.Forwarder() != fwd {
		t.Error("Forwarder made a second transport")
	}
	tr, ok := fwd.(*http.Transport)
	if !ok || tr.ResponseHeaderTimeout != forwardHeaderTimeout || tr.MaxIdleConnsPerHost < 4 || tr == s.client.hc.Transport {
		t.Fatalf("Forwarder = %T %+v, want its own *http.Transport", fwd, fwd)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/x", nil)
	resp, err := fwd.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/elsewhere" {
		t.Errorf("answer %d, Location %q; want the redirect itself", resp.StatusCode, resp.Header.Get("Location"))
	}
	s.next(t)
}
