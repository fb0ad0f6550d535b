package keyring

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"biot-agent/agent"

	gokeyring "github.com/zalando/go-keyring"
)

// MaxTokenBytes is the longest refresh token the store accepts: the size of
// a Windows credential's secret, the smallest of the keyrings.
const MaxTokenBytes = 2560

// ErrTokenTooLarge is returned by Save for a refresh token over
// [MaxTokenBytes].
var ErrTokenTooLarge = errors.New("refresh token too large for the keyring")

// The keyring names this package uses.
const (
	servicePrefix = "biot-agent " // + base URL: one item per environment and user
	probeService  = "biot-agent"  // an item nobody stores, read by Open
	probeUser     = "probe"
)

// Options configures [Open]. The zero value is the usual setup.
type Options struct {
	// MetadataPath is the metadata file; "" means [DefaultMetadataPath].
	MetadataPath string
	// Timeout bounds each keyring call; 0 means [DefaultTimeout]. A context
	// deadline that comes sooner wins.
	Timeout time.Duration
}

// keyringStore keeps the refresh token in the OS keyring and the rest in the
// metadata file.
type keyringStore struct {
	path    string
	timeout time.Duration
	guard   *guard
	// lock serializes the read-modify-write of the metadata file; it is a
	// channel so that waiting for it honours the caller's context.
	lock chan struct{}

	mu      sync.Mutex
	problem string // why the last call failed; "" after a success
}

// Open probes the OS keyring and answers a store over it. It fails with the
// reason when the keyring cannot be used: no D-Bus session bus, no Secret
// Service, or no answer in time. The probe reads an item nobody stores, so a
// working keyring answers "not found".
func Open(ctx context.Context, opts Options) (agent.Store, error) {
	s, err := newKeyringStore(opts)
	if err != nil {
		return nil, err
	}
	if err := s.probe(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// probe asks the keyring for an item nobody stores: a keyring that works
// answers "not found". It fails with the reason otherwise.
func (s *keyringStore) probe(ctx context.Context) error {
	err := s.call(ctx, func() error {
		_, err := gokeyring.Get(probeService, probeUser)
		return err
	})
	if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
		return fmt.Errorf("keyring: %w", explain(err))
	}
	s.succeeded()
	return nil
}

// newKeyringStore answers a store without probing the keyring.
func newKeyringStore(opts Options) (*keyringStore, error) {
	path := opts.MetadataPath
	if path == "" {
		var err error
		if path, err = DefaultMetadataPath(); err != nil {
			return nil, err
		}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &keyringStore{path: path, timeout: timeout, guard: processGuard, lock: make(chan struct{}, 1)}, nil
}

// Info says which keyring this is and what went wrong last, if anything.
func (s *keyringStore) Info() agent.StoreInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return agent.StoreInfo{Kind: kind, Persistent: true, Problem: s.problem}
}

// Load reads the metadata for baseURL, then the refresh token.
func (s *keyringStore) Load(ctx context.Context, baseURL string) (agent.Session, error) {
	baseURL = normalize(baseURL)
	unlock, err := s.acquire(ctx)
	if err != nil {
		return agent.Session{}, fmt.Errorf("keyring: load: %w", err)
	}
	defer unlock()
	m, err := readMetadata(s.path)
	if err != nil {
		return agent.Session{}, s.failed("load the session", err)
	}
	e, ok := m.Sessions[baseURL]
	if !ok {
		return agent.Session{}, agent.ErrNoSession
	}
	var token string
	err = s.call(ctx, func() error {
		var err error
		token, err = gokeyring.Get(servicePrefix+baseURL, e.Username)
		return err
	})
	switch {
	case errors.Is(err, gokeyring.ErrNotFound):
		// The person deleted the item, or the metadata outlived it.
		s.succeeded()
		return agent.Session{}, fmt.Errorf("keyring: no token for %s at %s: %w", e.Username, baseURL, agent.ErrNoSession)
	case err != nil:
		return agent.Session{}, s.failed("load the session", err)
	}
	s.succeeded()
	return agent.Session{
		BaseURL:          baseURL,
		Username:         e.Username,
		UserID:           e.UserID,
		OrganizationID:   e.OrganizationID,
		RefreshToken:     token,
		RefreshExpiresAt: e.RefreshExpiresAt,
	}, nil
}

// Save updates the keyring item of the session's environment and user in
// place, then the metadata. When another user was saved for the
// environment, that user's item is deleted first, so an environment never
// has two tokens.
func (s *keyringStore) Save(ctx context.Context, sess agent.Session) error {
	if err := validate(sess); err != nil {
		return err
	}
	baseURL := normalize(sess.BaseURL)
	unlock, err := s.acquire(ctx)
	if err != nil {
		return fmt.Errorf("keyring: save: %w", err)
	}
	defer unlock()
	m, err := readMetadata(s.path)
	if errors.Is(err, errCorrupt) {
		m, err = emptyMetadata(), nil // start afresh: the file holds nothing a sign-in cannot rebuild
	}
	if err != nil {
		return s.failed("save the session", err)
	}
	if old, ok := m.Sessions[baseURL]; ok && old.Username != sess.Username {
		err := s.call(ctx, func() error { return gokeyring.Delete(servicePrefix+baseURL, old.Username) })
		if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
			return s.failed("remove the previous user's session", err)
		}
	}
	err = s.call(ctx, func() error { return gokeyring.Set(servicePrefix+baseURL, sess.Username, sess.RefreshToken) })
	if err != nil {
		return s.failed("save the session", err)
	}
	m.Sessions[baseURL] = sessionMeta{
		BaseURL:          baseURL,
		Username:         sess.Username,
		UserID:           sess.UserID,
		OrganizationID:   sess.OrganizationID,
		RefreshExpiresAt: sess.RefreshExpiresAt,
	}
	m.Last = baseURL
	if err := writeMetadata(s.path, m); err != nil {
		return s.failed("save the session", err)
	}
	s.succeeded()
	return nil
}

