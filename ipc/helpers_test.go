package ipc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"biot-agent/internal/testkit"
)

// shortDir returns a fresh folder with a short path: t.TempDir() names
// grow with the test name and can pass the 108 bytes a socket path allows.
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "ipc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// testAgent is a server on a real Unix socket, its fake backend, a client
// and everything the server logged.
type testAgent struct {
	path   string
	fb     *fakeBackend
	srv    *Server
	client *Client
	logs   *testkit.SyncBuffer
	served chan error

	stopOnce sync.Once
}

type agentOption func(*Server)

func startAgent(t *testing.T, state State, opts ...agentOption) *testAgent {
	t.Helper()
	path := filepath.Join(shortDir(t), "run", "agent.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	ta := &testAgent{
		path: path,
		fb:   newFakeBackend(state),
		logs: logs,
		srv: &Server{
			Version: "1.2.3-test",
			Logger:  newTestLogger(logs),
		},
		client: NewClient(path),
		served: make(chan error, 1),
	}
	ta.srv.Backend = oneEnv{ta.fb}
	for _, o := range opts {
		o(ta.srv)
	}
	go func() { ta.served <- ta.srv.Serve(l) }()
	t.Cleanup(func() { ta.stop(t) })
	return ta
}

// stop shuts the server down and checks it stopped the way main expects.
func (ta *testAgent) stop(t *testing.T) {
	t.Helper()
	ta.stopOnce.Do(func() { ta.shutdown(t) })
}

func (ta *testAgent) shutdown(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ta.srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	select {
	case err := <-ta.served:
		if !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("Serve did not return after Shutdown")
	}
}

// raw sends req through the client's connection and returns the answer with
// its body read.
func (ta *testAgent) raw(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := ta.client.httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, buf.Bytes()
}

func newReq(t *testing.T, method, target string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, "http://biot-agent"+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// apiErr asserts err is an *Error with the given code and HTTP status.
func apiErr(t *testing.T, err error, code Code, status int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *Error %s", err, err, code)
	}
	if e.Code != code || e.HTTPStatus != status {
		t.Fatalf("error code %q status %d (%q), want %q %d", e.Code, e.HTTPStatus, e.Message, code, status)
	}
	if e.Message == "" {
		t.Errorf("error %s has no message", code)
	}
	return e
}

// waitFor fails the test unless ch receives within 5 s.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// newTestLogger logs everything, debug included, as JSON into w.
func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
