package agent

import (
	"context"
	"time"
)

// Token returns an access token valid for at least minValid, refreshing
// first when the current one is not. With minValid 0 it is valid for at
// least 5 s, or a quarter of its lifetime when that is shorter (a tenth,
// for a service user's).
//
// Until [Agent.Run] has looked at the stored session, Token waits for it: a
// script run right after the agent starts must not hear "not signed in"
// from an agent about to resume a session.
//
// While offline it serves the current token as long as it is valid enough,
// and tries BioT again itself only when the backoff allows: a script that
// asks in a loop cannot turn an outage into a storm of refreshes.
func (a *Agent) Token(ctx context.Context, minValid time.Duration) (Token, error) {
	if minValid < 0 {
		return Token{}, newError(KindBadRequest, nil, "min_valid must not be negative")
	}
	select {
	case <-a.resumed:
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
	for attempt := 0; ; attempt++ {
		a.mu.Lock()
		tok, ok, err := a.tokenLocked(minValid)
		if ok || err != nil {
			a.mu.Unlock()
			return tok, err
		}
		due := a.life.next.isZero() || a.life.next.passed(a.cfg.Clock)
		offline := a.life.state == StateOffline && !due
		// A refresh that succeeded may still leave a token too short: when
		// saving it took long, part of its life went by meanwhile. One more
		// refresh then helps, if the ask is modest (half a lifetime at
		// most); for a greedy ask it would only double the refreshes a
		// polling script causes.
		retry := attempt == 0 || (attempt == 1 && a.modestLocked(minValid))
		a.mu.Unlock()
		if offline || !retry {
			return Token{}, a.tooShort(minValid)
		}
		if err := a.refresh(ctx); err != nil {
			if KindOf(err) == KindOffline {
				// Said as when the backoff keeps Token from trying: what
				// is wrong, and when the agent tries again.
				return Token{}, a.tooShort(minValid)
			}
			return Token{}, err
		}
	}
}

// CurrentToken returns the current access token when it is valid for at
// least minValid (0: as for Token), without waiting and without calling
// BioT. When ok is false, Token would have more to do (wait for the stored
// session, refresh, or answer an error): call it.
func (a *Agent) CurrentToken(minValid time.Duration) (tok Token, ok bool) {
	if minValid < 0 {
		return Token{}, false
	}
	select {
	case <-a.resumed:
	default:
		return Token{}, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	tok, ok, _ = a.tokenLocked(minValid)
	return tok, ok
}

// tokenLocked answers the token when the current one will do (ok), an
// error when no token can be had, or neither when a refresh may help.
func (a *Agent) tokenLocked(minValid time.Duration) (Token, bool, error) {
	s := a.life.sess
	if s == nil {
		return Token{}, false, a.unavailableLocked()
	}
	if minValid > 0 && s.lifetime > 0 && minValid > s.lifetime {
		return Token{}, false, newError(KindBadRequest, nil,
			"min_valid %s is longer than this environment's tokens live (%s)", minValid, s.lifetime.Round(time.Second))
	}
	need := minValid
	if need == 0 {
		need = a.minServe(s.lifetime)
	}
	if s.access == "" || s.expires.left(a.cfg.Clock) < need {
		return Token{}, false, nil
	}
	return Token{
		Token:          s.access,
		ExpiresAt:      s.expires.wall,
		UserID:         s.userID,
		Username:       s.username,
		OrganizationID: s.orgID,
		BaseURL:        a.BaseURL(),
	}, true, nil
}

// modestLocked reports whether a fresh token would meet minValid with half
// its lifetime to spare. Called with a.mu held.
func (a *Agent) modestLocked(minValid time.Duration) bool {
	s := a.life.sess
	if s == nil || s.lifetime <= 0 {
		return false
	}
	need := minValid
	if need == 0 {
		need = a.minServe(s.lifetime)
	}
	return 2*need <= s.lifetime
}

// tooShort explains why no token valid for long enough can be served.
func (a *Agent) tooShort(minValid time.Duration) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.life.sess == nil {
		return a.unavailableLocked()
	}
	if a.life.state == StateOffline {
		msg := a.life.message
		if !a.life.next.isZero() {
			msg += "; retrying in " + max(a.life.next.left(a.cfg.Clock), 0).Round(time.Second).String()
		}
		return newError(KindOffline, nil, "BioT is unreachable and no token valid long enough is left (%s)", msg)
	}
	if !a.modestLocked(minValid) {
		return newError(KindBadRequest, nil, "BioT's tokens here live %s: a token valid for %s cannot be had",
			a.life.sess.lifetime.Round(time.Second), minValid)
	}
	// A fresh token would have met the ask with half its life to spare: the
	// refreshes took too long (a slow keyring, a slow network).
	need := minValid
	if need == 0 {
		need = a.minServe(a.life.sess.lifetime)
	}
	return newError(KindOffline, nil,
		"BioT's fresh tokens arrived with less than %s left (they live %s; refreshing and saving took too long): try again",
		need.Round(time.Millisecond), a.life.sess.lifetime.Round(time.Second))
}

// unavailable says why there is no session to serve a token from.
func (a *Agent) unavailable() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.unavailableLocked()
}

func (a *Agent) unavailableLocked() error {
	switch {
	case a.life.state == StateNeedsLogin:
		return newError(KindNeedsLogin, nil, "%s", a.life.message)
	case a.life.mfa != nil:
		return newError(KindMFARequired, nil, "a sign-in of %s waits for its SMS code", a.life.mfa.username)
	default:
		return newError(KindSignedOut, nil, "not signed in to %s", a.BaseURL())
	}
}
