package agent

import (
	"context"
	"time"
)

// renewInterval is how long after a renewal's refresh the next renewal
// answers the current token instead of refreshing again.
const renewInterval = 10 * time.Second

// Renew answers the token to use in place of refused, an access token that
// BioT refused (401) before it expired, as it does to a token it ended
// early. When refused is still the current token the agent refreshes,
// sharing the refresh in flight with every other caller; when the current
// token has replaced it already, that one is answered. So any number of
// requests refused together cost one refresh, however they interleave.
//
// A renewal refreshes at most once per renewInterval: BioT refusing a token
// fresh from a renewal says that something other than the token is wrong,
// and a script that runs into it in a loop must not turn each of its
// requests into a refresh (and a write to the keyring). Within the
// interval Renew answers the current token, which the caller may send once
// more and be refused again.
//
// Renew's errors are Token's: the session may have ended meanwhile.
func (a *Agent) Renew(ctx context.Context, refused string) (Token, error) {
	select {
	case <-a.resumed:
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
	a.mu.Lock()
	s := a.life.sess
	if s == nil {
		err := a.unavailableLocked()
		a.mu.Unlock()
		return Token{}, err
	}
	now := a.cfg.Clock.Monotonic()
	stale := refused != "" && s.access == refused
	recent := a.renewedAt != 0 && now-a.renewedAt < renewInterval
	// A refresh in flight is joined whatever the interval says: the
	// callers refused together must all wait for the one refresh. It is
	// started under the lock that decided it, so that a caller refused
	// with the same token a moment later finds it in flight.
	var flight *refreshCall
	if stale && (a.inflight != nil || !recent) {
		if a.inflight == nil {
			a.renewedAt = max(now, 1) // 0 means never
			a.log.Info("BioT refused the access token before it expired; refreshing")
		}
		flight = a.flightLocked()
	}
	a.mu.Unlock()
	if flight != nil {
		if err := flight.wait(ctx); err != nil {
			return Token{}, err
		}
	}
	return a.Token(ctx, 0)
}
