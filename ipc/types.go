package ipc

import "time"

// The local API's types: what goes over the socket, as JSON. They belong
// to the API, not to the agent, so a program that talks to the socket
// imports no session code; internal/localapi fills them from the agent.

// State is where the session stands.
type State string

// The states of a session.
const (
	StateSignedOut  State = "signed_out"  // nobody is signed in
	StateSignedIn   State = "signed_in"   // a valid access token is at hand
	StateOffline    State = "offline"     // BioT unreachable; the agent retries
	StateNeedsLogin State = "needs_login" // the session is over; sign in again
)

// Token is the answer of GET /v1/token: an access token ready to be used,
// with what a caller needs to know about it.
type Token struct {
	Token          string    `json:"token"`
	ExpiresAt      time.Time `json:"expiresAt"`
	UserID         string    `json:"userId"`
	Username       string    `json:"username"`
	OrganizationID string    `json:"organizationId"`
	BaseURL        string    `json:"baseURL"`
}

// RefreshResult records how the last refresh went.
type RefreshResult struct {
	Time  time.Time `json:"time"`
	OK    bool      `json:"ok"`
	Error string    `json:"error,omitempty"` // why it failed, in words; never a secret
}

// StoreInfo says where the session is kept.
type StoreInfo struct {
	Kind       string `json:"kind"`              // "secret-service", "keychain", "wincred" or "memory"
	Persistent bool   `json:"persistent"`        // false: a restart forgets the session
	Problem    string `json:"problem,omitempty"` // why the store is degraded, if it is
}

// Who signs in, in Status.Identity.
const (
	IdentityUser    = "user"    // a person: a password, or a code sent to a phone
	IdentityService = "service" // a service user: an id and a secret key
)

// Status is a snapshot of the session. It holds no secret.
type Status struct {
	Env              string         `json:"env,omitempty"`      // the environment's name
	Identity         string         `json:"identity,omitempty"` // who signs in: IdentityUser or IdentityService
	State            State          `json:"state"`
	Message          string         `json:"message,omitempty"` // why the session is in this state, in words
	Username         string         `json:"username,omitempty"`
	UserID           string         `json:"userId,omitempty"`
	OrganizationID   string         `json:"organizationId,omitempty"`
	BaseURL          string         `json:"baseURL,omitempty"`
	AccessExpiresAt  *time.Time     `json:"accessExpiresAt,omitempty"`
	RefreshExpiresAt *time.Time     `json:"refreshExpiresAt,omitempty"`
	LastRefresh      *RefreshResult `json:"lastRefresh,omitempty"`
	NextRefreshAt    *time.Time     `json:"nextRefreshAt,omitempty"`
	MFAPending       bool           `json:"mfaPending,omitempty"` // a sign-in waits for its SMS code
	// CodeSentTo is, while a sign-in waits for its code, the phone BioT
	// sent it to, as BioT masks it (such as "+1•••••••0100"), when BioT
	// said.
	CodeSentTo string    `json:"codeSentTo,omitempty"`
	Store      StoreInfo `json:"store"`
}

// StatusResponse is the answer of GET /v1/status: the session's status and
// the agent's version, in one flat object.
type StatusResponse struct {
	Status
	Version string `json:"version"`
}

// Event is one message of GET /v1/events: the status after a change. Seq
// grows by one with each change, so a reader that missed some can tell;
// the first event of a stream, the status when it began, has Seq 0.
type Event struct {
	Seq    uint64 `json:"seq"`
	Env    string `json:"env"` // the environment the event is of
	Status Status `json:"status"`
}

// Environments is the answer of GET /v1/environments: every configured
// environment's status, by name, and which is the default.
type Environments struct {
	Default      string   `json:"default,omitempty"`
	Environments []Status `json:"environments"`
}
