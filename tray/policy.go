package tray

import (
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
	"biot-agent/tray/notify"
)

// actionSignIn is the key of the "Sign in" button on notifications.
const actionSignIn = "sign-in"

// policy decides when to notify; it is pure logic, fed each status as it
// comes and the time, so tests can drive it with a fake clock.
//
//   - One notification per transition into needs_login, never repeated
//     while the state holds, however many events arrive.
//   - A heads-up notifyBefore before the session ends (RefreshExpiresAt),
//     once per session.
//   - Nothing after a sign-out by hand (signed_out), nothing while offline:
//     the icon says it.
type policy struct {
	notifyBefore time.Duration
	canSignIn    bool // whether a "Sign in" button can do anything
	loc          *time.Location

	last agent.State // the state at the previous status; "" before the first
	// warnedEnd is the session end the heads-up was given for; zero when
	// none was given in this session.
	warnedEnd time.Time
}

func newPolicy(notifyBefore time.Duration, canSignIn bool, loc *time.Location) *policy {
	return &policy{notifyBefore: notifyBefore, canSignIn: canSignIn, loc: loc}
}

// observe takes the status at now and answers what to show, if anything.
func (p *policy) observe(st agent.Status, now time.Time) []notify.Notification {
	var out []notify.Notification
	prev := p.last
	p.last = st.State

	inSession := st.State == agent.StateSignedIn || st.State == agent.StateOffline
	if !inSession {
		p.warnedEnd = time.Time{} // the session is over: the next one gets its own heads-up
	}
	if st.State == agent.StateNeedsLogin && prev != agent.StateNeedsLogin {
		out = append(out, p.needsLogin(st))
	}
	if end, ok := p.headsUpAt(st); ok && !now.Before(end.Add(-p.notifyBefore)) && now.Before(end) {
		p.warnedEnd = end
		out = append(out, p.headsUp(end, now))
	}
	return out
}

// headsUpAt answers the end of st's session when a heads-up is still owed
// for it.
func (p *policy) headsUpAt(st agent.Status) (time.Time, bool) {
	if p.notifyBefore <= 0 || st.RefreshExpiresAt == nil {
		return time.Time{}, false
	}
	if st.State != agent.StateSignedIn && st.State != agent.StateOffline {
		return time.Time{}, false
	}
	end := *st.RefreshExpiresAt
	// Once per session: a session whose end moved by less than the lead
	// (a refresh that rotated the token) is the one already warned about;
	// a sign-in anew moves it by much more.
	if !p.warnedEnd.IsZero() && end.Sub(p.warnedEnd) < p.notifyBefore {
		return time.Time{}, false
	}
	return end, true
}

// next answers when the heads-up for st falls due, if it lies ahead: the
// caller looks again then.
func (p *policy) next(st agent.Status, now time.Time) (time.Time, bool) {
	end, ok := p.headsUpAt(st)
	if !ok {
		return time.Time{}, false
	}
	at := end.Add(-p.notifyBefore)
	if !at.After(now) {
		return time.Time{}, false // due already, or past: observe handles it
	}
	return at, true
}

func (p *policy) needsLogin(st agent.Status) notify.Notification {
	why := st.Message
	if why == "" {
		why = "The BioT session is over."
	}
	n := notify.Notification{
		Title: "Sign-in needed for BioT",
		Body:  why,
		Icon:  assets.PNG(assets.NeedsLogin, 48),
	}
	if p.canSignIn {
		n.Actions = []notify.Action{{Key: actionSignIn, Label: "Sign in"}}
	}
	return n
}

func (p *policy) headsUp(end, now time.Time) notify.Notification {
	n := notify.Notification{
		Title: "BioT session ends soon",
		Body:  "Your BioT session ends at " + clock(end, now, p.loc) + ". Sign in again to keep working.",
		Icon:  assets.PNG(assets.Offline, 48),
	}
	if p.canSignIn {
		n.Actions = []notify.Action{{Key: actionSignIn, Label: "Sign in"}}
	}
	return n
}
