package agent

import (
	"context"
	"errors"
	"time"
)

// Session is what survives a restart: enough to refresh without a password.
// Only RefreshToken is secret.
type Session struct {
	BaseURL          string
	Username         string
	UserID           string
	OrganizationID   string
	RefreshToken     string
	RefreshExpiresAt time.Time
}

// ErrNoSession is returned by [Store.Load] when nothing is stored for the
// environment.
var ErrNoSession = errors.New("no stored session")

// Store keeps the session between runs. Every method must return by the
// context's deadline: a keyring that hangs is an error, not a wait.
type Store interface {
	// Load returns the session stored for the environment at baseURL, or
	// ErrNoSession.
	Load(ctx context.Context, baseURL string) (Session, error)
	// Save stores s, replacing what was stored for its environment.
	Save(ctx context.Context, s Session) error
	// Delete removes what is stored for the environment at baseURL; no
	// session stored is not an error.
	Delete(ctx context.Context, baseURL string) error
	// Info says what kind of store this is and whether it is healthy.
	Info() StoreInfo
}
