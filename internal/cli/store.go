package cli

import (
	"context"
	"fmt"
	"log/slog"

	"biot-agent/agent"
	"biot-agent/agent/keyring"
)

// openingStore is the session store while the OS keyring is being probed.
// The probe may take its whole timeout (a keyring waiting for an unlock
// prompt nobody sees, a Secret Service that hangs), and the socket must
// answer meanwhile: so the agent starts at once with this store, whose
// calls wait for the probe within their own deadlines, and whose Info says
// what is going on. Once the probe is done it is the OS keyring, or memory
// when the keyring cannot be used.
type openingStore struct {
	ready chan struct{} // closed once store is set
	store agent.Store
}

// openStore probes the OS keyring in the background, for at most
// keyringTimeout.
func openStore(ctx context.Context, log *slog.Logger) *openingStore {
	s := &openingStore{ready: make(chan struct{})}
	go func() {
		defer close(s.ready)
		pctx, cancel := context.WithTimeout(ctx, keyringTimeout)
		defer cancel()
		store, err := keyring.Open(pctx, keyring.Options{})
		if err != nil {
			log.Warn("no OS keyring: the session is kept in memory only and a restart will ask for the password again", "reason", err)
			store = keyring.NewMemory("no OS keyring (" + err.Error() + "): the session is kept in memory only")
		}
		s.store = store
	}()
	return s
}

// opened waits for the probe, or for ctx.
func (s *openingStore) opened(ctx context.Context) (agent.Store, error) {
	select {
	case <-s.ready:
		return s.store, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("keyring: still opening the OS keyring: %w", ctx.Err())
	}
}

func (s *openingStore) Load(ctx context.Context, baseURL string) (agent.Session, error) {
	st, err := s.opened(ctx)
	if err != nil {
		return agent.Session{}, err
	}
	return st.Load(ctx, baseURL)
}

func (s *openingStore) Save(ctx context.Context, sess agent.Session) error {
	st, err := s.opened(ctx)
	if err != nil {
		return err
	}
	return st.Save(ctx, sess)
}

func (s *openingStore) Delete(ctx context.Context, baseURL string) error {
	st, err := s.opened(ctx)
	if err != nil {
		return err
	}
	return st.Delete(ctx, baseURL)
}

// Info is the keyring's, or, while it is probed, says so.
func (s *openingStore) Info() agent.StoreInfo {
	select {
	case <-s.ready:
		return s.store.Info()
	default:
		return agent.StoreInfo{Kind: "opening", Problem: "the OS keyring has not answered yet"}
	}
}

// LastBaseURL makes keyring.LastBaseURL see through to the opened store.
func (s *openingStore) LastBaseURL(ctx context.Context) (string, error) {
	st, err := s.opened(ctx)
	if err != nil {
		return "", err
	}
	return keyring.LastBaseURL(ctx, st)
}

// waitOpened waits for the probe, which ends by itself within
// keyringTimeout.
func (s *openingStore) waitOpened() { <-s.ready }
