package keyring

import (
	"fmt"
	"os"
	"testing"

	"biot-agent/internal/desktoptest"
)

// hangChildEnv tells a re-executed test binary that it is the child of
// TestHangingKeyring and must build its own, broken, desktop.
const hangChildEnv = "BIOT_AGENT_KEYRING_HANG_CHILD"

// TestMain starts a private bus and gnome-keyring before any test, so that
// godbus's process-wide session connection, and with it go-keyring, reach
// them and never the person's own keyring.
func TestMain(m *testing.M) {
	if os.Getenv(hangChildEnv) != "" {
		os.Exit(m.Run())
	}
	os.Exit(desktoptest.Main(m, func(d *desktoptest.Desktop) error {
		fmt.Fprintf(os.Stderr, "private bus and gnome-keyring ready in %v\n", d.Startup.Round(1e6))
		return nil
	}))
}
