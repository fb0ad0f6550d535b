//go:build !darwin || cgo

package tray

import (
	"context"
	"runtime"
	"slices"
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
	f.look(v, true)
	systray.SetTitle("BioT Agent")

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

	// menu is the items; only onReady, then the render goroutine, touch
	// them.
	menu struct {
		built    bool
		envs     []string          // whom the sections are for, in order
		none     *systray.MenuItem // "No BioT environment yet", while so
		sections []faceSection
		add      *systray.MenuItem
		auto     *systray.MenuItem
		quit     *systray.MenuItem
	}

	// shown is what systray was last given; only the render goroutine
	// touches it after onReady.
	shown struct {
		icon, tooltip string
		sections      []section
		autostart     autostartState
	}
}

// faceSection is the items of one environment's section.
type faceSection struct {
	status, signIn, signOut, copyToken *systray.MenuItem
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
	v, auto := f.t.view()
	f.update(v, auto, true)
	f.t.loadAutostart()
	go f.render()
}

// build makes the menu's items for the environments of v, from scratch:
// the menu's shape changes only when environments come or go, and an item
// added to a running systray goes to the end of the menu, after Quit, so
// the whole menu is made again (systray.ResetMenu) rather than grown.
// Called with f.mu held, from onReady or the render goroutine, never from
// systray's loop.
//
//	dev · ana@example.com · signed in until 14:05   one section per environment
//	Sign in…
//	Sign out
//	Copy access token
//	─────────
//	Add a BioT environment…
//	─────────
//	☐ Start at login
//	─────────
//	Quit
func (f *face) build(v view) {
	t, m := f.t, &f.menu
	if m.built {
		systray.ResetMenu() // closes the old items' click channels: their forwarders end
	}
	m.built, m.envs, m.none, m.sections = true, v.envs(), nil, nil
	if len(v.sections) == 0 {
		m.none = systray.AddMenuItem(noEnvironment, "")
		m.none.Disable()
		systray.AddSeparator()
	}
	for _, s := range v.sections {
		env := s.env
		fs := faceSection{
			status:    systray.AddMenuItem(s.status, s.about),
			signIn:    systray.AddMenuItem(s.signInTitle()),
			signOut:   systray.AddMenuItem("Sign out", "Sign out of "+env+", here and at BioT"),
			copyToken: systray.AddMenuItem("Copy access token", "Put a valid access token of "+env+" on the clipboard"),
		}
		fs.status.Disable()
		systray.AddSeparator()
		m.sections = append(m.sections, fs)
		go f.forward(fs.signIn.ClickedCh, func() { t.signIn(env) })
		go f.forward(fs.signOut.ClickedCh, func() { t.signOut(env) })
		go f.forward(fs.copyToken.ClickedCh, func() { t.copyToken(env) })
	}
	m.add = systray.AddMenuItem("Add a BioT environment…", "Add a BioT environment and sign in to it, in the browser")
	systray.AddSeparator()
	m.auto = systray.AddMenuItemCheckbox("Start at login", "Start the BioT agent when you log in", false)
	systray.AddSeparator()
	m.quit = systray.AddMenuItem("Quit", "Stop the BioT agent: scripts get no more tokens")
	// One goroutine per item receives its clicks and hands them off at
	// once: systray drops a click when nobody is receiving.
	go f.forward(m.add.ClickedCh, t.addEnvironment)
	go f.forward(m.auto.ClickedCh, t.toggleAutostart)
	go f.forward(m.quit.ClickedCh, func() { f.quit.Store(true); systray.Quit() })
}

func (f *face) forward(clicked <-chan struct{}, do func()) {
	for {
		select {
		case <-f.done:
			return
		case _, ok := <-clicked:
			if !ok {
				return // the item was removed
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
	for _, st := range t.envs {
		if st.State == agent.StateOffline {
			return true
		}
	}
	return false
}

// apply gives systray what differs from what it shows, or everything when
// force is set; a menu for other environments is made again first. Called
// with f.mu held.
func (f *face) apply(v view, auto autostartState, force bool) {
	if !f.menu.built || !slices.Equal(v.envs(), f.menu.envs) {
		f.build(v)
		force = true
	}
	f.look(v, force)
	s := &f.shown
	if force {
		s.sections = nil
	}
	for i, sec := range v.sections {
		var was section
		if i < len(s.sections) {
			was = s.sections[i]
		}
		items := f.menu.sections[i]
		if force || sec.status != was.status {
			items.status.SetTitle(sec.status)
		}
		if force || sec.about != was.about {
			items.status.SetTooltip(sec.about)
		}
		if force || sec.service != was.service {
			title, tip := sec.signInTitle()
			items.signIn.SetTitle(title)
			items.signIn.SetTooltip(tip)
		}
		enable(items.signIn, sec.signIn, force || sec.signIn != was.signIn)
		enable(items.signOut, sec.signOut, force || sec.signOut != was.signOut)
		enable(items.copyToken, sec.copyToken, force || sec.copyToken != was.copyToken)
	}
	s.sections = append(s.sections[:0], v.sections...)
	if force {
		enable(f.menu.add, f.t.cfg.AddEnvironment != nil, true)
	}
	if force || auto != s.autostart {
		enable(f.menu.auto, f.t.cfg.Autostart != nil && auto.known, true)
		if auto.on {
			f.menu.auto.Check()
		} else {
			f.menu.auto.Uncheck()
		}
	}
	s.autostart = auto
}

// look sets the icon and the tooltip, those that changed or both when force
// is set. Called with f.mu held, or before systray starts.
func (f *face) look(v view, force bool) {
	s := &f.shown
	if force || v.icon != s.icon {
		f.setIcon(v.icon)
	}
	if force || v.tooltip != s.tooltip {
		systray.SetTooltip(v.tooltip)
	}
	s.icon, s.tooltip = v.icon, v.tooltip
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
