package localapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/testkit"
	"biot-agent/ipc"
)

// The proxy's tests run the whole way on real parts: the agent's
// environments behind ipc.Server on a real Unix socket, and the BioT
// simulator over real HTTPS. A caller is a plain http.Client that dials
// the socket, as curl --unix-socket does.

var (
	ana = biotsim.User{Username: "ana@example.com", Password: "correct horse battery staple"}
	// The environments: dev, the default, and prod, read-only; both the
	// same simulator, each its own session.
	devEnv, prodEnv = "dev", "prod"
)

type proxyWorld struct {
	t      *testing.T
	sim    *biotsim.Server
	envs   *agent.Environments
	srv    *ipc.Server
	sock   string
	caller *http.Client
	logs   *testkit.SyncBuffer
}

func startProxyWorld(t *testing.T, simCfg biotsim.Options) *proxyWorld {
	t.Helper()
	simCfg.Users = []biotsim.User{ana}
	sim, err := biotsim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	w := &proxyWorld{t: t, sim: sim, logs: &testkit.SyncBuffer{}}
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w.envs, err = agent.NewEnvironments(agent.Config{Store: keyring.NewMemory("test"), Logger: log},
		func(url string) (*biot.Client, error) {
			return biot.New(url, biot.NewHTTPClient(sim.CertPool()), "test")
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.envs.Set([]agent.Env{{Name: devEnv, URL: sim.URL()}, {Name: prodEnv, URL: sim.URL(), ReadOnly: true}}, devEnv); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { _ = w.envs.Run(ctx); close(ran) }()

	dir, err := os.MkdirTemp("", "proxy")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "agent.sock")
	w.sock = sock
	l, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	w.srv = &ipc.Server{Backend: New(w.envs), Version: "test", Logger: log}
	served := make(chan struct{})
	go func() { _ = w.srv.Serve(l); close(served) }()
	w.caller = &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", sock)
			},
			MaxIdleConnsPerHost: 200,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(func() {
		w.caller.CloseIdleConnections()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = w.srv.Shutdown(sctx)
		<-served
		cancel()
		<-ran
		os.RemoveAll(dir)
		if strings.Contains(w.logs.String(), ana.Password) {
			t.Error("the password reached the log")
		}
	})
	for _, env := range []string{devEnv, prodEnv} {
		a, err := w.envs.Get(env)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Login(t.Context(), ana.Username, ana.Password); err != nil {
			t.Fatalf("sign-in to %s: %v", env, err)
		}
	}
	return w
}

// agent is the agent of env.
func (w *proxyWorld) agent(env string) *agent.Agent {
	w.t.Helper()
	a, err := w.envs.Get(env)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// token is env's current access token.
func (w *proxyWorld) token(env string) string {
	w.t.Helper()
	tok, err := w.agent(env).Token(w.t.Context(), 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return tok.Token
}

// answer is a proxied answer, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to the agent's socket at target (a path and query)
// and reads the answer.
func (w *proxyWorld) do(method, target string, body io.Reader, header http.Header) answer {
	w.t.Helper()
	req, err := http.NewRequestWithContext(w.t.Context(), method, "http://biot-agent"+target, body)
	if err != nil {
		w.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := w.caller.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatalf("%s %s: read: %v", method, target, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// echo decodes the simulator's echo of a request.
func (a answer) echo(t *testing.T) (biotsim.Echo, []byte) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("echo answered %d: %s", a.status, a.body)
	}
	var e biotsim.Echo
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("echo: %v: %s", err, a.body)
	}
	body, err := base64.StdEncoding.DecodeString(e.Body)
	if err != nil {
		t.Fatal(err)
	}
	return e, body
}

// agentError decodes the local API's error answer, checking it is one.
func (a answer) agentError(t *testing.T) ipc.ErrorInfo {
	t.Helper()
	var eb ipc.ErrorBody
	if err := json.Unmarshal(a.body, &eb); err != nil || eb.Error.Code == "" {
		t.Fatalf("answer %d is not the agent's error: %s", a.status, a.body)
	}
	if got := a.header.Get(ipc.ErrorHeader); got != string(eb.Error.Code) {
		t.Errorf("%s header %q, want %q", ipc.ErrorHeader, got, eb.Error.Code)
	}
	return eb.Error
}

// biotCode is BioT's error code in a, "" when a is not BioT's error body.
func (a answer) biotCode() string {
	var e struct{ Code string }
	if json.Unmarshal(a.body, &e) != nil {
		return ""
	}
	return e.Code
}

// refreshes is how many refreshes BioT answered so far.
func (w *proxyWorld) refreshes() int { return w.sim.Stats().Refreshes }
