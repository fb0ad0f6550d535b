package agent

import (
	"context"
	"fmt"
	"strings"
	"time"

	"biot-agent/agent/biot"
)

// loginTimeout bounds one sign-in call, whatever the caller's context.
const loginTimeout = 30 * time.Second

// Login signs username in with password. The password is used for this one
// call and kept nowhere. A failed sign-in is never retried: BioT locks an
// account after repeated failures.
//
// When BioT wants an SMS code, Login answers an *Error of KindMFARequired
// and the sign-in waits for [Agent.SubmitMFA].
func (a *Agent) Login(ctx context.Context, username, password string) error {
	username = strings.TrimSpace(username)
	if username == "" || password == "" {
		return newError(KindBadRequest, nil, "username and password are both needed")
	}
	if err := a.notService(); err != nil {
		return err
	}
	a.loginMu.Lock()
	defer a.loginMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()

	resp, err := a.cfg.Client.Login(ctx, username, password)
	if err != nil {
		return a.loginError(username, err)
	}
	if resp.MFARequired {
		a.mu.Lock()
		a.pendMFA(&mfaPending{username: username, interim: resp.AccessJwt.Token, expires: resp.MFAExpiration, phone: resp.Phone})
		a.mu.Unlock()
		to := "your phone"
		if resp.Phone != "" {
			to = resp.Phone
		}
		return newError(KindMFARequired, nil, "BioT sent an SMS code to %s: enter it to finish signing in", to)
	}
	return a.establish(username, resp)
}

// RequestCode starts the sign-in of a user whose credentialType is OTP, who
// has no password: BioT sends a code by SMS to phone (E.164, such as
// +15550100123: the user's BioT username), and the sign-in waits for it, as
// an MFA sign-in does. Finish it with [Agent.SubmitMFA]; [Agent.ResendMFA]
// asks for another code. RequestCode answers the phone as BioT masks it.
//
// A phone BioT does not know is said in words; nothing is retried.
func (a *Agent) RequestCode(ctx context.Context, phone string) (string, error) {
	phone = phoneNumber(phone)
	if phone == "" {
		return "", newError(KindBadRequest, nil, "the phone number is empty")
	}
	if err := a.notService(); err != nil {
		return "", err
	}
	a.loginMu.Lock()
	defer a.loginMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	requestID, masked, err := a.cfg.Client.GenerateOTP(ctx, phone)
	if err != nil {
		return "", a.codeError(phone, err)
	}
	a.mu.Lock()
	a.pendMFA(&mfaPending{username: phone, requestID: requestID, phone: masked})
	a.mu.Unlock()
	return masked, nil
}

// phoneNumber is a phone number as BioT knows it (E.164, such as
// +15550100123): without the spaces, dashes, dots and brackets people
// write in one. What is not a number once they are gone is left as typed,
// for BioT's refusal to name.
func phoneNumber(typed string) string {
	typed = strings.TrimSpace(typed)
	bare := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\u00a0', '-', '.', '(', ')':
			return -1
		}
		return r
	}, typed)
	if strings.Trim(bare, "+0123456789") != "" {
		return typed
	}
	return bare
}

// notService refuses a person's sign-in in a service user's environment.
func (a *Agent) notService() error {
	if a.cfg.Service != nil {
		return newError(KindBadRequest, nil, "%s signs in as service user %s, not as a person", a.cfg.Env, a.cfg.Service.ID)
	}
	return nil
}

// codeError turns BioT's refusal to send a sign-in code into words.
func (a *Agent) codeError(phone string, err error) error {
	if biot.Classify(err) == biot.ClassCredentials {
		return newError(KindLoginFailed, err,
			"BioT sends no sign-in code to %s (%s): check the number, in international form such as +15550100123, "+
				"and that its user signs in with a code rather than a password", phone, apiCode(err))
	}
	return a.loginError(phone, err)
}

// SubmitMFA finishes a sign-in that waits for its SMS code: the second step
// of a password sign-in, or a sign-in by code ([Agent.RequestCode]). A
// wrong code may be tried again; an expired one ends an MFA sign-in, and
// makes BioT refuse a sign-in by code, which then wants a new code. Nothing
// is retried on its own.
func (a *Agent) SubmitMFA(ctx context.Context, code string) error {
	code = strings.TrimSpace(code)
	if code == "" {
		return newError(KindBadRequest, nil, "the SMS code is empty")
	}
	a.loginMu.Lock()
	defer a.loginMu.Unlock()
	p, err := a.pendingMFA()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	var resp *biot.LoginResponse
	if p.byCode() {
		resp, err = a.cfg.Client.LoginOTP(ctx, p.requestID, code)
	} else {
		resp, err = a.cfg.Client.LoginMFA(ctx, p.interim, code)
	}
	if err != nil {
		if biot.Classify(err) == biot.ClassCredentials {
			if p.byCode() {
				// BioT answers a wrong and an expired code alike.
				return newError(KindLoginFailed, err,
					"BioT did not accept the code sent to %s: it is wrong, or it expired; check it and try again, or ask for a new code", sentTo(p))
			}
			return newError(KindLoginFailed, err, "BioT did not accept the SMS code: check it and try again")
		}
		return a.loginError(p.username, err)
	}
	return a.establish(p.username, resp)
}

