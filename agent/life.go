package agent

import "time"

// life is where the session stands: everything that moves when its state
// does. It is replaced whole, through [Agent.move], and only there; each
// move below builds the next life from nothing but what it names, so what
// a state keeps and what it resets is written once, here.
type life struct {
	state   State
	message string // why the session is in this state, in words

	sess     *session    // the live session; nil unless signed in or offline
	username string      // the last known username, kept after the session ends
	mfa      *mfaPending // a sign-in waiting for its SMS code; orthogonal to state

	failures int            // passing failures in a row, for the backoff
	next     deadline       // when the loop acts next: a refresh, or another read of the store
	last     *RefreshResult // how the last refresh went; nil after a sign-in or sign-out
}

// signedIn: s is live and refreshed at next; last says how the refresh
// that brought it went (nil after a sign-in or a resume).
func (l life) signedIn(s *session, message string, next deadline, last *RefreshResult) life {
	return life{state: StateSignedIn, message: message, sess: s, username: s.username, mfa: l.mfa, next: next, last: last}
}

// offline: a refresh failed for a passing reason. The session and its
// token are kept (served while valid), and the next try waits for the
// backoff.
func (l life) offline(message string, next deadline, last *RefreshResult) life {
	l.state, l.message = StateOffline, message
	l.failures++
	l.next, l.last = next, last
	return l
}

// needsLogin: BioT ended the session, or it ran out; only a sign-in
// helps. The username is kept, to offer it at that sign-in.
func (l life) needsLogin(username, message string, last *RefreshResult) life {
	return life{state: StateNeedsLogin, message: message, username: username, mfa: l.mfa, last: last}
}

// signedOut: nobody is signed in, and nothing is scheduled. A sign-in in
// progress (an MFA step) goes on unless the person signed out.
func (l life) signedOut(message string) life {
	return life{state: StateSignedOut, message: message, username: l.username, mfa: l.mfa}
}

// signInOver: the sign-in under way, if any, is finished or abandoned (a
// new session, or a sign-out).
func (l life) signInOver() life {
	l.mfa = nil
	return l
}

// unread: signed out because the store could not be read; the loop reads
// it again after a backoff, since a keyring that did not answer is not
// "no session".
func (l life) unread(message string, next deadline) life {
	n := l.signedOut(message)
	n.failures = l.failures + 1
	n.next = next
	return n
}

// move makes next the session's life and publishes it, once. A new live
// session, the end of one, or any move into a state without one starts a
// new generation: a refresh or a resume begun before is then dropped (a
// sign-out while the stored session is still being read must win over
// it). Called with a.mu held.
func (a *Agent) move(next life) {
	if next.sess != a.life.sess || next.sess == nil {
		a.gen++
	}
	if next.state != a.life.state || next.message != a.life.message {
		a.log.Info("session state", "state", next.state, "message", next.message)
	}
	a.life = next
	a.publishLocked()
}

// pendMFA records a sign-in waiting for its SMS code (p), or its end (nil),
// and publishes it. It is not a move: the session's state is unchanged
// while a sign-in is under way. Called with a.mu held.
func (a *Agent) pendMFA(p *mfaPending) {
	a.life.mfa = p
	a.publishLocked()
}

// refreshAt is when the loop refreshes s's access token (for a service
// user, signs in again): the lead before expiry, lengthened by up to a
// tenth at random so that many agents do not refresh in step. A service
// user's next sign-in is never sooner than serviceMinGap, however short
// its tokens live.
func (a *Agent) refreshAt(s *session) deadline {
	lead := refreshLead(s.lifetime)
	if a.cfg.Service != nil {
		lead = serviceLead(s.lifetime)
	}
	lead += time.Duration(a.cfg.Jitter() * float64(lead) / 10)
	at := s.expires.sooner(lead)
	if a.cfg.Service != nil && at.left(a.cfg.Clock) < serviceMinGap {
		at = after(a.cfg.Clock, serviceMinGap)
	}
	return at
}
