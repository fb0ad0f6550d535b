//go:build !darwin || cgo

package tray

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"

	"fyne.io/systray"
)

// tick is how often the face looks at the clock while it shows a
// countdown ("retrying in 40 s"). Nothing else it shows changes with time
// alone: "Sign in…" near the session's end comes with the heads-up, whose
// timer (tray.watch) redraws the face; so a signed-in agent left alone
// does not wake for the tray.
const tick = 5 * time.Second

// run waits for a tray host, then runs systray on this (the main)
// goroutine until ctx ends or Quit is chosen.
func run(ctx context.Context, t *tray) error {
	h, err := waitForHost(ctx, t.log)
	if err != nil {
		return err
	}
	defer h.close()

	// Icon and tooltip go in before systray starts: set while it exports
	// its objects, they would be lost.
	f := &face{t: t, done: make(chan struct{}), force: make(chan struct{}, 1)}
	v, _ := t.view()
	f.setIcon(v.icon)
	systray.SetTooltip(v.tooltip)
	systray.SetTitle("BioT Agent")
	f.shown.icon, f.shown.tooltip = v.icon, v.tooltip

	stop := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			systray.Quit()
		case <-stop:
		}
	}()
	go h.keepRegistered(ctx, f.reapply)
	runSystray(t, f.onReady, f.onExit)
	close(stop)
	close(f.done)
	if f.quit.Load() {
		return ErrQuit
	}
	return ctx.Err()
}

// runSystray runs systray's loop. A panic on the way out (systray.Quit
// crashes when systray found no bus, which waitForHost rules out unless
// the bus died in between) is logged rather than taking the agent down.
func runSystray(t *tray, onReady, onExit func()) {
	defer func() {
		if r := recover(); r != nil {
			t.log.Error("tray: systray failed on the way out", "panic", r)
		}
	}()
	systray.Run(onReady, onExit)
}

// face is the systray side of the tray: the menu items, and what they show.
type face struct {
	t     *tray
	done  chan struct{} // closed when systray has returned
	force chan struct{} // set everything again, changed or not
	quit  atomic.Bool   // Quit was chosen

	// mu is held around every change made through systray after it
	// starts. systray panics when a change cannot be sent on its D-Bus
	// connection (prop.SetMust), which it closes right after onExit, and
	// which dies with the bus: exited, set by onExit or by such a panic,
	// stops all changes.
	mu     sync.Mutex
	exited bool

	status, signIn, signOut, copyToken, autostart, quitItem *systray.MenuItem

	// shown is what systray was last given; only the render goroutine
	// touches it and the items after onReady.
	shown struct {
		view
		autostart autostartState
	}
}

// reapply asks the face to set icon, tooltip and menu again, as they are.
func (f *face) reapply() {
	select {
	case f.force <- struct{}{}:
	default:
	}
}

// onExit runs on systray's loop just before it closes its connection.
func (f *face) onExit() {
	f.mu.Lock()
	f.exited = true
	f.mu.Unlock()
}

// update applies v and auto, unless systray has gone.
func (f *face) update(v view, auto autostartState, force bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.exited {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			f.exited = true
			f.t.log.Error("tray: systray failed; the icon is no longer updated", "panic", r)
		}
	}()
	f.apply(v, auto, force)
}

// onReady builds the menu. systray calls it on a goroutine of its own
// while it connects, and answers the first GetLayout only once it returns.
func (f *face) onReady() {
	t := f.t
	v, auto := t.view()
	f.status = systray.AddMenuItem(v.status, "")
	f.status.Disable()
	systray.AddSeparator()
	f.signIn = systray.AddMenuItem("Sign in…", "Open the BioT sign-in page in the browser")
	f.signOut = systray.AddMenuItem("Sign out", "Sign out here and at BioT")
	f.copyToken = systray.AddMenuItem("Copy access token", "Put a valid access token on the clipboard")
	systray.AddSeparator()
	f.autostart = systray.AddMenuItemCheckbox("Start at login", "Start the BioT agent when you log in", false)
	systray.AddSeparator()
	f.quitItem = systray.AddMenuItem("Quit", "Stop the BioT agent: scripts get no more tokens")
	f.update(v, auto, true)

	// One goroutine per item receives its clicks and hands them off at
	// once: systray drops a click when nobody is receiving.
	clicks := []struct {
		item *systray.MenuItem
		do   func()
	}{
		{f.signIn, t.signIn},
		{f.signOut, t.signOut},
		{f.copyToken, t.copyToken},
		{f.autostart, t.toggleAutostart},
		{f.quitItem, func() { f.quit.Store(true); systray.Quit() }},
	}
	for _, c := range clicks {
		go f.forward(c.item.ClickedCh, c.do)
	}
	t.loadAutostart()
	go f.render()
}

func (f *face) forward(clicked <-chan struct{}, do func()) {
	for {
		select {
		case <-f.done:
			return
		case _, ok := <-clicked:
			if !ok {
				return
			}
			do()
		}
	}
}

// render keeps systray showing the current view. It is the only goroutine
// that changes the items after onReady, since systray's item setters are
// not safe for concurrent use on one item.
func (f *face) render() {
	for {
		force := false
		var ticked <-chan time.Time
		if f.t.countingDown() {
			ticked = f.t.cfg.Clock.After(tick)
		}
		select {
		case <-f.done:
			return
		case <-f.t.redraw:
		case <-f.force:
			force = true
		case <-systray.TrayOpenedCh: // the menu opened: make the countdown current
		case <-ticked:
		}
		v, auto := f.t.view()
		f.update(v, auto, force)
	}
}

// countingDown reports whether the view shows a countdown to the next
// try, which only the clock keeps current.
func (t *tray) countingDown() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.status.State == agent.StateOffline
}

// apply gives systray what differs from what it shows, or everything when
// force is set. Called with f.mu held, or before systray starts.
func (f *face) apply(v view, auto autostartState, force bool) {
	s := &f.shown
	if force || v.icon != s.icon {
		f.setIcon(v.icon)
	}
	if force || v.tooltip != s.tooltip {
		systray.SetTooltip(v.tooltip)
	}
	if force || v.status != s.status {
		f.status.SetTitle(v.status)
	}
	enable(f.signIn, v.signIn, force || v.signIn != s.signIn)
	enable(f.signOut, v.signOut, force || v.signOut != s.signOut)
	enable(f.copyToken, v.copyToken, force || v.copyToken != s.copyToken)
	if force || auto != s.autostart {
		enable(f.autostart, f.t.cfg.Autostart != nil && auto.known, true)
		if auto.on {
			f.autostart.Check()
		} else {
			f.autostart.Uncheck()
		}
	}
	s.view, s.autostart = v, auto
}

func enable(item *systray.MenuItem, on, changed bool) {
	switch {
	case !changed:
	case on:
		item.Enable()
	default:
		item.Disable()
	}
}

// setIcon shows the icon of state in the form this platform's tray takes.
func (f *face) setIcon(state string) {
	switch runtime.GOOS {
	case "windows":
		systray.SetIcon(assets.ICO(state))
	case "darwin":
		systray.SetTemplateIcon(assets.Template(state), assets.PNG(state, 32))
	default:
		// One size only: systray offers a single pixmap, which the panel
		// scales to its own size; 32 px scales down to 16–24 cleanly.
		systray.SetIcon(assets.PNG(state, 32))
	}
}
