package tray

import (
	"strings"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
	"biot-agent/tray/notify"
)

// actionSignIn starts the key of a notification's "Sign in" button; the
// environment's name follows: "sign-in:dev".
const actionSignIn = "sign-in:"

// groupFor is how long after one environment's "Sign-in needed" others
// that need a sign-in join it, in the same notification, rather than get
// one of their own: environments fail together when the laptop wakes, the
// network returns or the agent starts with old sessions.
const groupFor = time.Minute

// slotSignIn is the notice slot of "Sign-in needed": a later notice in it
// replaces the one on screen.
const slotSignIn = "sign-in"

// notice is a notification the policy wants shown. When replace is set,
// it takes the place of the last notification shown in its slot (the
// sender remembers the ids); otherwise it is new, and the slot's next
// notices replace it.
type notice struct {
	n       notify.Notification
	slot    string // "" for a notification that nothing replaces
	replace bool
}

// policy decides when to notify; it is pure logic, fed each environment's
// status as it comes and the time, so tests can drive it with a fake
// clock.
//
//   - One notification per environment per transition into needs_login,
//     never repeated while the state holds, however many events arrive.
//     Environments that need a sign-in within groupFor of the first share
//     its notification: it is replaced by one naming them all ("Sign-in
//     needed: dev, prod").
//   - A heads-up notifyBefore before an environment's session ends
//     (RefreshExpiresAt), once per session.
//   - Nothing after a sign-out by hand (signed_out), nothing while offline:
//     the icon says it.
type policy struct {
	notifyBefore time.Duration
	canSignIn    bool // whether a "Sign in" button can do anything
	loc          *time.Location

	envs map[string]*envPolicy
	// group is the last "Sign-in needed" notification: when it was
	// shown first, and the environments it names, in the order they came.
	group struct {
		at   time.Time
		envs []string
	}
}

// envPolicy is what the policy remembers of one environment.
type envPolicy struct {
	last    agent.State // the state at the previous status; "" before the first
	message string      // why it needs a sign-in, when it does
	service bool        // a service user signs in here: its button signs in again, no page
	// warnedEnd is the session end the heads-up was given for; zero when
	// none was given in this session.
	warnedEnd time.Time
}

func newPolicy(notifyBefore time.Duration, canSignIn bool, loc *time.Location) *policy {
	return &policy{notifyBefore: notifyBefore, canSignIn: canSignIn, loc: loc, envs: map[string]*envPolicy{}}
}

// observe takes the status of one environment at now and answers what to
// show, if anything.
func (p *policy) observe(st agent.Status, now time.Time) []notice {
	e := p.envs[st.Env]
	if e == nil {
		e = &envPolicy{}
		p.envs[st.Env] = e
	}
	var out []notice
	prev := e.last
	e.last = st.State
	e.service = st.Identity == agent.IdentityService

	inSession := st.State == agent.StateSignedIn || st.State == agent.StateOffline
	if !inSession {
		e.warnedEnd = time.Time{} // the session is over: the next one gets its own heads-up
	}
	if st.State == agent.StateNeedsLogin && prev != agent.StateNeedsLogin {
		e.message = st.Message
		out = append(out, p.needsLogin(st.Env, now))
	}
	if end, ok := p.headsUpAt(e, st); ok && !now.Before(end.Add(-p.notifyBefore)) && now.Before(end) {
		e.warnedEnd = end
		out = append(out, notice{n: p.headsUp(st, end, now)})
	}
	return out
}

// forget drops an environment that is no longer configured.
func (p *policy) forget(env string) { delete(p.envs, env) }

// headsUpAt answers the end of st's session when a heads-up is still owed
// for it.
func (p *policy) headsUpAt(e *envPolicy, st agent.Status) (time.Time, bool) {
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
	if !e.warnedEnd.IsZero() && end.Sub(e.warnedEnd) < p.notifyBefore {
		return time.Time{}, false
	}
	return end, true
}

// next answers when the first heads-up among sts falls due, if one lies
// ahead: the caller looks again then.
func (p *policy) next(sts []agent.Status, now time.Time) (time.Time, bool) {
	var first time.Time
	for _, st := range sts {
		e := p.envs[st.Env]
		if e == nil {
			e = &envPolicy{}
		}
		end, ok := p.headsUpAt(e, st)
		if !ok {
			continue
		}
		at := end.Add(-p.notifyBefore)
		if !at.After(now) {
			continue // due already, or past: observe handles it
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	return first, !first.IsZero()
}

// needsLogin is the notice that env needs a sign-in: a new notification,
// or, within groupFor of the last one, that one again with env added.
// Environments signed in again since are left out of it.
func (p *policy) needsLogin(env string, now time.Time) notice {
	replace := !p.group.at.IsZero() && now.Sub(p.group.at) < groupFor
	var names []string
	if replace {
		for _, g := range p.group.envs {
			if e := p.envs[g]; g != env && e != nil && e.last == agent.StateNeedsLogin {
				names = append(names, g)
			}
		}
	} else {
		p.group.at = now
	}
	names = append(names, env)
	p.group.envs = names

	n := notify.Notification{
		Title: "Sign-in needed: " + strings.Join(names, ", "),
		Icon:  assets.PNG(assets.NeedsLogin, 48),
	}
	var lines []string
	for _, name := range names {
		why := p.envs[name].message
		if why == "" {
			why = "The BioT session is over."
		}
		if len(names) > 1 {
			why = name + ": " + why
		}
		lines = append(lines, why)
		if service := p.envs[name].service; p.canSignIn || service {
			label := "Sign in"
			if service {
				label = "Sign in again"
			}
			if len(names) > 1 {
				label += " to " + name
			}
			n.Actions = append(n.Actions, notify.Action{Key: actionSignIn + name, Label: label})
		}
	}
	n.Body = strings.Join(lines, "\n")
	return notice{n: n, slot: slotSignIn, replace: replace}
}

func (p *policy) headsUp(st agent.Status, end, now time.Time) notify.Notification {
	whose := "Your BioT session in " + st.Env
	if st.Username != "" {
		whose = "The BioT session of " + st.Username + " in " + st.Env
	}
	n := notify.Notification{
		Title: "BioT session ends soon: " + st.Env,
		Body:  whose + " ends at " + clock(end, now, p.loc) + ". Sign in again to keep working.",
		Icon:  assets.PNG(assets.Offline, 48),
	}
	if p.canSignIn {
		n.Actions = []notify.Action{{Key: actionSignIn + st.Env, Label: "Sign in"}}
	}
	return n
}
