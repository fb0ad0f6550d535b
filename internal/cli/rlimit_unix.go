//go:build unix

package cli

import "golang.org/x/sys/unix"

// disableCoreDumps keeps a crash from writing the agent's memory, tokens
// and all, to disk.
func disableCoreDumps() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
}
