package agent_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
)

func TestBackgroundRefreshRotatesTheSession(t *testing.T) {
	h := start(t, options{sim: biotsim.Options{AccessTTL: 2 * time.Second, RefreshTTL: time.Minute}})
	first := h.login()
	firstStored, _ := h.stored()

	// Three rotations, each on its own, ahead of expiry.
	last := first
	for i := 1; i <= 3; i++ {
		h.waitEvent(func(ev agent.Event) bool {
			return ev.Status.AccessExpiresAt != nil && ev.Status.AccessExpiresAt.After(last.ExpiresAt)
		}, "a refreshed token")
		tok := h.token(0)
		if tok.Token == last.Token {
			t.Fatalf("rotation %d served the old token", i)
		}
		if time.Until(last.ExpiresAt) < -100*time.Millisecond {
			t.Errorf("rotation %d came after the old token expired", i)
		}
		last = tok
	}
	st := h.sim.Stats()
	if st.Refreshes < 3 || st.RefreshReuse != 0 || st.RefreshesRejected != 0 {
		t.Errorf("BioT saw %d refreshes, %d rejected, %d reuses; want >= 3, 0, 0", st.Refreshes, st.RefreshesRejected, st.RefreshReuse)
	}
	stored, err := h.stored()
	if err != nil || stored.RefreshToken == firstStored.RefreshToken {
		t.Errorf("the store does not hold the rotated refresh token (%v)", err)
	}
}

func TestConcurrentRequestsShareOneRefresh(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: time.Minute, Now: clock.Now, SlowDelay: 200 * time.Millisecond}})
	h.login()
	clock.Advance(50 * time.Second)                           // 10 s left: not enough for min_valid 20 s
	h.sim.SetFaultFor(biotsim.FaultSlow, biotsim.PathRefresh) // hold the refresh so callers pile up
	before := h.sim.Stats().Refreshes

	const clients = 200
	var wg sync.WaitGroup
	tokens := make(chan string, clients)
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tok, err := h.agent.Token(ctx, 20*time.Second)
			if err != nil {
				errs <- err
				return
			}
			tokens <- tok.Token
		}()
	}
	wg.Wait()
	close(tokens)
	close(errs)
	for err := range errs {
		t.Errorf("a client got no token: %v", err)
	}
	distinct := map[string]bool{}
	for tok := range tokens {
		distinct[tok] = true
		h.secrets = append(h.secrets, tok)
	}
	st := h.sim.Stats()
	if n := st.Refreshes - before; n != 1 {
		t.Errorf("%d clients caused %d refreshes upstream, want exactly 1", clients, n)
	}
	if len(distinct) != 1 {
		t.Errorf("clients got %d different tokens, want the one fresh token", len(distinct))
	}
	if st.RefreshReuse != 0 {
		t.Errorf("a rotated-out refresh token was spent %d times", st.RefreshReuse)
	}
}

func TestOfflineBacksOffAndRecoversOnItsOwn(t *testing.T) {
	tests := []struct {
		name  string
		fault biotsim.Fault
		says  string
	}{
		{"server down", biotsim.FaultDown, "unreachable"},
		{"500", biotsim.Fault500, "500"},
		{"504", biotsim.Fault504, "504"},
		{"firewall", biotsim.FaultFirewall, "firewall"},
		{"bad gateway page", biotsim.FaultBadGateway, "502"},
		{"html page with 200", biotsim.FaultHTMLPage, "malformed"},
		{"truncated json", biotsim.FaultTruncated, "malformed"},
		{"slower than the client timeout", biotsim.FaultSlow, "no answer in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := start(t, options{
				sim:           biotsim.Options{AccessTTL: 4 * time.Second, RefreshTTL: time.Minute, SlowDelay: 5 * time.Second},
				clientTimeout: 300 * time.Millisecond,
				cfg:           func(c *agent.Config) { c.BackoffBase, c.BackoffMax = 100*time.Millisecond, 400*time.Millisecond },
			})
			tok := h.login()
			h.sim.SetFaultFor(tt.fault, biotsim.PathRefresh)
			ev := h.waitState(agent.StateOffline)
			if !strings.Contains(strings.ToLower(ev.Status.Message), tt.says) {
				t.Errorf("offline message %q does not name the cause (%q)", ev.Status.Message, tt.says)
			}
			// The token is still valid: it keeps being served.
			if time.Until(tok.ExpiresAt) > 2*time.Second {
				if got := h.token(0); got.Token != tok.Token {
					t.Errorf("offline, the agent served another token")
				}
			}
			// Backoff, not a storm: a few tries a second at most.
			tries := h.sim.Stats().ByPath[biotsim.PathRefresh]
			h.waitEvent(func(ev agent.Event) bool {
				return ev.Status.LastRefresh != nil && !ev.Status.LastRefresh.OK && h.sim.Stats().ByPath[biotsim.PathRefresh] >= tries+3
			}, "three more tries")
			h.sim.SetFault(biotsim.FaultNone)
			h.waitState(agent.StateSignedIn)
			if got := h.token(0); got.Token == tok.Token {
				t.Errorf("back online, the agent still serves the old token")
			}
			if st := h.sim.Stats(); st.Logins != 1 || st.RefreshReuse != 0 {
				t.Errorf("recovery took %d sign-ins and %d token reuses, want 1 and 0", st.Logins, st.RefreshReuse)
			}
		})
	}
}

