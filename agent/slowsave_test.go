package agent_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
)

// lingeringStore is a memory store whose next Save, once armed, takes the
// given time on the fake clock: a keyring that answered only after a long
// unlock prompt. A fake, because a real keyring cannot be slowed on
// demand, and only a fake clock makes the delay exact.
type lingeringStore struct {
	agent.Store
	clock *fakeclock.Clock
	next  atomic.Int64 // nanoseconds the next Save takes; 0: none
}

func (s *lingeringStore) Save(ctx context.Context, sess agent.Session) error {
	if d := s.next.Swap(0); d > 0 {
		s.clock.Advance(time.Duration(d))
	}
	return s.Store.Save(ctx, sess)
}

func TestASaveThatOutlastsTheFreshTokenIsFollowedByOneMoreRefresh(t *testing.T) {
	clock := fakeclock.New(time.Now())
	store := &lingeringStore{Store: keyring.NewMemory("test"), clock: clock}
	h := start(t, options{clock: clock, store: store, sim: biotsim.Options{AccessTTL: time.Minute, Now: clock.Now}})
	h.login()

	clock.Advance(57 * time.Second) // 3 s left: below the 5 s a token is served with
	store.next.Store(int64(57 * time.Second))
	before := h.sim.Stats().Refreshes
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := h.agent.Token(ctx, 0)
	if err != nil {
		t.Fatalf("Token after a save that took 57 s = %v, want the token of one more refresh", err)
	}
	h.secrets = append(h.secrets, tok.Token)
	if left := tok.ExpiresAt.Sub(clock.Now()); left < 5*time.Second {
		t.Errorf("served a token with %v left, want at least 5 s", left)
	}
	if n := h.sim.Stats().Refreshes - before; n != 2 {
		t.Errorf("%d refreshes, want 2: the one whose token aged while saving, and one more", n)
	}
}

func TestAGreedyAskIsNotRefreshedTwice(t *testing.T) {
	clock := fakeclock.New(time.Now())
	store := &lingeringStore{Store: keyring.NewMemory("test"), clock: clock}
	h := start(t, options{clock: clock, store: store, sim: biotsim.Options{AccessTTL: time.Minute, Now: clock.Now}})
	h.login()
	// The whole lifetime of a token: a refresh whose save takes a second
	// cannot meet it, and neither could a second one.
	lifetime := h.agent.Status().AccessExpiresAt.Sub(clock.Now())
	clock.Advance(time.Second)
	store.next.Store(int64(time.Second))
	before := h.sim.Stats().Refreshes
	_, err := h.agent.Token(context.Background(), lifetime)
	if agent.KindOf(err) != agent.KindBadRequest {
		t.Fatalf("Token asking for the whole lifetime = %v, want bad_request", err)
	}
	if n := h.sim.Stats().Refreshes - before; n != 1 {
		t.Errorf("a greedy ask cost %d refreshes, want 1", n)
	}
}
