package agent_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/testkit"
)

const (
	user     = "ana@example.com"
	password = "correct horse battery staple"
)

// harness is one agent against one simulator over real HTTPS.
type harness struct {
	t      *testing.T
	sim    *biotsim.Server
	client *biot.Client
	store  agent.Store
	agent  *agent.Agent
	events <-chan agent.Event
	logs   *testkit.SyncBuffer
	stop   func()

	secrets []string // tokens seen, which must never be logged
}

type options struct {
	sim   biotsim.Options
	clock agent.Clock
	store agent.Store
	cfg   func(*agent.Config)
	sims  *biotsim.Server // reuse a simulator (a restart)

	clientTimeout time.Duration // of each call to BioT; default the client's own
}

// start runs an agent against a simulator that knows user. Cleanup stops
// both and checks that no secret reached the log.
func start(t *testing.T, o options) *harness {
	t.Helper()
	h := &harness{t: t, logs: &testkit.SyncBuffer{}, sim: o.sims}
	if h.sim == nil {
		if o.sim.Users == nil {
			o.sim.Users = []biotsim.User{{Username: user, Password: password}}
		}
		sim, err := biotsim.New(o.sim)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		h.sim = sim
	}
	hc := biot.NewHTTPClient(h.sim.CertPool())
	if o.clientTimeout > 0 {
		hc.Timeout = o.clientTimeout
	}
	c, err := biot.New(h.sim.URL(), hc, "test")
	if err != nil {
		t.Fatal(err)
	}
	h.client = c
	h.store = o.store
	if h.store == nil {
		h.store = keyring.NewMemory("test")
	}
	cfg := agent.Config{
		Client: c,
		Store:  h.store,
		Clock:  o.clock,
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	a, err := agent.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.agent = a
	events, cancelSub := a.Subscribe()
	h.events = events
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			cancelSub()
		})
	}
	t.Cleanup(h.stop)
	t.Cleanup(func() { h.assertNoSecretsLogged(password) })
	return h
}

// login signs user in and waits until the agent says signed_in.
func (h *harness) login() agent.Token {
	h.t.Helper()
	if err := h.agent.Login(context.Background(), user, password); err != nil {
		h.t.Fatalf("Login: %v", err)
	}
	h.waitState(agent.StateSignedIn)
	return h.token(0)
}

func (h *harness) token(minValid time.Duration) agent.Token {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := h.agent.Token(ctx, minValid)
	if err != nil {
		h.t.Fatalf("Token: %v", err)
	}
	h.secrets = append(h.secrets, tok.Token)
	return tok
}

// waitState reads events until one says st, and returns it.
func (h *harness) waitState(st agent.State) agent.Event {
	h.t.Helper()
	return h.waitEvent(func(ev agent.Event) bool { return ev.Status.State == st }, "state "+string(st))
}

// waitEvent reads events until cond holds, for at most 15 s.
func (h *harness) waitEvent(cond func(agent.Event) bool, what string) agent.Event {
	h.t.Helper()
	if st := h.agent.Status(); cond(agent.Event{Status: st}) {
		return agent.Event{Status: st}
	}
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev := <-h.events:
			if cond(ev) {
				return ev
			}
		case <-deadline:
			h.t.Fatalf("no event with %s within 15s; status now: %+v", what, h.agent.Status())
		}
	}
}

// assertNoSecretsLogged fails when the log holds a token or the password.
func (h *harness) assertNoSecretsLogged(extra ...string) {
	h.t.Helper()
	logs := h.logs.String()
	for _, s := range append(h.secrets, extra...) {
		if s != "" && strings.Contains(logs, s) {
			h.t.Errorf("a secret reached the log:\n%s", logs)
			return
		}
	}
	stored, err := h.stored()
	if err == nil && stored.RefreshToken != "" && strings.Contains(logs, stored.RefreshToken) {
		h.t.Errorf("the refresh token reached the log:\n%s", logs)
	}
}

// stored reads what the store keeps for the harness's environment.
func (h *harness) stored() (agent.Session, error) {
	return h.store.Load(context.Background(), agent.Key{Env: agent.DefaultEnv, URL: h.sim.URL()})
}
