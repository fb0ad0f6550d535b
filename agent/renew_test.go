package agent_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
)

func (h *harness) renew(refused string) agent.Token {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := h.agent.Renew(ctx, refused)
	if err != nil {
		h.t.Fatalf("Renew: %v", err)
	}
	h.secrets = append(h.secrets, tok.Token)
	return tok
}

// A token BioT ended early is replaced with one refresh, and the new one
// is good; a caller that comes later with the same refused token gets the
// new one without another refresh.
func TestRenewReplacesARevokedToken(t *testing.T) {
	h := start(t, options{})
	old := h.login()
	h.sim.RevokeAccessTokens(user)
	before := h.sim.Stats().Refreshes

	tok := h.renew(old.Token)
	if tok.Token == old.Token {
		t.Fatal("Renew answered the refused token")
	}
	if _, err := h.client.Self(t.Context(), tok.Token); err != nil {
		t.Fatalf("BioT refuses the renewed token: %v", err)
	}
	if again := h.renew(old.Token); again.Token != tok.Token {
		t.Error("a second renewal of the same refused token answered another token")
	}
	if n := h.sim.Stats().Refreshes - before; n != 1 {
		t.Errorf("BioT saw %d refreshes, want 1", n)
	}
}

// A hundred callers refused at once share one refresh, even while it is
// slow, and all get the same new token.
func TestRenewCrowdSharesOneRefresh(t *testing.T) {
	h := start(t, options{sim: biotsim.Options{SlowDelay: 200 * time.Millisecond}})
	old := h.login()
	h.sim.RevokeAccessTokens(user)
	h.sim.SetFaultFor(biotsim.FaultSlow, biotsim.PathRefresh)
	before := h.sim.Stats().Refreshes

	const callers = 100
	var wg sync.WaitGroup
	got := make(chan string, callers)
	for range callers {
		wg.Go(func() {
			tok, err := h.agent.Renew(t.Context(), old.Token)
			if err != nil {
				t.Errorf("Renew: %v", err)
				return
			}
			got <- tok.Token
		})
	}
	wg.Wait()
	close(got)
	seen := map[string]int{}
	for tok := range got {
		seen[tok]++
		h.secrets = append(h.secrets, tok)
	}
	if len(seen) != 1 || seen[old.Token] != 0 {
		t.Errorf("the callers got %d different tokens (the refused one %d times), want one new token", len(seen), seen[old.Token])
	}
	if n := h.sim.Stats().Refreshes - before; n != 1 {
		t.Errorf("BioT saw %d refreshes, want 1", n)
	}
}

// A token fresh from a renewal that BioT refuses again is not refreshed
// again until the interval has passed: something else is wrong.
func TestRenewRefreshesAtMostOncePerInterval(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{Now: clock.Now}})
	first := h.login()
	before := h.sim.Stats().Refreshes

	second := h.renew(first.Token)
	if third := h.renew(second.Token); third.Token != second.Token {
		t.Error("a renewal within the interval refreshed again")
	}
	if n := h.sim.Stats().Refreshes - before; n != 1 {
		t.Fatalf("BioT saw %d refreshes, want 1", n)
	}
	clock.Advance(11 * time.Second)
	if fourth := h.renew(second.Token); fourth.Token == second.Token {
		t.Error("a renewal after the interval answered the refused token")
	}
	if n := h.sim.Stats().Refreshes - before; n != 2 {
		t.Errorf("BioT saw %d refreshes, want 2", n)
	}
}

// With no session, Renew answers what Token does.
func TestRenewSignedOut(t *testing.T) {
	h := start(t, options{})
	_, err := h.agent.Renew(t.Context(), "whatever")
	var e *agent.Error
	if !errors.As(err, &e) || e.Kind != agent.KindSignedOut {
		t.Fatalf("Renew signed out: %v, want KindSignedOut", err)
	}
}
