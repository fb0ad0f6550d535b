package agent

import "time"

// subscriber receives events on a small buffer. Publishing never blocks:
// when the buffer is full the oldest event is dropped, so a slow reader
// misses steps but always ends up with the latest state.
type subscriber struct {
	ch chan Event
}

const subscriberBuffer = 16

// Subscribe returns a channel of events and a function that ends the
// subscription and closes the channel. The first event is the status at the
// moment of subscribing (with the Seq of the last change), then one follows
// per change: a subscriber reads where the session stands and every move
// from there, with no change falling between the two.
func (a *Agent) Subscribe() (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event, subscriberBuffer)}
	a.mu.Lock()
	s.ch <- Event{Seq: a.seq, Status: a.statusLocked()}
	a.subs[s] = struct{}{}
	a.mu.Unlock()
	cancel := func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, ok := a.subs[s]; ok {
			delete(a.subs, s)
			close(s.ch)
		}
	}
	return s.ch, cancel
}

// setState changes the state and publishes the new status. Called with a.mu
// held; it publishes even when only details changed (a new expiry, say).
func (a *Agent) setState(st State, message string) {
	if st != a.state || message != a.message {
		a.log.Info("session state", "state", st, "message", message)
	}
	a.state, a.message = st, message
	a.publishLocked()
}

// publishLocked sends the current status to every subscriber. Called with
// a.mu held; it never blocks.
func (a *Agent) publishLocked() {
	a.seq++
	ev := Event{Seq: a.seq, Status: a.statusLocked()}
	for s := range a.subs {
		select {
		case s.ch <- ev:
			continue
		default:
		}
		select { // full: drop the oldest, then send
		case <-s.ch:
		default:
		}
		select {
		case s.ch <- ev:
		default:
		}
	}
}

// Status returns a snapshot of the session. It holds no secret.
func (a *Agent) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.statusLocked()
}

func (a *Agent) statusLocked() Status {
	st := Status{
		State:       a.state,
		Message:     a.message,
		Username:    a.username,
		BaseURL:     a.BaseURL(),
		LastRefresh: copyResult(a.lastRefresh),
		MFAPending:  a.mfa != nil,
		Store:       a.cfg.Store.Info(),
	}
	if a.storeErr != nil {
		st.Store.Problem = a.storeErr.Error()
	}
	if s := a.sess; s != nil {
		st.Username, st.UserID, st.OrganizationID = s.username, s.userID, s.orgID
		st.AccessExpiresAt = timePtr(s.expires.wall)
		st.RefreshExpiresAt = timePtr(s.refreshExp)
		st.NextRefreshAt = timePtr(a.nextRefresh.wall)
	}
	if st.Username == "" && a.mfa != nil {
		st.Username = a.mfa.username
	}
	return st
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func copyResult(r *RefreshResult) *RefreshResult {
	if r == nil {
		return nil
	}
	c := *r
	return &c
}
