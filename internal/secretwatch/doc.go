// Package secretwatch tells the agent when a Secret Service (gnome-keyring,
// KWallet, KeePassXC) takes its name, org.freedesktop.secrets, on the D-Bus
// session bus: at desktop login the agent may start before the keyring, and
// a keyring daemon may restart. The agent then moves the session it kept in
// memory into the keyring at once, rather than at its next save, so a crash
// in between loses nothing.
//
// It lives apart from package agent and its keyring store, which speak no
// D-Bus themselves (docs/ARCHITECTURE.md). Watching is one match rule on a private bus
// connection and a goroutine that waits for its signals: nothing is polled.
// [Items] tells when an item of a Secret Service collection is created or
// changed, so that a service user's secret key stored anew (by
// `biot-agent login --secret-stdin`, secret-tool or Seahorse) is used at
// once, not only at the next sign-in.
//
// Where there is no session bus (an ssh login, a server, macOS, Windows)
// [Run] and [Items] return at once and the agent goes on as before.
package secretwatch
