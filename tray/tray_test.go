//go:build linux

package tray

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
	"biot-agent/internal/dbusname"
	"biot-agent/internal/desktoptest"

	"github.com/godbus/dbus/v5"
)

// These tests run the tray in a trayhost child (see main_test.go) against
// a private bus, with test doubles for the panel and the notification
// daemon, and a stand-in agent that the test drives; the real agent behind
// the tray is exercised by the end-to-end test.

func at(d time.Duration) *time.Time { t := time.Now().Add(d); return &t }

func signedIn() agent.Status {
	return agent.Status{Env: "dev", State: agent.StateSignedIn, Username: ana, BaseURL: env, RefreshExpiresAt: at(8 * time.Hour)}
}

// tail is the end of every menu: what is not about one environment.
var tail = []menuLine{{"Add a BioT environment…", true}, {"Start at login", true}, {"Quit", true}}

// lines is the lines of one environment's section: its first line, then
// whether Sign in…, Sign out and Copy access token are enabled.
func lines(status string, signIn, signOut, copyToken bool) []menuLine {
	return []menuLine{{status, false}, {"Sign in…", signIn}, {"Sign out", signOut}, {"Copy access token", copyToken}}
}

// menu is a whole menu: the sections, then the tail.
func menu(sections ...[]menuLine) []menuLine {
	var out []menuLine
	for _, s := range sections {
		out = append(out, s...)
	}
	return append(out, tail...)
}

func TestIconRegistersAndMenuFollowsTheState(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{})
	it := d.item(t)
	p := waitIcon(t, d.ctx, it, assets.SignedOut)
	if p.Status != "Active" || p.ToolTip != "BioT: dev · signed out" {
		t.Errorf("status %q, tooltip %q", p.Status, p.ToolTip)
	}

	tests := []struct {
		name    string
		status  agent.Status
		icon    string
		tooltip string
		menu    []menuLine
	}{
		{
			name:    "signed out",
			status:  agent.Status{Env: "dev", State: agent.StateSignedOut, BaseURL: env},
			icon:    assets.SignedOut,
			tooltip: "BioT: dev · signed out",
			menu:    menu(lines("dev · signed out", true, false, false)),
		},
		{
			name:    "signed in",
			status:  signedIn(),
			icon:    assets.SignedIn,
			tooltip: "BioT: dev · ana@example.com · signed in until " + clock(*signedIn().RefreshExpiresAt, time.Now(), time.Local),
			menu:    menu(lines("dev · ana@example.com · signed in until "+clock(*signedIn().RefreshExpiresAt, time.Now(), time.Local), false, true, true)),
		},
		{
			name: "offline",
			status: agent.Status{Env: "dev", State: agent.StateOffline, Username: ana, BaseURL: env,
				RefreshExpiresAt: at(8 * time.Hour), NextRefreshAt: at(30*time.Minute - time.Second)},
			icon:    assets.Offline,
			tooltip: "BioT: dev · ana@example.com · offline, retrying",
			menu:    menu(lines("dev · ana@example.com · offline, retrying in 30 min", false, true, true)),
		},
		{
			name:    "sign-in needed",
			status:  agent.Status{Env: "dev", State: agent.StateNeedsLogin, Username: ana, BaseURL: env, Message: "BioT ended the session"},
			icon:    assets.NeedsLogin,
			tooltip: "BioT: dev · ana@example.com · sign-in needed",
			menu:    menu(lines("dev · ana@example.com · sign-in needed", true, true, false)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.status(tt.status)
			waitMenu(t, d.ctx, it, tt.menu)
			p := waitIcon(t, d.ctx, it, tt.icon)
			if p.ToolTip != tt.tooltip {
				t.Errorf("tooltip = %q, want %q", p.ToolTip, tt.tooltip)
			}
		})
	}
}

