package cli

import (
	"context"
	"log/slog"
	"sync/atomic"

	"biot-agent/agent"
	"biot-agent/agent/keyring"
	"biot-agent/internal/config"
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

// An agent that starts with service users alone (a server, a CI job) has
// no session to keep: a service user's token has no refresh token, and the
// agent signs in again at each start. Its store is memory, chosen at
// start, and it opens no keyring and watches for none, so it needs no
// D-Bus and says nothing about one.
//
// Should the config file gain a person's environment while it runs, that
// person's session is kept in memory too, until the agent restarts (and
// opens the keyring then): the first save says so once in the log, and
// Info from then on.

// serviceOnly reports whether cfg has environments and every one signs in
// as a service user.
func serviceOnly(cfg config.Config) bool {
	return len(cfg.Environments) > 0 && cfg.Services() == len(cfg.Environments)
}

// Why the store of an agent of service users is memory, for status and
// doctor.
const (
	serviceStoreWhy = "a service user's token is never kept: it signs in again at start"
	personStoreWhy  = "the agent started with only service users: a person's session is kept in memory, not in the OS keyring, until the agent restarts"
)

// serviceStore is the session store of an agent that started with service
// users alone: memory, saying why.
type serviceStore struct {
	agent.Store // memory
	log         *slog.Logger
	person      atomic.Bool // a person's session was saved
}

func newServiceStore(log *slog.Logger) *serviceStore {
	return &serviceStore{Store: keyring.NewMemory(serviceStoreWhy), log: log}
}

// Save keeps sess in memory. Only a person's session is ever saved (a
// service user's never is): the first says once that it will not outlive
// the agent.
func (s *serviceStore) Save(ctx context.Context, sess agent.Session) error {
	if !s.person.Swap(true) {
		s.log.Warn(personStoreWhy, "env", sess.Env)
	}
	return s.Store.Save(ctx, sess)
}

func (s *serviceStore) Info() agent.StoreInfo {
	i := s.Store.Info()
	if s.person.Load() {
		i.Problem = personStoreWhy
	}
	return i
}
