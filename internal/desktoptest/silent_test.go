package desktoptest

import (
	"context"
	"errors"
	"testing"
	"time"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

func TestSilentSecretServiceHoldsCallsUntilStopped(t *testing.T) {
	bus := SessionBus(t)
	s := NewSilentSecretService(t, bus)
	ctx, app := client(t, bus)
	svc := app.Object(dbusname.Secrets, dbusname.SecretsPath)

	// A caller with a deadline gets no answer before it.
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	err := svc.CallWithContext(short, dbusname.SecretService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Err
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("OpenSession on the silent service: %v, want no answer before the deadline", err)
	}

	// A caller without one waits until Stop, and is then refused.
	answered := make(chan error, 1)
	go func() {
		answered <- svc.CallWithContext(ctx, dbusname.Properties+".Get", 0, dbusname.SecretService, "Collections").Err
	}()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for s.Calls() < 2 {
		select {
		case err := <-answered:
			t.Fatalf("Get on the silent service was answered (%v) before Stop", err)
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("the silent service counted %d calls, want 2", s.Calls())
		}
	}
	s.Stop()
	select {
	case err := <-answered:
		if err == nil {
			t.Error("Get on a stopped silent service succeeded, want it refused")
		}
	case <-ctx.Done():
		t.Fatal("Get still held after Stop")
	}
	s.Stop() // a second Stop, as the test's Cleanup does, is harmless

	// Stop leaves the bus, so a working Secret Service can take the name.
	for {
		var owned bool
		if err := app.BusObject().CallWithContext(ctx, dbusname.Bus+".NameHasOwner", 0, dbusname.Secrets).Store(&owned); err != nil {
			t.Fatal(err)
		}
		if !owned {
			break
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%s still owned after Stop", dbusname.Secrets)
		}
	}
	if n := s.Calls(); n != 2 {
		t.Errorf("the silent service counted %d calls, want 2", n)
	}
}
