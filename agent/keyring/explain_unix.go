//go:build !darwin && !windows

package keyring

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"

	"biot-agent/internal/dbusname"
)

// kind names the keyring go-keyring uses here.
const kind = "secret-service"

// explain turns what go-keyring and its D-Bus library answer into a reason a person can
// act on: no session bus, no Secret Service on it, or the Secret Service's
// own error.
func explain(err error) error {
	// The error types are the D-Bus library's; the agent's packages do not import
	// D-Bus code, so its errors are told apart by their words: the bus
	// daemon's answer when nobody owns a name mentions the name, and
	// the library's own errors start with "dbus: ".
	if err == nil {
		return nil
	}
	var timeout *TimeoutError
	var ne *net.OpError
	var ee *exec.Error
	msg := err.Error()
	switch {
	case errors.As(err, &timeout):
		return err
	case strings.Contains(msg, dbusname.Secrets) || strings.Contains(msg, "ServiceUnknown") ||
		strings.Contains(msg, "NameHasNoOwner"):
		return fmt.Errorf("no Secret Service on the session bus (is gnome-keyring, KWallet or KeePassXC running?): %w", err)
	case os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" &&
		(errors.As(err, &ee) || strings.HasPrefix(msg, "dbus: ")):
		// The D-Bus library found no address and could not start a bus either.
		return fmt.Errorf("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): %w", err)
	case errors.As(err, &ne), strings.HasPrefix(msg, "dbus: "):
		return fmt.Errorf("cannot reach the D-Bus session bus: %w", err)
	}
	return err
}
