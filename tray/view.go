package tray

import (
	"fmt"
	"math"
	"strings"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
)

// view is what the tray shows at one moment: everything the systray face
// sets, worked out without touching systray.
type view struct {
	icon    string // an assets state: the worst of the environments'
	tooltip string
	// sections are the menu's, one per environment, by name. None: no
	// environment is configured yet.
	sections []section
}

// section is one environment's part of the menu.
type section struct {
	env    string
	status string // the disabled first line: name, user, state
	about  string // the first line's tooltip: the environment's URL

	signIn, signOut, copyToken bool // whether each item is enabled
	// service: a service user signs in here, again with its secret key,
	// not through a page.
	service bool
}

// signInTitle is the "Sign in" item's title and tooltip for s.
func (s section) signInTitle() (title, tip string) {
	if s.service {
		return "Sign in again", "Sign the service user of " + s.env + " in again, with its secret key as it is now"
	}
	return "Sign in…", "Open the sign-in page of " + s.env + " in the browser"
}

// noEnvironment is the menu's first line while no environment is
// configured.
const noEnvironment = "No BioT environment yet"

// rank orders the states by how much they need the person, for the icon:
// needs sign-in, then offline, then signed in, then signed out.
var rank = map[agent.State]int{
	agent.StateSignedOut:  0,
	agent.StateSignedIn:   1,
	agent.StateOffline:    2,
	agent.StateNeedsLogin: 3,
}

// makeView works out the view of the environments' statuses sts (by name)
// at now. soon is how long before a session's end "Sign in…" is offered
// again to a signed-in person (the heads-up lead; 0: not at all).
func makeView(sts []agent.Status, now time.Time, soon time.Duration, loc *time.Location) view {
	var v view
	worst := agent.StateSignedOut
	var tips []string
	for _, st := range sts {
		if rank[st.State] > rank[worst] {
			worst = st.State
		}
		s, tip := makeSection(st, now, soon, loc)
		v.sections = append(v.sections, s)
		tips = append(tips, tip)
	}
	v.icon = map[agent.State]string{
		agent.StateSignedOut:  assets.SignedOut,
		agent.StateSignedIn:   assets.SignedIn,
		agent.StateOffline:    assets.Offline,
		agent.StateNeedsLogin: assets.NeedsLogin,
	}[worst]
	if len(tips) == 0 {
		tips = []string{"no environment yet"}
	}
	v.tooltip = "BioT: " + strings.Join(tips, "; ")
	return v
}

// makeSection works out one environment's section, and its part of the
// tooltip, which leaves out the countdown while offline: the tooltip is
// not kept current by the clock.
func makeSection(st agent.Status, now time.Time, soon time.Duration, loc *time.Location) (section, string) {
	s := section{env: st.Env, about: st.Env + ": " + st.BaseURL}
	who := st.Username
	var state, brief string
	switch st.State {
	case agent.StateSignedIn:
		state = "signed in"
		if st.RefreshExpiresAt != nil {
			state += " until " + clock(*st.RefreshExpiresAt, now, loc)
		}
		brief = state
	case agent.StateOffline:
		state = "offline, retrying " + retry(st.NextRefreshAt, now, loc)
		brief = "offline, retrying"
	case agent.StateNeedsLogin:
		state, brief = "sign-in needed", "sign-in needed"
	default:
		who = "" // nobody is signed in
		state, brief = "signed out", "signed out"
		if st.MFAPending {
			state = "signing in: waiting for the SMS code"
		}
	}
	s.status = joinNonEmpty(" · ", st.Env, who, state)

	session := st.State == agent.StateSignedIn || st.State == agent.StateOffline
	endsSoon := session && soon > 0 && st.RefreshExpiresAt != nil && !now.Before(st.RefreshExpiresAt.Add(-soon))
	s.signIn = !session || endsSoon
	if st.Identity == agent.IdentityService {
		// The agent signs a service user in again before each token runs
		// out: a click is for when it stopped (a refused key, a sign-out).
		s.service, s.signIn = true, !session
	}
	s.signOut = session || st.State == agent.StateNeedsLogin || st.MFAPending
	s.copyToken = session
	return s, joinNonEmpty(" · ", st.Env, who, brief)
}

// envs lists the environments of v's sections: what the menu's shape
// depends on.
func (v view) envs() []string {
	out := make([]string, len(v.sections))
	for i, s := range v.sections {
		out[i] = s.env
	}
	return out
}

// retry says when the next try comes: "in 40 s", "in 3 min", "at 14:05".
func retry(next *time.Time, now time.Time, loc *time.Location) string {
	if next == nil {
		return "soon"
	}
	d := next.Sub(now)
	switch {
	case d <= 0:
		return "now"
	case d < time.Minute:
		return fmt.Sprintf("in %d s", int(math.Ceil(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("in %d min", int(math.Ceil(d.Minutes())))
	default:
		return "at " + clock(*next, now, loc)
	}
}

// clock shows t as a time of day, with the date when it is not today.
func clock(t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