// The first run: nothing configured. The icon says signed out, and the
// menu offers to add an environment, which opens the page for it.
func TestFirstRunOffersToAddAnEnvironment(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{args: []string{"-envs", "", "-add-url", "http://127.0.0.1:9/add-s3cr3t/"}})
	it := d.item(t)
	p := waitIcon(t, d.ctx, it, assets.SignedOut)
	if p.ToolTip != "BioT: no environment yet" {
		t.Errorf("tooltip %q", p.ToolTip)
	}
	waitMenu(t, d.ctx, it, append([]menuLine{{"No BioT environment yet", false}}, tail...))
	click(t, d.ctx, it, "Add a BioT environment…")
	h.expect("add")
	if got := recv(t, h.browser, "the browser"); got != "http://127.0.0.1:9/add-s3cr3t/" {
		t.Errorf("the browser was given %q", got)
	}

	// The page added dev, and signed in to it: its section appears.
	st := signedIn()
	h.status(st)
	waitMenu(t, d.ctx, it, menu(lines("dev · ana@example.com · signed in until "+clock(*st.RefreshExpiresAt, time.Now(), time.Local), false, true, true)))
	waitIcon(t, d.ctx, it, assets.SignedIn)
}

func TestNoAddPageDisablesItsItem(t *testing.T) {
	d := newDesktop(t)
	startChild(t, d.bus, hostOptions{args: []string{"-envs", "", "-add=false"}})
	waitMenu(t, d.ctx, d.item(t), []menuLine{{"No BioT environment yet", false}, {"Add a BioT environment…", false},
		{"Start at login", true}, {"Quit", true}})
}

// Sections appear and go as environments do, in order by name, always
// before the items of the tail, each with its separator; the icon is the
// worst state among them; and every item still acts for its own
// environment after the menu was made again.
func TestSectionsComeAndGo(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{args: []string{"-token", "tok"}})
	it := d.item(t)
	dev := lines("dev · signed out", true, false, false)
	waitMenu(t, d.ctx, it, menu(dev))

	prod := agent.Status{Env: "prod", State: agent.StateNeedsLogin, Username: ana, BaseURL: "https://api.prod.acme.biot-med.com"}
	h.status(prod)
	prodLines := lines("prod · ana@example.com · sign-in needed", true, true, false)
	waitMenu(t, d.ctx, it, menu(dev, prodLines))
	waitIcon(t, d.ctx, it, assets.NeedsLogin)

	// Many at once: a, b, c come before dev, z after prod.
	var want [][]menuLine
	for _, name := range []string{"a", "b", "c"} {
		h.status(agent.Status{Env: name, State: agent.StateOffline, Username: ana, NextRefreshAt: at(30*time.Minute - time.Second)})
		want = append(want, lines(name+" · ana@example.com · offline, retrying in 30 min", false, true, true))
	}
	h.status(agent.Status{Env: "z", State: agent.StateSignedIn, Username: ana})
	want = append(want, dev, prodLines, lines("z · ana@example.com · signed in", false, true, true))
	m := waitMenu(t, d.ctx, it, menu(want...))
	// The separators: one after each section, and between the tail's items.
	var shape []string
	for _, l := range m.Labels() {
		if l != "---" && !strings.Contains(l, " · ") {
			l = "·"
		}
		shape = append(shape, l)
	}
	sec := func(name string) []string { return []string{name, "·", "·", "·", "---"} }
	var wantShape []string
	for _, l := range [][]string{sec("a"), sec("b"), sec("c"), sec("dev"), sec("prod"), sec("z"), {"·", "---", "·", "---", "·"}} {
		wantShape = append(wantShape, l...)
	}
	for i, l := range shape {
		if l != "---" && l != "·" {
			shape[i] = strings.SplitN(l, " · ", 2)[0]
		}
	}
	if fmt.Sprint(shape) != fmt.Sprint(wantShape) {
		t.Errorf("the menu's shape is\n%v\nwant\n%v", shape, wantShape)
	}

	// Each item acts for its own environment.
	clickIn(t, d.ctx, it, "prod", "Sign in…")
	if e := h.expect("signin"); e.Env != "prod" {
		t.Errorf("Sign in… of prod signed in to %q", e.Env)
	}
	clickIn(t, d.ctx, it, "z", "Copy access token")
	if got := recv(t, h.clip, "wl-copy"); got != "args= stdin=tok-z" {
		t.Errorf("wl-copy was run as %q, want z's token", got)
	}
	clickIn(t, d.ctx, it, "b", "Sign out")
	if e := h.expect("logout"); e.Env != "b" {
		t.Errorf("Sign out of b signed out of %q", e.Env)
	}

	// They go: prod's need of a sign-in goes with it.
	for _, name := range []string{"a", "b", "c", "prod", "z"} {
		h.sendEnv("remove", name)
	}
	waitMenu(t, d.ctx, it, menu(dev))
	waitIcon(t, d.ctx, it, assets.SignedOut)
	clickIn(t, d.ctx, it, "dev", "Sign in…")
	if e := h.expect("signin"); e.Env != "dev" {
		t.Errorf("Sign in… of dev signed in to %q", e.Env)
	}
	// All go: the first-run menu again.
	h.sendEnv("remove", "dev")
	waitMenu(t, d.ctx, it, append([]menuLine{{"No BioT environment yet", false}}, tail...))
}

