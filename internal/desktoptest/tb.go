package desktoptest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// RequireEnv names the environment variable that, set to 1, turns a missing
// desktop program from a skipped test into a failed one. CI sets it, so the
// keyring tests cannot pass there by not running.
const RequireEnv = "BIOT_AGENT_REQUIRE_DESKTOP"

// TB is the part of *testing.T this package uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
	Logf(format string, args ...any)
}

// MissingError says which desktop programs are not installed and which Debian
// packages provide them.
type MissingError struct {
	Programs []string
	Packages []string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("desktoptest: %s not found in PATH (install the Debian packages: %s)",
		strings.Join(e.Programs, ", "), strings.Join(e.Packages, " "))
}

// Required reports whether the environment demands a real desktop.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// lookPath checks that every program is installed; pkgs[i] is the Debian
// package of progs[i].
func lookPath(progs, pkgs []string) error {
	missing := &MissingError{}
	for i, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			missing.Programs = append(missing.Programs, p)
			missing.Packages = append(missing.Packages, pkgs[i])
		}
	}
	if len(missing.Programs) > 0 {
		return missing
	}
	return nil
}

// giveUp skips t when err is only a missing program and the environment does
// not require the desktop, and fails it otherwise.
func giveUp(t TB, err error) {
	t.Helper()
	var missing *MissingError
	if errors.As(err, &missing) && !Required() {
		t.Skipf("%v; set %s=1 to make this a failure", err, RequireEnv)
		return
	}
	t.Fatalf("%v", err)
}
