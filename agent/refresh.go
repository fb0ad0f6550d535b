package agent

import (
	"context"
	"errors"
	"time"

	"biot-agent/agent/biot"
)

// refreshCall is the one refresh in flight; every caller that wants a
// refresh meanwhile waits for it instead of starting another.
type refreshCall struct {
	done chan struct{}
	err  error
}

// refresh spends the refresh token once and waits for the outcome, or for
// ctx. Concurrent callers share one call upstream. The call itself runs
// under its own deadline, so a caller that gives up does not cut short a
// rotation that BioT may already have made.
func (a *Agent) refresh(ctx context.Context) error {
	a.mu.Lock()
	if a.inflight == nil && a.life.sess == nil {
		a.mu.Unlock()
		return a.unavailable()
	}
	c := a.flightLocked()
	a.mu.Unlock()
	return c.wait(ctx)
}

// flightLocked answers the refresh in flight, starting one if there is
// none. a.mu must be held and, when nothing is in flight, a session be.
func (a *Agent) flightLocked() *refreshCall {
	if c := a.inflight; c != nil {
		return c
	}
	c := &refreshCall{done: make(chan struct{})}
	a.inflight = c
	gen, sess := a.gen, *a.life.sess
	go func() {
		err := a.doRefresh(gen, sess)
		a.mu.Lock()
		a.inflight = nil
		c.err = err
		a.mu.Unlock()
		close(c.done)
	}()
	return c
}

// wait waits for the refresh c, or for ctx to end.
func (c *refreshCall) wait(ctx context.Context) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// doRefresh spends sess's refresh token and applies the outcome, unless the
// session changed meanwhile (a sign-out or a new sign-in).
func (a *Agent) doRefresh(gen uint64, sess session) error {
	if a.cfg.Service != nil {
		return a.doServiceSignIn(gen, sess)
	}
	now := a.cfg.Clock.Now()
	if !sess.refreshExp.IsZero() && !now.Before(sess.refreshExp) {
		err := newError(KindNeedsLogin, nil, "the session of %s ended at %s: sign in again", sess.username, sess.refreshExp.Local().Format(time.DateTime))
		a.sessionOver(gen, err)
		return err
	}
	// No deadline here: the client bounds the call, and a caller that gives
	// up must not cut short a rotation BioT may already have made.
	resp, err := a.cfg.Client.Refresh(context.Background(), sess.refresh)
	now = a.cfg.Clock.Now()
	if err == nil && resp.PasswordResetRequired {
		err = newError(KindNeedsLogin, nil, "BioT requires a new password for %s: set it in the BioT console, then sign in again", sess.username)
		a.sessionOver(gen, err)
		return err
	}
	if err == nil && resp.RefreshJwt == nil {
		// No new refresh token came with the new access token. The old one
		// is kept: if BioT did not rotate it, the session goes on; if it
		// did, the next refresh is rejected and a sign-in is asked for
		// then, not a moment sooner.
		a.log.Warn("BioT answered the refresh without a new refresh token; keeping the old one")
	}
	if err != nil {
		if biot.Classify(err) == biot.ClassSessionOver {
			err = newError(KindNeedsLogin, err, "BioT ended the session of %s (%s): sign in again", sess.username, apiCode(err))
			a.sessionOver(gen, err)
			return err
		}
		a.offline(gen, err)
		return newError(KindOffline, err, "%s", err.Error())
	}

	next := sess
	next.setTokens(resp, now, a.cfg.Clock.Monotonic())
	// The new refresh token is saved before the new access token is
	// served: after a crash the store must hold the live token.
	a.storeMu.Lock()
	defer a.storeMu.Unlock()
	if a.stale(gen) {
		// Signed out or in anew meanwhile: this rotation belongs to a
		// session nobody wants; end it upstream.
		go a.logoutUpstream(next.refresh)
		return a.unavailable()
	}
	_ = a.save(next.stored(a.cfg.Env, a.BaseURL())) // on failure the session lives on in memory; Status says so

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen != gen {
		go a.logoutUpstream(next.refresh)
		return a.unavailableLocked()
	}
	s := a.life.sess
	*s = next
	a.move(a.life.signedIn(s, "", a.refreshAt(s), &RefreshResult{Time: now, OK: true}))
	a.wake()
	return nil
}

// offline records a passing failure and schedules the next try with
// backoff. The access token keeps being served while it is valid.
func (a *Agent) offline(gen uint64, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen != gen {
		return
	}
	now := a.cfg.Clock.Now()
	delay := a.backoff(a.life.failures + 1)
	a.move(a.life.offline(err.Error(), after(a.cfg.Clock, delay), &RefreshResult{Time: now, Error: err.Error()}))
	a.log.Warn("refresh failed; retrying", "err", err, "in", delay.Round(time.Millisecond), "failures", a.life.failures)
	a.wake()
}

// sessionOver ends a session that only a fresh sign-in can bring back. The
// dead refresh token is removed from the store (a service user stores
// nothing); the username is kept, to offer it at the next sign-in.
func (a *Agent) sessionOver(gen uint64, err error) {
	a.mu.Lock()
	if a.gen != gen {
		a.mu.Unlock()
		return
	}
	now := a.cfg.Clock.Now()
	a.move(a.life.needsLogin(a.life.sess.username, err.Error(), &RefreshResult{Time: now, Error: err.Error()}))
	gen = a.gen
	a.mu.Unlock()
	a.log.Warn("sign-in needed", "reason", err)
	if a.cfg.Service != nil {
		return
	}

	a.storeMu.Lock()
	defer a.storeMu.Unlock()
	if !a.stale(gen) { // nobody signed in meanwhile
		a.deleteStored()
	}
}

// apiCode names BioT's error code in err, for messages.
func apiCode(err error) string {
	var e *biot.APIError
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return "rejected"
}
