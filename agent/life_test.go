package agent_test

import (
	"context"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
)

// readThenHoldStore reads the stored session at once, then holds the answer
// until released: a keyring slow to answer, whose answer is the session as
// it was when the read began. It stands in for a slow Secret Service, which
// cannot be slowed on demand.
type readThenHoldStore struct {
	agent.Store
	reading chan struct{} // receives once a read has begun
	release chan struct{}
}

func (s readThenHoldStore) Load(ctx context.Context, key agent.Key) (agent.Session, error) {
	sess, err := s.Store.Load(ctx, key)
	select {
	case s.reading <- struct{}{}:
	default:
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return agent.Session{}, ctx.Err()
	}
	return sess, err
}

// A person who signs out while the agent is still reading the stored
// session at start stays signed out: the session read meanwhile is not
// brought back.
func TestASignOutWhileTheStoredSessionIsReadWins(t *testing.T) {
	first := start(t, options{})
	first.login()
	first.stop()
	slow := readThenHoldStore{Store: first.store, reading: make(chan struct{}, 1), release: make(chan struct{})}
	second := start(t, options{store: slow, sims: first.sim})
	select {
	case <-slow.reading:
	case <-time.After(10 * time.Second):
		t.Fatal("the agent never read the stored session")
	}
	if err := second.agent.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(slow.release)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := second.agent.Token(ctx, 0); agent.KindOf(err) != agent.KindSignedOut {
		t.Fatalf("Token after signing out during the resume = %v, want signed_out", err)
	}
	if st := second.agent.Status(); st.State != agent.StateSignedOut {
		t.Fatalf("state %s after signing out during the resume, want signed_out", st.State)
	}
	if n := first.sim.Stats().Refreshes; n != 0 {
		t.Errorf("BioT saw %d refreshes; the session signed out of must not be spent again", n)
	}
}

// A sign-in waiting for its SMS code is not lost when the session already
// live refreshes in the background meanwhile.
func TestAPendingCodeOutlivesABackgroundRefresh(t *testing.T) {
	const other, otherPassword = "ben@example.com", "another good password"
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: time.Minute, Now: clock.Now, Users: []biotsim.User{
		{Username: user, Password: password},
		{Username: other, Password: otherPassword, MFAPhone: "+12345678901"},
	}}})
	before := h.login()
	ctx := context.Background()
	if err := h.agent.Login(ctx, other, otherPassword); agent.KindOf(err) != agent.KindMFARequired {
		t.Fatalf("Login of %s = %v, want mfa_required", other, err)
	}
	clock.Advance(56 * time.Second) // less than the 5 s margin left: the next token is a new one
	if tok := h.token(0); tok.Token == before.Token {
		t.Fatal("no refresh happened")
	}
	if st := h.agent.Status(); !st.MFAPending {
		t.Fatal("the refresh dropped the sign-in waiting for its code")
	}
	if err := h.agent.SubmitMFA(ctx, h.sim.LastSMSCode(other)); err != nil {
		t.Fatalf("SubmitMFA after a refresh: %v", err)
	}
	if tok := h.token(0); tok.Username != other {
		t.Errorf("token of %q after the code, want %q", tok.Username, other)
	}
}
