package agent

import (
	"context"
	"errors"
	"time"
)

// Session is what survives a restart: enough to refresh without a password.
// Only RefreshToken is secret.
type Session struct {
	Env              string // the environment's name: what the store keeps it under
	BaseURL          string // the environment's BioT URL when it was saved
	Username         string
	UserID           string
	OrganizationID   string
	RefreshToken     string
	RefreshExpiresAt time.Time
}

// Key names the session a store is asked for.
type Key struct {
	Env string // the environment's name
	// URL is the environment's BioT URL: a session saved under the same
	// name for another URL is not this environment's, and is not answered.
	URL string
	// Adopt lets the store hand over a session that a release before
	// named environments saved for URL alone (keyed by URL), moving it
	// under Env. One environment per URL adopts, so the caller decides.
	Adopt bool
}

// ErrNoSession is returned by [Store.Load] when nothing is stored for the
// environment.
var ErrNoSession = errors.New("no stored session")

// Store keeps sessions between runs, one per environment. Every method
// must return by the context's deadline: a keyring that hangs is an error,
// not a wait.
type Store interface {
	// Load returns the session stored for key, or ErrNoSession.
	Load(ctx context.Context, key Key) (Session, error)
	// Save stores s under s.Env, replacing what was stored for that
	// environment (another user's, or another URL's, session included).
	Save(ctx context.Context, s Session) error
	// Delete removes what is stored for the environment named env; no
	// session stored is not an error.
	Delete(ctx context.Context, env string) error
	// Info says what kind of store this is and whether it is healthy.
	Info() StoreInfo
}
