package desktoptest

import (
	"slices"
	"testing"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

func TestNotificationServerRecordsAndInvokes(t *testing.T) {
	bus := SessionBus(t)
	s := NewNotificationServer(t, bus)
	ctx, app := client(t, bus)
	obj := app.Object(dbusname.Notifications, dbusname.NotificationsPath)

	var caps []string
	if err := obj.CallWithContext(ctx, dbusname.Notifications+".GetCapabilities", 0).Store(&caps); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(caps, DefaultCapabilities) {
		t.Errorf("capabilities = %v", caps)
	}
	if err := app.AddMatchSignalContext(ctx, dbus.WithMatchInterface(dbusname.Notifications)); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 4)
	app.Signal(sigs)

	var id uint32
	err := obj.CallWithContext(ctx, dbusname.Notifications+".Notify", 0, "app", uint32(0), "", "Hello", "Body",
		[]string{"go", "Go"}, map[string]dbus.Variant{}, int32(-1)).Store(&id)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.ID != id || n.Summary != "Hello" || n.Body != "Body" || n.Sender != app.Names()[0] {
		t.Errorf("recorded %+v, answered id %d", n, id)
	}
	if l, ok := n.ActionLabel("go"); !ok || l != "Go" {
		t.Errorf("action go = %q, %v", l, ok)
	}

	if err := s.InvokeAction(id, "go"); err != nil {
		t.Fatal(err)
	}
	select {
	case sig := <-sigs:
		if sig.Name != dbusname.Notifications+".ActionInvoked" || sig.Body[0] != id || sig.Body[1] != "go" {
			t.Errorf("signal %s %v", sig.Name, sig.Body)
		}
	case <-ctx.Done():
		t.Fatal("no ActionInvoked signal")
	}
}
