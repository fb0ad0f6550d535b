package bench

import (
	"context"
	"errors"
	"time"

	"biot-agent/internal/desktoptest"
)

// Desktop is a private Linux desktop for the child processes: a D-Bus
// session bus of its own, gnome-keyring's Secret Service on it, and the
// test stand-ins of a panel's tray host and a notification server, so the
// tray registers its icon as it would on a real desktop. Nothing touches
// the person's own bus or keyring.
type Desktop struct {
	Bus     *desktoptest.Bus
	Keyring *desktoptest.Keyring
	Watcher *desktoptest.Watcher
	Notes   *desktoptest.NotificationServer
}

// StartDesktop starts the parts. With tray false, only the bus and the
// keyring.
func StartDesktop(ctx context.Context, tray bool) (*Desktop, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	bus, err := desktoptest.StartSessionBus(ctx)
	if err != nil {
		return nil, err
	}
	d := &Desktop{Bus: bus}
	if d.Keyring, err = desktoptest.StartSecretService(ctx, bus); err != nil {
		return nil, errors.Join(err, d.Close())
	}
	if !tray {
		return d, nil
	}
	if d.Watcher, err = desktoptest.StartWatcher(ctx, bus); err != nil {
		return nil, errors.Join(err, d.Close())
	}
	if d.Notes, err = desktoptest.StartNotificationServer(ctx, bus); err != nil {
		return nil, errors.Join(err, d.Close())
	}
	return d, nil
}

// Close stops what was started, last first.
func (d *Desktop) Close() error {
	var errs []error
	if d.Notes != nil {
		errs = append(errs, d.Notes.Close())
	}
	if d.Watcher != nil {
		errs = append(errs, d.Watcher.Close())
	}
	if d.Keyring != nil {
		errs = append(errs, d.Keyring.Close())
	}
	errs = append(errs, d.Bus.Close())
	return errors.Join(errs...)
}
