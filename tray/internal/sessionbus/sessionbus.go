//go:build linux || freebsd || openbsd || netbsd

// Package sessionbus opens private connections to the D-Bus session bus,
// for the tray's parts that must keep off godbus's shared connection.
//
// The shared connection (dbus.SessionBus) belongs to fyne.io/systray and
// go-keyring: a signal subscribed there reaches systray's listener too, and
// systray stops re-registering the icon at the first signal it does not
// expect. A private connection sees only its own match rules.
package sessionbus

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// Dial opens a private, authenticated connection to the session bus under
// ctx. It never starts a bus (no dbus-launch autolaunch): no bus is an
// answer, not something to fix behind the person's back.
func Dial(ctx context.Context) (*dbus.Conn, error) {
	return under(ctx, true, func() (*dbus.Conn, error) {
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
	})
}

// Shared returns godbus's shared session connection (dbus.SessionBus), the
// one systray uses, under ctx.
func Shared(ctx context.Context) (*dbus.Conn, error) {
	return under(ctx, false, dbus.SessionBus)
}

// under runs connect, which cannot be cancelled, and waits for it until ctx
// ends. A private connection that arrives after that is closed (closeLate);
// the shared one stays, as it belongs to others too.
func under(ctx context.Context, closeLate bool, connect func() (*dbus.Conn, error)) (*dbus.Conn, error) {
	type result struct {
		conn *dbus.Conn
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := connect()
		done <- result{conn, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("connect to the session bus: %w", r.err)
		}
		return r.conn, nil
	case <-ctx.Done():
		if closeLate {
			go func() { // the dial goes on; close what it brings
				if r := <-done; r.conn != nil {
					r.conn.Close()
				}
			}()
		}
		return nil, fmt.Errorf("connect to the session bus: %w", ctx.Err())
	}
}
