package desktoptest

import (
	"context"
	"fmt"
	"time"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

// pollEvery is how often a wait asks the bus again.
const pollEvery = 20 * time.Millisecond

// Connect opens a private connection to the bus, which lives until ctx ends
// or the caller closes it. It never uses godbus's process-wide session connection, so it does not
// disturb what the code under test has cached.
func (b *Bus) Connect(ctx context.Context) (*dbus.Conn, error) {
	conn, err := dbus.Connect(b.Address, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("desktoptest: connect to the private bus: %w", err)
	}
	return conn, nil
}

// WaitForName waits until someone owns name on the bus, until ctx ends, or
// until gone is closed (the program that should take the name died).
func (b *Bus) WaitForName(ctx context.Context, name string, gone <-chan struct{}) error {
	conn, err := b.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		var owned bool
		err := conn.BusObject().CallWithContext(ctx, dbusname.Bus+".NameHasOwner", 0, name).Store(&owned)
		switch {
		case err != nil:
			return fmt.Errorf("desktoptest: ask whether %s is owned: %w", name, err)
		case owned:
			return nil
		}
		select {
		case <-tick.C:
		case <-gone:
			return fmt.Errorf("desktoptest: %s will never be owned: its program exited", name)
		case <-ctx.Done():
			return fmt.Errorf("desktoptest: nobody took %s on the bus: %w", name, ctx.Err())
		}
	}
}