// sentTo names where p's code went.
func sentTo(p *mfaPending) string {
	if p.phone != "" {
		return p.phone
	}
	return p.username
}

// ResendMFA asks BioT to send the SMS code again. For a sign-in by code it
// asks for a new code, which replaces the one sent before.
func (a *Agent) ResendMFA(ctx context.Context) error {
	a.loginMu.Lock()
	defer a.loginMu.Unlock()
	p, err := a.pendingMFA()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, loginTimeout)
	defer cancel()
	if p.byCode() {
		requestID, masked, err := a.cfg.Client.GenerateOTP(ctx, p.username)
		if err != nil {
			return a.codeError(p.username, err)
		}
		a.mu.Lock()
		if a.life.mfa == p {
			a.pendMFA(&mfaPending{username: p.username, requestID: requestID, phone: masked})
		}
		a.mu.Unlock()
		return nil
	}
	exp, err := a.cfg.Client.ResendMFA(ctx, p.interim)
	if err != nil {
		return a.loginError(p.username, err)
	}
	a.mu.Lock()
	if a.life.mfa == p && !exp.IsZero() {
		p.expires = exp
	}
	a.mu.Unlock()
	return nil
}

// pendingMFA returns the sign-in waiting for its code, or why there is none.
func (a *Agent) pendingMFA() (*mfaPending, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.life.mfa
	if p == nil {
		return nil, newError(KindBadRequest, nil, "no sign-in is waiting for an SMS code: sign in with username and password, or ask for a code by phone, first")
	}
	if !p.expires.IsZero() && !a.cfg.Clock.Now().Before(p.expires) {
		a.pendMFA(nil)
		return nil, newError(KindLoginFailed, nil, "the SMS code for %s expired: sign in again", p.username)
	}
	return p, nil
}

// establish makes BioT's answer the session: saved first, then served.
func (a *Agent) establish(username string, resp *biot.LoginResponse) error {
	if resp.PasswordResetRequired {
		return newError(KindPasswordReset, nil,
			"BioT requires a new password for %s: set it in the BioT console, then sign in again", username)
	}
	if resp.RefreshJwt == nil {
		return newError(KindLoginFailed, nil, "BioT signed %s in without a refresh token: the session could not be kept", username)
	}
	now := a.cfg.Clock.Now()
	s := newSession(username, resp, now, a.cfg.Clock.Monotonic())

	a.storeMu.Lock()
	defer a.storeMu.Unlock()
	_ = a.save(s.stored(a.cfg.Env, a.BaseURL())) // on failure the session lives on in memory; Status says so

	a.mu.Lock()
	old := a.life.sess
	a.move(a.life.signInOver().signedIn(s, "", a.refreshAt(s), nil))
	a.mu.Unlock()
	a.wake()
	a.log.Info("signed in", "username", username, "accessExpiresAt", s.expires.wall)
	if old != nil && old.refresh != "" && old.refresh != s.refresh {
		go a.logoutUpstream(old.refresh)
	}
	return nil
}

// loginError turns BioT's answer to a sign-in into words and a Kind.
func (a *Agent) loginError(username string, err error) error {
	switch biot.Classify(err) {
	case biot.ClassCredentials:
		return newError(KindLoginFailed, err, "BioT rejected the sign-in of %s: wrong username or password", username)
	case biot.ClassLocked:
		e := newError(KindLocked, err, "the BioT account %s is locked", username)
		if m, ok := biot.LockedMinutes(err); ok {
			e.MinutesLeft = m
			e.Message += "; try again in " + plural(m, "minute")
		}
		return e
	case biot.ClassTransient:
		return newError(KindOffline, err, "%s", err.Error())
	case biot.ClassSessionOver: // the interim token of an MFA sign-in ran out
		a.mu.Lock()
		a.pendMFA(nil)
		a.mu.Unlock()
		return newError(KindLoginFailed, err, "the sign-in of %s expired before it was finished: sign in again", username)
	case biot.ClassCanceled:
		return err
	default:
		return newError(KindLoginFailed, err, "BioT refused the sign-in of %s: %s", username, err.Error())
	}
}

// Logout ends the session: here first (memory and store), then at BioT.
// Every client waiting for a token hears signed_out. It answers an error
// only when the stored session could not be removed, since a restart would
// then bring it back.
func (a *Agent) Logout(ctx context.Context) error {
	a.mu.Lock()
	var refresh string
	if s := a.life.sess; s != nil {
		refresh = s.refresh
	}
	a.move(a.life.signInOver().signedOut(""))
	a.mu.Unlock()
	a.log.Info("signed out")

	var err error
	if a.cfg.Service == nil { // a service user stores nothing
		a.storeMu.Lock()
		err = a.deleteStored()
		a.storeMu.Unlock()
	}

	done := make(chan struct{})
	go func() { a.logoutUpstream(refresh); close(done) }()
	select { // wait for BioT a little, but never let it keep the caller
	case <-done:
	case <-ctx.Done():
	}
	if err != nil {
		return newError(KindBadRequest, err, "signed out, but the stored session could not be removed: %s", err.Error())
	}
	return nil
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
