package agent

import "time"

// State is where the session stands. Its values are spelled as the local
// API spells its states (internal/localapi holds them to that).
type State string

// The states of a session; see the package documentation.
const (
	StateSignedOut  State = "signed_out"
	StateSignedIn   State = "signed_in"
	StateOffline    State = "offline"
	StateNeedsLogin State = "needs_login"
)

// The kinds of identity an agent signs in as, as Status.Identity names
// them.
const (
	IdentityUser    = "user"    // a person: a password, or a code sent to a phone
	IdentityService = "service" // a service user: an id and a secret key
)

// Token is an access token ready to be used, with what a caller needs to know
// about it.
type Token struct {
	Token          string
	ExpiresAt      time.Time
	UserID         string
	Username       string
	OrganizationID string
	BaseURL        string
}

// RefreshResult records how the last refresh went.
type RefreshResult struct {
	Time  time.Time
	OK    bool
	Error string // why it failed, in words; never a secret
}

// StoreInfo says where the session is kept.
type StoreInfo struct {
	Kind       string // "secret-service", "keychain", "wincred" or "memory"
	Persistent bool   // false: a restart forgets the session
	Problem    string // why the store is degraded, if it is
}

// Status is a snapshot of the session, safe to show: it holds no secret.
type Status struct {
	Env              string // the environment's name
	Identity         string // IdentityUser or IdentityService: who signs in
	State            State
	Message          string // why the session is in this state, in words
	Username         string
	UserID           string
	OrganizationID   string
	BaseURL          string
	AccessExpiresAt  *time.Time
	RefreshExpiresAt *time.Time
	LastRefresh      *RefreshResult
	NextRefreshAt    *time.Time
	MFAPending       bool   // a sign-in waits for its SMS code
	CodeSentTo       string // where BioT sent that code, as BioT masks the phone; "" when it did not say
	Store            StoreInfo
}

// Event is published on every change of the session. Seq grows by one with
// each event, so a subscriber that dropped some can tell.
type Event struct {
	// Removed says, in the events of [Environments], that the environment
	// is no longer configured; Status is its last.
	Removed bool
	Seq     uint64
	Status  Status
}
