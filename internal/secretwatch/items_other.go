//go:build !(linux || freebsd || openbsd || netbsd)

package secretwatch

import (
	"context"
	"log/slog"
)

// Items returns at once: the keyrings of this system (the Keychain, the
// Credential Manager) send no signal the agent listens to. A new service
// secret key is used at the next sign-in, or at once after SIGHUP.
func Items(ctx context.Context, log *slog.Logger, changed func(context.Context)) {}