func TestClicks(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{args: []string{"-token", "tok.en.xyz", "-signin-url", "http://127.0.0.1:9/s3cr3t-"}})
	it := d.item(t)
	signedOutMenu := menu(lines("dev · signed out", true, false, false))
	waitMenu(t, d.ctx, it, signedOutMenu)

	t.Run("sign in opens the page in the browser", func(t *testing.T) {
		click(t, d.ctx, it, "Sign in…")
		if e := h.expect("signin"); e.Env != "dev" {
			t.Errorf("signed in to %q", e.Env)
		}
		if got := recv(t, h.browser, "the browser"); got != "http://127.0.0.1:9/s3cr3t-dev/" {
			t.Errorf("the browser was given %q", got)
		}
	})

	t.Run("copy feeds the token to the clipboard on stdin", func(t *testing.T) {
		h.status(signedIn())
		waitMenu(t, d.ctx, it, menu(lines("dev · ana@example.com · signed in until "+clock(*signedIn().RefreshExpiresAt, time.Now(), time.Local), false, true, true)))
		click(t, d.ctx, it, "Copy access token")
		if got := recv(t, h.clip, "wl-copy"); got != "args= stdin=tok.en.xyz-dev" {
			t.Errorf("wl-copy was run as %q, want the token on stdin only", got)
		}
		n, err := d.notes.Next(d.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n.Summary != "BioT access token copied: dev" || strings.Contains(n.Body, "tok.en") {
			t.Errorf("notification %q: %q", n.Summary, n.Body)
		}
	})

	t.Run("start at login toggles", func(t *testing.T) {
		click(t, d.ctx, it, "Start at login")
		if e := h.expect("autostart"); !e.On {
			t.Error("Start at login was turned off, want on")
		}
		eventually(t, func() string {
			m, err := it.Menu(d.ctx)
			if err != nil {
				return err.Error()
			}
			if mi, _ := m.Find("Start at login"); mi.ToggleType != "checkmark" || mi.ToggleState != 1 {
				return fmt.Sprintf("Start at login shows %q %d, want a checked checkmark", mi.ToggleType, mi.ToggleState)
			}
			return ""
		})
	})

	t.Run("sign out logs out", func(t *testing.T) {
		click(t, d.ctx, it, "Sign out")
		if e := h.expect("logout"); e.Env != "dev" {
			t.Errorf("signed out of %q", e.Env)
		}
		waitMenu(t, d.ctx, it, signedOutMenu)
		waitIcon(t, d.ctx, it, assets.SignedOut)
	})

	t.Run("quit ends Run with ErrQuit", func(t *testing.T) {
		click(t, d.ctx, it, "Quit")
		if e := h.expect("returned"); e.Err != ErrQuit.Error() {
			t.Errorf("Run returned %q, want ErrQuit", e.Err)
		}
	})
	// Sign-out by hand showed nothing: the only notification was the copy's.
	if got := len(d.notes.Recorded()); got != 1 {
		t.Errorf("%d notifications, want only the copy's", got)
	}
}

