package biotsim

import (
	"net/http"
)

// refresh answers POST /ums/v2/users/token/refresh. It rotates: the
// presented token dies and a new pair is answered.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RefreshToken *string `json:"refreshToken"`
	}
	if !decodeBody(w, r, &req) {
		s.count(func(st *Stats) { st.RefreshesRejected++ })
		return
	}
	if req.RefreshToken == nil {
		s.count(func(st *Stats) { st.RefreshesRejected++ })
		writeError(w, http.StatusBadRequest, codeBadRequest, "refreshToken is required", nil)
		return
	}
	// The signature is checked outside the lock; whether the token still
	// lives is the server's record, not the JWT's exp.
	c, err := s.parse(*req.RefreshToken, false)
	if err != nil || c.TokenType != tokenTypeRefresh {
		s.rejectRefresh(w, "")
		return
	}

	s.mu.Lock()
	now := s.now()
	rec := s.sessions[c.ID]
	switch {
	case rec == nil || rec.state == refreshLoggedOut || rec.state == refreshRevoked || !now.Before(rec.expires):
		s.mu.Unlock()
		s.rejectRefresh(w, "")
		return
	case rec.state == refreshRotated:
		s.mu.Unlock()
		s.rejectRefresh(w, c.ID)
		return
	}
	u := s.users[rec.username]
	if u == nil || u.locked() {
		s.stats.RefreshesRejected++
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, codeLoginFailed, "Login failed: the user cannot sign in", nil)
		return
	}
	s.stats.Refreshes++
	var g grant
	if faultFrom(r.Context()) == FaultNoRefreshJwt {
		// An access token for the same refresh token, which stays alive:
		// with no newer one issued, killing it would strand the session.
		s.stats.Faults++
		g = grant{
			userID:    u.ID,
			orgID:     u.OrganizationID,
			scopes:    userScopes,
			accessExp: now.Add(s.cfg.AccessTTL),
			refreshID: c.ID,
		}
	} else {
		rec.state = refreshRotated
		g = s.fullGrantLocked(u, now)
	}
	s.mu.Unlock()
	s.answerGrant(w, g)
}

// rejectRefresh answers 403 REFRESH_TOKEN_NOT_VALID; reusedID is the id of
// a rotated-out token presented again, "" for any other rejection.
func (s *Server) rejectRefresh(w http.ResponseWriter, reusedID string) {
	s.mu.Lock()
	s.stats.RefreshesRejected++
	if reusedID != "" {
		s.stats.RefreshReuse++
		s.stats.ReuseByToken[reusedID]++
	}
	s.mu.Unlock()
	writeError(w, http.StatusForbidden, codeRefreshTokenInvalid, "Refresh token is not valid", nil)
}

// logout answers POST /ums/v2/users/logout: the refresh token dies. The
// answer is 200 whatever the token, the only success the spec lists.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RefreshToken *string `json:"refreshToken"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.RefreshToken == nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "refreshToken is required", nil)
		return
	}
	c, err := s.parse(*req.RefreshToken, false)
	s.mu.Lock()
	if err == nil && c.TokenType == tokenTypeRefresh {
		if rec := s.sessions[c.ID]; rec != nil && rec.state == refreshLive {
			rec.state = refreshLoggedOut
		}
	}
	s.stats.Logouts++
	s.mu.Unlock()
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// RefreshTokenLive reports whether a refresh with token would succeed now:
// it is a refresh token this Server issued that was not rotated out,
// logged out, revoked, nor expired. Tests use it to check that a client
// stored the live token; it counts as no request.
func (s *Server) RefreshTokenLive(token string) bool {
	c, err := s.parse(token, false)
	if err != nil || c.TokenType != tokenTypeRefresh {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.sessions[c.ID]
	return rec != nil && rec.state == refreshLive && s.now().Before(rec.expires)
}
