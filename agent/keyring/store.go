package keyring

import (
	"context"
	"errors"
	"fmt"
	"regexp"
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

// The keyring names this package uses. An environment's item has the
// service "biot-agent <name> <base URL>" and the username as its user, so
// that a person browsing the keyring reads the environment in the label
// go-keyring gives it: "Password for 'ann' on 'biot-agent dev
// https://dev.example.com'". A release before named environments used
// "biot-agent <base URL>"; a name never holds "://", so the two never meet.
const (
	servicePrefix = "biot-agent "
	probeService  = "biot-agent" // an item nobody stores, read by Open
	probeUser     = "probe"
)

// service is the keyring service of env's item at baseURL.
func service(env, baseURL string) string { return servicePrefix + env + " " + baseURL }

// legacyService is the keyring service of the item a release before named
// environments saved for baseURL.
func legacyService(baseURL string) string { return servicePrefix + baseURL }

// envName is the form of an environment's name. The keyring's service
// depends on it: a name with a space or "://" would read as another one.
// It is compiled on first use, not at init: every run of the binary, a
// one-shot `biot-agent token` too, would pay for it otherwise.
var envName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`) })

// checkEnv refuses a name that is not an environment's.
func checkEnv(env string) error {
	if !envName().MatchString(env) {
		return fmt.Errorf("%q is not an environment name (a to z, 0 to 9 and -, at most 32)", env)
	}
	return nil
}

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

// Load reads the metadata of key's environment, then its refresh token.
// An environment saved for another URL is not answered, and left alone:
// Save replaces it. With key.Adopt, an environment with no session takes
// over the one the previous release saved for key.URL (adopt.go).
func (s *keyringStore) Load(ctx context.Context, key agent.Key) (agent.Session, error) {
	url := normalize(key.URL)
	unlock, err := s.acquire(ctx)
	if err != nil {
		return agent.Session{}, fmt.Errorf("keyring: load: %w", err)
	}
	defer unlock()
	m, err := readMetadata(s.path)
	if err != nil {
		return agent.Session{}, s.failed("load the session", err)
	}
	e, ok := m.Sessions[key.Env]
	switch {
	case ok && e.BaseURL != url:
		return agent.Session{}, agent.ErrNoSession
	case !ok && key.Adopt:
		return s.adopt(ctx, m, key.Env, url)
	case !ok:
		return agent.Session{}, agent.ErrNoSession
	}
	var token string
	err = s.call(ctx, func() error {
		var err error
		token, err = gokeyring.Get(service(key.Env, url), e.Username)
		return err
	})
	switch {
	case errors.Is(err, gokeyring.ErrNotFound):
		// The person deleted the item, or the metadata outlived it.
		s.succeeded()
		return agent.Session{}, fmt.Errorf("keyring: no token for %s at %s (%s): %w", e.Username, url, key.Env, agent.ErrNoSession)
	case err != nil:
		return agent.Session{}, s.failed("load the session", err)
	}
	s.succeeded()
	if key.Adopt {
		// An adoption that could not remove the previous release's item
		// ends here; a legacy session the environment's own replaced goes.
		s.dropLegacy(ctx, m, url)
	}
	return e.session(key.Env, token), nil
}

// session is the session e describes, under env, with its token.
func (e sessionMeta) session(env, token string) agent.Session {
	return agent.Session{
		Env:              env,
		BaseURL:          e.BaseURL,
		Username:         e.Username,
		UserID:           e.UserID,
		OrganizationID:   e.OrganizationID,
		RefreshToken:     token,
		RefreshExpiresAt: e.RefreshExpiresAt,
	}
}

// Save updates the keyring item of the session's environment in place, then
// the metadata. When the environment was saved for another user or another
// URL, that item is deleted first, so an environment never has two tokens.
func (s *keyringStore) Save(ctx context.Context, sess agent.Session) error {
	if err := validate(sess); err != nil {
		return err
	}
	env, url := sess.Env, normalize(sess.BaseURL)
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
	if old, ok := m.Sessions[env]; ok && (old.Username != sess.Username || old.BaseURL != url) {
		err := s.call(ctx, func() error { return gokeyring.Delete(service(env, old.BaseURL), old.Username) })
		if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
			return s.failed("remove the environment's previous session", err)
		}
	}
	err = s.call(ctx, func() error { return gokeyring.Set(service(env, url), sess.Username, sess.RefreshToken) })
	if err != nil {
		return s.failed("save the session", err)
	}
	m.Sessions[env] = sessionMeta{
		Env:              env,
		BaseURL:          url,
		Username:         sess.Username,
		UserID:           sess.UserID,
		OrganizationID:   sess.OrganizationID,
		RefreshExpiresAt: sess.RefreshExpiresAt,
	}
	m.Last = url
	if err := writeMetadata(s.path, m); err != nil {
		return s.failed("save the session", err)
	}
	s.succeeded()
	return nil
}

// Delete removes the environment's keyring item, then its metadata entry.
// The record of the URL used last stays: it is where the next sign-in
// goes. A legacy session is not the environment's, and stays too.
func (s *keyringStore) Delete(ctx context.Context, env string) error {
	unlock, err := s.acquire(ctx)
	if err != nil {
		return fmt.Errorf("keyring: delete: %w", err)
	}
	defer unlock()
	m, err := readMetadata(s.path)
	if err != nil {
		return s.failed("delete the session", err)
	}
	e, ok := m.Sessions[env]
	if !ok {
		return nil
	}
	err = s.call(ctx, func() error { return gokeyring.Delete(service(env, e.BaseURL), e.Username) })
	if err != nil && !errors.Is(err, gokeyring.ErrNotFound) {
		return s.failed("delete the session", err)
	}
	delete(m.Sessions, env)
	if err := writeMetadata(s.path, m); err != nil {
		return s.failed("delete the session", err)
	}
	s.succeeded()
	return nil
}

// holds reports whether the metadata file names a session for env, which
// is then in the keyring too (or was, until the person deleted it). It
// asks the file only, never the keyring.
func (s *keyringStore) holds(env string) (bool, error) {
	m, err := readMetadata(s.path)
	if err != nil {
		return false, fmt.Errorf("keyring: %w", err)
	}
	_, ok := m.Sessions[env]
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
	case checkEnv(s.Env) != nil:
		return fmt.Errorf("keyring: save: %w", checkEnv(s.Env))
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
