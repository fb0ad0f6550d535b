package desktoptest

import (
	"slices"
	"testing"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

func TestWatcherRecordsItemsAndRestartsEmpty(t *testing.T) {
	bus := SessionBus(t)
	w := NewWatcher(t, bus)
	ctx, app := client(t, bus)
	register := func() error {
		return app.Object(dbusname.Watcher, dbusname.WatcherPath).CallWithContext(ctx, dbusname.Watcher+".RegisterStatusNotifierItem", 0, dbusname.ItemPath).Err
	}

	if err := register(); err != nil {
		t.Fatal(err)
	}
	it, err := w.WaitForItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if it.Service != app.Names()[0] || it.Path != dbusname.ItemPath {
		t.Errorf("registered %s%s, want the caller's %s/StatusNotifierItem", it.Service, it.Path, app.Names()[0])
	}
	if err := register(); err != nil { // a second registration is no second item
		t.Fatal(err)
	}
	if _, err := w.WaitForItem(ctx); err != nil {
		t.Fatal(err)
	}
	var listed []string
	v, err := app.Object(dbusname.Watcher, dbusname.WatcherPath).GetProperty(dbusname.Watcher + ".RegisteredStatusNotifierItems")
	if err != nil {
		t.Fatal(err)
	}
	listed, _ = v.Value().([]string)
	if want := []string{app.Names()[0] + dbusname.ItemPath}; !slices.Equal(listed, want) || !slices.Equal(w.Items(), want) {
		t.Errorf("items = %v (property %v), want %v", w.Items(), listed, want)
	}
	if w.Calls() != 2 {
		t.Errorf("calls = %d, want 2", w.Calls())
	}

	if err := w.Release(ctx); err != nil {
		t.Fatal(err)
	}
	var de dbus.Error
	if err := register(); err == nil {
		t.Error("registering with a released watcher worked")
	} else if e, ok := err.(dbus.Error); ok {
		de = e
	}
	if de.Name != dbusname.ErrServiceUnknown {
		t.Errorf("registering with a released watcher: %v, want ServiceUnknown", de.Name)
	}
	if err := w.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.Items(); len(got) != 0 {
		t.Errorf("a restarted watcher remembers %v", got)
	}
}

func TestMenuLinesAreWhatAPersonReads(t *testing.T) {
	type line struct {
		Label   string
		Enabled bool
	}
	m := MenuItem{Children: []MenuItem{
		{Label: "Signed out", Visible: true},
		{Label: "Sign in…", Enabled: true, Visible: true},
		{Type: "separator", Enabled: true, Visible: true},
		{Label: "Hidden", Enabled: true},
		{Label: "Quit", Enabled: true, Visible: true, Children: []MenuItem{{Label: "Submenu entry", Visible: true}}},
	}}
	want := []line{{"Signed out", false}, {"Sign in…", true}, {"Quit", true}}
	if got := MenuLines[line](m); !slices.Equal(got, want) {
		t.Errorf("MenuLines = %v, want %v", got, want)
	}
}
