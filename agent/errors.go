package agent

import (
	"errors"
	"fmt"
)

// Kind tells a caller what to do about an [Error]. Each has an error code
// of the local API (internal/localapi maps them, and its tests hold every
// kind to a code).
type Kind string

// The kinds of error the agent answers.
const (
	KindSignedOut     Kind = "signed_out"              // nobody is signed in
	KindNeedsLogin    Kind = "needs_login"             // the session is over: sign in again
	KindMFARequired   Kind = "mfa_required"            // send the SMS code to finish signing in
	KindPasswordReset Kind = "password_reset_required" // BioT wants a new password first
	KindLocked        Kind = "locked"                  // the account is locked
	KindLoginFailed   Kind = "login_failed"            // wrong username or password, or SMS code
	KindOffline       Kind = "offline"                 // BioT cannot be reached and no valid token is left
	KindBadRequest    Kind = "bad_request"             // the caller asked for something impossible

	KindUnknownEnvironment  Kind = "unknown_environment"  // no environment of that name is configured
	KindEnvironmentRequired Kind = "environment_required" // no name given, and no default to fall back on
)

// Error is what the agent answers when it cannot do what was asked. Its
// message is fit to show a person and never holds a secret.
type Error struct {
	Kind    Kind
	Message string
	// MinutesLeft is how long a locked account stays locked, when BioT says.
	MinutesLeft int
	// Err is the cause, if any (often a *biot.APIError).
	Err error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, or "" when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

func newError(k Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...), Err: cause}
}
