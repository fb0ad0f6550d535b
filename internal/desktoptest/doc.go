// Package desktoptest starts a private Linux desktop for tests: a D-Bus
// session bus of its own and a gnome-keyring Secret Service on it, both in
// temporary folders, so a test exercises the real keyring stack without ever
// touching the person's own bus or keyring.
//
// A test that needs only a bus calls [SessionBus]; one that also needs a
// Secret Service calls [SecretService] with that bus. Both stop what they
// started in the test's Cleanup.
//
// # One bus per process
//
// godbus caches the session bus connection for the whole process, and
// go-keyring finds the bus through DBUS_SESSION_BUS_ADDRESS. A package whose
// tests use the real keyring must therefore start the desktop before the
// first keyring call and point that variable at it, which is what [Main] does
// from TestMain:
//
//	func TestMain(m *testing.M) {
//		os.Exit(desktoptest.Main(m, nil))
//	}
//
//	func TestSomething(t *testing.T) {
//		d := desktoptest.Shared(t) // skips, or fails, when there is no desktop
//		...
//	}
//
// A test that needs a bus of a different kind (say, one whose Secret Service
// hangs: [NewSilentSecretService]) must run in a process of its own:
// re-execute the test binary with -test.run naming that test and an
// environment variable that tells TestMain to leave the bus alone.
//
// # Missing programs
//
// The desktop needs dbus-daemon (Debian package dbus) and gnome-keyring-daemon
// (gnome-keyring); secret-tool (libsecret-tools) is handy for checks. When a
// program is missing the tests are skipped with the reason, unless the
// environment sets [RequireEnv] to 1, as CI does, in which case they fail.
// Do not install dbus-x11 on a test machine: its dbus-launch makes the D-Bus
// library silently start an empty bus when no address is set.
//
// This package is for tests only, yet it does not import "testing": it takes
// the small [TB] interface, which *testing.T satisfies.
package desktoptest
