// Package autostart makes biot-agent start when the person logs in to the
// desktop, stops it from doing so, and says how it is set up.
//
//	autostart.Enable(autostart.Options{})      // start at login
//	autostart.Disable()                        // do not
//	st, _ := autostart.Status()                // st.Enabled, st.Mechanism, st.Entries
//
// Each system has its own mechanism:
//
//   - Linux and other XDG desktops: an autostart entry,
//     $XDG_CONFIG_HOME/autostart/biot-agent.desktop, that runs the absolute
//     path of this program after a short delay (so the panel that hosts the
//     tray icon is up first). With Options.Systemd, a systemd user unit
//     instead, ~/.config/systemd/user/biot-agent.service, wanted by
//     graphical-session.target and restarted when it crashes.
//   - macOS: a LaunchAgent, ~/Library/LaunchAgents/com.biot-med.biot-agent.plist,
//     run at load and started again only after a crash.
//   - Windows: the value "biot-agent" under
//     HKCU\Software\Microsoft\Windows\CurrentVersion\Run.
//
// # What is ours
//
// Everything this package writes carries a marker (the desktop entry and the
// unit the key X-BioT-Agent-Managed=true, the plist a comment; on Windows the
// command is recorded under HKCU\Software\biot-agent). Enable rewrites only
// files with the marker, and only when their content would change, so
// enabling twice changes nothing. Disable removes only marked files: a file
// the person made is left alone, and Disable answers a [*ForeignError] that
// names it when it still starts the agent.
//
// The Linux packages install a system-wide entry in /etc/xdg/autostart, so
// every user starts the agent at login. Disable then cannot remove anything:
// it writes the user's own entry with Hidden=true, which the XDG rules let
// override the system one, and Enable replaces that entry again.
//
// Choosing one mechanism turns ours of the other off (Enable with Systemd
// hides the XDG entry, and the other way round), so the agent is not started
// twice.
//
// [LoginItem] is the same for the tray's "Start at login" check item.
package autostart
