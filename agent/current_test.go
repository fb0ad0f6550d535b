package agent_test

import (
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
)

// CurrentToken is the socket's fast path: it must answer what Token would
// answer without a refresh, and never touch BioT.
func TestCurrentTokenAnswersOnlyAValidTokenAndNeverCallsBioT(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: 15 * time.Minute, Now: clock.Now}})
	if _, ok := h.agent.CurrentToken(0); ok {
		t.Fatal("CurrentToken answered a token while nobody is signed in")
	}
	want := h.login()
	refreshes := h.sim.Stats().Refreshes

	got, ok := h.agent.CurrentToken(0)
	if !ok || got != want {
		t.Fatalf("CurrentToken(0) = %+v, %v; want the token Token answered (%+v)", got, ok, want)
	}
	if _, ok := h.agent.CurrentToken(10 * time.Minute); !ok {
		t.Error("CurrentToken(10m) with 15 minutes left said no")
	}
	if _, ok := h.agent.CurrentToken(16 * time.Minute); ok {
		t.Error("CurrentToken(16m) of a 15-minute token said yes")
	}
	if _, ok := h.agent.CurrentToken(-time.Second); ok {
		t.Error("CurrentToken with a negative min_valid said yes")
	}

	h.sim.SetFaultFor(biotsim.Fault500, biotsim.PathRefresh) // no refresh can succeed
	clock.Sleep(15*time.Minute - 2*time.Second)              // 2 s left: below the 5 s margin
	if tok, ok := h.agent.CurrentToken(0); ok {
		t.Errorf("CurrentToken with 2 s left answered a token expiring at %s (now %s)", tok.ExpiresAt, clock.Now())
	}
	if n := h.sim.Stats().Refreshes; n != refreshes {
		t.Errorf("CurrentToken made %d refreshes at BioT, want none", n-refreshes)
	}
	h.secrets = append(h.secrets, got.Token)
}

func TestCurrentTokenSaysNoUntilTheStoredSessionIsRead(t *testing.T) {
	second, slow := restartBehindSlowStore(t)
	if _, ok := second.agent.CurrentToken(0); ok {
		t.Fatal("CurrentToken answered before the stored session was read")
	}
	close(slow.release)
	second.token(0) // waits for the resume
	if _, ok := second.agent.CurrentToken(0); !ok {
		t.Error("CurrentToken said no after the resume")
	}
}
