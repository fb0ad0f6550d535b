package biotsim

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ServiceUser is a machine identity of the simulated UMS: an id and a
// secret key give an access token, and no refresh token.
type ServiceUser struct {
	// ID and OrganizationID are UUIDs; AddServiceUser makes them up when
	// empty (or keeps those of the service user being replaced).
	ID, OrganizationID string
	Secret             string
	// AccessTokenExpirationInMinutes is the lifetime of its access
	// tokens, as BioT sets it per service user (the spec's field of that
	// name, at least 1). Zero: Options.AccessTTL.
	AccessTokenExpirationInMinutes int
	// TokenTTL, when set, is the lifetime instead of the minutes: BioT's
	// are whole minutes, tests want seconds.
	TokenTTL time.Duration
	// Locked makes the sign-in answer 401 SERVICE_LOCKED.
	Locked bool
}

// ttl is how long the service user's tokens live.
func (su *ServiceUser) ttl(def time.Duration) time.Duration {
	switch {
	case su.TokenTTL > 0:
		return su.TokenTTL
	case su.AccessTokenExpirationInMinutes > 0:
		return time.Duration(su.AccessTokenExpirationInMinutes) * time.Minute
	}
	return def
}

// AddServiceUser adds su, or replaces the service user with the same ID,
// and returns its ID.
func (s *Server) AddServiceUser(su ServiceUser) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if su.ID == "" {
		su.ID = newUUID()
	}
	if old, ok := s.services[su.ID]; ok && su.OrganizationID == "" {
		su.OrganizationID = old.OrganizationID
	}
	if su.OrganizationID == "" {
		su.OrganizationID = newUUID()
	}
	s.services[su.ID] = &su
	return su.ID
}

// LockServiceUser locks the service user with the given ID (or unlocks it),
// as an administrator would. Tokens already handed out stay valid until
// they expire.
func (s *Server) LockServiceUser(id string, locked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if su := s.services[id]; su != nil {
		su.Locked = locked
	}
}

// SetServiceSecret replaces the secret key of the service user with the
// given ID: from now on only the new one signs in.
func (s *Server) SetServiceSecret(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if su := s.services[id]; su != nil {
		su.Secret = secret
	}
}

// serviceAccessToken answers POST /ums/v2/services/accessToken: a service
// user's id and secret key give an access token that lives as long as the
// service user's lifetime says.
func (s *Server) serviceAccessToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID        *string `json:"id"`
		SecretKey *string `json:"secretKey"`
	}
	if !decodeBody(w, r, &req) {
		s.count(func(st *Stats) { st.ServiceRejected++ })
		return
	}
	if req.ID == nil || req.SecretKey == nil {
		s.count(func(st *Stats) { st.ServiceRejected++ })
		writeError(w, http.StatusBadRequest, codeBadRequest, "id and secretKey are required", nil)
		return
	}
	if !uuidShape.MatchString(*req.ID) {
		s.count(func(st *Stats) { st.ServiceRejected++ })
		writeError(w, http.StatusBadRequest, codeBadRequest, "id is not a UUID", nil)
		return
	}

	s.mu.Lock()
	now := s.now()
	su := s.services[*req.ID]
	switch {
	case su != nil && su.Locked:
		s.stats.ServiceRejected++
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, codeServiceLocked, "Service user is locked", nil)
		return
	case su == nil || subtle.ConstantTimeCompare([]byte(su.Secret), []byte(*req.SecretKey)) != 1:
		s.stats.ServiceRejected++
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, codeLoginFailed, "Login failed: wrong service user id or secret key", nil)
		return
	}
	s.stats.ServiceSignIns++
	id, org, exp := su.ID, su.OrganizationID, now.Add(su.ttl(s.cfg.AccessTTL))
	s.mu.Unlock()

	access, err := s.sign(claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   id,
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        newUUID(),
		},
		TenantID:  org,
		Scopes:    serviceScopes,
		TokenType: tokenTypeService,
	})
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, serviceTokenResponse{AccessToken: access, AccessTokenExpiration: formatTime(exp)})
}
