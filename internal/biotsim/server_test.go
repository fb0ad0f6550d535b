package biotsim

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestURLIsLoopbackHTTPS(t *testing.T) {
	s := start(t, nil)
	u, err := url.Parse(s.URL())
	if err != nil || u.Scheme != "https" || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Path != "" {
		t.Errorf("URL() = %q, want https://127.0.0.1:PORT", s.URL())
	}
}

func TestTrust(t *testing.T) {
	s := start(t, nil)
	get := func(c *http.Client) error {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+PathHealth, nil)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return errors.New(resp.Status)
		}
		return nil
	}
	t.Run("CACertPEM", func(t *testing.T) {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(s.CACertPEM()) {
			t.Fatal("CACertPEM holds no certificate")
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig.RootCAs = pool
		if err := get(&http.Client{Transport: tr}); err != nil {
			t.Error(err)
		}
	})
	t.Run("Client", func(t *testing.T) {
		if err := get(s.Client()); err != nil {
			t.Error(err)
		}
	})
	t.Run("system roots refuse it", func(t *testing.T) {
		var unknown x509.UnknownAuthorityError
		if err := get(&http.Client{}); !errors.As(err, &unknown) {
			t.Errorf("want an unknown-authority error, got %v", err)
		}
	})
	t.Run("another Server's CA refuses it", func(t *testing.T) {
		other := start(t, nil)
		if err := get(other.Client()); err == nil {
			t.Error("a client trusting another simulator got in")
		}
	})
}

// TestCurl is what the demo tells people to run.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	s := start(t, nil)
	ca := filepath.Join(t.TempDir(), "biotsim-ca.pem")
	if err := os.WriteFile(ca, s.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, curl, "-sS", "--cacert", ca,
		"-H", "Content-Type: application/json",
		"-d", `{"username":"`+alice.Username+`","password":"`+alice.Password+`"}`,
		s.URL()+PathLogin).CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v: %s", err, out)
	}
	if !strings.Contains(string(out), `"refreshJwt":{"token":"`) {
		t.Errorf("curl got %s", out)
	}
}

func TestPublicKeyEndpoint(t *testing.T) {
	s := start(t, nil)
	var body struct{ PublicKey string }
	do(t, s, call{Method: "GET", Path: PathPublicKey}).decode(t, &body)
	der, err := base64.StdEncoding.DecodeString(body.PublicKey)
	if err != nil {
		t.Fatalf("publicKey is not base64: %v", err)
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		t.Fatalf("publicKey is not a DER public key: %v", err)
	}
	if rk, ok := key.(*rsa.PublicKey); !ok || !rk.Equal(s.PublicKey()) {
		t.Error("the endpoint's key is not PublicKey()")
	}
}

func TestHealthCheck(t *testing.T) {
	s := start(t, nil)
	var v versionResponse
	do(t, s, call{Method: "GET", Path: PathHealth}).decode(t, &v)
	if v.Version == "" || len(v.TraceID) != 16 {
		t.Errorf("health check %+v", v)
	}
}

func TestClose(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := send(t.Context(), s, call{Method: "GET", Path: PathHealth}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	s.Close()
	s.Close() // twice is fine
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("Close took %v with a client's idle connection open", d)
	}
	testClient(s).CloseIdleConnections()
	if _, err := send(t.Context(), s, call{Method: "GET", Path: PathHealth}); err == nil {
		t.Error("a closed Server answered")
	}
}
