//go:build !darwin && !windows

package doctor

import (
	"context"
	"fmt"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

const trayFix = "GNOME: enable the AppIndicator extension (Debian: apt install gnome-shell-extension-appindicator, then log out and in); XFCE: add the Status Tray plugin to the panel; KDE Plasma and most other panels host icons already"

// checkTray checks for a StatusNotifierItem host, where the agent's icon
// shows: a watcher on the bus, and a host registered with it.
func checkTray(ctx context.Context, conn *dbus.Conn) Finding {
	limit := budget(ctx, stepTimeout)
	f := Finding{Check: CheckTray}
	owned, err := hasOwner(ctx, conn, dbusname.Watcher)
	switch {
	case err != nil:
		f.Level, f.Message = Warn, fmt.Sprintf("the session bus did not say whether a tray host runs: %v.", err)
		return f
	case !owned:
		f.Level, f.Fix = Warn, trayFix
		f.Message = "no tray host (nobody owns " + dbusname.Watcher + "): the agent runs without an icon; the command line works as always."
		return f
	}
	who := ownerOr(owner(ctx, conn, dbusname.Watcher), "a StatusNotifierWatcher")
	v, err := getProp(ctx, conn.Object(dbusname.Watcher, dbusname.WatcherPath), dbusname.Watcher, "IsStatusNotifierHostRegistered")
	registered, isBool := v.Value().(bool)
	switch {
	case timedOut(ctx, err):
		f.Level = Warn
		f.Message = fmt.Sprintf("%s owns %s but does not answer within %v: the icon may not show.", who, dbusname.Watcher, limit)
		f.Fix = "restart the panel, or log out and in"
	case err != nil || !isBool:
		f.Level = OK
		f.Message = fmt.Sprintf("%s hosts tray icons (it did not say whether a panel has registered).", who)
	case !registered:
		f.Level, f.Fix = Warn, trayFix
		f.Message = fmt.Sprintf("%s runs, but no panel has registered with it: the icon has nowhere to show.", who)
	default:
		f.Level = OK
		f.Message = fmt.Sprintf("%s hosts tray icons, and a panel shows them.", who)
	}
	return f
}
