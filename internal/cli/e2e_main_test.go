// The tests of this package run the real biot-agent binary, built once by
// TestMain, as a person and a script would: child processes with a clean
// environment of their own, a simulated BioT over real HTTPS in the test
// process, real Unix sockets, and (when the machine has it) a real Secret
// Service on a private D-Bus session bus.
package cli_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"biot-agent/internal/desktoptest"
)

var (
	// binary is the biot-agent built by TestMain; binDir holds it and
	// nothing else, and comes first in the children's PATH, as after an
	// install.
	binary, binDir string
	// desktop is the private bus and keyring, or nil when this machine has
	// none (the tests that need it skip, or fail under
	// BIOT_AGENT_REQUIRE_DESKTOP=1).
	desktop *desktoptest.Desktop
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "biot-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir, binary = dir, filepath.Join(dir, "biot-agent")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return desktoptest.Main(m, func(d *desktoptest.Desktop) error {
		desktop = d
		return nil
	})
}

// build compiles the module's main package into out, with the race detector
// when the tests run with it, so a race in the agent fails its clean exit.
func build(out string) error {
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "biot-agent")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %v: %w\n%s", args, err, b)
	}
	return nil
}
