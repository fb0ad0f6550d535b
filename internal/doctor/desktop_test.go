//go:build !darwin && !windows

package doctor

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"biot-agent/internal/dbusname"
	"biot-agent/internal/desktoptest"
)

func TestABusWithNothingOnIt(t *testing.T) {
	p := newPerson(t)
	bus := desktoptest.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)

	r := p.run(t, Options{})
	want(t, r, CheckBus, OK, busShown(bus.Address)+" answers")
	want(t, r, CheckSecrets, Fail, "no Secret Service on the session bus", "gnome-keyring")
	want(t, r, CheckTray, Warn, "no tray host", "runs without an icon", "AppIndicator")
	want(t, r, CheckNotifications, Warn, "no notification server", "cannot warn you")
}

func TestAWholeDesktop(t *testing.T) {
	for _, tt := range []struct {
		name   string
		caps   []string
		notify Level
		says   string
	}{
		{name: "a notification server with buttons", caps: []string{"actions", "body"}, notify: OK, says: "desktoptest 1 shows notifications, with buttons."},
		{name: "a notification server without buttons", caps: []string{"body"}, notify: Warn, says: "desktoptest 1 shows notifications, but without buttons"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newPerson(t)
			bus := desktoptest.SessionBus(t)
			desktoptest.SecretService(t, bus)
			desktoptest.NewWatcher(t, bus)
			desktoptest.NewNotificationServer(t, bus, tt.caps...)
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)

			r := p.run(t, Options{})
			want(t, r, CheckBus, OK, busShown(bus.Address)+" answers")
			want(t, r, CheckSecrets, OK, "gnome-keyring-d", "gnome-keyring-daemon (pid", "answers; the login keyring is unlocked")
			want(t, r, CheckTray, OK, "hosts tray icons, and a panel shows them")
			want(t, r, CheckNotifications, tt.notify, tt.says)
		})
	}
}

func TestALockedKeyring(t *testing.T) {
	p := newPerson(t)
	bus := desktoptest.SessionBus(t)
	desktoptest.SecretService(t, bus)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := bus.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	login := dbus.ObjectPath(dbusname.LoginCollectionPath)
	err = conn.Object(dbusname.Secrets, dbusname.SecretsPath).CallWithContext(ctx, dbusname.SecretService+".Lock", 0, []dbus.ObjectPath{login}).Store(&locked, &prompt)
	if err != nil || len(locked) != 1 {
		t.Fatalf("locking the login keyring: %v (locked %v, prompt %s)", err, locked, prompt)
	}

	r := p.run(t, Options{})
	want(t, r, CheckSecrets, Warn, "the login keyring is locked", "will ask for its password", "unlock it")
}

func TestNoSessionBus(t *testing.T) {
	p := newPerson(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	if _, err := os.Stat(defaultBusPath()); err == nil {
		t.Skipf("this machine has a session bus at %s, which doctor rightly finds", defaultBusPath())
	}
	r := p.run(t, Options{})
	want(t, r, CheckBus, Fail, "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and "+defaultBusPath()+" does not exist", "desktop session")
	for _, c := range []string{CheckSecrets, CheckTray, CheckNotifications} {
		want(t, r, c, Skip, "no session bus")
	}
}

func TestABusThatIsGone(t *testing.T) {
	p := newPerson(t) // its bus address names a socket that is not there
	r := p.run(t, Options{})
	want(t, r, CheckBus, Fail, "cannot reach the session bus at unix:path=", "points at a bus that is gone")
}

// hangOn takes names on the bus and answers none of the calls doctor
// makes, as a Secret Service waiting for a prompt, a frozen panel or a
// stuck notification daemon would.
func hangOn(t *testing.T, bus *desktoptest.Bus, names ...string) {
	t.Helper()
	conn, err := bus.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	block := make(chan struct{})
	t.Cleanup(func() {
		close(block)
		conn.Close()
	})
	get := func(iface, prop string) (dbus.Variant, *dbus.Error) {
		<-block
		return dbus.MakeVariant(""), nil
	}
	caps := func() ([]string, *dbus.Error) {
		<-block
		return nil, nil
	}
	alias := func(string) (dbus.ObjectPath, *dbus.Error) {
		<-block
		return "/", nil
	}
	for path, tables := range map[dbus.ObjectPath]map[string]map[string]any{
		dbusname.SecretsPath:       {dbusname.Properties: {"Get": get}, dbusname.SecretService: {"ReadAlias": alias}},
		dbusname.WatcherPath:       {dbusname.Properties: {"Get": get}},
		dbusname.NotificationsPath: {dbusname.Notifications: {"GetCapabilities": caps}},
	} {
		for iface, methods := range tables {
			if err := conn.ExportMethodTable(methods, path, iface); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, n := range names {
		if reply, err := conn.RequestName(n, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("take %s: %v (%v)", n, err, reply)
		}
	}
}

func TestEverythingHangs(t *testing.T) {
	p := newPerson(t)
	bus := desktoptest.SessionBus(t)
	hangOn(t, bus, dbusname.Secrets, dbusname.Watcher, dbusname.Notifications)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	hungSocket(t, p.socket)
	biot := tlsServer(t, hangUntilGone())

	begin := time.Now()
	r := p.run(t, Options{ResolveURL: configured(biot.URL), Roots: pool(biot)})
	took := time.Since(begin)
	if took > 10*time.Second {
		t.Errorf("doctor took %v with everything hanging, want under 10s", took)
	}
	t.Logf("took %v", took)
	want(t, r, CheckAgent, Fail, "does not answer within 3s", "it may be stuck", "kill ")
	want(t, r, CheckSecrets, Fail, "does not answer within 3s", "password prompt")
	want(t, r, CheckTray, Warn, "does not answer within 3s")
	want(t, r, CheckNotifications, Warn, "does not answer within 3s")
	want(t, r, CheckURL, Fail, "does not answer within 5s")
	if r.OK {
		t.Error("the report is OK")
	}
}

func TestAResolverThatHangsWhileTheURLIsLookedUp(t *testing.T) {
	p := newPerson(t)
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	// A resolver that ignores its deadline (a config file on a network
	// share that hangs, say).
	resolve := func(context.Context) (string, string, error) {
		<-stuck
		return "", "", nil
	}
	r := p.run(t, Options{ResolveURL: resolve})
	want(t, r, CheckURL, Fail, "finding the BioT URL took over 3s")
}

func TestRunEndsAtItsTimeout(t *testing.T) {
	p := newPerson(t)
	hungSocket(t, p.socket)
	begin := time.Now()
	r := p.run(t, Options{Timeout: 300 * time.Millisecond})
	if took := time.Since(begin); took > time.Second {
		t.Errorf("Run with a 300ms timeout took %v", took)
	}
	// Whichever deadline fires first, the check's own (capped at the run's)
	// or the run's, the finding names the 300ms.
	f := want(t, r, CheckAgent, Fail, "within 300ms")
	if !strings.Contains(f.Fix, "stuck") {
		t.Errorf("fix = %q", f.Fix)
	}
}

// hangUntilGone answers nothing until the client gives up.
func hangUntilGone() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
}

// busShown is the bus address as doctor prints it, without the guid.
func busShown(addr string) string {
	shown, _, _ := strings.Cut(addr, ",guid=")
	return shown
}
