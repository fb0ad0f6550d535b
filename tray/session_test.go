package tray

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
	"biot-agent/internal/fakeclock"
	"biot-agent/tray/notify"
)

// These tests run the tray's session side (events, policy, notifications,
// notification buttons) in this process, without systray, so -race checks
// it; the clock is fake so that a heads-up 20 minutes away comes at once.

// fakeBackend stands in for the environments' agents, whose events the
// test makes up; the real agents are exercised by TestAgents and the
// end-to-end test.
type fakeBackend struct {
	mu       sync.Mutex
	statuses map[string]agent.Status
	sub      chan agent.Event
	seq      uint64
}

func newFakeBackend(sts ...agent.Status) *fakeBackend {
	b := &fakeBackend{statuses: map[string]agent.Status{}, sub: make(chan agent.Event, 256)}
	for _, st := range sts {
		b.statuses[st.Env] = st
	}
	return b
}

// Subscribe sends every environment's status first, by name, as the
// agents do.
func (b *fakeBackend) Subscribe() (<-chan agent.Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	names := slices.Sorted(maps.Keys(b.statuses))
	for _, name := range names {
		b.sub <- agent.Event{Seq: b.seq, Status: b.statuses[name]}
	}
	return b.sub, func() {}
}
func (b *fakeBackend) Token(context.Context, string, time.Duration) (agent.Token, error) {
	return agent.Token{}, &agent.Error{Kind: agent.KindSignedOut, Message: "not signed in"}
}
func (b *fakeBackend) Logout(context.Context, string) error { return nil }
func (b *fakeBackend) SignIn(context.Context, string) error { return nil }

// publish sends st, an event of st.Env; it blocks when the tray falls 256
// events behind.
func (b *fakeBackend) publish(st agent.Status) { b.send(agent.Event{Status: st}) }

// remove says st.Env is no longer configured.
func (b *fakeBackend) remove(env string) {
	b.mu.Lock()
	st := b.statuses[env]
	b.mu.Unlock()
	b.send(agent.Event{Status: st, Removed: true})
}

func (b *fakeBackend) send(ev agent.Event) {
	b.mu.Lock()
	if ev.Removed {
		delete(b.statuses, ev.Status.Env)
	} else {
		b.statuses[ev.Status.Env] = ev.Status
	}
	b.seq++
	ev.Seq = b.seq
	b.mu.Unlock()
	b.sub <- ev
}

// recordingNotifier stands in for the desktop's notification daemon; the
// real D-Bus path is tested in package notify and by the trayhost tests.
type recordingNotifier struct {
	got     chan notify.Notification
	actions chan string

	mu  sync.Mutex
	ids map[string]uint32 // by title
	n   uint32
}

func newRecordingNotifier() *recordingNotifier {
	return &recordingNotifier{got: make(chan notify.Notification, 256), actions: make(chan string, 4), ids: map[string]uint32{}}
}

// Notify answers ids as a server does: a replacement keeps the id it
// replaces.
func (r *recordingNotifier) Notify(_ context.Context, n notify.Notification) (uint32, error) {
	r.mu.Lock()
	id := n.Replaces
	if id == 0 {
		r.n++
		id = r.n
	}
	r.ids[n.Title] = id
	r.mu.Unlock()
	r.got <- n
	return id, nil
}

// idOf is the id Notify answered for n.
func (r *recordingNotifier) idOf(n notify.Notification) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[n.Title]
}
func (r *recordingNotifier) Actions() <-chan string { return r.actions }
func (r *recordingNotifier) Close() error           { return nil }

func (r *recordingNotifier) next(t *testing.T) notify.Notification {
	t.Helper()
	select {
	case n := <-r.got:
		return n
	case <-time.After(waitFor):
		t.Fatal("no notification")
		return notify.Notification{}
	}
}

type sessionEnv struct {
	b      *fakeBackend
	n      *recordingNotifier
	clk    *fakeclock.Clock
	tr     *tray
	opened chan string
}

// startSession runs the tray's session side for the environments of sts.
func startSession(t *testing.T, notifyBefore time.Duration, sts ...agent.Status) *sessionEnv {
	t.Helper()
	e := &sessionEnv{b: newFakeBackend(sts...), n: newRecordingNotifier(),
		clk: fakeclock.New(time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)), opened: make(chan string, 4)}
	e.tr = newTray(Config{
		Backend:      e.b,
		Notifier:     e.n,
		NotifyBefore: notifyBefore,
		SignIn: func(_ context.Context, env string) (string, error) {
			return "http://127.0.0.1:9/page-" + env + "/", nil
		},
		AddEnvironment: func(context.Context) (string, error) { return "http://127.0.0.1:9/add/", nil },
		OpenURL:        func(u string) error { e.opened <- u; return nil },
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:          e.clk,
	})
	e.tr.loc = time.UTC
	e.tr.pol.loc = time.UTC
	ctx, cancel := context.WithCancel(context.Background())
	stopped := e.tr.start(ctx)
	t.Cleanup(func() { cancel(); <-stopped })
	return e
}

// menu is the sections the face would show now, as their first lines.
func (e *sessionEnv) menu() []string {
	v, _ := e.tr.view()
	var out []string
	for _, s := range v.sections {
		out = append(out, s.status)
	}
	return out
}

