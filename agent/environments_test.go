package agent_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
	"biot-agent/internal/testkit"
)

// envHarness runs a set of environments against simulators over real
// HTTPS, each simulator its own BioT with its own certificate.
type envHarness struct {
	t    *testing.T
	envs *agent.Environments
	sims map[string]*biotsim.Server // by URL
	logs *testkit.SyncBuffer
}

const otherUser, otherPassword = "ben@example.com", "another good password"

func newSim(t *testing.T, cfg biotsim.Options) *biotsim.Server {
	t.Helper()
	if cfg.Users == nil {
		cfg.Users = []biotsim.User{{Username: user, Password: password}, {Username: otherUser, Password: otherPassword}}
	}
	sim, err := biotsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

// startEnvs runs envs against sims, with clock (nil: the real one).
func startEnvs(t *testing.T, clock agent.Clock, sims []*biotsim.Server, envs []agent.Env, def string) *envHarness {
	t.Helper()
	h := &envHarness{t: t, sims: map[string]*biotsim.Server{}, logs: &testkit.SyncBuffer{}}
	for _, s := range sims {
		h.sims[s.URL()] = s
	}
	base := agent.Config{
		Store:  keyring.NewMemory("test"),
		Clock:  clock,
		Logger: slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	e, err := agent.NewEnvironments(base, func(url string) (*biot.Client, error) {
		sim, ok := h.sims[url]
		if !ok {
			return nil, fmt.Errorf("no simulator at %s", url)
		}
		return biot.New(url, biot.NewHTTPClient(sim.CertPool()), "test")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Set(envs, def); err != nil {
		t.Fatal(err)
	}
	h.envs = e
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = e.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func (h *envHarness) get(name string) *agent.Agent {
	h.t.Helper()
	a, err := h.envs.Get(name)
	if err != nil {
		h.t.Fatalf("Get(%q): %v", name, err)
	}
	return a
}

func (h *envHarness) login(name, username, pw string) agent.Token {
	h.t.Helper()
	a := h.get(name)
	if err := a.Login(context.Background(), username, pw); err != nil {
		h.t.Fatalf("Login %s to %s: %v", username, name, err)
	}
	return h.token(name, 0)
}

func (h *envHarness) token(name string, minValid time.Duration) agent.Token {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := h.get(name).Token(ctx, minValid)
	if err != nil {
		h.t.Fatalf("Token of %s: %v", name, err)
	}
	return tok
}

// One environment's trouble (a revoked session, an outage) stays its own:
// the others keep serving what they served.
func TestEnvironmentsAreIsolated(t *testing.T) {
	clock := fakeclock.New(time.Now())
	devSim := newSim(t, biotsim.Options{AccessTTL: time.Minute, Now: clock.Now})
	prodSim := newSim(t, biotsim.Options{AccessTTL: time.Minute, Now: clock.Now})
	h := startEnvs(t, clock, []*biotsim.Server{devSim, prodSim}, []agent.Env{
		{Name: "dev", URL: devSim.URL()},
		{Name: "dev-qa", URL: devSim.URL()},
		{Name: "prod", URL: prodSim.URL()},
	}, "dev")
	h.login("dev", user, password)
	qa := h.login("dev-qa", otherUser, otherPassword)
	prod := h.login("prod", user, password)
	if qa.Username != otherUser || prod.Username != user {
		t.Fatalf("tokens of %q and %q; want one each account", qa.Username, prod.Username)
	}

	// BioT ends ana's sessions at dev, and prod's BioT goes down; then
	// every token is due for a refresh.
	devSim.RevokeRefreshTokens(user)
	prodSim.SetFaultFor(biotsim.Fault500, biotsim.PathRefresh)
	clock.Advance(50 * time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Only dev needs a sign-in.
	if _, err := h.get("dev").Token(ctx, 20*time.Second); agent.KindOf(err) != agent.KindNeedsLogin {
		t.Fatalf("dev's token after BioT ended its session = %v, want needs_login", err)
	}
	// prod is offline, and still serves its valid token.
	if _, err := h.get("prod").Token(ctx, 20*time.Second); agent.KindOf(err) != agent.KindOffline {
		t.Fatalf("prod's fresh token during its outage = %v, want offline", err)
	}
	if tok := h.token("prod", 0); tok.Token != prod.Token {
		t.Error("prod stopped serving its valid token during its outage")
	}
	// dev-qa, on dev's BioT with another account, refreshes as ever.
	if tok := h.token("dev-qa", 20*time.Second); tok.Token == qa.Token || tok.Username != otherUser {
		t.Errorf("dev-qa's fresh token is of %q (new: %v); want a new one of %q", tok.Username, tok.Token != qa.Token, otherUser)
	}
	want := map[string]agent.State{"dev": agent.StateNeedsLogin, "dev-qa": agent.StateSignedIn, "prod": agent.StateOffline}
	for _, st := range h.envs.Statuses() {
		if st.State != want[st.Env] {
			t.Errorf("%s is %s, want %s", st.Env, st.State, want[st.Env])
		}
	}
}

// 300 token requests spread over 3 environments, at the moment all need a
// refresh, cost exactly one refresh per environment.
func TestAStormOverThreeEnvironmentsCostsOneRefreshEach(t *testing.T) {
	clock := fakeclock.New(time.Now())
	var sims []*biotsim.Server
	var envs []agent.Env
	for i := range 3 {
		s := newSim(t, biotsim.Options{AccessTTL: time.Minute, Now: clock.Now})
		sims = append(sims, s)
		envs = append(envs, agent.Env{Name: fmt.Sprintf("env%d", i), URL: s.URL()})
	}
	h := startEnvs(t, clock, sims, envs, "")
	for _, v := range envs {
		h.login(v.Name, user, password)
	}
	clock.Advance(58 * time.Second) // under the 5 s margin everywhere: every token needs a refresh

	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for i := range 300 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			a, err := h.envs.Get(envs[i%3].Name)
			if err == nil {
				_, err = a.Token(ctx, 0)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a token request failed: %v", err)
	}
	for i, s := range sims {
		if n := s.Stats().Refreshes; n != 1 {
			t.Errorf("env%d's BioT saw %d refreshes, want 1", i, n)
		}
	}
}

// The environment a name, or no name, stands for.
func TestEnvironmentsGet(t *testing.T) {
	sim := newSim(t, biotsim.Options{})
	one := []agent.Env{{Name: "dev", URL: sim.URL()}}
	two := append(one, agent.Env{Name: "prod", URL: sim.URL()})
	tests := []struct {
		name string
		envs []agent.Env
		def  string
		ask  string
		want string     // the agent's environment, or
		kind agent.Kind // the error's kind
	}{
		{"a name", two, "", "prod", "prod", ""},
		{"no name: the default", two, "prod", "", "prod", ""},
		{"no name: the only one", one, "", "", "dev", ""},
		{"no name, several, no default", two, "", "", "", agent.KindEnvironmentRequired},
		{"no name, none configured", nil, "", "", "", agent.KindEnvironmentRequired},
		{"an unknown name", two, "dev", "staging", "", agent.KindUnknownEnvironment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startEnvs(t, nil, []*biotsim.Server{sim}, tt.envs, tt.def)
			a, err := h.envs.Get(tt.ask)
			if tt.kind != "" {
				if agent.KindOf(err) != tt.kind {
					t.Fatalf("Get(%q) = %v, want %s", tt.ask, err, tt.kind)
				}
				return
			}
			if err != nil || a.Env() != tt.want {
				t.Fatalf("Get(%q) = %v, %v; want %s", tt.ask, a, err, tt.want)
			}
		})
	}
}

// A subscriber hears every environment, first where each stands, then each
// change; an environment removed from the configuration is signed out and
// said to be gone.
func TestEnvironmentsEventsAndReconfiguration(t *testing.T) {
	sim := newSim(t, biotsim.Options{})
	dev, prod := agent.Env{Name: "dev", URL: sim.URL()}, agent.Env{Name: "prod", URL: sim.URL()}
	h := startEnvs(t, nil, []*biotsim.Server{sim}, []agent.Env{dev, prod}, "dev")
	h.login("prod", otherUser, otherPassword)

	events, cancel := h.envs.Subscribe()
	defer cancel()
	first, second := nextEvent(t, events), nextEvent(t, events)
	if first.Status.Env != "dev" || second.Status.Env != "prod" || second.Status.State != agent.StateSignedIn {
		t.Fatalf("first events: %s %s, %s %s; want dev, then prod signed in", first.Status.Env, first.Status.State, second.Status.Env, second.Status.State)
	}

	if err := h.get("dev").Login(context.Background(), user, password); err != nil {
		t.Fatal(err)
	}
	if ev := waitEnvEvent(t, events, func(ev agent.Event) bool { return ev.Status.Env == "dev" && ev.Status.State == agent.StateSignedIn }); ev.Removed {
		t.Fatal("a sign-in came as a removal")
	}

	if err := h.envs.Set([]agent.Env{dev}, "dev"); err != nil {
		t.Fatal(err)
	}
	waitEnvEvent(t, events, func(ev agent.Event) bool { return ev.Status.Env == "prod" && ev.Removed })
	if _, err := h.envs.Get("prod"); agent.KindOf(err) != agent.KindUnknownEnvironment {
		t.Errorf("Get(prod) after its removal = %v, want unknown_environment", err)
	}
	if n := sim.Stats().Logouts; n != 1 {
		t.Errorf("BioT saw %d logouts; the removed environment's session must end there", n)
	}
	if st := h.get("dev").Status(); st.State != agent.StateSignedIn {
		t.Errorf("dev is %s after prod's removal, want signed_in", st.State)
	}
	for _, st := range h.envs.Statuses() {
		if st.Env == "prod" {
			t.Error("prod is still listed after its removal")
		}
	}

	staging := agent.Env{Name: "staging", URL: sim.URL()}
	if err := h.envs.Set([]agent.Env{dev, staging}, "dev"); err != nil {
		t.Fatal(err)
	}
	waitEnvEvent(t, events, func(ev agent.Event) bool {
		return ev.Status.Env == "staging" && ev.Status.State == agent.StateSignedOut && !ev.Removed
	})
	h.login("staging", otherUser, otherPassword)
}

func nextEvent(t *testing.T, events <-chan agent.Event) agent.Event {
	t.Helper()
	return waitEnvEvent(t, events, func(agent.Event) bool { return true })
}

func waitEnvEvent(t *testing.T, events <-chan agent.Event, cond func(agent.Event) bool) agent.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the subscription closed")
			}
			if cond(ev) {
				return ev
			}
		case <-deadline:
			t.Fatal("no such event within 10 s")
		}
	}
}

// A reader that falls behind (a tray whose loop was busy) misses steps, but
// never an environment's newest event, nor that one was removed.
func TestASlowReaderKeepsEveryEnvironmentsLatest(t *testing.T) {
	sim := newSim(t, biotsim.Options{})
	var envs []agent.Env
	for i := range 5 {
		envs = append(envs, agent.Env{Name: fmt.Sprintf("env%d", i), URL: sim.URL()})
	}
	h := startEnvs(t, nil, []*biotsim.Server{sim}, envs, "")
	events, cancel := h.envs.Subscribe()
	defer cancel()

	for range 10 { // far more changes than a reader's buffer held before
		for _, v := range envs {
			h.login(v.Name, user, password)
			if err := h.get(v.Name).Logout(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.login("env3", user, password)
	if err := h.envs.Set(envs[1:], ""); err != nil { // env0 goes
		t.Fatal(err)
	}

	want := map[string]func(agent.Event) bool{
		"env0": func(ev agent.Event) bool { return ev.Removed },
		"env3": func(ev agent.Event) bool { return ev.Status.State == agent.StateSignedIn },
	}
	last := map[string]agent.Event{}
	deadline := time.After(10 * time.Second)
	for len(last) < 5 || !want["env0"](last["env0"]) || !want["env3"](last["env3"]) {
		select {
		case ev := <-events:
			last[ev.Status.Env] = ev
		case <-deadline:
			t.Fatalf("after a slow read, the newest events are %+v", last)
		}
	}
	for _, name := range []string{"env1", "env2", "env4"} {
		if st := last[name].Status.State; st != agent.StateSignedOut || last[name].Removed {
			t.Errorf("%s's newest event says %s (removed %v), want signed_out", name, st, last[name].Removed)
		}
	}
}
