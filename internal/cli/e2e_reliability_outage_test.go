package cli_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// TestOutageLongerThanATokenLivesBacksOffServesTheValidTokenAndRecoversWithoutSignIn
// takes BioT down (every connection dropped) for longer than an access
// token lives, while a script asks the real agent for a token ten times a
// second. The agent goes offline, keeps serving the token it has while it
// is valid and never one that expired, retries with growing, jittered
// delays (BioT sees a handful of refreshes, not a storm), and once BioT is
// back it is signed in again on its own: no second sign-in, no refresh
// token spent twice.
func TestOutageLongerThanATokenLivesBacksOffServesTheValidTokenAndRecoversWithoutSignIn(t *testing.T) {
	t.Parallel()
	const ttl = 8 * time.Second
	cfg := anaSim()
	cfg.AccessTTL = ttl
	w := newWorld(t, worldOptions{sim: cfg})
	a := w.startAgent()
	w.mustLogin(ana, anaPW)
	events := a.follow()
	before, err := a.tokenNow(0)
	if err != nil {
		t.Fatalf("token after sign-in: %v", err)
	}

	triesBefore := w.sim.Stats().ByPath[biotsim.PathRefresh]
	w.sim.SetFault(biotsim.FaultDown)
	outageStart := time.Now()
	script := a.askInALoop(100 * time.Millisecond)

	// Offline at the first failed refresh; the token it holds is still good
	// for a while and is served.
	a.waitStatus(2*ttl, "offline", func(st ipc.StatusResponse) bool { return st.State == ipc.StateOffline })
	if tok, err := a.tokenNow(500 * time.Millisecond); err != nil {
		t.Errorf("offline with a valid token at hand, token --min-valid 500ms failed: %v", err)
	} else if tok.Token != before.Token {
		t.Errorf("offline, the agent served another token than the one it held")
	}

	// The outage outlives the token: then there is none to give, and the
	// command says BioT is unreachable (exit 5) instead of serving it dead.
	waitFor(t, 3*ttl, "the outage to outlast the token", func() bool {
		return time.Since(outageStart) > ttl+2*time.Second && time.Now().After(before.ExpiresAt.Add(time.Second))
	})
	res := w.run("", "token")
	wantExit(t, res, 5, "token after the token expired, BioT still down")
	wantOneLine(t, res.stderr, "token while BioT is down", "unreachable")

	tries := w.sim.Stats().ByPath[biotsim.PathRefresh] - triesBefore
	outage := time.Since(outageStart)
	w.sim.SetFault(biotsim.FaultNone)
	t.Logf("BioT saw %d refresh tries in a %v outage", tries, outage.Round(time.Millisecond))
	// Full jitter from 1 s doubling: the tries come at most 1, 2, 4, 8 s
	// apart, so a few land in the outage; a hundred script requests
	// meanwhile must not add any.
	if tries < 2 || tries > 12 {
		t.Errorf("BioT saw %d refresh tries in %v of outage, want a few (2 to 12): backoff, not a storm", tries, outage.Round(time.Millisecond))
	}

	// Back on its own, within the longest backoff.
	st := a.waitStatus(75*time.Second, "signed_in again", func(st ipc.StatusResponse) bool {
		return st.State == ipc.StateSignedIn && st.LastRefresh != nil && st.LastRefresh.OK
	})
	script.stop()
	w.wantSelf(w.token(), ana)
	if st.Username != ana {
		t.Errorf("signed in again as %q, want %s", st.Username, ana)
	}

	s := w.sim.Stats()
	if s.ByPath[biotsim.PathLogin] != 1 || s.RefreshReuse != 0 || s.RefreshesRejected != 0 {
		t.Errorf("BioT saw %d sign-ins, %d refreshes rejected, %d reused; want 1, 0, 0", s.ByPath[biotsim.PathLogin], s.RefreshesRejected, s.RefreshReuse)
	}
	if got := events.states(); slices.ContainsFunc(got, func(s ipc.State) bool {
		return s != ipc.StateSignedIn && s != ipc.StateOffline
	}) {
		t.Errorf("the agent went through %v, want only signed_in and offline", got)
	}
	checkJitteredBackoff(t, events.all())
	script.check(t)
}

// checkJitteredBackoff reads, from the offline events, the delay the agent
// chose after each failure in a row (the next try minus this one): each
// must be within full jitter's bound, 1 s·2^(n-1), and they must not all
// sit at that bound (a fixed schedule would make every agent in an office
// retry in step).
func checkJitteredBackoff(t *testing.T, events []ipc.Event) {
	t.Helper()
	var delays []time.Duration
	var last time.Time
	for _, ev := range events {
		st := ev.Status
		if st.State != ipc.StateOffline || st.LastRefresh == nil || st.LastRefresh.OK || st.NextRefreshAt == nil {
			continue
		}
		if st.LastRefresh.Time.Equal(last) {
			continue // the same failure, published again
		}
		last = st.LastRefresh.Time
		delays = append(delays, st.NextRefreshAt.Sub(st.LastRefresh.Time))
	}
	t.Logf("backoff delays after each failure: %v", delays)
	if len(delays) < 2 {
		t.Fatalf("saw %d failed tries in the events, want at least 2", len(delays))
	}
	atBound := 0
	for i, d := range delays {
		bound := min(time.Second<<i, time.Minute)
		if d < 0 || d > bound+10*time.Millisecond {
			t.Errorf("after failure %d the agent waits %v, want at most %v", i+1, d, bound)
		}
		if d > bound*99/100 {
			atBound++
		}
	}
	if atBound == len(delays) {
		t.Errorf("every delay %v sits at its bound: no jitter", delays)
	}
}

// tokenScript asks for a token in a loop, as a script polling the agent
// would, and records every token it got.
type tokenScript struct {
	a      *agentProc
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	served  int
	expired []string // what was wrong with each token served dead
	failed  map[string]int
}

func (a *agentProc) askInALoop(every time.Duration) *tokenScript {
	ctx, cancel := context.WithCancel(context.Background())
	s := &tokenScript{a: a, cancel: cancel, done: make(chan struct{}), failed: map[string]int{}}
	a.w.t.Cleanup(s.stop)
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			tok, err := a.tokenNow(0)
			s.mu.Lock()
			if err != nil {
				s.failed[errCode(err)]++
			} else {
				s.served++
				if left := time.Until(tok.ExpiresAt); left <= 0 {
					s.expired = append(s.expired, "served "+(-left).Round(time.Millisecond).String()+" after it expired")
				}
			}
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *tokenScript) stop() {
	s.cancel()
	<-s.done
}

// check fails the test if the script was ever given a dead token or an
// answer other than a token or "offline".
func (s *tokenScript) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Logf("the script got %d tokens and these failures: %v", s.served, s.failed)
	for _, e := range s.expired {
		t.Errorf("a token was %s", e)
	}
	for code, n := range s.failed {
		if code != string(ipc.CodeOffline) {
			t.Errorf("the script was answered %q %d times, want only tokens and offline", code, n)
		}
	}
}
