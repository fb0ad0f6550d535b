package tray

import (
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
)

func TestPolicy(t *testing.T) {
	base := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	end := base.Add(65 * time.Minute) // 14:05
	in := func(st agent.State) agent.Status {
		return agent.Status{State: st, Username: ana, RefreshExpiresAt: &end, Message: "BioT ended the session"}
	}
	type step struct {
		after  time.Duration // from base
		status agent.Status
		want   []string // titles shown at this step
	}
	tests := []struct {
		name         string
		notifyBefore time.Duration
		steps        []step
	}{
		{
			name: "one notification per transition into needs_login",
			steps: []step{
				{0, in(agent.StateSignedIn), nil},
				{time.Minute, in(agent.StateNeedsLogin), []string{"Sign-in needed for BioT"}},
				{2 * time.Minute, in(agent.StateNeedsLogin), nil},
				{3 * time.Minute, in(agent.StateNeedsLogin), nil},
				{4 * time.Minute, in(agent.StateSignedIn), nil},
				{5 * time.Minute, in(agent.StateNeedsLogin), []string{"Sign-in needed for BioT"}},
			},
		},
		{
			name: "needs_login at start is told",
			steps: []step{
				{0, in(agent.StateNeedsLogin), []string{"Sign-in needed for BioT"}},
			},
		},
		{
			name: "signed out by hand, offline: nothing",
			steps: []step{
				{0, in(agent.StateSignedIn), nil},
				{time.Minute, in(agent.StateOffline), nil},
				{2 * time.Minute, in(agent.StateOffline), nil},
				{3 * time.Minute, in(agent.StateSignedOut), nil},
			},
		},
		{
			name:         "heads-up once, before the end",
			notifyBefore: 10 * time.Minute,
			steps: []step{
				{0, in(agent.StateSignedIn), nil},
				{54 * time.Minute, in(agent.StateSignedIn), nil},
				{55 * time.Minute, in(agent.StateSignedIn), []string{"BioT session ends soon"}},
				{56 * time.Minute, in(agent.StateOffline), nil},
				{57 * time.Minute, in(agent.StateSignedIn), nil},
			},
		},
		{
			name:         "heads-up off",
			notifyBefore: 0,
			steps: []step{
				{60 * time.Minute, in(agent.StateSignedIn), nil},
			},
		},
		{
			name:         "a new session gets its own heads-up",
			notifyBefore: 10 * time.Minute,
			steps: []step{
				{58 * time.Minute, in(agent.StateSignedIn), []string{"BioT session ends soon"}},
				{59 * time.Minute, agent.Status{State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: ptr(end.Add(8 * time.Hour))}, nil},
				{8*time.Hour + 58*time.Minute, agent.Status{State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: ptr(end.Add(8 * time.Hour))}, []string{"BioT session ends soon"}},
			},
		},
		{
			name:         "sign-in needed after the heads-up, then a new session",
			notifyBefore: 10 * time.Minute,
			steps: []step{
				{58 * time.Minute, in(agent.StateSignedIn), []string{"BioT session ends soon"}},
				{66 * time.Minute, in(agent.StateNeedsLogin), []string{"Sign-in needed for BioT"}},
				{67 * time.Minute, agent.Status{State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: ptr(base.Add(75 * time.Minute))}, []string{"BioT session ends soon"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolicy(tt.notifyBefore, true, time.UTC)
			for i, s := range tt.steps {
				var got []string
				for _, n := range p.observe(s.status, base.Add(s.after)) {
					got = append(got, n.Title)
				}
				if strings.Join(got, "|") != strings.Join(s.want, "|") {
					t.Errorf("step %d (%s at +%v): shown %q, want %q", i, s.status.State, s.after, got, s.want)
				}
			}
		})
	}
}

func TestPolicyWords(t *testing.T) {
	now := time.Date(2026, 3, 2, 13, 58, 0, 0, time.UTC)
	end := time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)
	p := newPolicy(10*time.Minute, true, time.UTC)
	got := p.observe(agent.Status{State: agent.StateSignedIn, RefreshExpiresAt: &end}, now)
	if len(got) != 1 || got[0].Body != "Your BioT session ends at 14:05. Sign in again to keep working." {
		t.Fatalf("heads-up = %+v", got)
	}
	if len(got[0].Actions) != 1 || got[0].Actions[0].Key != actionSignIn {
		t.Errorf("heads-up actions = %v, want Sign in", got[0].Actions)
	}
	got = p.observe(agent.Status{State: agent.StateNeedsLogin, Message: "BioT ended the session of ana (expired)"}, now)
	if len(got) != 1 || got[0].Title != "Sign-in needed for BioT" || got[0].Body != "BioT ended the session of ana (expired)" {
		t.Errorf("sign-in needed = %+v", got)
	}

	// Without a sign-in page, there is no button that could do anything.
	p = newPolicy(10*time.Minute, false, time.UTC)
	if got := p.observe(agent.Status{State: agent.StateNeedsLogin}, now); len(got) != 1 || len(got[0].Actions) != 0 || got[0].Body == "" {
		t.Errorf("without SignIn: %+v", got)
	}
}

func TestPolicyNext(t *testing.T) {
	now := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	end := now.Add(time.Hour)
	p := newPolicy(10*time.Minute, true, time.UTC)
	st := agent.Status{State: agent.StateSignedIn, RefreshExpiresAt: &end}
	if at, ok := p.next(st, now); !ok || !at.Equal(end.Add(-10*time.Minute)) {
		t.Errorf("next = %v, %v; want 10 minutes before the end", at, ok)
	}
	p.observe(st, end.Add(-5*time.Minute))
	if _, ok := p.next(st, end.Add(-4*time.Minute)); ok {
		t.Error("a heads-up is still scheduled after it was given")
	}
	if _, ok := newPolicy(0, true, time.UTC).next(st, now); ok {
		t.Error("a heads-up is scheduled with notify_before 0")
	}
}

func ptr(t time.Time) *time.Time { return &t }