func TestNoAutostartDisablesItsItem(t *testing.T) {
	d := newDesktop(t)
	startChild(t, d.bus, hostOptions{args: []string{"-autostart=false"}})
	waitMenu(t, d.ctx, d.item(t), append(lines("dev · signed out", true, false, false),
		menuLine{"Add a BioT environment…", true}, menuLine{"Start at login", false}, menuLine{"Quit", true}))
}

func TestOneNotificationPerSignInNeeded(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{})
	it := d.item(t)
	h.status(signedIn())
	waitIcon(t, d.ctx, it, assets.SignedIn)

	needs := agent.Status{Env: "dev", State: agent.StateNeedsLogin, Username: ana, BaseURL: env,
		Message: "BioT ended the session of ana@example.com (refresh token expired): sign in again"}
	h.send("burst", &needs, 100)
	for range 20 { // scripts keep asking meanwhile
		h.sendEnv("token", "dev")
	}
	n, err := d.notes.Next(d.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.Summary != "Sign-in needed: dev" || n.Body != needs.Message {
		t.Errorf("notification %q: %q", n.Summary, n.Body)
	}
	if l, ok := n.ActionLabel("sign-in:dev"); !ok || l != "Sign in" {
		t.Errorf("actions = %v, want Sign in", n.Actions)
	}
	waitIcon(t, d.ctx, it, assets.NeedsLogin)

	// A second transition makes a second notification. The tray handles
	// events and sends notifications in order, so by the time this one
	// comes, any repeat from the 100 events would have come before it.
	h.status(signedIn())
	again := needs
	again.Message = "BioT ended the session again"
	h.status(again)
	n2, err := d.notes.Next(d.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n2.Body != again.Message {
		t.Errorf("second notification says %q, want %q (a repeat of the first?)", n2.Body, again.Message)
	}
	if got := len(d.notes.Recorded()); got != 2 {
		t.Errorf("%d notifications for two transitions into needs_login", got)
	}

	// Its button opens the sign-in page; another program's notification's
	// does not. (notify's TestActionsOfOurNotificationsOnly proves the
	// filter signal by signal.)
	if err := d.notes.InvokeAction(n2.ID+1000, "sign-in:dev"); err != nil {
		t.Fatal(err)
	}
	if err := d.notes.InvokeAction(n2.ID, "sign-in:dev"); err != nil {
		t.Fatal(err)
	}
	h.expect("signin")
	if got := recv(t, h.browser, "the browser"); got != "http://127.0.0.1:9/one-time/dev/" {
		t.Errorf("the browser was given %q", got)
	}
	h.send("cancel", nil, 0)
	h.expect("returned")
	if n := h.count("signin"); n != 1 {
		t.Errorf("%d sign-in pages were started, want 1: the other program's action got through", n)
	}
}

// Two environments that need a sign-in within a minute: one notification
// on screen, replaced to name both, with a button for each.
func TestFailingTogetherShareANotificationOnTheBus(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{args: []string{"-envs", "dev,prod"}})
	it := d.item(t)
	waitIcon(t, d.ctx, it, assets.SignedOut)
	h.status(agent.Status{Env: "dev", State: agent.StateNeedsLogin, Message: "dev's session expired"})
	h.status(agent.Status{Env: "prod", State: agent.StateNeedsLogin, Message: "prod's session was revoked"})
	first, err := d.notes.Next(d.ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.notes.Next(d.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Summary != "Sign-in needed: dev" || second.Summary != "Sign-in needed: dev, prod" {
		t.Errorf("notifications %q, then %q", first.Summary, second.Summary)
	}
	if second.ReplacesID != first.ID || second.ID != first.ID {
		t.Errorf("the second (id %d) replaces %d, want the first, %d", second.ID, second.ReplacesID, first.ID)
	}
	if second.Body != "dev: dev's session expired\nprod: prod's session was revoked" {
		t.Errorf("body %q", second.Body)
	}
	for _, env := range []string{"dev", "prod"} {
		if l, ok := second.ActionLabel("sign-in:" + env); !ok || l != "Sign in to "+env {
			t.Errorf("actions = %v, want Sign in to %s", second.Actions, env)
		}
	}
	if err := d.notes.InvokeAction(second.ID, "sign-in:prod"); err != nil {
		t.Fatal(err)
	}
	if e := h.expect("signin"); e.Env != "prod" {
		t.Errorf("the prod button signed in to %q", e.Env)
	}
	waitMenu(t, d.ctx, it, menu(lines("dev · sign-in needed", true, true, false), lines("prod · sign-in needed", true, true, false)))
	waitIcon(t, d.ctx, it, assets.NeedsLogin)
}

func TestHeadsUpBeforeTheSessionEnds(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{args: []string{"-notify-before", "10m"}})
	it := d.item(t)
	st := signedIn()
	st.RefreshExpiresAt = at(5 * time.Minute)
	h.status(st)
	n, err := d.notes.Next(d.ctx)
	if err != nil {
		t.Fatal(err)
	}
	until := clock(*st.RefreshExpiresAt, time.Now(), time.Local)
	want := "The BioT session of ana@example.com in dev ends at " + until + ". Sign in again to keep working."
	if n.Summary != "BioT session ends soon: dev" || n.Body != want {
		t.Errorf("heads-up %q: %q, want %q", n.Summary, n.Body, want)
	}
	// "Sign in…" is offered again while the session is about to end.
	waitMenu(t, d.ctx, it, menu(lines("dev · ana@example.com · signed in until "+until, true, true, true)))
}

// The panel restarts: its watcher goes away and comes back empty. The icon
// must register again, even after a stray signal on systray's connection
// has stopped systray's own re-registration for good, and a script asking
// for a token meanwhile is served.
func TestIconComesBackWhenThePanelRestarts(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{})
	it := d.item(t)
	st := signedIn()
	h.status(st)
	waitIcon(t, d.ctx, it, assets.SignedIn)
	key := it.Service + string(it.Path)
	// Startup registers twice (systray, then the tray once systray's
	// objects are live); wait for both, so neither lands after the restart.
	eventually(t, func() string {
		if c := d.watcher.Calls(); c < 2 {
			return fmt.Sprintf("%d registrations at start, want 2", c)
		}
		return ""
	})

	// A NotificationClosed sent to systray's connection, as a notification
	// sent through the shared connection would bring: systray's own
	// re-registration loop returns on it.
	conn, err := d.bus.Connect(d.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stray := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath(dbusname.NotificationsPath)),
		dbus.FieldInterface:   dbus.MakeVariant(dbusname.Notifications),
		dbus.FieldMember:      dbus.MakeVariant("NotificationClosed"),
		dbus.FieldDestination: dbus.MakeVariant(it.Service),
		dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(uint32(0), uint32(0))),
	}, Body: []any{uint32(7), uint32(2)}}
	if call := conn.Send(stray, nil); call.Err != nil {
		t.Fatal(call.Err)
	}

	for round := 1; round <= 2; round++ {
		t.Run(fmt.Sprintf("restart %d", round), func(t *testing.T) {
			if err := d.watcher.Release(d.ctx); err != nil {
				t.Fatal(err)
			}
			h.sendEnv("token", "dev")
			h.expect("token")
			if err := d.watcher.Acquire(d.ctx); err != nil {
				t.Fatal(err)
			}
			eventually(t, func() string {
				if items := d.watcher.Items(); len(items) != 1 || items[0] != key {
					return fmt.Sprintf("after the restart the panel has %v, want %s", items, key)
				}
				return ""
			})
			h.sendEnv("token", "dev")
			h.expect("token")
			waitIcon(t, d.ctx, it, assets.SignedIn)
			waitMenu(t, d.ctx, it, menu(lines("dev · ana@example.com · signed in until "+clock(*st.RefreshExpiresAt, time.Now(), time.Local), false, true, true)))
		})
	}
}