// Delete removes the keyring item, then the metadata entry. The record of
// the environment used last stays: it is where the next sign-in goes.
func (s *keyringStore) Delete(ctx context.Context, baseURL string) error {
	baseURL = normalize(baseURL)
	unlock, err := s.acquire(ctx)
	if err != nil {
		return fmt.Errorf("keyring: delete: %w", err)
	}
	defer unlock()
	m, err := readMetadata(s.path)
	if err != nil {
		return s.failed("delete the session", err)
	}
	e, ok := m.Sessions[baseURL]
	if !ok {
		return nil
	}
	err = s.call(ctx, func() error { return gokeyring.Delete(servicePrefix+baseURL, e.Username) })
	if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
		return s.failed("delete the session", err)
	}
	delete(m.Sessions, baseURL)
	if err := writeMetadata(s.path, m); err != nil {
		return s.failed("delete the session", err)
	}
	s.succeeded()
	return nil
}

// LastBaseURL returns the environment saved last, or "" when none was.
func (s *keyringStore) LastBaseURL(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("keyring: %w", err)
	}
	m, err := readMetadata(s.path)
	if err != nil {
		return "", fmt.Errorf("keyring: %w", err)
	}
	return m.Last, nil
}

// holds reports whether the metadata file names a session for baseURL,
// which is then in the keyring too (or was, until the person deleted it).
// It asks the file only, never the keyring.
func (s *keyringStore) holds(baseURL string) (bool, error) {
	m, err := readMetadata(s.path)
	if err != nil {
		return false, fmt.Errorf("keyring: %w", err)
	}
	_, ok := m.Sessions[normalize(baseURL)]
	return ok, nil
}

// call runs one keyring call under the store's deadline.
func (s *keyringStore) call(ctx context.Context, op func() error) error {
	return s.guard.do(ctx, s.timeout, op)
}

// acquire takes the metadata lock, or gives up when ctx ends.
func (s *keyringStore) acquire(ctx context.Context) (unlock func(), err error) {
	select {
	case s.lock <- struct{}{}:
		return func() { <-s.lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// failed records err as the store's problem and returns it wrapped. A
// cancellation is the caller's doing, not the keyring's, and is not
// recorded.
func (s *keyringStore) failed(what string, err error) error {
	err = fmt.Errorf("keyring: could not %s: %w", what, explain(err))
	if !errors.Is(err, context.Canceled) {
		s.mu.Lock()
		s.problem = strings.TrimPrefix(err.Error(), "keyring: ")
		s.mu.Unlock()
	}
	return err
}

// succeeded clears the problem: the keyring answered.
func (s *keyringStore) succeeded() {
	s.mu.Lock()
	s.problem = ""
	s.mu.Unlock()
}

// validate refuses a session the store could not give back whole.
func validate(s agent.Session) error {
	switch {
	case s.Env == "":
		return errors.New("keyring: save: the session has no environment")
	case normalize(s.BaseURL) == "":
		return errors.New("keyring: save: the session has no base URL")
	case s.Username == "":
		return errors.New("keyring: save: the session has no username")
	case s.RefreshToken == "":
		return errors.New("keyring: save: the session has no refresh token")
	case len(s.RefreshToken) > MaxTokenBytes:
		return fmt.Errorf("keyring: save: %w: %d bytes, more than the %d a Windows credential holds",
			ErrTokenTooLarge, len(s.RefreshToken), MaxTokenBytes)
	}
	return nil
}

// normalize makes "https://x/" and "https://x" one environment.
func normalize(baseURL string) string {
	return strings.TrimRight(strings.TrimSpace(baseURL), "/")
}
