package localapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// startLoopback serves the world's agent on a loopback listener for env
// ("" for the default) until the test ends.
func (w *proxyWorld) startLoopback(env string) *ipc.Loopback {
	w.t.Helper()
	c := ipc.NewClient(w.sock)
	c.Env = env
	lb, err := ipc.ListenLoopback(c, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- lb.Serve() }()
	w.t.Cleanup(func() {
		_ = lb.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			w.t.Errorf("Serve: %v", err)
		}
	})
	return lb
}

// get sends a plain request to the loopback listener, as a tool does.
func get(t *testing.T, url string, header http.Header) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v[0]
			continue
		}
		req.Header[k] = v
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// The base URL works with no header at all; everything the guards stop
// never reaches the agent, let alone BioT.
func TestLoopbackServesTheProxyBehindItsGuards(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	lb := w.startLoopback(prodEnv)
	base := lb.URL()
	if !strings.HasPrefix(base, "http://127.0.0.1:") || len(strings.TrimPrefix(base, "http://"+lb.Addr()+"/")) < 22 {
		t.Fatalf("base URL %s", base)
	}

	status, body, _ := get(t, base+"/_sim/echo/a%2Fb?x=%20&env=dev", nil)
	if status != 200 || !strings.Contains(body, `"requestURI":"/_sim/echo/a%2Fb?x=%20\u0026env=dev"`) || !strings.Contains(body, "Bearer "+w.token(prodEnv)) {
		t.Fatalf("through the base URL: %d %s", status, body)
	}

	before := w.sim.Stats().Requests
	key := strings.TrimPrefix(base, "http://"+lb.Addr())
	rows := []struct {
		name, url string
		header    http.Header
	}{
		{"no key", "http://" + lb.Addr() + "/_sim/echo", nil},
		{"a wrong key", "http://" + lb.Addr() + "/AAAAAAAAAAAAAAAAAAAAAA/_sim/echo", nil},
		{"the key as a prefix of a segment", base + "x/_sim/echo", nil},
		{"the key in the query", "http://" + lb.Addr() + "/_sim/echo?" + key[1:], nil},
		{"another Host (DNS rebinding)", base + "/_sim/echo", http.Header{"Host": {"evil.test:" + strings.Split(lb.Addr(), ":")[1]}}},
		{"localhost for a Host", base + "/_sim/echo", http.Header{"Host": {"localhost:" + strings.Split(lb.Addr(), ":")[1]}}},
		{"an Origin", base + "/_sim/echo", http.Header{"Origin": {"http://127.0.0.1:1"}}},
		{"a Referer", base + "/_sim/echo", http.Header{"Referer": {"http://example.com/"}}},
		{"a page's fetch", base + "/_sim/echo", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			status, body, h := get(t, row.url, row.header)
			if status != 403 || h.Get(ipc.ErrorHeader) != "forbidden" || h.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("answer %d %s, want 403 forbidden", status, body)
			}
			if strings.Contains(body, key[1:]) {
				t.Errorf("the refusal shows the key: %s", body)
			}
		})
	}
	if n := w.sim.Stats().Requests - before; n != 0 {
		t.Errorf("BioT saw %d of the refused requests", n)
	}
	if strings.Contains(w.logs.String(), key[1:]) {
		t.Error("the key reached the agent's log")
	}
}

// Another user's process is refused at the connection, key or not.
func TestLoopbackRefusesAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a process as another user")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	w := startProxyWorld(t, biotsim.Options{})
	lb := w.startLoopback("")
	before := w.sim.Stats().Requests
	cmd := exec.CommandContext(t.Context(), curl, "-s", "-m", "10", "-w", "\n%{http_code}", lb.URL()+"/_sim/echo")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl as nobody: %v: %s", err, out)
	}
	if !strings.HasSuffix(string(out), "\n403") || !strings.Contains(string(out), "only its own user") {
		t.Errorf("nobody got: %s", out)
	}
	if n := w.sim.Stats().Requests - before; n != 0 {
		t.Errorf("BioT saw %d requests from nobody", n)
	}
}

// Once closed, nothing listens there any more.
func TestLoopbackIsGoneOnceClosed(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	lb := w.startLoopback("")
	if status, body, _ := get(t, lb.URL()+"/_sim/echo", nil); status != 200 {
		t.Fatalf("before: %d %s", status, body)
	}
	if err := lb.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", lb.URL()+"/_sim/echo", nil)
	if resp, err := (&http.Transport{}).RoundTrip(req); err == nil {
		resp.Body.Close()
		t.Fatalf("after Close: %d, want no connection", resp.StatusCode)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after Close: %v, want connection refused", err)
	}
}
