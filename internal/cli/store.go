package cli

import (
	"context"
	"log/slog"

	"biot-agent/agent"
	"biot-agent/agent/keyring"
	"biot-agent/internal/secretwatch"
)

// The agent's session store is a keyring.Fallback: the OS keyring when it
// answers, memory while it does not. The agent starts at once with it; the
// first keyring call (startStore) may take its whole timeout (a keyring
// waiting for an unlock prompt nobody sees, a Secret Service that hangs),
// and the socket answers meanwhile, Info saying "opening".
//
// A keyring that comes later is tried at every save, and at once when a
// Secret Service takes its name on the session bus (watchKeyring): the
// session kept in memory moves into it, and a session an earlier run left
// there is resumed when nobody is signed in.

// openStore answers the agent's session store and, unless it is memory for
// good because the session's metadata has no place to go (no home folder),
// the Fallback to start and watch.
func openStore(log *slog.Logger) (agent.Store, *keyring.Fallback) {
	f, err := keyring.NewFallback(keyring.Options{}, log)
	if err != nil {
		log.Warn("no OS keyring: the session is kept in memory only and a restart will ask for the password again", "reason", err)
		return keyring.NewMemory("no OS keyring (" + err.Error() + "): the session is kept in memory only"), nil
	}
	return f, f
}

// startStore asks the OS keyring once, for at most keyringTimeout, so that
// the agent's resume finds the store settled and keeps its own deadline for
// reading the session.
func startStore(ctx context.Context, store *keyring.Fallback) {
	ctx, cancel := context.WithTimeout(ctx, keyringTimeout)
	defer cancel()
	_, _ = store.Retry(ctx) // on failure Info says why, and the log once
}

// watchKeyring runs until ctx ends: each time a Secret Service appears on
// the session bus, the store tries it, and, when it answers where it did
// not before, the agent looks for a saved session if nobody is signed in.
func watchKeyring(ctx context.Context, store *keyring.Fallback, envs *agent.Environments, log *slog.Logger) {
	secretwatch.Run(ctx, log, func(ctx context.Context) {
		rctx, cancel := context.WithTimeout(ctx, keyringTimeout)
		back, err := store.Retry(rctx)
		cancel()
		if err == nil && back {
			envs.Resume(ctx)
		}
	})
}
