//go:build !unix

package cli

// disableCoreDumps does nothing where there is no RLIMIT_CORE.
func disableCoreDumps() {}
