//go:build linux || freebsd || openbsd || netbsd

package secretwatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"biot-agent/internal/dbusname"
	"biot-agent/internal/sessionbus"

	"github.com/godbus/dbus/v5"
)

// busTimeout bounds connecting to the bus and each call made there.
const busTimeout = 5 * time.Second

// Run calls appeared each time a program takes the Secret Service's name on
// the session bus, and once at the start when one holds it already (it may
// have come between the caller's last look and the watch), until ctx ends.
// appeared runs on Run's goroutine; names taken meanwhile wait for it.
// Without a session bus Run returns at once, saying why at debug level
// only: that is the usual state of an ssh login, not news.
func Run(ctx context.Context, log *slog.Logger, appeared func(context.Context)) {
	onBus(ctx, log, "not watching for a keyring: no session bus",
		"stopped watching the session bus for a keyring; a session kept in memory moves into one at its next save",
		func(ctx context.Context, conn *dbus.Conn) error { return watch(ctx, conn, appeared) })
}

// onBus runs watch on a private connection to the session bus until ctx
// ends. Without a bus it logs noBus at debug level, and a watch that
// stops on its own logs stopped, each with the reason.
func onBus(ctx context.Context, log *slog.Logger, noBus, stopped string, watch func(context.Context, *dbus.Conn) error) {
	dctx, cancel := context.WithTimeout(ctx, busTimeout)
	conn, err := sessionbus.Dial(dctx)
	cancel()
	if err != nil {
		log.Debug(noBus, "reason", err)
		return
	}
	defer conn.Close()
	if err := watch(ctx, conn); err != nil && ctx.Err() == nil {
		log.Info(stopped, "reason", err)
	}
}

// serve calls fn for each signal on sigs that match reports, until ctx
// ends or the connection closes.
func serve(ctx context.Context, sigs <-chan *dbus.Signal, match func(*dbus.Signal) bool, fn func(context.Context)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case sig, ok := <-sigs:
			if !ok {
				return errors.New("the session bus connection closed")
			}
			if match(sig) {
				fn(ctx)
			}
		}
	}
}

// watch is Run on a connection of the caller's.
func watch(ctx context.Context, conn *dbus.Conn, appeared func(context.Context)) error {
	sigs := make(chan *dbus.Signal, 8)
	conn.Signal(sigs)
	defer conn.RemoveSignal(sigs)
	mctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	err := conn.AddMatchSignalContext(mctx,
		dbus.WithMatchSender(dbusname.Bus),
		dbus.WithMatchInterface(dbusname.Bus),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, dbusname.Secrets),
	)
	if err != nil {
		return fmt.Errorf("listen for a Secret Service: %w", err)
	}
	// Who holds the name now, asked after the match is in place: a
	// Secret Service that takes it between the two is both the owner
	// found here and a signal to come, and is one appearance, not two.
	var owner string
	err = conn.BusObject().CallWithContext(mctx, dbusname.Bus+".GetNameOwner", 0, dbusname.Secrets).Store(&owner)
	if de := (dbus.Error{}); errors.As(err, &de) && de.Name == dbusname.Bus+".Error.NameHasNoOwner" {
		owner, err = "", nil
	}
	if err != nil {
		return fmt.Errorf("ask for a Secret Service: %w", err)
	}
	cancel()
	if owner != "" {
		appeared(ctx)
	}
	return serve(ctx, sigs, func(sig *dbus.Signal) bool {
		return taken(sig) && sig.Body[2] != owner
	}, appeared)
}

// taken reports whether sig says that a program took the Secret Service's
// name (and not that it left it).
func taken(sig *dbus.Signal) bool {
	if sig.Name != dbusname.Bus+".NameOwnerChanged" || len(sig.Body) < 3 {
		return false
	}
	name, _ := sig.Body[0].(string)
	owner, _ := sig.Body[2].(string)
	return name == dbusname.Secrets && owner != ""
}
