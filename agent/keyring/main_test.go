package keyring

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/desktoptest"
)

// childEnv tells a re-executed test binary that it is the child of a test
// that needs a desktop of its own (see runChild).
const childEnv = "BIOT_AGENT_KEYRING_CHILD"

// TestMain starts a private bus and gnome-keyring before any test, so that
// godbus's process-wide session connection, and with it go-keyring, reach
// them and never the person's own keyring.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(m.Run())
	}
	os.Exit(desktoptest.Main(m, func(d *desktoptest.Desktop) error {
		fmt.Fprintf(os.Stderr, "private bus and gnome-keyring ready in %v\n", d.Startup.Round(1e6))
		return nil
	}))
}

// runChild runs the test named child in a process of its own: godbus keeps
// one session connection per process, and child builds a desktop of its own
// (no bus, a bus with no Secret Service, one whose Secret Service hangs). It
// skips t when the child skipped, for want of the desktop programs.
func runChild(t *testing.T, child string) {
	t.Helper()
	if os.Getenv(childEnv) != "" {
		t.Skip("this is a child process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+child+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("child output:\n%s", out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if strings.Contains(string(out), "--- SKIP: "+child) {
		t.Skip("the child skipped: no desktop programs")
	}
	if !strings.Contains(string(out), "--- PASS: "+child) {
		t.Fatalf("the child did not run %s", child)
	}
}

// inChild skips t unless it runs in a child process started by runChild.
func inChild(t *testing.T) {
	t.Helper()
	if os.Getenv(childEnv) == "" {
		t.Skip("run in a process of its own by the test of the same name without Child")
	}
}
