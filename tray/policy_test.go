package tray

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
)

func TestPolicy(t *testing.T) {
	base := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	end := base.Add(65 * time.Minute) // 14:05
	in := func(env string, st agent.State) agent.Status {
		return agent.Status{Env: env, State: st, Username: ana, RefreshExpiresAt: &end, Message: "BioT ended the session"}
	}
	dev := func(st agent.State) agent.Status { return in("dev", st) }
	prod := func(st agent.State) agent.Status { return in("prod", st) }
	type step struct {
		after  time.Duration // from base
		status agent.Status
		want   []string // what is shown at this step: "title", or "title (replacing)"
	}
	tests := []struct {
		name         string
		notifyBefore time.Duration
		steps        []step
	}{
		{
			name: "one notification per transition into needs_login",
			steps: []step{
				{0, dev(agent.StateSignedIn), nil},
				{time.Minute, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
				{2 * time.Minute, dev(agent.StateNeedsLogin), nil},
				{3 * time.Minute, dev(agent.StateNeedsLogin), nil},
				{4 * time.Minute, dev(agent.StateSignedIn), nil},
				{5 * time.Minute, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
			},
		},
		{
			name: "needs_login at start is told",
			steps: []step{
				{0, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
			},
		},
		{
			name: "signed out by hand, offline: nothing",
			steps: []step{
				{0, dev(agent.StateSignedIn), nil},
				{time.Minute, dev(agent.StateOffline), nil},
				{2 * time.Minute, dev(agent.StateOffline), nil},
				{3 * time.Minute, dev(agent.StateSignedOut), nil},
			},
		},
		{
			name: "environments failing in the same minute share one notification",
			steps: []step{
				{0, dev(agent.StateSignedIn), nil},
				{0, prod(agent.StateSignedIn), nil},
				{time.Minute, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
				{time.Minute + 59*time.Second, prod(agent.StateNeedsLogin), []string{"Sign-in needed: dev, prod (replacing)"}},
				{2 * time.Minute, prod(agent.StateNeedsLogin), nil},
			},
		},
		{
			name: "a minute later, a notification of its own",
			steps: []step{
				{time.Minute, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
				{2 * time.Minute, prod(agent.StateNeedsLogin), []string{"Sign-in needed: prod"}},
				{2*time.Minute + time.Second, in("test", agent.StateNeedsLogin), []string{"Sign-in needed: prod, test (replacing)"}},
			},
		},
		{
			name: "one signed in again meanwhile is left out of the shared notification",
			steps: []step{
				{0, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
				{10 * time.Second, dev(agent.StateSignedIn), nil},
				{20 * time.Second, prod(agent.StateNeedsLogin), []string{"Sign-in needed: prod (replacing)"}},
			},
		},
		{
			name: "one environment failing twice in a minute is named once",
			steps: []step{
				{0, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
				{5 * time.Second, prod(agent.StateNeedsLogin), []string{"Sign-in needed: dev, prod (replacing)"}},
				{10 * time.Second, dev(agent.StateSignedIn), nil},
				{15 * time.Second, dev(agent.StateNeedsLogin), []string{"Sign-in needed: prod, dev (replacing)"}},
			},
		},
		{
			name: "other environments' events change nothing",
			steps: []step{
				{0, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
				{time.Second, prod(agent.StateSignedIn), nil},
				{2 * time.Second, prod(agent.StateOffline), nil},
				{3 * time.Second, prod(agent.StateSignedOut), nil},
				{4 * time.Second, dev(agent.StateNeedsLogin), nil},
			},
		},
		{
			name:         "heads-up once, before the end",
			notifyBefore: 10 * time.Minute,
			steps: []step{
				{0, dev(agent.StateSignedIn), nil},
				{54 * time.Minute, dev(agent.StateSignedIn), nil},
				{55 * time.Minute, dev(agent.StateSignedIn), []string{"BioT session ends soon: dev"}},
				{56 * time.Minute, dev(agent.StateOffline), nil},
				{57 * time.Minute, dev(agent.StateSignedIn), nil},
			},
		},
		{
			name:         "heads-up per environment",
			notifyBefore: 10 * time.Minute,
			steps: []step{
				{55 * time.Minute, dev(agent.StateSignedIn), []string{"BioT session ends soon: dev"}},
				{56 * time.Minute, prod(agent.StateSignedIn), []string{"BioT session ends soon: prod"}},
				{57 * time.Minute, dev(agent.StateSignedIn), nil},
				{57 * time.Minute, prod(agent.StateSignedIn), nil},
			},
		},
		{
			name:         "heads-up off",
			notifyBefore: 0,
			steps: []step{
				{60 * time.Minute, dev(agent.StateSignedIn), nil},
			},
		},
		{
			name:         "a new session gets its own heads-up",
			notifyBefore: 10 * time.Minute,
			steps: []step{
				{58 * time.Minute, dev(agent.StateSignedIn), []string{"BioT session ends soon: dev"}},
				{59 * time.Minute, agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: ptr(end.Add(8 * time.Hour))}, nil},
				{8*time.Hour + 58*time.Minute, agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: ptr(end.Add(8 * time.Hour))}, []string{"BioT session ends soon: dev"}},
			},
		},
		{
			name:         "sign-in needed after the heads-up, then a new session",
			notifyBefore: 10 * time.Minute,
			steps: []step{
				{58 * time.Minute, dev(agent.StateSignedIn), []string{"BioT session ends soon: dev"}},
				{66 * time.Minute, dev(agent.StateNeedsLogin), []string{"Sign-in needed: dev"}},
				{67 * time.Minute, agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: ptr(base.Add(75 * time.Minute))}, []string{"BioT session ends soon: dev"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPolicy(tt.notifyBefore, true, time.UTC)
			for i, s := range tt.steps {
				got := shown(p.observe(s.status, base.Add(s.after)))
				if strings.Join(got, "|") != strings.Join(s.want, "|") {
					t.Errorf("step %d (%s %s at +%v): shown %q, want %q", i, s.status.Env, s.status.State, s.after, got, s.want)
				}
			}
		})
	}
}

// shown puts notices in the words of TestPolicy's table.
func shown(ns []notice) []string {
	var out []string
	for _, n := range ns {
		s := n.n.Title
		if n.replace {
			s += " (replacing)"
		}
		out = append(out, s)
	}
	return out
}

func TestPolicyWords(t *testing.T) {
	now := time.Date(2026, 3, 2, 13, 58, 0, 0, time.UTC)
	end := time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC)
	p := newPolicy(10*time.Minute, true, time.UTC)
	got := p.observe(agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: &end}, now)
	if len(got) != 1 || got[0].n.Body != "The BioT session of ana@example.com in dev ends at 14:05. Sign in again to keep working." {
		t.Fatalf("heads-up = %+v", got)
	}
	if a := got[0].n.Actions; len(a) != 1 || a[0].Key != "sign-in:dev" || a[0].Label != "Sign in" {
		t.Errorf("heads-up actions = %v, want Sign in to dev", a)
	}
	got = p.observe(agent.Status{Env: "dev", State: agent.StateNeedsLogin, Message: "BioT ended the session of ana (expired)"}, now)
	if len(got) != 1 || got[0].n.Title != "Sign-in needed: dev" || got[0].n.Body != "BioT ended the session of ana (expired)" {
		t.Errorf("sign-in needed = %+v", got)
	}
	if a := got[0].n.Actions; len(a) != 1 || a[0].Key != "sign-in:dev" || a[0].Label != "Sign in" {
		t.Errorf("sign-in needed actions = %v, want Sign in to dev", a)
	}
	// A second environment joins the first notification: both named, a
	// button each.
	got = p.observe(agent.Status{Env: "prod", State: agent.StateNeedsLogin}, now.Add(time.Second))
	if len(got) != 1 || !got[0].replace || got[0].slot != slotSignIn {
		t.Fatalf("second environment = %+v, want a notice replacing the first", got)
	}
	n := got[0].n
	if n.Title != "Sign-in needed: dev, prod" || n.Body != "dev: BioT ended the session of ana (expired)\nprod: The BioT session is over." {
		t.Errorf("shared notification %q: %q", n.Title, n.Body)
	}
	if fmt.Sprint(n.Actions) != "[{sign-in:dev Sign in to dev} {sign-in:prod Sign in to prod}]" {
		t.Errorf("shared notification's actions = %v", n.Actions)
	}

	// Without a sign-in page, there is no button that could do anything.
	p = newPolicy(10*time.Minute, false, time.UTC)
	if got := p.observe(agent.Status{Env: "dev", State: agent.StateNeedsLogin}, now); len(got) != 1 || len(got[0].n.Actions) != 0 || got[0].n.Body == "" {
		t.Errorf("without SignIn: %+v", got)
	}
}

func TestPolicyNext(t *testing.T) {
	now := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	end := now.Add(time.Hour)
	p := newPolicy(10*time.Minute, true, time.UTC)
	dev := agent.Status{Env: "dev", State: agent.StateSignedIn, RefreshExpiresAt: &end}
	prod := agent.Status{Env: "prod", State: agent.StateSignedIn, RefreshExpiresAt: ptr(end.Add(-20 * time.Minute))}
	if at, ok := p.next([]agent.Status{dev, prod}, now); !ok || !at.Equal(end.Add(-30*time.Minute)) {
		t.Errorf("next = %v, %v; want 10 minutes before prod's end, the first", at, ok)
	}
	p.observe(prod, end.Add(-25*time.Minute))
	if at, ok := p.next([]agent.Status{dev, prod}, end.Add(-25*time.Minute)); !ok || !at.Equal(end.Add(-10*time.Minute)) {
		t.Errorf("next = %v, %v; want dev's, prod's heads-up being given", at, ok)
	}
	p.observe(dev, end.Add(-5*time.Minute))
	if _, ok := p.next([]agent.Status{dev, prod}, end.Add(-4*time.Minute)); ok {
		t.Error("a heads-up is still scheduled after both were given")
	}
	if _, ok := newPolicy(0, true, time.UTC).next([]agent.Status{dev}, now); ok {
		t.Error("a heads-up is scheduled with notify_before 0")
	}
}

// A removed environment is forgotten: added again, it is told anew.
func TestPolicyForgets(t *testing.T) {
	now := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)
	p := newPolicy(0, true, time.UTC)
	needs := agent.Status{Env: "dev", State: agent.StateNeedsLogin}
	if got := p.observe(needs, now); len(got) != 1 {
		t.Fatalf("first: %+v", got)
	}
	p.forget("dev")
	if got := shown(p.observe(needs, now.Add(2*time.Minute))); fmt.Sprint(got) != "[Sign-in needed: dev]" {
		t.Errorf("after forget: %q", got)
	}
}

func ptr(t time.Time) *time.Time { return &t }