func TestExactlyOneNotificationFor100Events(t *testing.T) {
	e := startSession(t, 0, agent.Status{Env: "dev"}, agent.Status{Env: "prod"})
	needs := agent.Status{Env: "dev", State: agent.StateNeedsLogin, Username: ana, Message: "refresh token expired"}
	for range 100 {
		e.b.publish(needs)
	}
	if n := e.n.next(t); n.Title != "Sign-in needed: dev" || n.Replaces != 0 {
		t.Errorf("first notification %q (replacing %d)", n.Title, n.Replaces)
	}
	// Events are handled in order and notifications sent in order: when
	// the next transition's notification comes, a repeat would have come
	// before it.
	e.b.publish(agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana})
	e.b.publish(agent.Status{Env: "dev", State: agent.StateSignedOut}) // by hand: nothing
	e.clk.Advance(groupFor)                                            // a notification of its own
	needs.Message = "second"
	e.b.publish(needs)
	if n := e.n.next(t); n.Body != "second" || n.Replaces != 0 {
		t.Errorf("next notification says %q (replacing %d), want the second transition's, new", n.Body, n.Replaces)
	}
}

// Environments that need a sign-in within a minute share one notification:
// the second replaces the first on screen, naming both.
func TestFailingTogetherShareANotification(t *testing.T) {
	e := startSession(t, 0, agent.Status{Env: "dev"}, agent.Status{Env: "prod"}, agent.Status{Env: "test"})
	e.b.publish(agent.Status{Env: "dev", State: agent.StateNeedsLogin, Message: "expired"})
	first := e.n.next(t)
	e.clk.Advance(30 * time.Second)
	e.b.publish(agent.Status{Env: "prod", State: agent.StateNeedsLogin, Message: "revoked"})
	second := e.n.next(t)
	if first.Title != "Sign-in needed: dev" || second.Title != "Sign-in needed: dev, prod" {
		t.Errorf("notifications %q, then %q", first.Title, second.Title)
	}
	if second.Replaces != e.n.idOf(first) {
		t.Errorf("the second replaces %d, want the first's id %d", second.Replaces, e.n.idOf(first))
	}
	// A minute after the first, a new one.
	e.clk.Advance(30 * time.Second)
	e.b.publish(agent.Status{Env: "test", State: agent.StateNeedsLogin})
	if third := e.n.next(t); third.Title != "Sign-in needed: test" || third.Replaces != 0 {
		t.Errorf("a minute later: %q replacing %d, want a new notification", third.Title, third.Replaces)
	}
}

func TestHeadsUpComesOnTime(t *testing.T) {
	e := startSession(t, 10*time.Minute, agent.Status{Env: "dev"})
	end := e.clk.Now().Add(30 * time.Minute) // 13:30
	e.b.publish(agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: &end})
	// Wait until the tray sleeps until 13:20, then jump there.
	deadline := time.After(waitFor)
	for {
		n, changed := e.clk.Waiters()
		if n > 0 {
			break
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the tray never scheduled the heads-up")
		}
	}
	select {
	case n := <-e.n.got:
		t.Fatalf("notified %q 20 minutes early", n.Title)
	default:
	}
	e.clk.Advance(20 * time.Minute)
	if n := e.n.next(t); n.Title != "BioT session ends soon: dev" || n.Body != "The BioT session of ana@example.com in dev ends at 13:30. Sign in again to keep working." {
		t.Errorf("heads-up %q: %q", n.Title, n.Body)
	}
}

func TestSignInButtonOpensThatEnvironmentsPage(t *testing.T) {
	e := startSession(t, 0, agent.Status{Env: "dev"}, agent.Status{Env: "prod"})
	e.n.actions <- "something-else"
	e.n.actions <- "sign-in:"
	e.n.actions <- "sign-in:prod"
	select {
	case u := <-e.opened:
		if u != "http://127.0.0.1:9/page-prod/" {
			t.Errorf("opened %q", u)
		}
	case <-time.After(waitFor):
		t.Fatal("the Sign in button opened nothing")
	}
	select {
	case u := <-e.opened:
		t.Errorf("a second page %q was opened", u)
	default:
	}
}

// The first run: no environment, the icon signed out, and a menu that
// offers to add one; then environments come and go.
func TestEnvironmentsComeAndGo(t *testing.T) {
	e := startSession(t, 0)
	v, _ := e.tr.view()
	if v.icon != assets.SignedOut || len(v.sections) != 0 || v.tooltip != "BioT: no environment yet" {
		t.Errorf("with no environment: icon %q, %d sections, tooltip %q", v.icon, len(v.sections), v.tooltip)
	}
	e.tr.addEnvironment()
	if u := recv(t, e.opened, "the add page"); u != "http://127.0.0.1:9/add/" {
		t.Errorf("Add a BioT environment… opened %q", u)
	}

	e.b.publish(agent.Status{Env: "prod", State: agent.StateSignedIn, Username: ana})
	e.b.publish(agent.Status{Env: "dev", State: agent.StateNeedsLogin, Username: ana})
	eventually(t, func() string {
		if got := fmt.Sprint(e.menu()); got != "[dev · ana@example.com · sign-in needed prod · ana@example.com · signed in]" {
			return "sections " + got
		}
		return ""
	})
	if n := e.n.next(t); n.Title != "Sign-in needed: dev" {
		t.Errorf("notification %q", n.Title)
	}
	e.b.remove("dev")
	eventually(t, func() string {
		if v, _ := e.tr.view(); fmt.Sprint(e.menu()) != "[prod · ana@example.com · signed in]" || v.icon != assets.SignedIn {
			return fmt.Sprintf("after dev went: sections %v, icon %q", e.menu(), v.icon)
		}
		return ""
	})
	// Configured again, and needing a sign-in again: told again.
	e.clk.Advance(groupFor)
	e.b.publish(agent.Status{Env: "dev", State: agent.StateNeedsLogin})
	if n := e.n.next(t); n.Title != "Sign-in needed: dev" || n.Replaces != 0 {
		t.Errorf("notification %q replacing %d", n.Title, n.Replaces)
	}
}
