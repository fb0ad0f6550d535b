package tray

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
)

// TestAgents runs the tray's Backend over real agents, each of its own
// simulated BioT over HTTPS: every call goes to the environment named.
func TestAgents(t *testing.T) {
	const password = "correct horse battery staple"
	sims := map[string]*biotsim.Server{}
	var envs []agent.Env
	for _, name := range []string{"dev", "prod"} {
		sim, err := biotsim.New(biotsim.Options{Users: []biotsim.User{{Username: ana, Password: password}}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		sims[sim.URL()] = sim
		envs = append(envs, agent.Env{Name: name, URL: sim.URL()})
	}
	e, err := agent.NewEnvironments(agent.Config{Store: keyring.NewMemory("test"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		func(url string) (*biot.Client, error) {
			return biot.New(url, biot.NewHTTPClient(sims[url].CertPool()), "tray-test")
		})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Set(envs, ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	done := make(chan struct{})
	go func() { _ = e.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	b := Agents(e)
	events, unsubscribe := b.Subscribe()
	defer unsubscribe()
	for _, want := range []string{"dev", "prod"} {
		if ev := <-events; ev.Status.Env != want {
			t.Fatalf("first events name %q, want %q", ev.Status.Env, want)
		}
	}

	prod, err := e.Get("prod")
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.Login(ctx, ana, password); err != nil {
		t.Fatal(err)
	}
	if tok, err := b.Token(ctx, "prod", 0); err != nil || tok.Username != ana || tok.BaseURL != envs[1].URL {
		t.Errorf("prod's token: %+v, %v", tok, err)
	}
	for env, kind := range map[string]agent.Kind{
		"dev":  agent.KindSignedOut,
		"test": agent.KindUnknownEnvironment,
		"":     agent.KindEnvironmentRequired, // never the default: the tray names what was clicked
	} {
		if _, err := b.Token(ctx, env, 0); agent.KindOf(err) != kind {
			t.Errorf("Token(%q) = %v, want %s", env, err, kind)
		}
		if env != "dev" {
			if err := b.Logout(ctx, env); agent.KindOf(err) != kind {
				t.Errorf("Logout(%q) = %v, want %s", env, err, kind)
			}
		}
	}
	if err := b.Logout(ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	if st := prod.Status(); st.State != agent.StateSignedOut {
		t.Errorf("prod is %s after Logout", st.State)
	}
	deadline := time.After(waitFor)
	for {
		select {
		case ev := <-events:
			if ev.Status.Env == "prod" && ev.Status.State == agent.StateSignedOut && ev.Seq > 0 {
				return
			}
		case <-deadline:
			t.Fatal("no event of prod's sign-out")
		}
	}
}
