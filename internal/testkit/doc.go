// Package testkit holds the helpers shared by the tests of several packages
// of this module; it is imported only from _test.go files (the module's
// import rules in deps_test.go keep it so).
//
// Go cannot share a helper between the _test.go files of two packages, so
// each helper that more than one package's tests need lives here once:
//
//   - [SyncBuffer], a buffer that a logger or a child process writes into
//     from many goroutines while the test reads it;
//   - [Get] and [Drip], raw HTTP/1.1 clients for a server on a Unix socket:
//     one request on a connection of its own, and one that sends its
//     request a byte a second, as a stuck or hostile client would;
//   - [FIFOLines], the lines that fake programs (a browser, a clipboard
//     tool) write into a FIFO to say how they were run.
//
// What a desktop test needs from D-Bus (a private bus, a Secret Service, a
// tray host, a notification daemon) is in package desktoptest instead.
package testkit
