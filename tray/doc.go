// Package tray is biot-agent's desktop face: a tray icon whose picture and
// tooltip tell where the sessions of the configured BioT environments
// stand, a menu with a section per environment to sign in and out and copy
// its access token, and desktop notifications when an environment needs a
// fresh sign-in or its session is about to end.
//
// [Run] takes a [Backend] (the agents of every environment: [Agents] of an
// agent.Environments) and follows their events; it never blocks the
// agents: it only reads the events, and calls Token and Logout, for the
// environment clicked, from goroutines of its own when the person asks.
// Clicks are handed off at once, because fyne.io/systray drops a click
// nobody is receiving, and no click touches the keyring or the network on
// the systray loop.
//
// The icon shows the worst state among the environments: sign-in needed,
// then offline, then signed in, then signed out (also when none is
// configured). The tooltip names each environment and its state.
//
// # The menu
//
//	dev · ana@example.com · signed in until 14:05   (disabled: the state)
//	Sign in…            signed out, sign-in needed, or the session ends soon
//	Sign out            while there is a session
//	Copy access token   while there is a session
//	─────────
//	prod · ana@example.com · sign-in needed         one section per environment,
//	Sign in…                                        by name
//	Sign out
//	Copy access token
//	─────────
//	Add a BioT environment…   when Config.AddEnvironment is set
//	─────────
//	☐ Start at login          when Config.Autostart is set
//	─────────
//	Quit
//
// With no environment configured (the first run), the menu starts with a
// disabled "No BioT environment yet" and offers "Add a BioT environment…",
// whose page asks for the environment's URL and a short name, then for the
// sign-in (package tray/signin). When environments come or go, the menu is
// made again (see face.build); otherwise its items change in place.
//
// # Notifications
//
// The policy (policy.go) is: exactly one notification per environment per
// transition into needs_login, however many events repeat that state,
// with a "Sign in" button that opens that environment's sign-in page;
// environments that need a sign-in within a minute of the first share its
// notification, which is replaced by one that names them all ("Sign-in
// needed: dev, prod") with a button for each. A heads-up
// Config.NotifyBefore before an environment's session ends, once per
// session; nothing when the person signs out by hand; nothing while
// offline (the icon says it). Every notification names its environment.
// Notifications go through package tray/notify, on a D-Bus connection of
// their own.
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
