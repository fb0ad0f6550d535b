package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"biot-agent/agent/biot"
)

// ServiceIdentity is a BioT service user: a machine identity for scheduled
// jobs, CI and servers, which signs in with an id and a secret key and gets
// an access token with no refresh token.
type ServiceIdentity struct {
	ID string // the service user's id, a UUID
	// Secret reads the secret key from where it is kept. It is called at
	// each sign-in and the key is kept nowhere else, so a replaced secret
	// is used at the next sign-in. Its error must hold no secret.
	Secret func(ctx context.Context) (string, error)
}

// A service user's token is never refreshed: the agent signs in again when
// a fifth of its lifetime, or serviceLeadMax, is left, whichever is less.
// serviceMinGap keeps the loop from signing in more often than that, however
// short BioT's tokens are.
const (
	serviceLeadMax = 5 * time.Minute
	serviceMinGap  = time.Second
)

// serviceLead is how long before expiry a service user signs in again.
func serviceLead(lifetime time.Duration) time.Duration {
	return min(lifetime/5, serviceLeadMax)
}

// SignIn signs the service user in now, with the secret key as its source
// gives it now, whatever the state: the way back after BioT refused the
// secret or the service user was locked (a new secret, a SIGHUP, a person
// asking), and after a sign-out. It answers how the sign-in went. For an
// agent of a person it answers an *Error of KindBadRequest: people sign in
// with [Agent.Login] or [Agent.RequestCode].
func (a *Agent) SignIn(ctx context.Context) error {
	if a.cfg.Service == nil {
		return newError(KindBadRequest, nil, "%s signs a person in: use a password or a code, not a service user's secret", a.cfg.Env)
	}
	select {
	case <-a.resumed:
	case <-ctx.Done():
		return ctx.Err()
	}
	a.mu.Lock()
	if a.life.sess == nil {
		a.startServiceLocked()
	}
	a.mu.Unlock()
	return a.refresh(ctx)
}

// startServiceLocked begins the service user's session: no token yet, and
// a sign-in due now. Called with a.mu held.
func (a *Agent) startServiceLocked() {
	id := a.cfg.Service.ID
	s := &session{username: id, userID: id}
	a.move(a.life.signInOver().signedIn(s, "signing in as service user "+id, after(a.cfg.Clock, 0), nil))
}

// startService is what Run does at start for a service user: there is no
// stored session to resume, only a sign-in to make.
func (a *Agent) startService(ctx context.Context) {
	a.mu.Lock()
	a.startServiceLocked()
	a.mu.Unlock()
	_ = a.refresh(ctx)
}

// doServiceSignIn gets the service user a new access token and applies the
// outcome, unless the session changed meanwhile. It runs as the one
// refresh in flight (see refresh), so every caller that needs a token
// meanwhile shares it. A refusal is final: the secret is not sent again
// until someone asks ([Agent.SignIn]), since repeated failures may lock the
// service user.
func (a *Agent) doServiceSignIn(gen uint64, sess session) error {
	svc := a.cfg.Service
	// Its own deadline, as for a refresh: a caller that gives up does not
	// cut the sign-in short.
	ctx, cancel := context.WithTimeout(context.Background(), loginTimeout)
	defer cancel()
	secret, err := svc.Secret(ctx)
	if err == nil && secret == "" {
		err = errors.New("it is empty")
	}
	if err != nil {
		e := newError(KindNeedsLogin, err, "could not read the secret key of service user %s: %s", svc.ID, err.Error())
		a.sessionOver(gen, e)
		return e
	}
	tok, err := a.cfg.Client.ServiceToken(ctx, svc.ID, secret)
	now := a.cfg.Clock.Now()
	if err != nil {
		if biot.Classify(err) == biot.ClassTransient {
			a.offline(gen, err)
			return newError(KindOffline, err, "%s", err.Error())
		}
		e := newError(KindNeedsLogin, err, "%s", serviceRefusal(svc.ID, err))
		a.sessionOver(gen, e)
		return e
	}
	next := sess
	next.setAccess(tok.AccessToken, tok.Expiration, tok.ServerDate, now, a.cfg.Clock.Monotonic())
	if next.lifetime <= 0 {
		// Dead on arrival, on BioT's own clock: signing in again at once
		// would only get another. Passing, like a malformed answer.
		err := fmt.Errorf("biot: %s: BioT's token for service user %s had expired when it arrived (it expires %s, BioT's clock said %s)",
			biot.OpService, svc.ID, tok.Expiration.Format(time.RFC3339), tok.ServerDate.Format(time.RFC3339))
		a.offline(gen, err)
		return newError(KindOffline, err, "%s", err.Error())
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen != gen {
		return a.unavailableLocked()
	}
	s := a.life.sess
	*s = next
	a.move(a.life.signedIn(s, "", a.refreshAt(s), &RefreshResult{Time: now, OK: true}))
	a.wake()
	if sess.access == "" {
		a.log.Info("signed in", "serviceUser", svc.ID, "accessExpiresAt", s.expires.wall)
	}
	return nil
}

// serviceRefusal says in words why BioT would not sign the service user in,
// with BioT's code and message.
func serviceRefusal(id string, err error) string {
	says := err.Error()
	var api *biot.APIError
	if errors.As(err, &api) && api.Code != "" {
		says = api.Code
		if api.Message != "" {
			says += ": " + api.Message
		}
	}
	switch biot.Classify(err) {
	case biot.ClassLocked:
		return fmt.Sprintf("BioT says service user %s is locked (%s): a BioT administrator must unlock it; the agent does not try again on its own", id, says)
	case biot.ClassCredentials:
		return fmt.Sprintf("BioT refused the secret key of service user %s (%s): check the id and the secret; the agent does not try again on its own", id, says)
	default:
		return fmt.Sprintf("BioT refused the sign-in of service user %s (%s); the agent does not try again on its own", id, says)
	}
}