func TestRejectedRefreshNeedsLogin(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: time.Minute, Now: clock.Now}})
	h.login()
	h.sim.RevokeRefreshTokens(user)

	clock.Advance(20 * time.Second)
	_, err := h.agent.Token(context.Background(), 50*time.Second) // 40 s left: forces a refresh
	if agent.KindOf(err) != agent.KindNeedsLogin {
		t.Fatalf("Token after the refresh token was revoked = %v, want needs_login", err)
	}
	ev := h.waitState(agent.StateNeedsLogin)
	if !strings.Contains(ev.Status.Message, "REFRESH_TOKEN_NOT_VALID") {
		t.Errorf("needs_login message %q does not say why", ev.Status.Message)
	}
	if _, err := h.agent.Token(context.Background(), 0); agent.KindOf(err) != agent.KindNeedsLogin {
		t.Errorf("Token afterwards = %v, want needs_login", err)
	}
	if _, err := h.stored(); err == nil {
		t.Errorf("the dead session is still stored")
	}
	if st := h.agent.Status(); st.Username != user {
		t.Errorf("status forgot who to sign in again: %+v", st)
	}
}

func TestAfterSleepingPastExpiryATokenRequestRefreshesAtOnce(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: 15 * time.Minute, Now: clock.Now}})
	first := h.login()
	sleeping(t, clock)

	// The laptop slept two hours: the wall clock moved, the loop's timer
	// did not fire. A script asking now gets a fresh token, not the dead one.
	clock.Sleep(2 * time.Hour)
	tok := h.token(0)
	if tok.Token == first.Token || !tok.ExpiresAt.After(clock.Now().Add(10*time.Minute)) {
		t.Errorf("after the sleep the token expires at %s, now is %s", tok.ExpiresAt, clock.Now())
	}
	if n := h.sim.Stats().Refreshes; n != 1 {
		t.Errorf("%d refreshes after the sleep, want 1", n)
	}
}

func TestAfterSleepingPastExpiryTheLoopRefreshesWithinAMinute(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: 15 * time.Minute, Now: clock.Now}})
	first := h.login()
	sleeping(t, clock)

	clock.Sleep(2 * time.Hour)
	clock.Advance(time.Minute) // the loop's wall-clock look
	h.waitEvent(func(ev agent.Event) bool {
		return ev.Status.AccessExpiresAt != nil && ev.Status.AccessExpiresAt.After(first.ExpiresAt.Add(time.Hour))
	}, "a refresh within a minute of waking")
}

func TestClockSetBackNeverServesAnExpiredToken(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: 15 * time.Minute, Now: clock.Now}})
	first := h.login()
	h.sim.SetFaultFor(biotsim.Fault500, biotsim.PathRefresh) // no new token can be had

	// Someone sets the clock back an hour; the token still dies 15
	// minutes after it was issued, whatever the wall clock says.
	clock.Set(clock.Now().Add(-time.Hour))
	clock.Advance(15*time.Minute - 2*time.Second)
	if _, err := h.agent.Token(context.Background(), 0); agent.KindOf(err) != agent.KindOffline {
		t.Fatalf("Token 2 s before the real expiry, the clock set back an hour = %v, want offline", err)
	}
	h.sim.SetFault(biotsim.FaultNone)
	clock.Advance(time.Minute) // past the backoff
	h.waitState(agent.StateSignedIn)
	if tok := h.token(0); tok.Token == first.Token {
		t.Errorf("served the token that had expired")
	}
}

func TestNeverServesAnExpiredToken(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: 15 * time.Minute, Now: clock.Now}})
	h.login()
	h.sim.SetFaultFor(biotsim.Fault500, biotsim.PathRefresh)
	clock.Advance(15*time.Minute - 2*time.Second) // 2 s left: below the 5 s floor
	_, err := h.agent.Token(context.Background(), 0)
	if agent.KindOf(err) != agent.KindOffline {
		t.Fatalf("Token with 2 s left and BioT failing = %v, want offline", err)
	}
}

