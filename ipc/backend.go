package ipc

import (
	"context"
	"net/http"
	"time"
)

// Backend is what the local API needs from the agent, in the API's own
// types: its environments. internal/localapi adapts the agent to it, and
// tests pass a fake. Errors that are an [*Error] are answered with their
// Code (and the status the package documentation gives it); any other
// error is answered as "internal", its detail only logged.
type Backend interface {
	// Session returns the session of the environment named env or, for
	// "", of the default environment (else the only one). It answers an
	// *Error of CodeUnknownEnvironment or CodeEnvironmentRequired when
	// there is no such environment.
	Session(env string) (Session, error)
	// Environments returns every environment's status, sorted by name,
	// and the default environment's name ("" when there is none).
	Environments() (statuses []Status, def string)
}

// Session is one environment's session, as the local API needs it.
type Session interface {
	// Token returns an access token valid for at least minValid (0: the
	// agent's default margin), refreshing it first if needed.
	Token(ctx context.Context, minValid time.Duration) (Token, error)
	// CurrentToken returns the current access token when it is valid for
	// at least minValid, without blocking; ok false sends the request the
	// long way, through Token. It is the socket's fast path.
	CurrentToken(minValid time.Duration) (tok Token, ok bool)
	// Renew answers the token to use in place of refused, an access token
	// BioT refused (401) before it expired: a new one, from one refresh
	// however many callers were refused together, or the current one when
	// it has replaced refused already. The proxy sends a refused request
	// once more with it.
	Renew(ctx context.Context, refused string) (Token, error)
	// Upstream says where the proxy sends this environment's requests, and
	// through what.
	Upstream() Upstream
	// Status returns a snapshot of the session; it never blocks on the network.
	Status() Status
	// Login signs in; it may answer an *Error of CodeMFARequired, after
	// which SubmitMFA finishes the sign-in.
	Login(ctx context.Context, username, password string) error
	// RequestCode starts the sign-in of a user who has no password (BioT's
	// credentialType OTP): BioT sends a code by SMS to phone, the user's
	// username (E.164, such as +15550100123), and the sign-in waits for it
	// as an MFA sign-in does: SubmitMFA finishes it, ResendMFA asks for a
	// new code. It answers the phone as BioT masks it.
	RequestCode(ctx context.Context, phone string) (sentTo string, err error)
	// SubmitMFA sends the SMS code of a pending sign-in: the second step
	// of a password sign-in, or the code RequestCode asked for.
	SubmitMFA(ctx context.Context, code string) error
	// ResendMFA asks BioT to send the SMS code again; for a sign-in by
	// code, a new code that replaces the one before.
	ResendMFA(ctx context.Context) error
	// SignIn signs a service user's environment in again with its secret
	// key as it is now (the way back after BioT refused a key or locked
	// the service user); a person's environment answers an *Error of
	// CodeBadRequest.
	SignIn(ctx context.Context) error
	// Logout ends the session and forgets the stored refresh token.
	Logout(ctx context.Context) error
	// Subscribe returns a buffered channel of session changes and a function
	// that ends the subscription. Its first event is the status at the
	// moment of subscribing, taken together with the subscription, so no
	// change falls between the two. A slow reader may miss events but
	// always sees the latest one eventually.
	Subscribe() (events <-chan Event, cancel func())
}

// Upstream is where the proxy sends an environment's requests.
type Upstream struct {
	// BaseURL is the environment's BioT URL (https, or http on a loopback
	// address), without a trailing slash; a request to /v1/proxy/PATH goes
	// to BaseURL/PATH.
	BaseURL string
	// Transport sends the requests. It is the environment's, kept for as
	// long as the environment is: its connections stay warm from one
	// request to the next. It must trust what the session's own calls to
	// BioT trust and follow no redirect (no RoundTripper does).
	Transport http.RoundTripper
	// ReadOnly refuses every method but GET, HEAD and OPTIONS before
	// anything reaches BioT.
	ReadOnly bool
}
