package keyring

import (
	"context"
	"errors"
	"fmt"

	"biot-agent/agent"

	gokeyring "github.com/zalando/go-keyring"
)

// A release before named environments kept one session per base URL: a
// version 1 metadata file keyed by URL, and a keyring item whose service was
// "biot-agent <base URL>". Reading that file keeps its sessions as legacy
// entries, by URL. The environment a Load with Key.Adopt names takes over
// the one saved for its URL, so a person who upgrades is not asked for a
// password; nothing else touches them.

// adopt moves the legacy session saved for url under env, and answers it:
//
//  1. read the token from the previous release's item;
//  2. save it as env's item, then, in one write, env's entry and the legacy
//     entry marked adopted (its Env set);
//  3. delete the previous release's item, then the legacy entry
//     ([keyringStore.dropLegacy]).
//
// A crash or a keyring that fails after step 2 leaves env's session whole
// and the legacy entry marked: the next adopting Load for url ends step 3,
// and never adopts it again, even when env was signed out of meanwhile.
// With no legacy session for url it answers ErrNoSession; one whose item
// the person deleted is dropped, and is ErrNoSession too. Called with
// s.lock held.
func (s *keyringStore) adopt(ctx context.Context, m *metadata, env, url string) (agent.Session, error) {
	le, ok := m.Legacy[url]
	if !ok {
		return agent.Session{}, agent.ErrNoSession
	}
	if le.Env != "" {
		// Adopted already; only the old item and entry are left to go.
		s.dropLegacy(ctx, m, url)
		return agent.Session{}, agent.ErrNoSession
	}
	if err := checkEnv(env); err != nil {
		return agent.Session{}, fmt.Errorf("keyring: load: %w", err)
	}
	const what = "take over the session the previous release saved"
	var token string
	err := s.call(ctx, func() error {
		var err error
		token, err = gokeyring.Get(legacyService(url), le.Username)
		return err
	})
	switch {
	case errors.Is(err, gokeyring.ErrNotFound):
		delete(m.Legacy, url)
		if err := writeMetadata(s.path, m); err != nil {
			return agent.Session{}, s.failed(what, err)
		}
		s.succeeded()
		return agent.Session{}, fmt.Errorf("keyring: no token for %s at %s saved by the previous release: %w",
			le.Username, url, agent.ErrNoSession)
	case err != nil:
		return agent.Session{}, s.failed(what, err)
	}
	err = s.call(ctx, func() error { return gokeyring.Set(service(env, url), le.Username, token) })
	if err != nil {
		return agent.Session{}, s.failed(what, err)
	}
	le.Env, le.BaseURL = env, url
	m.Sessions[env] = le
	m.Legacy[url] = le
	if err := writeMetadata(s.path, m); err != nil {
		return agent.Session{}, s.failed(what, err)
	}
	s.succeeded()
	s.dropLegacy(ctx, m, url)
	return le.session(env, token), nil
}

// dropLegacy removes the legacy session saved for url, its item then its
// entry, once it is adopted or an environment holds its own session there. A failure is the
// store's problem, which Info shows, and not the caller's: the
// environment's session is whole, and the next adopting Load tries again.
// Called with s.lock held.
func (s *keyringStore) dropLegacy(ctx context.Context, m *metadata, url string) {
	le, ok := m.Legacy[url]
	if !ok {
		return
	}
	err := s.call(ctx, func() error { return gokeyring.Delete(legacyService(url), le.Username) })
	if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
		_ = s.failed("remove the previous release's keyring item", err)
		return
	}
	delete(m.Legacy, url)
	if err := writeMetadata(s.path, m); err != nil {
		_ = s.failed("remove the previous release's session", err)
		return
	}
	s.succeeded()
}
