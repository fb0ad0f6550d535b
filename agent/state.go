package agent

import "time"

// State is where the session stands. Its values are the strings the local
// API and the tray show.
type State string

// The states of a session; see the package documentation.
const (
	StateSignedOut  State = "signed_out"
	StateSignedIn   State = "signed_in"
	StateOffline    State = "offline"
	StateNeedsLogin State = "needs_login"
)

// Token is an access token ready to be used, with what a caller needs to know
// about it.
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

// Status is a snapshot of the session, safe to show: it holds no secret.
type Status struct {
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
	Store            StoreInfo      `json:"store"`
}

// Event is published on every change of the session. Seq grows by one with
// each event, so a subscriber that dropped some can tell.
type Event struct {
	Seq    uint64 `json:"seq"`
	Status Status `json:"status"`
}
