package desktoptest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

func TestSessionBusStartsNothingByItself(t *testing.T) {
	bus := SessionBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := bus.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// With service activation off, asking for the Secret Service on an empty
	// bus must fail at once rather than start the machine's gnome-keyring.
	err = conn.Object(dbusname.Secrets, dbusname.SecretsPath).CallWithContext(ctx, dbusname.Peer+".Ping", 0).Err
	var de dbus.Error
	if !errors.As(err, &de) || de.Name != dbusname.ErrServiceUnknown {
		t.Fatalf("calling the Secret Service on a bare bus: got %v, want ServiceUnknown", err)
	}
	if !strings.Contains(strings.Join(bus.Env, "\n"), "DBUS_SESSION_BUS_ADDRESS="+bus.Address) {
		t.Errorf("Env does not point at the bus %s", bus.Address)
	}
}

func TestSecretServiceKeepsSecretsInItsOwnFolder(t *testing.T) {
	begin := time.Now()
	bus := SessionBus(t)
	kr := SecretService(t, bus)
	t.Logf("bus and gnome-keyring ready in %v", time.Since(begin).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if _, err := kr.SecretTool(ctx, "s3cret", "store", "--label=test", "service", "desktoptest", "username", "ann"); err != nil {
		t.Fatal(err)
	}
	got, err := kr.SecretTool(ctx, "", "lookup", "service", "desktoptest", "username", "ann")
	if err != nil {
		t.Fatal(err)
	}
	if got != "s3cret" {
		t.Errorf("secret-tool lookup = %q, want the stored secret", got)
	}
	items, err := kr.Items(ctx, map[string]string{"service": "desktoptest"})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 {
		t.Errorf("items for the service = %v, want one", items)
	}
	if _, err := os.Stat(filepath.Join(kr.DataDir, "login.keyring")); err != nil {
		t.Errorf("the login keyring is not in the private folder: %v", err)
	}
}

func TestCloseStopsTheDaemons(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := Start(ctx)
	if err != nil {
		giveUp(t, err)
	}
	t.Logf("desktop ready in %v", d.Startup.Round(time.Millisecond))
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, dm := range []*daemon{d.Keyring.daemon, d.Bus.daemon} {
		select {
		case <-dm.exited:
		default:
			t.Errorf("%s still runs after Close", dm.name)
		}
	}
	if _, err := os.Stat(d.Bus.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the bus folder is left behind: %v", err)
	}
}

// client connects to bus as a program would, for a test's own calls; the
// connection and ctx end with the test, or after 10 s.
func client(t *testing.T, bus *Bus) (context.Context, *dbus.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	app, err := bus.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Close() })
	return ctx, app
}

// recorder is a TB that writes down how a test would have ended, so the
// skip-or-fail decision can be checked without ending this test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestMissingProgram(t *testing.T) {
	tests := []struct {
		name     string
		require  string
		wantSkip bool
	}{
		{name: "skips on a developer machine", require: "", wantSkip: true},
		{name: "fails when CI requires the desktop", require: "1", wantSkip: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv(RequireEnv, tt.require)
			r := &recorder{TB: t}
			if bus := SessionBus(r); bus != nil {
				t.Fatal("got a bus without dbus-daemon")
			}
			said := r.failed
			if tt.wantSkip {
				said = r.skipped
			}
			if said == "" {
				t.Fatalf("skipped %q, failed %q", r.skipped, r.failed)
			}
			for _, want := range []string{"dbus-daemon", "Debian packages: dbus"} {
				if !strings.Contains(said, want) {
					t.Errorf("message %q does not name %q", said, want)
				}
			}
		})
	}
}
