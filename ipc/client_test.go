package ipc

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientWhenAgentIsNotRunning(t *testing.T) {
	dir := shortDir(t)
	stale := filepath.Join(dir, "stale.sock")
	// A socket file whose agent is gone: the kernel refuses connections.
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()

	tests := []struct{ name, path string }{
		{"no socket file", filepath.Join(dir, "missing.sock")},
		{"no folder", filepath.Join(dir, "nowhere", "agent.sock")},
		{"stale socket file", stale},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient(tt.path)
			_, err := c.Status(t.Context())
			if !errors.Is(err, ErrAgentNotRunning) {
				t.Fatalf("err = %v, want ErrAgentNotRunning", err)
			}
			for _, want := range []string{tt.path, "start it with: biot-agent run"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
			if _, err := c.Events(t.Context()); !errors.Is(err, ErrAgentNotRunning) {
				t.Errorf("Events: err = %v, want ErrAgentNotRunning", err)
			}
		})
	}
}

func TestZeroClientUsesSocketPath(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	t.Setenv("BIOT_AGENT_SOCK", ta.path)
	var c Client
	if _, err := c.Status(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestClientReusesItsConnection(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	dials := 0
	base := ta.client.HTTP.Transport.(*http.Transport)
	tr := base.Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials++
		return base.DialContext(ctx, network, addr)
	}
	c := &Client{Path: ta.path, HTTP: &http.Client{Transport: tr}}
	for range 5 {
		if _, err := c.Token(t.Context(), TokenOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if dials != 1 {
		t.Errorf("5 calls dialed %d times, want 1", dials)
	}
}

func TestTransportAddsBearer(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	var gotAuth string
	biot := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		io.WriteString(w, "hello")
	}))
	defer biot.Close()

	hc := &http.Client{Transport: &Transport{Client: ta.client, Base: biot.Client().Transport}}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", biot.URL+"/ums/v2/users/self", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if gotAuth != "Bearer "+fakeToken {
		t.Errorf("BioT saw Authorization %q", gotAuth)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("the caller's request was changed; the Transport must work on a clone")
	}

	t.Run("signed out fails before calling BioT", func(t *testing.T) {
		gotAuth = "untouched"
		if err := ta.client.Logout(t.Context()); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(t.Context(), "POST", biot.URL+"/x", strings.NewReader("payload"))
		_, err := hc.Do(req)
		apiErr(t, err, "signed_out", 401)
		if gotAuth != "untouched" {
			t.Error("the request reached BioT without a token")
		}
	})
}
