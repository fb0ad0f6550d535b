package desktoptest

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal makes the kernel kill the daemon if the test binary
// dies without running its cleanups (a panic, a timeout), so no stray bus or
// keyring outlives the test run.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