func TestRestartResumesWithoutPassword(t *testing.T) {
	first := start(t, options{})
	first.login()
	first.stop()

	second := start(t, options{store: first.store, sims: first.sim})
	second.waitState(agent.StateSignedIn)
	tok := second.token(0)
	if _, err := second.client.Self(context.Background(), tok.Token); err != nil {
		t.Errorf("the resumed session's token does not work: %v", err)
	}
	st := first.sim.Stats()
	if st.Logins != 1 || st.Refreshes != 1 || st.RefreshReuse != 0 {
		t.Errorf("resuming took %d sign-ins and %d refreshes (%d reuses), want 1, 1, 0", st.Logins, st.Refreshes, st.RefreshReuse)
	}
}

// sleeping waits until the agent's loop waits on the clock.
func sleeping(t *testing.T, clock *fakeclock.Clock) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		n, changed := clock.Waiters()
		if n > 0 {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the agent's loop never went to sleep")
		}
	}
}

func TestRefreshWithoutNewRefreshTokenKeepsTheSession(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: time.Minute, Now: clock.Now}})
	first := h.login()
	h.sim.SetFaultFor(biotsim.FaultNoRefreshJwt, biotsim.PathRefresh)
	clock.Advance(50 * time.Second)
	second := h.token(20 * time.Second)
	if second.Token == first.Token {
		t.Fatal("no new access token")
	}
	if st := h.agent.Status(); st.State != agent.StateSignedIn {
		t.Fatalf("a refresh answer without a refresh token left the agent %s (%s)", st.State, st.Message)
	}
	// The old refresh token is still good at BioT: the next refresh works.
	h.sim.SetFault(biotsim.FaultNone)
	clock.Advance(50 * time.Second)
	if third := h.token(20 * time.Second); third.Token == second.Token {
		t.Error("the next refresh brought no new token")
	}
	if st := h.sim.Stats(); st.RefreshesRejected != 0 {
		t.Errorf("%d refreshes rejected", st.RefreshesRejected)
	}
}

// slowStore holds Load until released: a keyring that takes its time to
// answer at start. It stands in for a slow Secret Service, which cannot be
// slowed on demand.
type slowStore struct {
	agent.Store
	release chan struct{}
}

func (s slowStore) Load(ctx context.Context, key agent.Key) (agent.Session, error) {
	select {
	case <-s.release:
	case <-ctx.Done():
		return agent.Session{}, ctx.Err()
	}
	return s.Store.Load(ctx, key)
}

// restartBehindSlowStore signs in, stops the agent, and starts a second one
// on the same store and simulator whose reads of the store wait until
// slow.release is closed.
func restartBehindSlowStore(t *testing.T) (second *harness, slow slowStore) {
	t.Helper()
	first := start(t, options{})
	first.login()
	first.stop()
	slow = slowStore{Store: first.store, release: make(chan struct{})}
	return start(t, options{store: slow, sims: first.sim}), slow
}

func TestTokenRightAfterStartWaitsForTheResume(t *testing.T) {
	second, slow := restartBehindSlowStore(t)
	got := make(chan error, 1)
	go func() {
		_, err := second.agent.Token(context.Background(), 0)
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("Token answered (%v) before the stored session was read", err)
	case <-time.After(100 * time.Millisecond): // a negative check: nothing may come meanwhile
	}
	close(slow.release)
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Token after the resume = %v, want the resumed session's token", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Token never answered")
	}
}

func TestTokenLifetimeIsReadOnBioTsClock(t *testing.T) {
	for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		t.Run("local clock off by "+skew.String(), func(t *testing.T) {
			clock := fakeclock.New(time.Now())
			bioTNow := func() time.Time { return clock.Now().Add(-skew) }
			h := start(t, options{clock: clock, sim: biotsim.Options{AccessTTL: 15 * time.Minute, Now: bioTNow}})
			first := h.login()
			left := first.ExpiresAt.Sub(clock.Now())
			if left < 13*time.Minute || left > 15*time.Minute {
				t.Errorf("a 15-minute token is served as living %s more on the local clock", left)
			}
			// Just before its real end the token is refreshed, not served.
			clock.Advance(15*time.Minute - 3*time.Second)
			if tok := h.token(0); tok.Token == first.Token {
				t.Error("served the token in its last seconds, misjudged by the skew")
			}
		})
	}
}
