package tray

import (
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
)

func TestView(t *testing.T) {
	now := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	later := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	type items struct{ signIn, signOut, copyToken bool }
	tests := []struct {
		name    string
		st      agent.Status
		icon    string
		status  string
		tooltip string
		items   items
	}{
		{"signed in",
			agent.Status{State: agent.StateSignedIn, Username: ana, BaseURL: env, RefreshExpiresAt: later(65 * time.Minute)},
			assets.SignedIn, "Signed in as ana@example.com · api.dev.acme",
			"BioT: ana@example.com · api.dev.acme · signed in until 14:05", items{false, true, true}},
		{"signed in, the session ends soon",
			agent.Status{State: agent.StateSignedIn, Username: ana, BaseURL: env, RefreshExpiresAt: later(5 * time.Minute)},
			assets.SignedIn, "Signed in as ana@example.com · api.dev.acme",
			"BioT: ana@example.com · api.dev.acme · signed in until 13:05", items{true, true, true}},
		{"signed in until tomorrow",
			agent.Status{State: agent.StateSignedIn, Username: ana, BaseURL: env, RefreshExpiresAt: later(24 * time.Hour)},
			assets.SignedIn, "Signed in as ana@example.com · api.dev.acme",
			"BioT: ana@example.com · api.dev.acme · signed in until Tue 3 Mar 13:00", items{false, true, true}},
		{"offline, retry in seconds",
			agent.Status{State: agent.StateOffline, Username: ana, BaseURL: env, NextRefreshAt: later(39500 * time.Millisecond)},
			assets.Offline, "Offline: retrying in 40 s",
			"BioT: ana@example.com · api.dev.acme · offline, retrying", items{false, true, true}},
		{"offline, retry in minutes",
			agent.Status{State: agent.StateOffline, Username: ana, BaseURL: env, NextRefreshAt: later(4*time.Minute + time.Second)},
			assets.Offline, "Offline: retrying in 5 min",
			"BioT: ana@example.com · api.dev.acme · offline, retrying", items{false, true, true}},
		{"offline, retry due",
			agent.Status{State: agent.StateOffline, Username: ana, BaseURL: env, NextRefreshAt: later(-time.Second)},
			assets.Offline, "Offline: retrying now",
			"BioT: ana@example.com · api.dev.acme · offline, retrying", items{false, true, true}},
		{"sign-in needed",
			agent.Status{State: agent.StateNeedsLogin, Username: ana, BaseURL: env},
			assets.NeedsLogin, "Sign-in needed",
			"BioT: ana@example.com · api.dev.acme · sign-in needed", items{true, true, false}},
		{"signed out",
			agent.Status{State: agent.StateSignedOut, Username: ana, BaseURL: env},
			assets.SignedOut, "Signed out",
			"BioT: api.dev.acme · signed out", items{true, false, false}},
		{"signing in, waiting for the SMS code",
			agent.Status{State: agent.StateSignedOut, Username: ana, BaseURL: env, MFAPending: true},
			assets.SignedOut, "Signing in: waiting for the SMS code",
			"BioT: api.dev.acme · signed out", items{true, true, false}},
		{"a simulator on localhost",
			agent.Status{State: agent.StateSignedIn, Username: ana, BaseURL: "https://127.0.0.1:8443"},
			assets.SignedIn, "Signed in as ana@example.com · 127.0.0.1:8443",
			"BioT: ana@example.com · 127.0.0.1:8443 · signed in", items{false, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := makeView(tt.st, now, 10*time.Minute, time.UTC)
			if v.icon != tt.icon || v.status != tt.status || v.tooltip != tt.tooltip {
				t.Errorf("icon %q, status %q, tooltip %q\nwant %q, %q, %q", v.icon, v.status, v.tooltip, tt.icon, tt.status, tt.tooltip)
			}
			if got := (items{v.signIn, v.signOut, v.copyToken}); got != tt.items {
				t.Errorf("enabled (sign in, sign out, copy) = %+v, want %+v", got, tt.items)
			}
		})
	}
}
