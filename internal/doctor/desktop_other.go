//go:build darwin || windows

package doctor

import (
	"context"
	"runtime"
)

// checkDesktop has nothing to check here: the keyring, the tray and
// notifications use the system's own services, not D-Bus.
func checkDesktop(context.Context) []Finding {
	why := "not used on " + runtime.GOOS
	return []Finding{
		{Check: CheckBus, Level: Skip, Message: why + "."},
		{Check: CheckSecrets, Level: Skip, Message: why + ": the session is kept in the system's keychain or credential manager."},
		{Check: CheckTray, Level: Skip, Message: why + "."},
		{Check: CheckNotifications, Level: Skip, Message: why + "."},
	}
}
