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

// publishLocked sends the current status to every subscriber, and to the
// set of environments that observes this agent, if any. Called with a.mu
// held; it never blocks.
func (a *Agent) publishLocked() {
	a.seq++
	ev := Event{Seq: a.seq, Status: a.statusLocked()}
	for s := range a.subs {
		s.send(ev)
	}
	if a.observe != nil {
		a.observe(ev)
	}
}

// send gives ev to the subscriber without blocking: when the buffer is full
// the oldest event is dropped.
func (s *subscriber) send(ev Event) {
	select {
	case s.ch <- ev:
		return
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

// Status returns a snapshot of the session. It holds no secret.
func (a *Agent) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.statusLocked()
}

func (a *Agent) statusLocked() Status {
	l := &a.life
	st := Status{
		State:       l.state,
		Message:     l.message,
		Username:    l.username,
		Env:         a.cfg.Env,
		Identity:    IdentityUser,
		BaseURL:     a.BaseURL(),
		LastRefresh: copyResult(l.last),
		MFAPending:  l.mfa != nil,
		Store:       a.cfg.Store.Info(),
	}
	if a.cfg.Service != nil {
		st.Identity = IdentityService
	}
	if a.storeErr != nil {
		st.Store.Problem = a.storeErr.Error()
	}
	if s := l.sess; s != nil {
		st.Username, st.UserID, st.OrganizationID = s.username, s.userID, s.orgID
		st.AccessExpiresAt = timePtr(s.expires.wall)
		st.RefreshExpiresAt = timePtr(s.refreshExp)
		st.NextRefreshAt = timePtr(l.next.wall)
	}
	if l.mfa != nil {
		st.CodeSentTo = l.mfa.phone
		if st.Username == "" {
			st.Username = l.mfa.username
		}
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
