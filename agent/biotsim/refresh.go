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
		s.rejectRefresh(w, false)
		return
	}

	s.mu.Lock()
	now := s.now()
	rec := s.sessions[c.ID]
	switch {
	case rec == nil || rec.state == refreshLoggedOut || rec.state == refreshRevoked || !now.Before(rec.expires):
		s.mu.Unlock()
		s.rejectRefresh(w, false)
		return
	case rec.state == refreshRotated:
		s.mu.Unlock()
		s.rejectRefresh(w, true)
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

func (s *Server) rejectRefresh(w http.ResponseWriter, reuse bool) {
	s.mu.Lock()
	s.stats.RefreshesRejected++
	if reuse {
		s.stats.RefreshReuse++
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
