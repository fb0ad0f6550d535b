package agent_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
)

// closeWatch is a TLS server standing in for a BioT, for what the
// simulator does not tell: when it sees a connection closed.
type closeWatch struct {
	srv    *httptest.Server
	idle   chan struct{} // a send each time a connection goes idle
	closed chan struct{} // a send each time a connection closes
}

func newCloseWatch(t *testing.T) *closeWatch {
	t.Helper()
	w := &closeWatch{idle: make(chan struct{}, 16), closed: make(chan struct{}, 16)}
	w.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(rw, "ok")
	}))
	w.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateIdle:
			w.idle <- struct{}{}
		case http.StateClosed:
			w.closed <- struct{}{}
		}
	}
	w.srv.StartTLS()
	t.Cleanup(w.srv.Close)
	return w
}

// When an environment's URL changes, or it is removed, while the agent
// runs (config.toml edited), the old BioT sees the connection the proxy
// kept warm to it closed at once, not when it idles out 90 s later.
func TestEnvironmentsCloseTheOldBioTsConnections(t *testing.T) {
	rows := []struct {
		name string
		next []agent.Env
	}{
		{"the URL changes", []agent.Env{{Name: "dev", URL: "NEW"}}},
		{"the environment is removed", []agent.Env{{Name: "other", URL: "NEW"}}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			old, next := newCloseWatch(t), newCloseWatch(t)
			hc := old.srv.Client() // trusts every httptest server's certificate
			e, err := agent.NewEnvironments(agent.Config{Store: keyring.NewMemory("test"), Logger: slog.New(slog.DiscardHandler)},
				func(url string) (*biot.Client, error) { return biot.New(url, hc, "test") })
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Set([]agent.Env{{Name: "dev", URL: old.srv.URL}}, ""); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			ran := make(chan struct{})
			go func() { _ = e.Run(ctx); close(ran) }()
			t.Cleanup(func() { cancel(); <-ran })

			// A proxied request, as ipc's proxy sends it: the connection
			// stays open to the old BioT, idle, for the next one.
			a, err := e.Get("dev")
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(t.Context(), "GET", old.srv.URL+"/organization/v1/users/patients", nil)
			resp, err := a.Forwarder().RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			select {
			case <-old.idle:
			case <-time.After(5 * time.Second):
				t.Fatal("the old BioT's connection did not go idle after its answer")
			}

			for i := range row.next {
				row.next[i].URL = next.srv.URL
			}
			if err := e.Set(row.next, ""); err != nil {
				t.Fatal(err)
			}
			select {
			case <-old.closed:
			case <-time.After(5 * time.Second):
				t.Fatal("the connection to the old BioT was still open 5 s after the change")
			}
		})
	}
}
