//go:build linux || freebsd || openbsd || netbsd

package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/assets"
	"biot-agent/internal/dbusname"
	"biot-agent/internal/desktoptest"

	"github.com/godbus/dbus/v5"
)

// env is a private bus with the notifier under test pointed at it.
type env struct {
	bus      *desktoptest.Bus
	fallback *recorder
	n        *desktop
	ctx      context.Context
}

func newEnv(t *testing.T, timeout time.Duration) *env {
	t.Helper()
	bus := desktoptest.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	rec := &recorder{}
	n := newDesktop(Options{Timeout: timeout, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}.withDefaults(), rec)
	t.Cleanup(func() { n.Close() })
	return &env{bus: bus, fallback: rec, n: n, ctx: ctx}
}

// recorder stands in for beeep, which on Linux would go to the same bus
// (through the shared connection) or run notify-send: the tests need to see
// that the fallback was asked, not a second path to the same server.
type recorder struct {
	mu   sync.Mutex
	got  []Notification
	fail error
}

func (r *recorder) Notify(_ context.Context, n Notification) (uint32, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, n)
	return 0, r.fail
}
func (r *recorder) Actions() <-chan string { return nil }
func (r *recorder) Close() error           { return nil }
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

var signIn = Notification{
	Title:   "Sign-in needed for BioT",
	Body:    "BioT ended the session <of ana> & more",
	Actions: []Action{{Key: "sign-in", Label: "Sign in"}},
	Urgency: Critical,
	Icon:    assets.PNG(assets.NeedsLogin, 48),
}

