package tray

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/internal/fakeclock"
	"biot-agent/tray/notify"
)

// These tests run the tray's session side (events, policy, notifications,
// notification buttons) in this process, without systray, so -race checks
// it; the clock is fake so that a heads-up 20 minutes away comes at once.

// fakeBackend stands in for the agent, whose events the test makes up; the
// real agent is exercised by the end-to-end test.
type fakeBackend struct {
	mu     sync.Mutex
	status agent.Status
	sub    chan agent.Event
	seq    uint64
}

func newFakeBackend() *fakeBackend { return &fakeBackend{sub: make(chan agent.Event, 256)} }

func (b *fakeBackend) Status() agent.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// Subscribe sends the current status first, as the agent does.
func (b *fakeBackend) Subscribe() (<-chan agent.Event, func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sub <- agent.Event{Seq: b.seq, Status: b.status}
	return b.sub, func() {}
}
func (b *fakeBackend) Token(context.Context, time.Duration) (agent.Token, error) {
	return agent.Token{}, &agent.Error{Kind: agent.KindSignedOut, Message: "not signed in"}
}
func (b *fakeBackend) Logout(context.Context) error { return nil }

// publish sends st; it blocks when the tray falls 256 events behind.
func (b *fakeBackend) publish(st agent.Status) {
	b.mu.Lock()
	b.status = st
	b.seq++
	ev := agent.Event{Seq: b.seq, Status: st}
	b.mu.Unlock()
	b.sub <- ev
}

// recordingNotifier stands in for the desktop's notification daemon; the
// real D-Bus path is tested in package notify and by the trayhost tests.
type recordingNotifier struct {
	got     chan notify.Notification
	actions chan string
}

func newRecordingNotifier() *recordingNotifier {
	return &recordingNotifier{got: make(chan notify.Notification, 256), actions: make(chan string, 4)}
}

func (r *recordingNotifier) Notify(_ context.Context, n notify.Notification) (uint32, error) {
	r.got <- n
	return uint32(len(r.got)), nil
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

func startSession(t *testing.T, notifyBefore time.Duration) *sessionEnv {
	t.Helper()
	e := &sessionEnv{b: newFakeBackend(), n: newRecordingNotifier(),
		clk: fakeclock.New(time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)), opened: make(chan string, 4)}
	e.tr = newTray(Config{
		Backend:      e.b,
		Notifier:     e.n,
		NotifyBefore: notifyBefore,
		SignIn:       func(context.Context) (string, error) { return "http://127.0.0.1:9/page/", nil },
		OpenURL:      func(u string) error { e.opened <- u; return nil },
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:        e.clk,
	})
	e.tr.loc = time.UTC
	e.tr.pol.loc = time.UTC
	ctx, cancel := context.WithCancel(context.Background())
	stopped := e.tr.start(ctx)
	t.Cleanup(func() { cancel(); <-stopped })
	return e
}

func TestExactlyOneNotificationFor100Events(t *testing.T) {
	e := startSession(t, 0)
	needs := agent.Status{State: agent.StateNeedsLogin, Username: ana, Message: "refresh token expired"}
	for range 100 {
		e.b.publish(needs)
	}
	if n := e.n.next(t); n.Title != "Sign-in needed for BioT" {
		t.Errorf("first notification %q", n.Title)
	}
	// Events are handled in order and notifications sent in order: when
	// the next transition's notification comes, a repeat would have come
	// before it.
	e.b.publish(agent.Status{State: agent.StateSignedIn, Username: ana})
	e.b.publish(agent.Status{State: agent.StateSignedOut}) // by hand: nothing
	needs.Message = "second"
	e.b.publish(needs)
	if n := e.n.next(t); n.Body != "second" {
		t.Errorf("next notification says %q, want the second transition's", n.Body)
	}
}

func TestHeadsUpComesOnTime(t *testing.T) {
	e := startSession(t, 10*time.Minute)
	end := e.clk.Now().Add(30 * time.Minute) // 13:30
	e.b.publish(agent.Status{State: agent.StateSignedIn, Username: ana, RefreshExpiresAt: &end})
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
	if n := e.n.next(t); n.Body != "Your BioT session ends at 13:30. Sign in again to keep working." {
		t.Errorf("heads-up says %q", n.Body)
	}
}

func TestSignInButtonOpensThePage(t *testing.T) {
	e := startSession(t, 0)
	e.n.actions <- "something-else"
	e.n.actions <- actionSignIn
	select {
	case u := <-e.opened:
		if u != "http://127.0.0.1:9/page/" {
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
