package biotsim

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Scopes carried by access tokens.
const (
	ScopeMFALogin    = "UMS_MFA_LOGIN"
	ScopeResendMFA   = "UMS_RESEND_MFA_SMS"
	ScopeSelfGet     = "UMS_USERS_SELF_GET_USER"
	ScopeSelfUpdate  = "UMS_USERS_SELF_UPDATE_USER"
	tokenTypeUser    = "USER"
	tokenTypeService = "SERVICE"
	tokenTypeRefresh = "REFRESH"
)

var (
	// interimScopes are all an MFA interim token may do.
	interimScopes = []string{ScopeMFALogin, ScopeResendMFA}
	// userScopes stand for the permissions of a signed-in user; BioT's
	// real list depends on the user's template.
	userScopes = []string{ScopeSelfGet, ScopeSelfUpdate}
	// serviceScopes stand for a service user's permissions, which BioT
	// sets by its role; none of them reads /users/self.
	serviceScopes = []string{"UMS_SERVICE_ACCESS"}
)

// claims are the JWT claims of both kinds of token. RegisteredClaims adds
// only sub, exp and jti here: the others stay empty and are omitted.
type claims struct {
	jwt.RegisteredClaims
	TenantID       string   `json:"tenantId"`
	RefreshTokenID string   `json:"refreshTokenId,omitempty"`
	Scopes         []string `json:"scopes,omitempty"`
	TokenType      string   `json:"tokenType"`
}

func (s *Server) sign(c claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS512, c)
	t.Header = map[string]any{"alg": "RS512"} // as seen on BioT: no typ
	tok, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return tok, nil
}

// parse checks the signature and algorithm of tok. With validateTime it
// also checks exp on Options.Now.
func (s *Server) parse(tok string, validateTime bool) (*claims, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"RS512"}),
		jwt.WithTimeFunc(s.now),
		jwt.WithExpirationRequired(),
	}
	if !validateTime {
		opts = append(opts, jwt.WithoutClaimsValidation())
	}
	var c claims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return &s.key.PublicKey, nil }, opts...)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

var errNoBearer = errors.New("no bearer token")

// bearer returns the claims of the request's access token when it is
// valid now, was issued to a user who still exists, and holds scope.
func (s *Server) bearer(r *http.Request, scope string) (*claims, error) {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, errNoBearer
	}
	c, err := s.parse(strings.TrimSpace(tok), true)
	if err != nil {
		return nil, err
	}
	if c.TokenType != tokenTypeUser || !slices.Contains(c.Scopes, scope) {
		return nil, errors.New("token lacks the scope")
	}
	s.mu.Lock()
	u := s.userByIDLocked(c.Subject)
	rec := s.sessions[c.RefreshTokenID]
	revoked := rec != nil && rec.accessRevoked
	s.mu.Unlock()
	if u == nil {
		return nil, errors.New("token of an unknown user")
	}
	if revoked {
		return nil, errors.New("token revoked")
	}
	return c, nil
}

func (s *Server) rejectBearer(w http.ResponseWriter) {
	s.mu.Lock()
	s.stats.TokenRejected++
	s.mu.Unlock()
	writeError(w, http.StatusUnauthorized, codeTokenNotValid, "Token is not valid", nil)
}

// grant is what one LoginResponse hands out, decided under s.mu and signed
// after it is released, so concurrent sign-ins sign in parallel.
type grant struct {
	userID, orgID string
	scopes        []string
	accessExp     time.Time
	refreshID     string // the refresh token to issue, or the one the access token belongs to
	refreshExp    time.Time
	issueRefresh  bool
	mfaExp        time.Time // non-zero: MFA pending
	phone         string    // masked
	resetRequired bool
}

// answerGrant signs g's tokens and writes the LoginResponse.
func (s *Server) answerGrant(w http.ResponseWriter, g grant) {
	resp := loginResponse{
		UserID:                g.userID,
		OwnerOrganizationID:   g.orgID,
		MFARequired:           !g.mfaExp.IsZero(),
		PasswordResetRequired: g.resetRequired,
		Phone:                 g.phone,
	}
	if !g.mfaExp.IsZero() {
		resp.MFAExpiration = formatTime(g.mfaExp)
	}
	access, err := s.sign(claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   g.userID,
			ExpiresAt: jwt.NewNumericDate(g.accessExp),
			ID:        newUUID(),
		},
		TenantID:       g.orgID,
		RefreshTokenID: g.refreshID,
		Scopes:         g.scopes,
		TokenType:      tokenTypeUser,
	})
	if err != nil {
		s.internalError(w, err)
		return
	}
	resp.AccessJwt = jwtToken{Token: access, Expiration: formatTime(g.accessExp)}
	if g.issueRefresh {
		refresh, err := s.sign(claims{
			RegisteredClaims: jwt.RegisteredClaims{
				Subject:   g.userID,
				ExpiresAt: jwt.NewNumericDate(g.refreshExp),
				ID:        g.refreshID,
			},
			TenantID:  g.orgID,
			TokenType: tokenTypeRefresh,
		})
		if err != nil {
			s.internalError(w, err)
			return
		}
		resp.RefreshJwt = &jwtToken{Token: refresh, Expiration: formatTime(g.refreshExp)}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) internalError(w http.ResponseWriter, err error) {
	s.logf("biotsim: internal error: %v", err)
	writeError(w, http.StatusInternalServerError, codeInternal, "Internal server error", nil)
}
