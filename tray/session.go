package tray

import (
	"context"
	"log/slog"
	"slices"
	"strings"
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
	notices chan notice

	mu        sync.Mutex
	envs      map[string]agent.Status // each environment's latest status, by name
	pol       *policy
	autostart autostartState
	signingIn bool // a page (sign-in or add) is on its way: a second click waits for it
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
		notices: make(chan notice, 8),
		envs:    map[string]agent.Status{},
		pol:     newPolicy(cfg.NotifyBefore, cfg.SignIn != nil, time.Local),
	}
}

// start runs the parts that work with or without an icon: the session
// watcher, the notification sender and the notification actions. The
// returned channel closes once they have stopped, after ctx ends.
func (t *tray) start(ctx context.Context) <-chan struct{} {
	var wg sync.WaitGroup
	wg.Add(3)
	// The subscription's first events, there already, are every
	// environment's status: the face starts with them. There may be none.
	events, unsubscribe := t.cfg.Backend.Subscribe()
	for more := true; more; {
		select {
		case ev, ok := <-events:
			if ok {
				t.observe(ev)
			}
			more = ok
		default:
			more = false
		}
	}
	go func() { defer wg.Done(); defer unsubscribe(); t.watch(ctx, events) }()
	go func() { defer wg.Done(); t.send(ctx) }()
	go func() { defer wg.Done(); t.actions(ctx) }()
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	return stopped
}

// watch follows the environments' events, and wakes when a heads-up falls
// due.
func (t *tray) watch(ctx context.Context, events <-chan agent.Event) {
	for {
		var due <-chan time.Time
		t.mu.Lock()
		at, ok := t.pol.next(t.statusesLocked(), t.cfg.Clock.Now())
		t.mu.Unlock()
		if ok {
			due = t.cfg.Clock.After(at.Sub(t.cfg.Clock.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				t.log.Warn("tray: the environments' events ended; the tray no longer follows them")
				return
			}
			t.observe(ev)
		case <-due:
			t.mu.Lock()
			sts := t.statusesLocked()
			t.mu.Unlock()
			for _, st := range sts {
				t.observe(agent.Event{Status: st})
			}
		}
	}
}

// observe records an environment's event, queues what the policy wants
// shown, and asks the face to redraw.
func (t *tray) observe(ev agent.Event) {
	st := ev.Status
	var notes []notice
	t.mu.Lock()
	if ev.Removed {
		delete(t.envs, st.Env)
		t.pol.forget(st.Env)
	} else {
		t.envs[st.Env] = st
		notes = t.pol.observe(st, t.cfg.Clock.Now())
	}
	t.mu.Unlock()
	for _, n := range notes {
		t.queue(n)
	}
	t.poke()
}

// statusesLocked lists every environment's status, by name; t.mu must be
// held.
func (t *tray) statusesLocked() []agent.Status {
	out := make([]agent.Status, 0, len(t.envs))
	for _, st := range t.envs {
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b agent.Status) int { return strings.Compare(a.Env, b.Env) })
	return out
}

// notify queues n, a notification that nothing replaces; it never blocks.
func (t *tray) notify(n notify.Notification) { t.queue(notice{n: n}) }

// queue queues a notice; it never blocks.
func (t *tray) queue(n notice) {
	select {
	case t.notices <- n:
	default:
		t.log.Warn("tray: notification dropped: too many waiting", "title", n.n.Title)
	}
}

// send shows the queued notifications one at a time, in order, so that a
// notice that replaces another finds its id.
func (t *tray) send(ctx context.Context) {
	ids := map[string]uint32{} // the id of the last notification in each slot
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-t.notices:
			if n.replace {
				n.n.Replaces = ids[n.slot]
			}
			nctx, cancel := context.WithTimeout(ctx, notifyTimeout)
			id, err := t.cfg.Notifier.Notify(nctx, n.n)
			cancel()
			if err != nil {
				t.log.Warn("tray: could not show a notification", "title", n.n.Title, "err", err)
				continue
			}
			if n.slot != "" {
				ids[n.slot] = id
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
			if env, ok := strings.CutPrefix(key, actionSignIn); ok && env != "" {
				t.signIn(env)
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
	v := makeView(t.statusesLocked(), t.cfg.Clock.Now(), t.cfg.NotifyBefore, t.loc)
	if t.cfg.SignIn == nil {
		for i := range v.sections {
			if !v.sections[i].service {
				v.sections[i].signIn = false
			}
		}
	}
	return v, t.autostart
}
