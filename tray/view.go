package tray

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
)

// view is what the tray shows for one status at one moment: everything the
// systray face sets, worked out without touching systray.
type view struct {
	icon    string // an assets state
	status  string // the disabled first line of the menu
	tooltip string

	signIn, signOut, copyToken bool // whether each item is enabled
}

// makeView works out the view of st at now. soon is how long before the
// session's end "Sign in…" is offered again to a signed-in person (the
// heads-up lead; 0: not at all).
func makeView(st agent.Status, now time.Time, soon time.Duration, loc *time.Location) view {
	who := joinNonEmpty(" · ", st.Username, environment(st.BaseURL))
	v := view{icon: assets.SignedOut}
	var state string // the tooltip's word for the state
	switch st.State {
	case agent.StateSignedIn:
		v.icon = assets.SignedIn
		v.status = "Signed in as " + who
		state = "signed in"
		if st.RefreshExpiresAt != nil {
			state += " until " + clock(*st.RefreshExpiresAt, now, loc)
		}
	case agent.StateOffline:
		v.icon = assets.Offline
		v.status = "Offline: retrying " + retry(st.NextRefreshAt, now, loc)
		state = "offline, retrying"
	case agent.StateNeedsLogin:
		v.icon = assets.NeedsLogin
		v.status = "Sign-in needed"
		state = "sign-in needed"
	default:
		v.status = "Signed out"
		if st.MFAPending {
			v.status = "Signing in: waiting for the SMS code"
		}
		who = environment(st.BaseURL) // nobody is signed in
		state = "signed out"
	}
	v.tooltip = "BioT: " + joinNonEmpty(" · ", who, state)

	session := st.State == agent.StateSignedIn || st.State == agent.StateOffline
	endsSoon := session && soon > 0 && st.RefreshExpiresAt != nil && !now.Before(st.RefreshExpiresAt.Add(-soon))
	v.signIn = !session || endsSoon
	v.signOut = session || st.State == agent.StateNeedsLogin || st.MFAPending
	v.copyToken = session
	return v
}

// environment names a BioT environment by its host, without the
// ".biot-med.com" every environment shares: https://api.dev.acme.biot-med.com
// is "api.dev.acme".
func environment(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return baseURL
	}
	host := strings.TrimSuffix(u.Hostname(), ".biot-med.com")
	if p := u.Port(); p != "" {
		host += ":" + p
	}
	return host
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
