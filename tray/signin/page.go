package signin

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"sync"
	"time"
)

// step is where a page's sign-in stands; its values name the template's
// sections.
type step string

const (
	stepEnvironment step = "environment" // a new environment's URL and name
	stepPassword    step = "password"    // username and password
	stepCode        step = "code"        // the SMS code, of an MFA sign-in or a sign-in by code
	stepDone        step = "done"        // signed in
	stepExpired     step = "expired"     // the link is dead
)

// page is one sign-in page: its secret path, its CSRF token, the
// environment it signs in to and where its sign-in stands.
type page struct {
	secret  string
	csrf    string
	expires time.Time

	// mu is held for a whole POST, backend call included, so that one
	// page runs one sign-in step at a time.
	mu sync.Mutex
	// env names the environment the page signs in to; "" until the
	// environment step has added one. Only the server sets it, never a
	// form.
	env    string
	step   step   // stepEnvironment, stepPassword or stepCode while the page lives
	prompt string // where the SMS code went, in the agent's words
	used   bool   // a sign-in completed: the page is spent
	// byCode says the code step is a sign-in by a code sent to the phone
	// (a user with no password), not the second step of a password
	// sign-in.
	byCode bool
	phone  string // the number typed in the phone form, shown again
	sentTo string // the phone as BioT masked it, where the code went
	// url and name are what the person typed at the environment step,
	// shown again after a failure.
	url, name string
}

func newPage(expires time.Time, env string, at step) (*page, error) {
	secret, err := randomToken()
	if err != nil {
		return nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return nil, err
	}
	return &page{secret: secret, csrf: csrf, expires: expires, env: env, step: at}, nil
}

// dead reports whether the page can no longer be used; p.mu must be held.
func (p *page) dead(now time.Time) bool {
	return p.used || !now.Before(p.expires)
}

// randomToken is 256 random bits, URL-safe: 43 characters.
func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// equal compares two secrets in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
