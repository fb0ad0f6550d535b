//go:build !darwin && !windows

package doctor

import (
	"context"
	"fmt"
	"slices"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

// checkNotifications checks the notification server: answering, and
// offering buttons ("actions"), which the sign-in reminder uses.
func checkNotifications(ctx context.Context, conn *dbus.Conn) Finding {
	limit := budget(ctx, stepTimeout)
	f := Finding{Check: CheckNotifications}
	obj := conn.Object(dbusname.Notifications, dbusname.NotificationsPath)
	var caps []string
	err := obj.CallWithContext(ctx, dbusname.Notifications+".GetCapabilities", 0).Store(&caps)
	switch {
	case timedOut(ctx, err):
		f.Level = Warn
		f.Message = fmt.Sprintf("the notification server does not answer within %v: the agent's warnings would not show.", limit)
		f.Fix = "restart it (or log out and in)"
		return f
	case busErrorName(err) == dbusname.ErrServiceUnknown:
		f.Level = Warn
		f.Message = "no notification server (nobody owns " + dbusname.Notifications + "): the agent cannot warn you before the session ends."
		f.Fix = "start one: your desktop's, or dunst, xfce4-notifyd, mako"
		return f
	case err != nil:
		f.Level, f.Message = Warn, fmt.Sprintf("the notification server answered with an error: %v.", err)
		f.Fix = "restart it (or log out and in)"
		return f
	}
	who := serverName(ctx, obj)
	if who == "" {
		who = ownerOr(owner(ctx, conn, dbusname.Notifications), "the notification server")
	}
	f.Detail = map[string]string{"server": who}
	if slices.Contains(caps, "actions") {
		f.Level, f.Message = OK, who+" shows notifications, with buttons."
		f.Detail["actions"] = "true"
		return f
	}
	f.Level, f.Detail["actions"] = Warn, "false"
	f.Message = who + " shows notifications, but without buttons: the sign-in reminder cannot offer its \"Sign in\" button."
	f.Fix = "the reminder still shows, and the tray menu signs in; for the button, use a server with actions (GNOME, KDE, xfce4-notifyd, dunst)"
	return f
}

// serverName is "dunst 1.9.0" from GetServerInformation, or "".
func serverName(ctx context.Context, obj dbus.BusObject) string {
	var name, vendor, version, spec string
	if err := obj.CallWithContext(ctx, dbusname.Notifications+".GetServerInformation", 0).Store(&name, &vendor, &version, &spec); err != nil || name == "" {
		return ""
	}
	if version != "" {
		return name + " " + version
	}
	return name
}
