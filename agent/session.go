package agent

import (
	"context"
	"errors"
	"time"

	"biot-agent/agent/biot"
)

// session is the live session in memory: the only place the access token
// lives.
type session struct {
	username, userID, orgID string
	access                  string
	expires                 deadline      // of the access token; zero until the first refresh after a resume
	lifetime                time.Duration // of the current access token, as received
	refresh                 string
	refreshExp              time.Time // zero when BioT did not say
}

// mfaPending is a sign-in waiting for its SMS code: the second step of a
// password sign-in (interim set), or the sign-in of a user whose
// credentialType is OTP, who has no password (requestID set).
type mfaPending struct {
	username  string    // for an OTP user, the phone: BioT's username of such a user
	interim   string    // MFA: the limited access token that may only send the code
	requestID string    // OTP: the request the code was sent for
	expires   time.Time // when the code expires; zero when BioT does not say (OTP)
	phone     string    // masked, as BioT shows it
}

// byCode reports whether p is the sign-in of an OTP user.
func (p *mfaPending) byCode() bool { return p.requestID != "" }

// refreshLead is how long before expiry a token is refreshed: a quarter of
// its lifetime or 5 minutes, whichever is shorter.
func refreshLead(lifetime time.Duration) time.Duration {
	return min(lifetime/4, 5*time.Minute)
}

// minServe is the least validity a token is served with when the caller
// asks for none: 5 s (BioT's guide asks for a refresh that close to expiry),
// or a quarter of the lifetime when that is shorter. A service user's
// token, renewed when a fifth of its life is left, is served down to a
// tenth, so that the renewal, and a retry or two, come first.
func (a *Agent) minServe(lifetime time.Duration) time.Duration {
	if a.cfg.Service != nil {
		return min(lifetime/10, 5*time.Second)
	}
	return min(lifetime/4, 5*time.Second)
}

// newSession builds a session from BioT's answer, received at now. The
// access token's expiry is the earlier of BioT's expiration and the JWT's
// exp claim.
func newSession(username string, r *biot.LoginResponse, now time.Time, mono time.Duration) *session {
	s := &session{
		username: username,
		userID:   r.UserID,
		orgID:    r.OwnerOrganizationID,
	}
	s.setTokens(r, now, mono)
	return s
}

// setTokens takes the tokens of BioT's answer, received at wall time now
// and monotonic reading mono.
func (s *session) setTokens(r *biot.LoginResponse, now time.Time, mono time.Duration) {
	s.setAccess(r.AccessJwt.Token, r.AccessJwt.Expiration, r.ServerDate, now, mono)
	if r.RefreshJwt != nil {
		s.refresh = r.RefreshJwt.Token
		s.refreshExp = r.RefreshJwt.Expiration.Round(0)
	}
	if r.UserID != "" {
		s.userID = r.UserID
	}
	if r.OwnerOrganizationID != "" {
		s.orgID = r.OwnerOrganizationID
	}
}

// setAccess takes an access token that BioT says expires at exp, in an
// answer whose Date header said serverDate (zero when absent), received at
// wall time now and monotonic reading mono. The expiry is the earlier of
// exp and the JWT's exp claim.
func (s *session) setAccess(token string, exp, serverDate, now time.Time, mono time.Duration) {
	if jexp, ok := biot.JWTExpiry(token); ok && (exp.IsZero() || jexp.Before(exp)) {
		exp = jexp
	}
	// How long the token lives is read on BioT's clock when its Date header
	// says (whole seconds, so one less is counted), and carried over to
	// ours: a local clock that is off by minutes would otherwise serve
	// dead tokens or throw good ones away.
	lifetime := exp.Sub(now)
	if !serverDate.IsZero() {
		lifetime = exp.Sub(serverDate) - time.Second
	}
	lifetime = max(lifetime, 0)
	s.access = token
	s.expires = deadline{wall: now.Add(lifetime), mono: mono + lifetime}
	s.lifetime = lifetime
}

func (s *session) stored(env, baseURL string) Session {
	return Session{
		Env:              env,
		BaseURL:          baseURL,
		Username:         s.username,
		UserID:           s.userID,
		OrganizationID:   s.orgID,
		RefreshToken:     s.refresh,
		RefreshExpiresAt: s.refreshExp,
	}
}

// Resume reads the stored session again, as [Agent.Run] does at start,
// when nobody is signed in and no sign-in waits for its SMS code: the store
// may hold a session now that it could not give before (a keyring that
// answered late). Otherwise, and for a service user, who stores nothing,
// it does nothing. It waits for Run to have read
// the store once, and returns once the session is read and, if there is
// one, refreshed, or when ctx ends.
func (a *Agent) Resume(ctx context.Context) error {
	select {
	case <-a.resumed:
	case <-ctx.Done():
		return ctx.Err()
	}
	a.mu.Lock()
	again := a.life.sess == nil && a.life.mfa == nil && a.life.state == StateSignedOut && a.cfg.Service == nil
	a.mu.Unlock()
	if again {
		a.resume(ctx)
	}
	return nil
}

// resume loads the stored session and refreshes it once: a restart asks no
// password. A sign-in or sign-out while the store is read wins (it moved
// the generation on), and what was read is then dropped.
func (a *Agent) resume(ctx context.Context) {
	if a.cfg.Service != nil {
		a.startService(ctx)
		return
	}
	a.mu.Lock()
	gen := a.gen
	a.mu.Unlock()
	lctx, cancel := context.WithTimeout(ctx, storeTimeout)
	stored, err := a.cfg.Store.Load(lctx, Key{Env: a.cfg.Env, URL: a.BaseURL(), Adopt: a.cfg.Adopt})
	cancel()

	a.mu.Lock()
	if a.gen != gen {
		a.mu.Unlock()
		return
	}
	switch {
	case errors.Is(err, ErrNoSession):
		a.noteStore(nil)
		a.move(a.life.signedOut(""))
	case err != nil:
		// A keyring that does not answer is not "no session": say so and
		// try again later.
		a.noteStore(err)
		a.move(a.life.unread("could not read the stored session: "+err.Error(), after(a.cfg.Clock, a.backoff(a.life.failures+1))))
		a.log.Warn("could not read the stored session", "err", err)
	case !stored.RefreshExpiresAt.IsZero() && !a.cfg.Clock.Now().Before(stored.RefreshExpiresAt):
		a.noteStore(nil)
		a.move(a.life.needsLogin(stored.Username, "the saved session of "+stored.Username+" ended at "+stored.RefreshExpiresAt.Local().Format(time.DateTime), nil))
	default:
		a.noteStore(nil)
		s := &session{
			username:   stored.Username,
			userID:     stored.UserID,
			orgID:      stored.OrganizationID,
			refresh:    stored.RefreshToken,
			refreshExp: stored.RefreshExpiresAt,
		}
		a.move(a.life.signedIn(s, "resuming the saved session", after(a.cfg.Clock, 0), nil))
		a.log.Info("resuming the saved session", "username", stored.Username)
	}
	resumed := a.life.sess != nil
	a.mu.Unlock()
	if resumed {
		_ = a.refresh(ctx)
	}
}
