package agent_test

import (
	"context"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/keyring"
)

// TestResumeTakesASessionTheStoreGivesLate starts an agent whose store is
// empty, as one whose keyring had not answered yet: it is signed out. When
// the store then holds a session (the keyring answered, with a session an
// earlier run saved), Resume has the agent resume it without a password.
func TestResumeTakesASessionTheStoreGivesLate(t *testing.T) {
	first := start(t, options{})
	first.login()
	saved, err := first.stored()
	if err != nil {
		t.Fatal(err)
	}
	first.stop()

	late := keyring.NewMemory("test: the keyring has not answered yet")
	h := start(t, options{store: late, sims: first.sim})
	h.waitState(agent.StateSignedOut)
	if err := late.Save(context.Background(), saved); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.agent.Resume(ctx); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	h.waitEvent(func(ev agent.Event) bool {
		return ev.Status.State == agent.StateSignedIn && ev.Status.LastRefresh != nil
	}, "the resumed session refreshed")
	if _, err := h.client.Self(context.Background(), h.token(0).Token); err != nil {
		t.Errorf("BioT refused the token of the resumed session: %v", err)
	}
	if s := h.sim.Stats(); s.Logins != 1 || s.RefreshReuse != 0 {
		t.Errorf("BioT saw %d sign-ins and %d reuses, want the first sign-in only and none", s.Logins, s.RefreshReuse)
	}
}

// TestResumeLeavesASessionAlone calls Resume while signed in: the agent
// keeps its session and its schedule.
func TestResumeLeavesASessionAlone(t *testing.T) {
	h := start(t, options{})
	h.login()
	before := h.agent.Status()
	if err := h.agent.Resume(context.Background()); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	after := h.agent.Status()
	if after.State != agent.StateSignedIn || !after.NextRefreshAt.Equal(*before.NextRefreshAt) {
		t.Errorf("after Resume the agent is %s, next refresh %v; want signed_in at %v as before", after.State, after.NextRefreshAt, before.NextRefreshAt)
	}
}
