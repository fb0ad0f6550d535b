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
	return agent.Status{State: agent.StateSignedIn, Username: ana, BaseURL: env, RefreshExpiresAt: at(8 * time.Hour)}
}

func TestIconRegistersAndMenuFollowsTheState(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{})
	it := d.item(t)
	p := waitIcon(t, d.ctx, it, assets.SignedOut)
	if p.Status != "Active" || p.ToolTip != "BioT: signed out" {
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
			status:  agent.Status{State: agent.StateSignedOut, BaseURL: env},
			icon:    assets.SignedOut,
			tooltip: "BioT: api.dev.acme · signed out",
			menu: []menuLine{{"Signed out", false}, {"Sign in…", true}, {"Sign out", false},
				{"Copy access token", false}, {"Start at login", true}, {"Quit", true}},
		},
		{
			name:    "signed in",
			status:  signedIn(),
			icon:    assets.SignedIn,
			tooltip: "BioT: ana@example.com · api.dev.acme · signed in until " + clock(*signedIn().RefreshExpiresAt, time.Now(), time.Local),
			menu: []menuLine{{"Signed in as ana@example.com · api.dev.acme", false}, {"Sign in…", false}, {"Sign out", true},
				{"Copy access token", true}, {"Start at login", true}, {"Quit", true}},
		},
		{
			name: "offline",
			status: agent.Status{State: agent.StateOffline, Username: ana, BaseURL: env,
				RefreshExpiresAt: at(8 * time.Hour), NextRefreshAt: at(30*time.Minute - time.Second)},
			icon:    assets.Offline,
			tooltip: "BioT: ana@example.com · api.dev.acme · offline, retrying",
			menu: []menuLine{{"Offline: retrying in 30 min", false}, {"Sign in…", false}, {"Sign out", true},
				{"Copy access token", true}, {"Start at login", true}, {"Quit", true}},
		},
		{
			name:    "sign-in needed",
			status:  agent.Status{State: agent.StateNeedsLogin, Username: ana, BaseURL: env, Message: "BioT ended the session"},
			icon:    assets.NeedsLogin,
			tooltip: "BioT: ana@example.com · api.dev.acme · sign-in needed",
			menu: []menuLine{{"Sign-in needed", false}, {"Sign in…", true}, {"Sign out", true},
				{"Copy access token", false}, {"Start at login", true}, {"Quit", true}},
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

func TestClicks(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{args: []string{"-token", "tok.en.xyz", "-signin-url", "http://127.0.0.1:9/s3cr3t/"}})
	it := d.item(t)
	signedOutMenu := []menuLine{{"Signed out", false}, {"Sign in…", true}, {"Sign out", false},
		{"Copy access token", false}, {"Start at login", true}, {"Quit", true}}
	waitMenu(t, d.ctx, it, signedOutMenu)

	t.Run("sign in opens the page in the browser", func(t *testing.T) {
		click(t, d.ctx, it, "Sign in…")
		h.expect("signin")
		if got := recv(t, h.browser, "the browser"); got != "http://127.0.0.1:9/s3cr3t/" {
			t.Errorf("the browser was given %q", got)
		}
	})

	t.Run("copy feeds the token to the clipboard on stdin", func(t *testing.T) {
		h.status(signedIn())
		waitMenu(t, d.ctx, it, []menuLine{{"Signed in as ana@example.com · api.dev.acme", false}, {"Sign in…", false},
			{"Sign out", true}, {"Copy access token", true}, {"Start at login", true}, {"Quit", true}})
		click(t, d.ctx, it, "Copy access token")
		if got := recv(t, h.clip, "wl-copy"); got != "args= stdin=tok.en.xyz" {
			t.Errorf("wl-copy was run as %q, want the token on stdin only", got)
		}
		n, err := d.notes.Next(d.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n.Summary != "BioT access token copied" || strings.Contains(n.Body, "tok.en") {
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
		h.expect("logout")
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
	waitMenu(t, d.ctx, d.item(t), []menuLine{{"Signed out", false}, {"Sign in…", true}, {"Sign out", false},
		{"Copy access token", false}, {"Start at login", false}, {"Quit", true}})
}

func TestOneNotificationPerSignInNeeded(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{})
	it := d.item(t)
	h.status(signedIn())
	waitIcon(t, d.ctx, it, assets.SignedIn)

	needs := agent.Status{State: agent.StateNeedsLogin, Username: ana, BaseURL: env,
		Message: "BioT ended the session of ana@example.com (refresh token expired): sign in again"}
	h.send("burst", &needs, 100)
	for range 20 { // scripts keep asking meanwhile
		h.send("token", nil, 0)
	}
	n, err := d.notes.Next(d.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.Summary != "Sign-in needed for BioT" || n.Body != needs.Message {
		t.Errorf("notification %q: %q", n.Summary, n.Body)
	}
	if l, ok := n.ActionLabel("sign-in"); !ok || l != "Sign in" {
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
	if err := d.notes.InvokeAction(n2.ID+1000, "sign-in"); err != nil {
		t.Fatal(err)
	}
	if err := d.notes.InvokeAction(n2.ID, "sign-in"); err != nil {
		t.Fatal(err)
	}
	h.expect("signin")
	if got := recv(t, h.browser, "the browser"); got != "http://127.0.0.1:9/one-time/" {
		t.Errorf("the browser was given %q", got)
	}
	h.send("cancel", nil, 0)
	h.expect("returned")
	if n := h.count("signin"); n != 1 {
		t.Errorf("%d sign-in pages were started, want 1: the other program's action got through", n)
	}
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
	want := "Your BioT session ends at " + clock(*st.RefreshExpiresAt, time.Now(), time.Local) + ". Sign in again to keep working."
	if n.Body != want {
		t.Errorf("heads-up says %q, want %q", n.Body, want)
	}
	// "Sign in…" is offered again while the session is about to end.
	waitMenu(t, d.ctx, it, []menuLine{{"Signed in as ana@example.com · api.dev.acme", false}, {"Sign in…", true},
		{"Sign out", true}, {"Copy access token", true}, {"Start at login", true}, {"Quit", true}})
}

// The panel restarts: its watcher goes away and comes back empty. The icon
// must register again, even after a stray signal on systray's connection
// has stopped systray's own re-registration for good, and a script asking
// for a token meanwhile is served.
func TestIconComesBackWhenThePanelRestarts(t *testing.T) {
	d := newDesktop(t)
	h := startChild(t, d.bus, hostOptions{})
	it := d.item(t)
	h.status(signedIn())
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
			h.send("token", nil, 0)
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
			h.send("token", nil, 0)
			h.expect("token")
			waitIcon(t, d.ctx, it, assets.SignedIn)
			waitMenu(t, d.ctx, it, []menuLine{{"Signed in as ana@example.com · api.dev.acme", false}, {"Sign in…", false},
				{"Sign out", true}, {"Copy access token", true}, {"Start at login", true}, {"Quit", true}})
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
	h.send("token", nil, 0) // the agent side still works
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
