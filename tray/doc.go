// Package tray is biot-agent's desktop face: a tray icon whose picture and
// tooltip tell the session's state, a menu to sign in and out, copy the
// access token and quit, and desktop notifications when a fresh sign-in is
// needed or the session is about to end.
//
// [Run] takes a [Backend] (the agent) and follows its events; it never
// blocks the agent: it only reads Status and the events, and calls Token
// and Logout from goroutines of its own when the person asks. Clicks are
// handed off at once, because fyne.io/systray drops a click nobody is
// receiving, and no click touches the keyring or the network on the systray
// loop.
//
// # The menu
//
//	Signed in as ana@example.com · api.dev.acme   (disabled: the state)
//	─────────
//	Sign in…            signed out, sign-in needed, or the session ends soon
//	Sign out            while there is a session
//	Copy access token   while there is a session
//	─────────
//	☐ Start at login    when Config.Autostart is set
//	─────────
//	Quit
//
// # Notifications
//
// The policy (policy.go) is: exactly one notification per transition into
// needs_login, however many events repeat that state, with a "Sign in"
// button that opens the sign-in page; a heads-up Config.NotifyBefore
// before the session ends, once per session; nothing when the person signs
// out by hand; nothing while offline (the icon says it). Notifications go
// through package tray/notify, on a D-Bus connection of their own.
//
// # Linux
//
// The icon is a StatusNotifierItem (fyne.io/systray). Run starts systray
// only once a session bus and an org.kde.StatusNotifierWatcher exist:
// without a bus systray would crash on Quit, and without a watcher it would
// log registration errors. Until then it logs one line saying why and waits.
// fyne.io/systray re-registers the icon when the watcher comes back, but
// stops doing so for good at the first other signal on its (shared)
// connection — a keyring prompt's, or a notification's — so Run watches
// the watcher on a private connection and registers the icon again itself
// each time one appears. Icon and tooltip are set before systray starts
// and set again once its D-Bus objects answer, since a change made while
// systray exports them is lost.
//
// On macOS the tray needs a cgo build (systray uses Cocoa); without cgo
// Run returns an error and the agent runs headless.
package tray
