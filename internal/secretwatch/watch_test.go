//go:build linux || freebsd || openbsd || netbsd

package secretwatch

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"biot-agent/internal/dbusname"
	"biot-agent/internal/desktoptest"
	"biot-agent/internal/testkit"

	"github.com/godbus/dbus/v5"
)

func TestTakenIsANameTakenNotLeft(t *testing.T) {
	changed := func(name, old, new string) *dbus.Signal {
		return &dbus.Signal{Name: dbusname.Bus + ".NameOwnerChanged", Body: []any{name, old, new}}
	}
	tests := []struct {
		name string
		sig  *dbus.Signal
		want bool
	}{
		{"a Secret Service takes the name", changed(dbusname.Secrets, "", ":1.42"), true},
		{"another program takes it over", changed(dbusname.Secrets, ":1.42", ":1.43"), true},
		{"the Secret Service leaves", changed(dbusname.Secrets, ":1.42", ""), false},
		{"another name is taken", changed(dbusname.Watcher, "", ":1.42"), false},
		{"another signal", &dbus.Signal{Name: dbusname.Bus + ".NameAcquired", Body: []any{dbusname.Secrets}}, false},
		{"a short body", &dbus.Signal{Name: dbusname.Bus + ".NameOwnerChanged", Body: []any{dbusname.Secrets}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := taken(tt.sig); got != tt.want {
				t.Errorf("taken = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWatchCallsEachTimeASecretServiceAppears watches a private bus with no
// Secret Service, starts gnome-keyring on it, stops it and starts it again:
// each start is one call, a stop none. Closing the connection ends the
// watch.
func TestWatchCallsEachTimeASecretServiceAppears(t *testing.T) {
	bus := desktoptest.SessionBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := bus.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var count atomic.Int32
	calls := make(chan struct{}, 8)
	ended := make(chan error, 1)
	go func() {
		ended <- watch(ctx, conn, func(context.Context) {
			count.Add(1)
			calls <- struct{}{}
		})
	}()
	next := func(what string) {
		t.Helper()
		select {
		case <-calls:
		case err := <-ended:
			t.Fatalf("the watch ended before %s: %v", what, err)
		case <-ctx.Done():
			t.Fatalf("no call for %s", what)
		}
	}

	kr := desktoptest.SecretService(t, bus)
	next("gnome-keyring's start")
	if err := kr.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := kr.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	next("gnome-keyring's restart")
	// Signals come in order: had the stop made a call, it would have come
	// before the restart's.
	if n := count.Load(); n != 2 {
		t.Errorf("%d calls for a start, a stop and a start, want 2", n)
	}

	conn.Close()
	select {
	case err := <-ended:
		if err == nil {
			t.Error("the watch ended without an error when its connection closed")
		}
	case <-ctx.Done():
		t.Fatal("the watch goes on after its connection closed")
	}
}

// TestWatchCallsAtOnceForASecretServiceThatIsThere starts the watch after
// gnome-keyring: it may have come between the caller's last look and the
// watch, so the watch says so at once.
func TestWatchCallsAtOnceForASecretServiceThatIsThere(t *testing.T) {
	bus := desktoptest.SessionBus(t)
	desktoptest.SecretService(t, bus)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	called := make(chan struct{})
	go Run(ctx, slog.New(slog.DiscardHandler), func(context.Context) { close(called) })
	select {
	case <-called:
	case <-ctx.Done():
		t.Fatal("no call for the Secret Service that was there")
	}
}

// TestRunWithoutABusReturnsQuietly: over ssh there is no session bus; Run
// returns at once and logs nothing above debug.
func TestRunWithoutABusReturnsQuietly(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	log := &testkit.SyncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		Run(ctx, slog.New(slog.NewTextHandler(log, nil)), func(context.Context) { t.Error("a call with no bus") })
	}()
	select {
	case <-returned:
	case <-ctx.Done():
		t.Fatal("Run with no bus did not return")
	}
	if s := log.String(); s != "" {
		t.Errorf("Run with no bus logged:\n%s", s)
	}
}