func TestNoTrayHostUntilOneAppears(t *testing.T) {
	bus := desktoptest.SessionBus(t)
	h := startChild(t, bus, hostOptions{})
	line := nextLog(t, h)
	if !strings.Contains(line, "no tray icon: nothing on this desktop shows tray icons") {
		t.Errorf("first log line %q does not say there is no tray host", line)
	}
	w := desktoptest.NewWatcher(t, bus)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	it, err := w.WaitForItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	waitIcon(t, ctx, it, assets.SignedOut)
	if line := nextLog(t, h); !strings.Contains(line, "tray host appeared") {
		t.Errorf("log line %q, want that the tray host appeared", line)
	}
}

func TestNoBusRunsWithoutIconUntilCancelled(t *testing.T) {
	env := setEnv(os.Environ(), "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/biot-agent-test/bus")
	h := startChild(t, nil, hostOptions{env: env})
	line := nextLog(t, h)
	if !strings.Contains(line, "no tray icon: no D-Bus session bus") {
		t.Errorf("log line %q does not say there is no bus", line)
	}
	st := signedIn()
	h.status(st)
	h.sendEnv("token", "dev") // the agent side still works
	h.expect("token")
	h.send("cancel", nil, 0)
	if e := h.expect("returned"); e.Err != context.Canceled.Error() {
		t.Errorf("Run returned %q, want %q", e.Err, context.Canceled)
	}
	<-h.exited
	if code := h.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("trayhost exited with %d", code)
	}
	if lines := h.stderrLines(); len(lines) != 1 {
		t.Errorf("logged %d lines, want one:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

func nextLog(t *testing.T, h *child) string {
	t.Helper()
	select {
	case l := <-h.logs:
		return l
	case <-time.After(waitFor):
		t.Fatal("trayhost logged nothing")
		return ""
	}
}

// TestServiceSectionSignsInAgain: a service user's environment has no
// sign-in page. Its section offers "Sign in again" while it needs a
// sign-in, which asks the agent to sign the service user in with its key
// as it is now, and opens no browser.
func TestServiceSectionSignsInAgain(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{args: []string{"-signin-url", "http://127.0.0.1:9/s3cr3t-"}})
	it := d.item(t)
	const id = "2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b"
	h.status(agent.Status{Env: "svc", Identity: agent.IdentityService, State: agent.StateNeedsLogin, Username: id, BaseURL: env,
		Message: "BioT refused the secret key of service user " + id})
	waitMenu(t, d.ctx, it, menu(lines("dev · signed out", true, false, false),
		[]menuLine{{"svc · " + id + " · sign-in needed", false}, {"Sign in again", true}, {"Sign out", true}, {"Copy access token", false}}))
	clickIn(t, d.ctx, it, "svc", "Sign in again")
	if e := h.expect("service-signin"); e.Env != "svc" {
		t.Errorf("Sign in again signed in %q, want svc", e.Env)
	}
	select {
	case u := <-h.browser:
		t.Errorf("the browser was opened at %q for a service user", u)
	default:
	}
	// Signed in: nothing to click.
	h.status(agent.Status{Env: "svc", Identity: agent.IdentityService, State: agent.StateSignedIn, Username: id, BaseURL: env})
	waitMenu(t, d.ctx, it, menu(lines("dev · signed out", true, false, false),
		[]menuLine{{"svc · " + id + " · signed in", false}, {"Sign in again", false}, {"Sign out", true}, {"Copy access token", true}}))
}
