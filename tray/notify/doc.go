// Package notify shows desktop notifications, with buttons where the
// desktop supports them.
//
//	n := notify.New(notify.Options{Logger: log})
//	defer n.Close()
//	id, err := n.Notify(ctx, notify.Notification{
//		Title:   "Sign-in needed for BioT",
//		Body:    "BioT ended the session: sign in again.",
//		Actions: []notify.Action{{Key: "sign-in", Label: "Sign in"}},
//	})
//	...
//	for key := range n.Actions() { ... } // "sign-in" when the button is clicked
//
// On Linux and the BSDs it speaks the freedesktop notification protocol
// (org.freedesktop.Notifications) through github.com/esiqveland/notify, on
// a D-Bus connection of its own. Never the process-wide shared connection:
// fyne.io/systray listens for signals on that one and stops re-registering
// the tray icon on the first signal it does not expect, and
// NotificationClosed and ActionInvoked are such signals. The connection is
// made at the first notification and made again after it breaks, so a
// notification daemon that starts after the agent is used.
//
// Buttons are sent only when the server lists the "actions" capability.
// ActionInvoked reaches every program listening, for every notification
// on the desktop, so only the keys of this Notifier's own notifications,
// matched by id, come out of [Notifier.Actions]; and only signals sent by
// the owner of org.freedesktop.Notifications are heard at all.
//
// Where that fails (no session bus, no notification daemon) and on macOS
// and Windows, notifications go through github.com/gen2brain/beeep, without
// buttons.
//
// Every call runs under the caller's context and at most [Options.Timeout].
// A D-Bus call that overruns closes its connection, which is remade at the
// next notification; a beeep call that overruns is left to finish on its
// own while Notify returns.
package notify
