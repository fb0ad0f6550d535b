package tray

import (
	"fmt"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
)

func TestSection(t *testing.T) {
	now := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	later := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	type items struct{ signIn, signOut, copyToken bool }
	tests := []struct {
		name    string
		st      agent.Status
		status  string
		tooltip string
		items   items
	}{
		{"signed in",
			agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, BaseURL: env, RefreshExpiresAt: later(65 * time.Minute)},
			"dev · ana@example.com · signed in until 14:05",
			"BioT: dev · ana@example.com · signed in until 14:05", items{false, true, true}},
		{"signed in, the session ends soon",
			agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, BaseURL: env, RefreshExpiresAt: later(5 * time.Minute)},
			"dev · ana@example.com · signed in until 13:05",
			"BioT: dev · ana@example.com · signed in until 13:05", items{true, true, true}},
		{"signed in until tomorrow",
			agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, BaseURL: env, RefreshExpiresAt: later(24 * time.Hour)},
			"dev · ana@example.com · signed in until Tue 3 Mar 13:00",
			"BioT: dev · ana@example.com · signed in until Tue 3 Mar 13:00", items{false, true, true}},
		{"signed in, no end known",
			agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, BaseURL: env},
			"dev · ana@example.com · signed in",
			"BioT: dev · ana@example.com · signed in", items{false, true, true}},
		{"offline, retry in seconds",
			agent.Status{Env: "dev", State: agent.StateOffline, Username: ana, BaseURL: env, NextRefreshAt: later(39500 * time.Millisecond)},
			"dev · ana@example.com · offline, retrying in 40 s",
			"BioT: dev · ana@example.com · offline, retrying", items{false, true, true}},
		{"offline, retry in minutes",
			agent.Status{Env: "dev", State: agent.StateOffline, Username: ana, BaseURL: env, NextRefreshAt: later(4*time.Minute + time.Second)},
			"dev · ana@example.com · offline, retrying in 5 min",
			"BioT: dev · ana@example.com · offline, retrying", items{false, true, true}},
		{"offline, retry due",
			agent.Status{Env: "dev", State: agent.StateOffline, Username: ana, BaseURL: env, NextRefreshAt: later(-time.Second)},
			"dev · ana@example.com · offline, retrying now",
			"BioT: dev · ana@example.com · offline, retrying", items{false, true, true}},
		{"sign-in needed",
			agent.Status{Env: "dev", State: agent.StateNeedsLogin, Username: ana, BaseURL: env},
			"dev · ana@example.com · sign-in needed",
			"BioT: dev · ana@example.com · sign-in needed", items{true, true, false}},
		{"signed out",
			agent.Status{Env: "dev", State: agent.StateSignedOut, Username: ana, BaseURL: env},
			"dev · signed out",
			"BioT: dev · signed out", items{true, false, false}},
		{"signing in, waiting for the SMS code",
			agent.Status{Env: "dev", State: agent.StateSignedOut, Username: ana, BaseURL: env, MFAPending: true},
			"dev · signing in: waiting for the SMS code",
			"BioT: dev · signed out", items{true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := makeView([]agent.Status{tt.st}, now, 10*time.Minute, time.UTC)
			if len(v.sections) != 1 {
				t.Fatalf("%d sections for one environment", len(v.sections))
			}
			s := v.sections[0]
			if s.env != "dev" || s.status != tt.status || v.tooltip != tt.tooltip {
				t.Errorf("section %q: %q, tooltip %q\nwant dev: %q, %q", s.env, s.status, v.tooltip, tt.status, tt.tooltip)
			}
			if s.about != "dev: "+env {
				t.Errorf("the status line's tooltip is %q, want the environment's URL", s.about)
			}
			if got := (items{s.signIn, s.signOut, s.copyToken}); got != tt.items {
				t.Errorf("enabled (sign in, sign out, copy) = %+v, want %+v", got, tt.items)
			}
		})
	}
}

// TestViewOfSeveral: the icon is the worst state of all (needs sign-in,
// offline, signed in, signed out), the sections come in the order given
// (by name), and the tooltip names every environment.
func TestViewOfSeveral(t *testing.T) {
	now := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	st := func(env string, s agent.State) agent.Status {
		return agent.Status{Env: env, State: s, Username: ana, BaseURL: "https://api." + env + ".biot-med.com"}
	}
	in, off, needs, out := agent.StateSignedIn, agent.StateOffline, agent.StateNeedsLogin, agent.StateSignedOut
	tests := []struct {
		name    string
		sts     []agent.Status
		icon    string
		tooltip string
	}{
		{"none configured", nil, assets.SignedOut, "BioT: no environment yet"},
		{"all signed out", []agent.Status{st("dev", out), st("prod", out)}, assets.SignedOut,
			"BioT: dev · signed out; prod · signed out"},
		{"signed in beats signed out", []agent.Status{st("dev", out), st("prod", in)}, assets.SignedIn,
			"BioT: dev · signed out; prod · ana@example.com · signed in"},
		{"offline beats signed in", []agent.Status{st("dev", in), st("prod", off), st("test", out)}, assets.Offline,
			"BioT: dev · ana@example.com · signed in; prod · ana@example.com · offline, retrying; test · signed out"},
		{"sign-in needed beats all", []agent.Status{st("a", off), st("b", needs), st("c", in), st("d", out)}, assets.NeedsLogin,
			"BioT: a · ana@example.com · offline, retrying; b · ana@example.com · sign-in needed; c · ana@example.com · signed in; d · signed out"},
		{"one needing a sign-in among signed out", []agent.Status{st("dev", out), st("prod", needs)}, assets.NeedsLogin,
			"BioT: dev · signed out; prod · ana@example.com · sign-in needed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := makeView(tt.sts, now, 10*time.Minute, time.UTC)
			if v.icon != tt.icon || v.tooltip != tt.tooltip {
				t.Errorf("icon %q, tooltip %q\nwant %q, %q", v.icon, v.tooltip, tt.icon, tt.tooltip)
			}
			var want []string
			for _, s := range tt.sts {
				want = append(want, s.Env)
			}
			if fmt.Sprint(v.envs()) != fmt.Sprint(want) {
				t.Errorf("sections for %v, want %v", v.envs(), want)
			}
		})
	}
}
