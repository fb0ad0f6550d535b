package tray

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"biot-agent/agent"
	"biot-agent/tray/notify"
)

// notifyTimeout bounds the sending of one notification.
const notifyTimeout = 10 * time.Second

// tray is the state Run shares between the session watcher, the
// notification sender, the click handlers and the systray face.
type tray struct {
	cfg Config
	log *slog.Logger
	loc *time.Location

	// redraw tells the face that what it shows may be stale.
	redraw chan struct{}
	// notices queues notifications for the one goroutine that sends them,
	// so a hung notification daemon holds up nothing else.
	notices chan notify.Notification

	mu        sync.Mutex
	status    agent.Status
	pol       *policy
	autostart autostartState
	signingIn bool // a "Sign in" is under way: a second click waits for it
}

// autostartState is what the "Start at login" item shows.
type autostartState struct {
	known bool // Enabled answered
	on    bool
}

func newTray(cfg Config) *tray {
	return &tray{
		cfg:     cfg,
		log:     cfg.Logger,
		loc:     time.Local,
		redraw:  make(chan struct{}, 1),
		notices: make(chan notify.Notification, 8),
		pol:     newPolicy(cfg.NotifyBefore, cfg.SignIn != nil, time.Local),
	}
}

// start runs the parts that work with or without an icon: the session
// watcher, the notification sender and the notification actions. The
// returned channel closes once they have stopped, after ctx ends.
func (t *tray) start(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	wg.Add(3)
	// The subscription's first event is the current status.
	events, unsubscribe := t.cfg.Backend.Subscribe()
	if first, ok := <-events; ok {
		t.observe(first.Status)
	}
	go func() { defer wg.Done(); defer unsubscribe(); t.watch(ctx, events) }()
	go func() { defer wg.Done(); t.send(ctx) }()
	go func() { defer wg.Done(); t.actions(ctx) }()
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	return stopped
}

// watch follows the session's events, and wakes when a heads-up falls due.
func (t *tray) watch(ctx context.Context, events <-chan agent.Event) {
	for {
		var due <-chan time.Time
		t.mu.Lock()
		at, ok := t.pol.next(t.status, t.cfg.Clock.Now())
		t.mu.Unlock()
		if ok {
			due = t.cfg.Clock.After(at.Sub(t.cfg.Clock.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				t.log.Warn("tray: the session's events ended; the tray no longer follows it")
				return
			}
			t.observe(ev.Status)
		case <-due:
			t.mu.Lock()
			st := t.status
			t.mu.Unlock()
			t.observe(st)
		}
	}
}

// observe records st, queues what the policy wants shown, and asks the face
// to redraw.
func (t *tray) observe(st agent.Status) {
	t.mu.Lock()
	t.status = st
	notes := t.pol.observe(st, t.cfg.Clock.Now())
	t.mu.Unlock()
	for _, n := range notes {
		t.notify(n)
	}
	t.poke()
}

// notify queues n; it never blocks.
func (t *tray) notify(n notify.Notification) {
	select {
	case t.notices <- n:
	default:
		t.log.Warn("tray: notification dropped: too many waiting", "title", n.Title)
	}
}

// send shows the queued notifications one at a time.
func (t *tray) send(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-t.notices:
			nctx, cancel := context.WithTimeout(ctx, notifyTimeout)
			_, err := t.cfg.Notifier.Notify(nctx, n)
			cancel()
			if err != nil {
				t.log.Warn("tray: could not show a notification", "title", n.Title, "err", err)
			}
		}
	}
}

// actions acts on the buttons clicked on our notifications.
func (t *tray) actions(ctx context.Context) {
	keys := t.cfg.Notifier.Actions()
	for {
		select {
		case <-ctx.Done():
			return
		case key, ok := <-keys:
			if !ok {
				return
			}
			if key == actionSignIn {
				t.signIn()
			}
		}
	}
}

// poke asks the face to redraw; it never blocks.
func (t *tray) poke() {
	select {
	case t.redraw <- struct{}{}:
	default:
	}
}

// view is what the face should show now.
func (t *tray) view() (view, autostartState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v := makeView(t.status, t.cfg.Clock.Now(), t.cfg.NotifyBefore, t.loc)
	if t.cfg.SignIn == nil {
		v.signIn = false
	}
	return v, t.autostart
}
