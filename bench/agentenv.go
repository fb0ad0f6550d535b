package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/localapi"
	"biot-agent/ipc"
)

// The account every benchmark signs in with. It opens nothing but a
// simulator inside this process.
const (
	benchUser     = "bench@example.com"
	benchPassword = "bench-password"
)

// AgentEnv is a real agent, signed in to a simulated BioT over real HTTPS,
// behind the real local API on a real Unix socket: what a script talks to.
type AgentEnv struct {
	Sim    *biotsim.Server
	Agent  *agent.Agent
	Client *biot.Client // the agent's own BioT client
	Socket string

	srv    *ipc.Server
	cancel context.CancelFunc
	ran    chan struct{}
	served chan error
}

// AgentOptions tune [StartAgent].
type AgentOptions struct {
	Sim   biotsim.Options // Users is filled in
	Clock agent.Clock     // nil: the system clock, also the simulator's
	// Wrap, if set, wraps the transport of the agent's BioT client, to
	// watch its calls.
	Wrap func(http.RoundTripper) http.RoundTripper
}

// StartAgent starts a simulator and an agent on dir/agent.sock, signs in
// and returns once a token is served.
func StartAgent(ctx context.Context, dir string, o AgentOptions) (*AgentEnv, error) {
	o.Sim.Users = []biotsim.User{{Username: benchUser, Password: benchPassword}}
	if o.Clock != nil && o.Sim.Now == nil {
		o.Sim.Now = o.Clock.Now
	}
	sim, err := biotsim.New(o.Sim)
	if err != nil {
		return nil, err
	}
	hc := biot.NewHTTPClient(sim.CertPool())
	if o.Wrap != nil {
		hc.Transport = o.Wrap(hc.Transport)
	}
	bc, err := biot.New(sim.URL(), hc, "bench")
	if err != nil {
		sim.Close()
		return nil, err
	}
	// The agent logs as it does in production (text, level info), to
	// nowhere: what is measured includes the cost of deciding not to log.
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := agent.New(agent.Config{Client: bc, Store: keyring.NewMemory("bench"), Clock: o.Clock, Logger: log})
	if err != nil {
		sim.Close()
		return nil, err
	}
	path := filepath.Join(dir, "agent.sock")
	l, err := ipc.Listen(path)
	if err != nil {
		sim.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	e := &AgentEnv{Sim: sim, Agent: a, Client: bc, Socket: path, cancel: cancel,
		ran: make(chan struct{}), served: make(chan error, 1),
		srv: &ipc.Server{Backend: localapi.One(a), Version: "bench", Logger: log}}
	go func() { e.served <- e.srv.Serve(l) }()
	go func() { _ = a.Run(runCtx); close(e.ran) }()
	if err := a.Login(ctx, benchUser, benchPassword); err != nil {
		e.Close()
		return nil, fmt.Errorf("bench: sign in: %w", err)
	}
	c := ipc.NewClient(path)
	defer c.HTTP.CloseIdleConnections()
	if _, err := c.Token(ctx, ipc.TokenOptions{}); err != nil {
		e.Close()
		return nil, fmt.Errorf("bench: first token: %w", err)
	}
	return e, nil
}

// Close stops the server, the agent and the simulator.
func (e *AgentEnv) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	e.cancel()
	<-e.ran
	if serr := <-e.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	e.Sim.Close()
	return err
}

// NewClient returns a Go client of the agent, ipc.Client, asking for the
// token as JSON (ipc.Token), with its own persistent connection.
func (e *AgentEnv) NewClient() Client {
	return &ipcClient{c: ipc.NewClient(e.Socket)}
}

// NewTextClient is NewClient asking for the token alone (Accept:
// text/plain), as ipc.Transport does.
func (e *AgentEnv) NewTextClient() Client {
	return &ipcClient{c: ipc.NewClient(e.Socket), text: true}
}

type ipcClient struct {
	c        *ipc.Client
	text     bool
	minValid time.Duration
}

func (c *ipcClient) Token(ctx context.Context) (int, error) {
	opts := ipc.TokenOptions{MinValid: c.minValid}
	if c.text {
		s, err := c.c.TokenString(ctx, opts)
		return len(s), err
	}
	t, err := c.c.Token(ctx, opts)
	return len(t.Token), err
}

func (c *ipcClient) Close() { c.c.HTTP.CloseIdleConnections() }

// Client asks one server for tokens over one connection. It is used by one
// goroutine at a time.
type Client interface {
	// Token fetches a token and answers its length.
	Token(ctx context.Context) (int, error)
	Close()
}

// TempDir makes a private folder (0700) with a short path, as Unix socket
// paths must be short.
func TempDir() (string, error) {
	return os.MkdirTemp("", "biot-bench-")
}
