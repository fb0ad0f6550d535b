// Package doctor checks what biot-agent needs on this machine and says, one
// line each, what is off and how to fix it. It is "biot-agent doctor".
//
//	r := doctor.Run(ctx, doctor.Options{ResolveURL: ...})
//	r.WriteText(os.Stdout) // or r.WriteJSON
//	if !r.OK { ... }
//
// The checks, in the order they are reported:
//
//   - agent: the socket ([ipc.SocketPath]): that something answers there,
//     which version and process, that the socket is 0600 and its folder
//     0700, both owned by the person running doctor;
//   - session: who is signed in, until when, and where the session is kept;
//   - session bus: the D-Bus session bus, found as the keyring library finds
//     it ($DBUS_SESSION_BUS_ADDRESS, else /run/user/<uid>/bus);
//   - secret service: org.freedesktop.secrets owned, answering, its login
//     keyring unlocked;
//   - tray host: org.kde.StatusNotifierWatcher owned and a host registered;
//   - notifications: org.freedesktop.Notifications answering, and whether
//     it offers buttons ("actions");
//   - autostart: whether and how the agent starts at login;
//   - biot url: the configured BioT URL reachable over HTTPS with a trusted
//     certificate, /ums/system/healthCheck answering;
//   - clock: the skew between this machine's clock and the server's Date.
//
// Each finding is ok, warn (works, but something is missing or degraded),
// fail (the agent cannot do its job, or the check could not finish) or skip
// (not checked, as it depends on one that failed, or does not apply here).
// [Report.OK] is false when any check failed; warnings do not count.
//
// Every check runs under its own deadline and the checks run side by side,
// so the whole report comes within [DefaultTimeout] even when the bus, the
// keyring, the agent and BioT all hang; a check that has not answered by
// then is reported as failed with the reason. doctor itself starts no bus,
// keyring or agent (the bus may start a service on demand, as it would for
// the agent).
package doctor
