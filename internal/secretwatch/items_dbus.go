//go:build linux || freebsd || openbsd || netbsd

package secretwatch

import (
	"context"
	"fmt"
	"log/slog"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

// Items calls changed each time an item of a Secret Service collection is
// created or changed (the signals ItemCreated and ItemChanged, whichever
// program made the change: `biot-agent login --secret-stdin`, secret-tool,
// Seahorse, or the agent saving a session), until ctx ends. The signals
// do not say which item, and come in bursts: the caller reads what it
// cares about again. changed runs on Items's goroutine. Without a session
// bus Items returns at once, saying why at debug level only.
func Items(ctx context.Context, log *slog.Logger, changed func(context.Context)) {
	onBus(ctx, log, "not watching the keyring's items: no session bus",
		"stopped watching the keyring's items; a new service secret key is used at the next sign-in, or at once after SIGHUP",
		func(ctx context.Context, conn *dbus.Conn) error { return watchItems(ctx, conn, changed) })
}

// watchItems is Items on a connection of the caller's.
func watchItems(ctx context.Context, conn *dbus.Conn, changed func(context.Context)) error {
	sigs, err := listenItems(ctx, conn)
	if err != nil {
		return err
	}
	defer conn.RemoveSignal(sigs)
	return serveItems(ctx, sigs, changed)
}

// listenItems adds the match rules of the item signals and answers the
// channel they come on; the caller removes it from conn when done.
func listenItems(ctx context.Context, conn *dbus.Conn) (chan *dbus.Signal, error) {
	sigs := make(chan *dbus.Signal, 8)
	conn.Signal(sigs)
	mctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	for _, member := range []string{"ItemCreated", "ItemChanged"} {
		err := conn.AddMatchSignalContext(mctx,
			dbus.WithMatchInterface(dbusname.SecretCollection),
			dbus.WithMatchMember(member),
		)
		if err != nil {
			conn.RemoveSignal(sigs)
			return nil, fmt.Errorf("listen for changes of the keyring's items: %w", err)
		}
	}
	return sigs, nil
}

// serveItems calls changed for each item signal on sigs until ctx ends.
func serveItems(ctx context.Context, sigs chan *dbus.Signal, changed func(context.Context)) error {
	return serve(ctx, sigs, itemChanged, changed)
}

// itemChanged reports whether sig says an item was created or changed.
func itemChanged(sig *dbus.Signal) bool {
	return sig.Name == dbusname.SecretCollection+".ItemCreated" || sig.Name == dbusname.SecretCollection+".ItemChanged"
}
