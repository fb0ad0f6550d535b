package keyring

import (
	"context"
	"fmt"
	"sync"

	"biot-agent/agent"
)

// memoryStore keeps sessions for the life of the process only.
type memoryStore struct {
	problem string

	mu       sync.Mutex
	sessions map[string]agent.Session // by environment name
}

// NewMemory answers a store that keeps the session in memory, for when the
// keyring cannot be used; problem says why, for the status, e.g. "no Secret
// Service on the session bus: the session is kept in memory only".
func NewMemory(problem string) agent.Store {
	return &memoryStore{problem: problem, sessions: map[string]agent.Session{}}
}

func (s *memoryStore) Info() agent.StoreInfo {
	return agent.StoreInfo{Kind: "memory", Persistent: false, Problem: s.problem}
}

func (s *memoryStore) Load(ctx context.Context, key agent.Key) (agent.Session, error) {
	if err := ctx.Err(); err != nil {
		return agent.Session{}, fmt.Errorf("keyring: load: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[key.Env]
	if !ok || sess.BaseURL != normalize(key.URL) {
		return agent.Session{}, agent.ErrNoSession
	}
	return sess, nil
}

func (s *memoryStore) Save(ctx context.Context, sess agent.Session) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("keyring: save: %w", err)
	}
	if err := validate(sess); err != nil {
		return err
	}
	sess.BaseURL = normalize(sess.BaseURL)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[sess.Env] = sess
	return nil
}

func (s *memoryStore) Delete(ctx context.Context, env string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("keyring: delete: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, env)
	return nil
}
