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

// mfaPending is a sign-in waiting for its SMS code.
type mfaPending struct {
	username string
	interim  string // the limited access token that may only send the code
	expires  time.Time
	phone    string
}

// refreshLead is how long before expiry a token is refreshed: a quarter of
// its lifetime or 5 minutes, whichever is shorter.
func refreshLead(lifetime time.Duration) time.Duration {
	return min(lifetime/4, 5*time.Minute)
}

// minServe is the least validity a token is served with when the caller
// asks for none: 5 s (BioT's guide asks for a refresh that close to expiry),
// or a quarter of the lifetime when that is shorter.
func minServe(lifetime time.Duration) time.Duration {
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
	exp := r.AccessJwt.Expiration
	if jexp, ok := biot.JWTExpiry(r.AccessJwt.Token); ok && (exp.IsZero() || jexp.Before(exp)) {
		exp = jexp
	}
	// How long the token lives is read on BioT's clock when its Date header
	// says (whole seconds, so one less is counted), and carried over to
	// ours: a local clock that is off by minutes would otherwise serve
	// dead tokens or throw good ones away.
	lifetime := exp.Sub(now)
	if !r.ServerDate.IsZero() {
		lifetime = exp.Sub(r.ServerDate) - time.Second
	}
	lifetime = max(lifetime, 0)
	s.access = r.AccessJwt.Token
	s.expires = deadline{wall: now.Add(lifetime), mono: mono + lifetime}
	s.lifetime = lifetime
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

func (s *session) stored(baseURL string) Session {
	return Session{
		BaseURL:          baseURL,
		Username:         s.username,
		UserID:           s.userID,
		OrganizationID:   s.orgID,
		RefreshToken:     s.refresh,
		RefreshExpiresAt: s.refreshExp,
	}
}

// refreshAt is when the loop refreshes this session's access token: the
// lead before expiry, lengthened by up to a tenth at random so that many
// agents do not refresh in step.
func (a *Agent) refreshAt(s *session) deadline {
	lead := refreshLead(s.lifetime)
	lead += time.Duration(a.cfg.Jitter() * float64(lead) / 10)
	return s.expires.sooner(lead)
}

// resume loads the stored session and refreshes it once: a restart asks no
// password.
func (a *Agent) resume(ctx context.Context) {
	lctx, cancel := context.WithTimeout(ctx, storeTimeout)
	stored, err := a.cfg.Store.Load(lctx, a.BaseURL())
	cancel()
	switch {
	case errors.Is(err, ErrNoSession):
		a.mu.Lock()
		a.nextRefresh = deadline{}
		a.noteStore(nil)
		a.setState(StateSignedOut, "")
		a.mu.Unlock()
		return
	case err != nil:
		// A keyring that does not answer is not "no session": say so and
		// try again later.
		a.mu.Lock()
		a.noteStore(err)
		a.failures++
		a.nextRefresh = after(a.cfg.Clock, a.backoff(a.failures))
		a.setState(StateSignedOut, "could not read the stored session: "+err.Error())
		a.mu.Unlock()
		a.log.Warn("could not read the stored session", "err", err)
		return
	}
	now := a.cfg.Clock.Now()
	a.mu.Lock()
	if a.sess != nil { // somebody signed in meanwhile
		a.mu.Unlock()
		return
	}
	a.noteStore(nil)
	a.failures = 0
	a.username = stored.Username
	if !stored.RefreshExpiresAt.IsZero() && !now.Before(stored.RefreshExpiresAt) {
		a.nextRefresh = deadline{}
		a.setState(StateNeedsLogin, "the saved session of "+stored.Username+" ended at "+stored.RefreshExpiresAt.Local().Format(time.DateTime))
		a.mu.Unlock()
		return
	}
	a.gen++
	a.sess = &session{
		username:   stored.Username,
		userID:     stored.UserID,
		orgID:      stored.OrganizationID,
		refresh:    stored.RefreshToken,
		refreshExp: stored.RefreshExpiresAt,
	}
	a.nextRefresh = after(a.cfg.Clock, 0)
	a.setState(StateSignedIn, "resuming the saved session")
	a.mu.Unlock()
	a.log.Info("resuming the saved session", "username", stored.Username)
	_ = a.refresh(ctx)
}
