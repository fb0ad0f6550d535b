//go:build linux || freebsd || openbsd || netbsd

// Package sessionbus opens private connections to the D-Bus session bus,
// for the parts that must keep off godbus's shared connection: the tray's
// host watch, its notifications, and the keyring watch (secretwatch).
//
// The shared connection (dbus.SessionBus) belongs to fyne.io/systray and
// go-keyring: a signal subscribed there reaches systray's listener too, and
// systray stops re-registering the icon at the first signal it does not
// expect. A private connection sees only its own match rules.
package sessionbus

import (
	"context"
	"fmt"

	"biot-agent/internal/bounded"

	"github.com/godbus/dbus/v5"
)

// Dial opens a private, authenticated connection to the session bus under
// ctx. It never starts a bus (no dbus-launch autolaunch): no bus is an
// answer, not something to fix behind the person's back. Connecting cannot
// be cancelled: a connection that arrives after ctx ended is closed.
func Dial(ctx context.Context) (*dbus.Conn, error) {
	conn, err := bounded.CallRelease(ctx, func() (*dbus.Conn, error) {
		conn, err := dbus.SessionBusPrivateNoAutoStartup()
		if err == nil {
			if err = conn.Auth(nil); err == nil {
				err = conn.Hello()
			}
			if err != nil {
				conn.Close()
				conn = nil
			}
		}
		return conn, err
	}, func(late *dbus.Conn) { late.Close() })
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus: %w", err)
	}
	return conn, nil
}

// Shared returns godbus's shared session connection (dbus.SessionBus), the
// one systray uses, under ctx. One that arrives after ctx ended stays: it
// belongs to others too.
func Shared(ctx context.Context) (*dbus.Conn, error) {
	conn, err := bounded.Call(ctx, dbus.SessionBus)
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus: %w", err)
	}
	return conn, nil
}
