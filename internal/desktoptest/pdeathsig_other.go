//go:build !linux

package desktoptest

import "os/exec"

// setParentDeathSignal does nothing where the kernel has no such signal.
func setParentDeathSignal(*exec.Cmd) {}