func TestNotifySendsWhatThePersonSees(t *testing.T) {
	e := newEnv(t, 5*time.Second)
	srv := desktoptest.NewNotificationServer(t, e.bus)
	id, err := e.n.Notify(e.ctx, signIn)
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.Next(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || id == 0 {
		t.Errorf("Notify answered id %d, the server gave %d", id, got.ID)
	}
	if got.App != "BioT Agent" || got.Summary != signIn.Title || got.Body != signIn.Body {
		t.Errorf("sent app %q, summary %q, body %q", got.App, got.Summary, got.Body)
	}
	if l, ok := got.ActionLabel("sign-in"); !ok || l != "Sign in" {
		t.Errorf("actions = %v, want a Sign in button", got.Actions)
	}
	if u, _ := got.Hints["urgency"].Value().(byte); u != 2 {
		t.Errorf("urgency hint = %v, want 2 (critical)", got.Hints["urgency"])
	}
	if de, _ := got.Hints["desktop-entry"].Value().(string); de != "biot-agent" {
		t.Errorf("desktop-entry hint = %q", de)
	}
	var img struct {
		W, H, Stride int32
		Alpha        bool
		Bits, Chans  int32
		Data         []byte
	}
	if err := dbus.Store([]any{got.Hints["image-data"].Value()}, &img); err != nil || img.W != 48 || len(img.Data) != 48*48*4 {
		t.Errorf("image-data hint: %v, %dx%d with %d bytes", err, img.W, img.H, len(img.Data))
	}
	if e.fallback.count() != 0 {
		t.Error("the fallback was used although the server answered")
	}
}

func TestNoButtonsWhereTheServerCannotShowThem(t *testing.T) {
	e := newEnv(t, 5*time.Second)
	srv := desktoptest.NewNotificationServer(t, e.bus, "body", "body-markup")
	if _, err := e.n.Notify(e.ctx, signIn); err != nil {
		t.Fatal(err)
	}
	got, err := srv.Next(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Actions) != 0 {
		t.Errorf("sent actions %v to a server without the actions capability", got.Actions)
	}
	if want := "BioT ended the session &lt;of ana&gt; &amp; more"; got.Body != want {
		t.Errorf("body for a markup server = %q, want %q", got.Body, want)
	}
}

// A notification that replaces an earlier one names it to the server,
// which answers the same id; the replacement's buttons answer too.
func TestReplacesAnEarlierNotification(t *testing.T) {
	e := newEnv(t, 5*time.Second)
	srv := desktoptest.NewNotificationServer(t, e.bus)
	first, err := e.n.Notify(e.ctx, signIn)
	if err != nil {
		t.Fatal(err)
	}
	again := signIn
	again.Title, again.Replaces = "Sign-in needed: dev, prod", first
	again.Actions = []Action{{Key: "sign-in:dev", Label: "Sign in to dev"}, {Key: "sign-in:prod", Label: "Sign in to prod"}}
	second, err := e.n.Notify(e.ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Recorded()
	if len(got) != 2 || got[0].ReplacesID != 0 || got[1].ReplacesID != first || second != first {
		t.Fatalf("sent %+v; Notify answered %d then %d, want the second to replace the first", got, first, second)
	}
	if err := srv.InvokeAction(second, "sign-in:prod"); err != nil {
		t.Fatal(err)
	}
	select {
	case key := <-e.n.Actions():
		if key != "sign-in:prod" {
			t.Errorf("action = %q, want sign-in:prod", key)
		}
	case <-e.ctx.Done():
		t.Fatal("the action on the replacement never came")
	}
}

func TestActionsOfOurNotificationsOnly(t *testing.T) {
	e := newEnv(t, 5*time.Second)
	srv := desktoptest.NewNotificationServer(t, e.bus)
	id, err := e.n.Notify(e.ctx, signIn)
	if err != nil {
		t.Fatal(err)
	}
	// Another program's notification, then a signal from a program that
	// is not the server, then ours. The signals reach us in this order;
	// had either of the first two got through, its key would come first.
	if err := srv.InvokeAction(id+100, "foreign"); err != nil {
		t.Fatal(err)
	}
	impostor, err := e.bus.Connect(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer impostor.Close()
	if err := impostor.Emit(dbusname.NotificationsPath, dbusname.Notifications+".ActionInvoked", id, "impostor"); err != nil {
		t.Fatal(err)
	}
	if err := srv.InvokeAction(id, "sign-in"); err != nil {
		t.Fatal(err)
	}
	select {
	case key := <-e.n.Actions():
		if key != "sign-in" {
			t.Errorf("first action = %q, want sign-in", key)
		}
	case <-e.ctx.Done():
		t.Fatal("the action on our notification never came")
	}
}

func TestHungServerCostsOneTimeoutThenRecovers(t *testing.T) {
	e := newEnv(t, 5*time.Second)
	srv := desktoptest.NewNotificationServer(t, e.bus)
	if _, err := e.n.Notify(e.ctx, signIn); err != nil { // connected
		t.Fatal(err)
	}
	srv.Hang(true)
	begin := time.Now()
	ctx, cancel := context.WithTimeout(e.ctx, 300*time.Millisecond)
	defer cancel()
	_, err := e.n.Notify(ctx, signIn)
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("Notify took %v with a hung server and a 300 ms deadline", took)
	}
	if err != nil {
		t.Errorf("the fallback did not take over: %v", err)
	}
	if e.fallback.count() != 1 {
		t.Errorf("fallback used %d times, want 1", e.fallback.count())
	}
	srv.Hang(false)
	if _, err := e.n.Notify(e.ctx, signIn); err != nil {
		t.Fatal(err)
	}
	if e.fallback.count() != 1 {
		t.Error("after the server came back, the notification still went to the fallback")
	}
}

func TestServerThatStartsLaterIsUsed(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	e.fallback.fail = errors.New("no notify-send either")
	_, err := e.n.Notify(e.ctx, signIn)
	if err == nil || !strings.Contains(err.Error(), "no notify-send either") || !strings.Contains(err.Error(), "D-Bus") {
		t.Errorf("with no server and a failing fallback: %v, want both reasons", err)
	}
	srv := desktoptest.NewNotificationServer(t, e.bus)
	if _, err := e.n.Notify(e.ctx, signIn); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Next(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCloseEndsActions(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	desktoptest.NewNotificationServer(t, e.bus)
	if _, err := e.n.Notify(e.ctx, signIn); err != nil {
		t.Fatal(err)
	}
	if err := e.n.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-e.n.Actions(); ok {
		t.Error("Actions still open after Close")
	}
	if _, err := e.n.Notify(e.ctx, signIn); !errors.Is(err, ErrClosed) {
		t.Errorf("Notify after Close: %v, want ErrClosed", err)
	}
	if e.fallback.count() != 0 {
		t.Error("Notify after Close went to the fallback")
	}
}

// The Notifier must keep off the shared session connection: fyne.io/systray
// listens for signals there.
func TestOwnConnection(t *testing.T) {
	e := newEnv(t, 2*time.Second)
	desktoptest.NewNotificationServer(t, e.bus)
	if _, err := e.n.Notify(e.ctx, signIn); err != nil {
		t.Fatal(err)
	}
	e.n.mu.Lock()
	conn := e.n.conn
	e.n.mu.Unlock()
	shared, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	if conn == shared {
		t.Error("the notifier uses the shared session connection")
	}
	if slices.Contains(shared.Names(), conn.Names()[0]) {
		t.Error("the notifier's connection has the shared one's name")
	}
}
